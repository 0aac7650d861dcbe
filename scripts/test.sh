#!/usr/bin/env bash
# Set up and run the whole suite: on SQLite, then on PostgreSQL when one is reachable
# (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test). CI sets
# REQUIRE_POSTGRES=1 so a missing PostgreSQL fails instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
. .venv/bin/activate

# Browser tests drive Debian's Chromium; install it when absent and we are allowed to.
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will be skipped" >&2
  else
    echo "warning: /usr/bin/chromium missing; browser tests will be skipped" >&2
  fi
fi

PG_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
WORKERS="${TEST_WORKERS:-2}"

echo "== test suite on SQLite =="
python -m pytest -n "$WORKERS" "$@"

if python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== test suite on PostgreSQL =="
  DATABASE_URL="$PG_URL" python -m pytest -n "$WORKERS" "$@"
elif [[ "${REQUIRE_POSTGRES:-0}" == 1 ]]; then
  echo "PostgreSQL is required but not reachable at $PG_URL" >&2
  exit 1
fi

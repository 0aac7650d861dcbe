#!/usr/bin/env bash
# Benchmarks for the customer's checkout (a script, not a timed test).
#
# 1. The status poll, the hot path: every open checkout page asks every 3 seconds. It is
#    measured under gunicorn against a bare Flask endpoint served the same way in the same
#    run, and both numbers, their ratio and the p99 latency are printed.
#    Targets: poll >= 0.75 x bare, p99 < 100 ms at 200 connections.
# 2. Starting a QRIS charge: the customer's press to a visible QR (POST + the PNG), with
#    the simulator mounted in-process. Target: median < 150 ms.
#
# Everything runs on 127.0.0.1 in a temporary directory (its own SQLite database unless
# BENCH_DATABASE_URL names a PostgreSQL one) and everything started here is stopped on exit.
#
# Knobs: BENCH_SECONDS (10), BENCH_CONNECTIONS (200), BENCH_WORKERS (2), BENCH_THREADS (4),
#        BENCH_POLL_THREADS (2: gthread threads for the poll/bare servers; fewer threads
#        queue fewer requests behind the GIL, which keeps p99 down), BENCH_LINKS (50
#        checkout links polled), BENCH_CHARGES (30 runs), BENCH_DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SECONDS_EACH="${BENCH_SECONDS:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-200}"
WORKERS="${BENCH_WORKERS:-2}"
THREADS="${BENCH_THREADS:-4}"
POLL_THREADS="${BENCH_POLL_THREADS:-2}"
LINKS="${BENCH_LINKS:-50}"
CHARGES="${BENCH_CHARGES:-30}"

if [[ -f .venv/bin/activate ]]; then
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi

# wrk from the distribution; the Python generator when it cannot be installed.
if ! command -v wrk >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing wrk..." >&2
    (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1)) || true
  fi
fi
if command -v wrk >/dev/null 2>&1; then
  LOADGEN=wrk
else
  LOADGEN=python
  echo "wrk is not available: using bench/loadgen.py (slower; ratios understate the server)" >&2
fi

WORK=$(mktemp -d -t checkout-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  done
  if [[ -n "${BENCH_PG_DATABASE:-}" ]]; then
    python -m bench.pg_database drop "$BENCH_PG_DATABASE" || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
  python - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

wait_for() {  # url
  python - "$1" <<'PY'
import sys, time, urllib.request, urllib.error
deadline = time.monotonic() + 30
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        break
    except urllib.error.HTTPError:
        break  # it answers
    except Exception:
        if time.monotonic() > deadline:
            sys.exit(f"{sys.argv[1]} did not come up")
        time.sleep(0.1)
PY
}

APP_PORT=$(free_port)
BARE_PORT=$(free_port)
export BENCH_DIR="$WORK"
export PUBLIC_URL="http://127.0.0.1:$APP_PORT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export APP_ENV=development
# The scripts below print their results on stdout, where the app's log lines go too:
# keep the logs to warnings so the results stay readable (and parseable).
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
export BENCH_DATABASE_URI=""
BENCH_PG_DATABASE=""
if [[ -n "${BENCH_DATABASE_URL:-}" ]]; then
  # A fresh database on that server for this run, dropped on exit.
  BENCH_PG_DATABASE=$(python -m bench.pg_database create "$BENCH_DATABASE_URL")
  BENCH_DATABASE_URI=$(python -c "from checkout.config import normalise_database_url as n; import sys; print(n(sys.argv[1]))" "$BENCH_PG_DATABASE")
  export BENCH_DATABASE_URI
fi

echo "== preparing $LINKS checkout links with a live QR in $WORK" >&2
python -m bench.setup_db "$LINKS" > "$WORK/paths.txt"
export BENCH_PATHS="$WORK/paths.txt"

GUNICORN=(gunicorn --workers "$WORKERS" --worker-class gthread --threads "$POLL_THREADS" --log-level warning
          --backlog 2048 --keep-alive 5)
"${GUNICORN[@]}" --bind "127.0.0.1:$BARE_PORT" bench.bare_app:app &
PIDS+=($!)
"${GUNICORN[@]}" --bind "127.0.0.1:$APP_PORT" bench.bench_app:app &
PIDS+=($!)
wait_for "http://127.0.0.1:$BARE_PORT/ping"
wait_for "http://127.0.0.1:$APP_PORT$(head -1 "$WORK/paths.txt")"

load() {  # name url [paths-file]
  local name=$1 url=$2 paths=${3:-}
  if [[ $LOADGEN == wrk ]]; then
    if [[ -n "$paths" ]]; then
      wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_EACH}s" --latency -s bench/poll.lua "$url" > "$WORK/$name.txt"
    else
      wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_EACH}s" --latency "$url" > "$WORK/$name.txt"
    fi
  else
    python bench/loadgen.py "$url" -c "$CONNECTIONS" -d "$SECONDS_EACH" ${paths:+--paths "$paths" --htmx} > "$WORK/$name.txt"
  fi
}

rps() { awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt"; }
p99_ms() {  # wrk prints 99% with a unit (us, ms, s)
  awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/, "", v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v=v*1000}; print v}' "$WORK/$1.txt"
}
errors() { awk '/Non-2xx|Socket errors/ {print}' "$WORK/$1.txt"; }

echo "== bare Flask endpoint: ${CONNECTIONS} connections, ${SECONDS_EACH}s ($LOADGEN)" >&2
load bare "http://127.0.0.1:$BARE_PORT/ping"
echo "== status poll (unchanged state -> 204): ${CONNECTIONS} connections, ${SECONDS_EACH}s" >&2
load poll "http://127.0.0.1:$APP_PORT" "$WORK/paths.txt"

BARE_RPS=$(rps bare)
POLL_RPS=$(rps poll)
POLL_P99=$(p99_ms poll)
BARE_P99=$(p99_ms bare)
RATIO=$(python -c "print(f'{float($POLL_RPS) / float($BARE_RPS):.2f}')")

echo "== QRIS charge (POST to QR visible), $CHARGES runs" >&2
python -m bench.qris_bench "http://127.0.0.1:$APP_PORT" "$CHARGES" > "$WORK/qris.txt"

echo
echo "Benchmark ($(nproc) CPU, load average $(cut -d' ' -f1-3 /proc/loadavg), gunicorn ${WORKERS} workers x ${POLL_THREADS} gthread threads, $LOADGEN, ${CONNECTIONS} connections, ${SECONDS_EACH}s each, $([[ -n "${BENCH_DATABASE_URL:-}" ]] && echo PostgreSQL || echo SQLite))"
printf '  bare Flask     %10s req/s   p99 %8s ms\n' "$BARE_RPS" "$BARE_P99"
printf '  status poll    %10s req/s   p99 %8s ms   ratio %s (target >= 0.75, p99 < 100 ms)\n' "$POLL_RPS" "$POLL_P99" "$RATIO"
errors bare | sed 's/^/  bare: /'
errors poll | sed 's/^/  poll: /'
MEDIAN=$(awk -F= '/qris_charge_median_ms/ {print $2}' "$WORK/qris.txt")
P90=$(awk -F= '/qris_charge_p90_ms/ {print $2}' "$WORK/qris.txt")
printf '  QRIS charge    median %s ms   p90 %s ms over %s runs (target median < 150 ms)\n' "$MEDIAN" "$P90" "$CHARGES"

# Midtrans notifications: verified notifications per second through POST /webhooks/midtrans
# (SQLite, and PostgreSQL when reachable) next to a bare endpoint; it starts and stops its own servers.
echo "== Midtrans notifications" >&2
python bench/notifications.py --seconds "$SECONDS_EACH" --workers "$WORKERS" --threads "$THREADS"

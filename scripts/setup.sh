#!/usr/bin/env bash
# Prepare a checkout to run (default) or to test (--dev): virtualenv, Python packages,
# the pinned htmx build, compiled translations, a private SECRET_KEY and the database.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --disable-pip-version-check --upgrade pip
if [[ $DEV == 1 ]]; then
  python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
else
  python -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi

# htmx comes from the npm registry at the version package-lock.json pins.
# axe-core (accessibility checks in the browser tests) is a dev dependency: --dev only.
if [[ ! -f node_modules/htmx.org/dist/htmx.min.js ]] || { [[ $DEV == 1 ]] && [[ ! -f node_modules/axe-core/axe.min.js ]]; }; then
  if [[ $DEV == 1 ]]; then
    npm ci --no-audit --no-fund --silent
  else
    npm ci --omit=dev --no-audit --no-fund --silent
  fi
fi
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

pybabel compile -d translations --statistics >/dev/null 2>&1 || pybabel compile -d translations

mkdir -p instance
if [[ ! -f .env ]]; then
  umask 077
  printf 'SECRET_KEY=%s\n' "$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" > .env
fi
if [[ ! -f .flaskenv ]]; then
  if [[ "${APP_ENV:-}" == production ]]; then
    # A server: no development default for the `flask` command (unset means production).
    grep -v '^APP_ENV=' .flaskenv.example > .flaskenv
  else
    cp .flaskenv.example .flaskenv
  fi
fi

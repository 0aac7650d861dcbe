#!/usr/bin/env bash
# Before the first release only: rebuild the initial migration from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
tmp=$(mktemp -d)
rm -f migrations/versions/*.py
APP_ENV=development DATABASE_URL="sqlite:///$tmp/empty.sqlite3" SIMULATOR_MOUNTED=0 flask --app wsgi db migrate -m "initial schema" --rev-id 0001
rm -rf "$tmp"

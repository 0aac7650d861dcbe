#!/usr/bin/env bash
# Set up and start the app on the embedded default: SQLite in instance/, the Midtrans
# simulator mounted in-process at /midtrans-simulator, the demo shop at /.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
# Say development explicitly: without APP_ENV the app runs as production (and refuses
# SQLite, the simulator and the demo shop).
export APP_ENV=development
flask db upgrade
PORT="${PORT:-5000}"
export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:$PORT}"
echo "Checkout running at $PUBLIC_URL (demo shop), admin at $PUBLIC_URL/admin"
exec flask run --host 127.0.0.1 --port "$PORT" --with-threads

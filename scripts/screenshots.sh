#!/usr/bin/env bash
# make screenshots: the demo on a throw-away database, served on a free
# loopback port, photographed by scripts/screenshots.py into docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
work=$(mktemp -d)
port=${SCREENSHOT_PORT:-8765}
export DEBUG=1 SQLITE_PATH="$work/demo.sqlite3" SITE_URL="http://127.0.0.1:$port"
$BIN/alliancelens migrate --noinput -v0
link=$($BIN/alliancelens demo | sed -n 's/^Respondent link ([^)]*): //p')
# A personal link of a closed round, for the respondent's outcome page.
token=$($BIN/alliancelens shell -c "
from alliancelens.alliances.models import Invitation
from alliancelens.alliances.services import invitations_issue
inv = Invitation.objects.filter(round__alliance__slug='demo', round__number=2).first()
print(invitations_issue(invitations=[inv])[0].token)" | tail -n 1)
$BIN/alliancelens runserver --noreload "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
# Wait for the server (Python, not curl: a new machine may lack curl).
$BIN/python - "$SITE_URL/accounts/login/" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        break
    except OSError:
        time.sleep(0.1)
PY
SCREENSHOT_BASE="$SITE_URL" $BIN/python scripts/screenshots.py "$link" "$SITE_URL/r/$token/outcome/"
echo "screenshots written to docs/screenshots/"

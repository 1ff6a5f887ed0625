#!/usr/bin/env bash
# System packages the project needs: gettext (to compile the translation
# catalogues), Pango and a font (for WeasyPrint's PDF reports) and Debian's
# Chromium (for the browser tests; Playwright never downloads a browser of
# its own here), nginx (the reverse proxy of `make serve`, the slow-client
# benchmark and tests/test_proxy.py; deploy/nginx/) and openssl (their
# self-signed loopback certificate). Installs only what is missing, and
# only when running as root; otherwise says what to install.
set -euo pipefail
missing=()
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "Installing system packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

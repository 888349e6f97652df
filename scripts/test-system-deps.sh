#!/usr/bin/env bash
# Installs the Debian packages the tests use, when they are missing (needs root or sudo).
# Kept idempotent and quiet so that `make test` can call it every time.
set -euo pipefail

packages=(
  gdal-bin                 # ogrinfo: GDAL's OGC API - Features client (tests/test_ogcapi.py)
  postgresql-15-postgis-3  # the PostGIS store backend (tests/test_store.py, tests/test_durability.py)
  chromium                 # the browser the page tests drive with Playwright (tests/test_browser.py)
  poppler-utils            # pdftotext and pdfinfo: read back the pages printed to PDF (tests/test_print.py)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "installing Debian packages for the tests: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

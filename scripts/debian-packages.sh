#!/usr/bin/env bash
# Debian packages the application, its tests and its benchmark need: WeasyPrint's Pango and HarfBuzz, a fallback
# font, Chromium for the browser tests and wrk for the load benchmark. Installs what is missing when run as root; otherwise
# says what to install.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core chromium wrk)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "== Debian-pakketten installeren: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Ontbrekende Debian-pakketten: ${missing[*]}" >&2
  echo "Installeer ze met: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

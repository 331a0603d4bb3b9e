#!/usr/bin/env bash
# Install the Debian packages LearnApp needs, only those missing, only when root.
#   scripts/system-packages.sh run    WeasyPrint's Pango and HarfBuzz-subset libraries
#   scripts/system-packages.sh test   the above, plus Chromium, poppler-utils, Node, npm and LibreOffice Calc
#                                     (headless: real CSV files for the import tests) for the tests
#   scripts/system-packages.sh bench  the above, plus wrk and nginx (the static files' yardstick)
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
case "${1:-run}" in
  run) ;;
  test) packages+=(chromium poppler-utils nodejs npm libreoffice-calc-nogui) ;;
  bench) packages+=(chromium poppler-utils nodejs npm libreoffice-calc-nogui wrk nginx) ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

# A command already on the PATH counts: NodeSource's nodejs carries its own npm,
# and Debian's npm package cannot be installed beside it.
declare -A provides=([nodejs]=node [npm]=npm [chromium]=chromium [wrk]=wrk [nginx]=nginx [libreoffice-calc-nogui]=libreoffice)

missing=()
for package in "${packages[@]}"; do
  command="${provides[$package]:-}"
  [ -n "$command" ] && command -v "$command" >/dev/null && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

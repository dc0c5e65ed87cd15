#!/bin/sh
# Install the Debian libraries WeasyPrint needs for the PDF export (pango, its FreeType
# backend, harfbuzz's subsetter) and a font. Needs root (as on CI); without root it says so
# and leaves the machine alone: the PDF export then names the missing library.
set -e
PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
missing=""
for package in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "install-pdf-libs: not root; not installing$missing (PDF export needs them)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-pdf-libs: no apt-get here; install$missing by hand for PDF export" >&2
    exit 0
fi
echo "install-pdf-libs: installing$missing with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
# Other installs may hold the dpkg lock: wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing >/dev/null

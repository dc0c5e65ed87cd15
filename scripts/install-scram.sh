#!/bin/sh
# Install Debian's SCRAM (Open-PSA fault-tree engine) for the fault-tree cross-check test.
# Needs root (as on CI); without root the SCRAM test skips, naming the package.
# Other helpers may run apt at the same time: wait for the dpkg lock rather than fail.
set -e
if command -v scram >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "install-scram: not root; skipping the Debian package scram (the SCRAM cross-check test will skip)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-scram: no apt-get here; the SCRAM cross-check test will skip" >&2
    exit 0
fi
echo "install-scram: installing scram with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3; do
    if apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends scram >/dev/null; then
        exit 0
    fi
    echo "install-scram: apt-get install failed (attempt $attempt); refreshing the package lists" >&2
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null || true
done
echo "install-scram: could not install scram; the SCRAM cross-check test will skip" >&2
exit 0

#!/bin/sh
# Install Debian's SCRAM (Open-PSA fault-tree engine, Debian package scram: a binary package,
# nothing is built from source) for the fault-tree cross-check test (tests/test_scram.py).
# Needs root (as on CI); without root the SCRAM test skips, naming the package.
# Other helpers may run apt at the same time: wait for the dpkg lock, and retry a few times.
set -e
if command -v scram >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "install-scram: not root; skipping the Debian package scram (the SCRAM cross-check test will skip)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-scram: no apt-get here; the SCRAM cross-check test will skip (needs the Debian package scram)" >&2
    exit 0
fi
echo "install-scram: installing scram with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3; do
    # A fresh machine has no package lists yet: refresh them before the first try.
    if apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null &&
       apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends scram >/dev/null; then
        exit 0
    fi
    echo "install-scram: apt-get failed (attempt $attempt); retrying" >&2
    sleep 10
done
echo "install-scram: could not install the Debian package scram; the SCRAM cross-check test will skip" >&2
exit 0

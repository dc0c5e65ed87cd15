#!/bin/sh
# Install Debian's Prometheus and InfluxDB 1.x servers for the sink tests (tests/test_sinks_servers.py).
# Needs root (as on CI); without root those tests skip with a message naming the package.
# The tests start each server themselves on a free 127.0.0.1 port with a temporary data dir;
# the packages' own system services are kept from starting (and stopped if an init started them),
# so nothing listens on 8086/8088/9090 behind the tests' back.
set -e
if command -v prometheus >/dev/null 2>&1 && command -v influxd >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "install-monitoring: not root; skipping prometheus and influxdb (their tests will skip)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-monitoring: no apt-get here; the prometheus and influxdb tests will skip" >&2
    exit 0
fi
echo "install-monitoring: installing prometheus and influxdb with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
# Other installs may hold the dpkg lock: wait for it, and retry the whole step a few times.
apt_get() {
    for attempt in 1 2 3; do
        if apt-get -o DPkg::Lock::Timeout=600 "$@"; then
            return 0
        fi
        echo "install-monitoring: apt-get $* failed (attempt $attempt); retrying" >&2
        sleep 10
    done
    return 1
}
# policy-rc.d exit 101 keeps the postinst scripts from starting the services (Debian's mechanism);
# put one in place only for this install if the machine has none, and remove only our own.
ours=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# written by install-monitoring.sh for its apt-get install\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    ours=1
fi
status=0
apt_get update -qq >/dev/null || status=$?
if [ "$status" = 0 ]; then
    apt_get install -y -qq --no-install-recommends prometheus influxdb >/dev/null || status=$?
fi
if [ -n "$ours" ] && grep -q "install-monitoring.sh" /usr/sbin/policy-rc.d 2>/dev/null; then
    rm -f /usr/sbin/policy-rc.d
fi
# Never leave a system service holding the default ports: disable them at boot and stop any that runs.
for service in prometheus influxdb; do
    if [ -x "/etc/init.d/$service" ]; then
        update-rc.d "$service" disable >/dev/null 2>&1 || true
        if "/etc/init.d/$service" status >/dev/null 2>&1; then
            echo "install-monitoring: stopping the $service system service the package started" >&2
            "/etc/init.d/$service" stop >/dev/null 2>&1 || true
        fi
    fi
done
exit "$status"

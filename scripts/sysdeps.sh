#!/usr/bin/env bash
# Installs the system tools the tests use, from Debian's packages, when they are missing.
# Each entry is "command:package". Without root or apt-get nothing is installed; the tests that
# need a missing tool skip and say why.
set -u
need=()
for entry in ip:iproute2 chromium:chromium tshark:tshark tcpdump:tcpdump arping:iputils-arping \
             qemu-system-x86_64:qemu-system-x86; do
  cmd=${entry%%:*}; pkg=${entry#*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "sysdeps: missing ${need[*]} and cannot install them (not root or no apt-get): tests needing them will skip"
  exit 0
fi
echo "sysdeps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || \
  echo "sysdeps: apt-get install failed for some of: ${need[*]} (tests needing them will skip)"
exit 0

#!/usr/bin/env bash
# Fetch Debian's newest Linux 6.1 kernel package (linux-image-6.1.0-N-amd64-unsigned) with apt and
# extract it into the cache; install the host tools the guest needs (busybox-static, cpio, qemu).
# Prints the cache directory of the extracted kernel. Nothing else is downloaded.
set -euo pipefail
CACHE=${NK_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netkernel/oracle-6.1}
mkdir -p "$CACHE"
export DEBIAN_FRONTEND=noninteractive
need=()
for entry in busybox:busybox-static cpio:cpio modprobe:kmod qemu-system-x86_64:qemu-system-x86; do
  cmd=${entry%%:*}; pkg=${entry#*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
# busybox must be the static build: the initramfs has no libc
if command -v busybox >/dev/null && ldd "$(command -v busybox)" >/dev/null 2>&1; then need+=(busybox-static); fi
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "oracle-6.1: need ${need[*]} (install as root)" >&2; exit 3; }
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! apt-cache show linux-image-6.1.0-1-amd64-unsigned >/dev/null 2>&1 && \
   [ -z "$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$')" ]; then
  apt-get update -qq >/dev/null || true
fi
pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | awk '{print $1}' | sort -V | tail -1)
[ -n "$pkg" ] || { echo "oracle-6.1: apt knows no linux-image-6.1.0-N-amd64-unsigned package" >&2; exit 3; }
if [ ! -f "$CACHE/$pkg.extracted" ]; then
  rm -rf "$CACHE/k" "$CACHE"/*.extracted
  (cd "$CACHE" && rm -f ./*.deb && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null)
  dpkg-deb -x "$CACHE"/"$pkg"_*.deb "$CACHE/k"
  # the package's postinst would run depmod: module autoload (veth, dummy) needs modules.dep
  depmod -b "$CACHE/k" "$(ls "$CACHE/k/lib/modules" | head -1)"
  rm -f "$CACHE"/*.deb
  touch "$CACHE/$pkg.extracted"
fi
echo "$CACHE"

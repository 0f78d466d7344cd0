#!/bin/bash
# The oracle guest's initramfs: armel busybox (static), the study-case program, guest/init.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${HW_ORACLE_CACHE:-/work/cache/hw-oracle}
cd "$CACHE"
deb=$(ls busybox-static_*_armel.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
    dpkg --print-foreign-architectures | grep -qx armel || { dpkg --add-architecture armel; apt-get update -qq; }
    apt-get download busybox-static:armel
    deb=$(ls busybox-static_*_armel.deb | head -1)
fi
rm -rf rootfs bb && mkdir -p rootfs/bin rootfs/proc rootfs/sys rootfs/dev
dpkg-deb -x "$deb" bb
cp bb/bin/busybox rootfs/bin/busybox
arm-linux-gnueabi-gcc -static -O2 -Wall -o rootfs/bin/studycase "$HERE/guest/studycase.c"
cp "$HERE/guest/init" rootfs/init
(cd rootfs && find . | sort | cpio --quiet -o -H newc -R 0:0 | gzip -9 -n) > initramfs.cpio.gz
echo "hw-oracle: initramfs in $CACHE/initramfs.cpio.gz"

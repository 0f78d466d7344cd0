#!/bin/bash
# `make hw-oracle`: regenerate tests/data/ast2500/ from real Linux 6.1 on QEMU's AST2500.
#   1. apt: the ARM cross compiler, QEMU for ARM, Debian's linux-source-6.1 (armel busybox below)
#   2. the kernel (aspeed_g5_defconfig + kernel.config), cached in $HW_ORACLE_CACHE
#   3. the initramfs: busybox, guest/studycase.c, guest/init
#   4. boot -M ast2500-evb, run the study case (run.py), write the data set (record.py)
# Not part of `make test`: the tests compare against the stored data only.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export HW_ORACLE_CACHE=${HW_ORACLE_CACHE:-/work/cache/hw-oracle}
mkdir -p "$HW_ORACLE_CACHE"
need=()
command -v arm-linux-gnueabi-gcc >/dev/null || need+=(gcc-arm-linux-gnueabi binutils-arm-linux-gnueabi)
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
[ -f /usr/src/linux-source-6.1.tar.xz ] || need+=(linux-source-6.1)
for tool in flex bison bc cpio xz; do command -v $tool >/dev/null || need+=($tool); done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]/xz/xz-utils}" make libssl-dev libelf-dev
fi
nice -n 10 "$HERE/build-kernel.sh"
"$HERE/build-initramfs.sh"
RUN="$HW_ORACLE_CACHE/run"
python3 "$HERE/run.py" "$HW_ORACLE_CACHE" "$RUN"
python3 "$HERE/record.py" "$RUN" "$ROOT/tests/data/ast2500" "$HERE/kernel.config" "$ROOT/src/netkernel" \
    "$HW_ORACLE_CACHE/kbuild/vmlinux"

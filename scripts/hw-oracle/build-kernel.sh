#!/bin/bash
# Build Debian's linux-source-6.1 for the AST2500 (aspeed_g5_defconfig + function_graph tracing)
# into $HW_ORACLE_CACHE (default /work/cache/hw-oracle). A finished build is reused: the stamp
# file records the config fragment it was built with, and a changed fragment rebuilds.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${HW_ORACLE_CACHE:-/work/cache/hw-oracle}
JOBS=${HW_ORACLE_JOBS:-2}
mkdir -p "$CACHE"
cd "$CACHE"

FRAGMENT="$HERE/kernel.config"
STAMP=kbuild/.hw-oracle-stamp
WANT=$(sha256sum "$FRAGMENT" /usr/src/linux-source-6.1.tar.xz | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] \
   && [ -f kbuild/arch/arm/boot/zImage ] && [ -f kbuild/arch/arm/boot/dts/aspeed-ast2500-evb.dtb ]; then
    echo "hw-oracle: kernel build cached in $CACHE/kbuild"
    exit 0
fi

if [ ! -d linux-source-6.1 ]; then
    tar xf /usr/src/linux-source-6.1.tar.xz
fi
export ARCH=arm CROSS_COMPILE=arm-linux-gnueabi-
make -s -C linux-source-6.1 O="$CACHE/kbuild" aspeed_g5_defconfig
# The fragment: one `scripts/config` argument pair per line (e.g. `--enable FUNCTION_GRAPH_TRACER`).
grep -v '^#' "$FRAGMENT" | xargs linux-source-6.1/scripts/config --file kbuild/.config
make -s -C linux-source-6.1 O="$CACHE/kbuild" olddefconfig
for opt in FUNCTION_GRAPH_TRACER DYNAMIC_FTRACE PACKET FTGMAC100 KALLSYMS; do
    grep -q "^CONFIG_$opt=y" kbuild/.config || { echo "hw-oracle: CONFIG_$opt did not stick" >&2; exit 1; }
done
nice -n 10 make -s -C linux-source-6.1 O="$CACHE/kbuild" -j"$JOBS" zImage dtbs
echo "$WANT" > "$STAMP"
echo "hw-oracle: kernel built in $CACHE/kbuild"

#!/usr/bin/env bash
# usage: run.sh 'COMMAND'   — run COMMAND as root inside Debian's Linux 6.1 under QEMU, in the
# current directory, with this machine's / read-only (tmpfs on /tmp and /run). Its output streams
# here; the exit status is COMMAND's (124: the guest did not finish in NK_ORACLE_TIMEOUT seconds,
# 3: the oracle cannot run here). NK_ORACLE_ACCEL=kvm tries KVM (default: TCG, which always works).
# What COMMAND writes under /run/io/out in the guest is copied to NK_ORACLE_OUT (a directory) if set.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(bash "$HERE/fetch.sh") || exit 3
KIMG=$(ls "$CACHE"/k/boot/vmlinuz-* | head -1)
IRD=$CACHE/initramfs-$(basename "$KIMG" | sed 's/vmlinuz-//').gz
if [ ! -s "$IRD" ] || [ "$HERE/mkinitramfs.sh" -nt "$IRD" ]; then
  bash "$HERE/mkinitramfs.sh" "$CACHE" "$IRD.tmp" && mv "$IRD.tmp" "$IRD" || exit 3
fi
IO=$(mktemp -d "${TMPDIR:-/tmp}/nk-oracle.XXXXXX"); trap 'rm -rf "$IO"' EXIT
cat > "$IO/stage2.sh" <<EOS
#!/bin/bash
export PATH='$PATH' HOME=/root LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 TERM=dumb NK_ORACLE_GUEST=1
ip link set lo up
cd '$PWD'
echo "oracle-6.1: guest \$(uname -r) up in \$(cut -d' ' -f1 /proc/uptime) s" > /dev/console
bash -c $(printf %q "$1") > /dev/console 2>&1
echo \$? > /run/io/rc
sync
echo o > /proc/sysrq-trigger
sleep 30
EOS
case ${NK_ORACLE_ACCEL:-tcg} in
  kvm) ACCEL=kvm; CPU=host ;;
  *)   ACCEL="tcg,thread=multi"; CPU=max ;;
esac
timeout --foreground "${NK_ORACLE_TIMEOUT:-900}" qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" -smp 2 -m 2G \
  -no-reboot -nographic -kernel "$KIMG" -initrd "$IRD" \
  -append "console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off" \
  -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path="$IO",mount_tag=io,security_model=none \
  -net none < /dev/null | tr -d '\r' | sed -u -e 's/\x1b[c[][?0-9;]*[a-zA-Z]\?//g' -e 's/SeaBIOS ([^)]*)//; s/Booting from ROM\.*//' \
      -e '/^\[ *[0-9.]*\] \(sysrq\|reboot\):/d' -e '/^$/d'
qrc=${PIPESTATUS[0]}
if [ -n "${NK_ORACLE_OUT:-}" ] && [ -d "$IO/out" ]; then mkdir -p "$NK_ORACLE_OUT" && cp -r "$IO/out/." "$NK_ORACLE_OUT/"; fi
[ "$qrc" = 124 ] && { echo "oracle-6.1: the guest did not finish in ${NK_ORACLE_TIMEOUT:-900} s" >&2; exit 124; }
[ -s "$IO/rc" ] || { echo "oracle-6.1: the guest ended without a result (qemu exit $qrc)" >&2; exit 3; }
exit "$(cat "$IO/rc")"

#!/usr/bin/env bash
# Build the guest's initramfs: static busybox and the few modules (virtio, 9p, overlay) that let
# Debian's 6.1 kernel mount this machine's root filesystem read-only over 9p and switch into it.
# usage: mkinitramfs.sh CACHE OUT.gz
set -euo pipefail
CACHE=$1; OUT=$2
K=$CACHE/k
KVER=$(ls "$K/lib/modules" | head -1)
MODS=$K/lib/modules/$KVER/kernel
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W"/bin "$W"/dev "$W"/proc "$W"/sys "$W"/root "$W"/mods
cp "$(command -v busybox)" "$W/bin/busybox"
order=""
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
         drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/9p/9pnet \
         net/9p/9pnet_virtio fs/netfs/netfs fs/fscache/fscache fs/9p/9p fs/overlayfs/overlay; do
  f=$MODS/$m.ko
  [ -f "$f" ] || f=$MODS/$m.ko.xz
  [ -f "$f" ] || { echo "mkinitramfs: $m missing in $KVER" >&2; exit 1; }
  cp "$f" "$W/mods/"
  order="$order $(basename "$m")"
done
cat > "$W/init" <<EOI
#!/bin/busybox sh
# Stage 1 (in the initramfs): modules, the host's / read-only, writable tmpfs where programs write,
# the kernel's own module tree visible at /usr/lib/modules, then stage 2 from the io share.
B=/bin/busybox
\$B mount -t proc proc /proc; \$B mount -t sysfs sys /sys; \$B mount -t devtmpfs dev /dev
for m in $order; do \$B insmod /mods/\$m.ko || echo "initramfs: insmod \$m failed"; done
P9="trans=virtio,version=9p2000.L,msize=512000"
\$B mount -t 9p -o ro,cache=loose,\$P9 host /root || { echo "initramfs: cannot mount the host's /"; \$B poweroff -f; }
\$B mkdir -p /ovl; \$B mount -t tmpfs tmpfs /ovl; \$B mkdir -p /ovl/up /ovl/work
\$B mount -t overlay -o lowerdir=/root/usr/lib,upperdir=/ovl/up,workdir=/ovl/work usrlib /root/usr/lib
\$B mkdir -p /root/usr/lib/modules/$KVER
\$B mount --bind /root$K/lib/modules/$KVER /root/usr/lib/modules/$KVER
# /tmp: the host's (a checkout may live there) under a writable tmpfs layer; /run: empty
\$B mkdir -p /ovl/tmpup /ovl/tmpwork; \$B chmod 1777 /ovl/tmpup
\$B mount -t overlay -o lowerdir=/root/tmp,upperdir=/ovl/tmpup,workdir=/ovl/tmpwork tmp /root/tmp
\$B mount -t tmpfs -o mode=1777 tmpfs /root/run
\$B mount -t devtmpfs dev /root/dev; \$B mkdir -p /root/dev/shm /root/dev/pts
\$B mount -t tmpfs -o mode=1777 tmpfs /root/dev/shm; \$B mount -t devpts devpts /root/dev/pts
\$B mount -t proc proc /root/proc; \$B mount -t sysfs sys /root/sys
\$B mkdir -p /root/run/io /root/run/netns
\$B mount -t 9p -o rw,\$P9 io /root/run/io || { echo "initramfs: no io share"; \$B poweroff -f; }
exec \$B switch_root /root /bin/bash /run/io/stage2.sh
EOI
chmod +x "$W/init"
(cd "$W" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT"

#!/bin/sh
# /init of the guest's initramfs (busybox only). It makes the root the guest really runs in: the
# host's / over 9p, read-only, under a tmpfs overlay that takes the guest's writes; mounts the
# results share at /out; then hands over to the guest script named by minipod.guest= on the
# kernel command line (tests/hosts/guest.sh, copied by run.sh), which runs as PID 1.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "minipod-initramfs: $*" > /dev/ttyS0; }
fail() { say "$*; powering off"; sleep 1; poweroff -f; }

# virtio PCI, the 9p transport and file system, overlayfs; dependencies first (see run.sh).
while read -r ko; do insmod "/modules/$ko" || say "insmod $ko failed"; done < /modules/order

guest=$(sed -n 's/.* minipod\.guest=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$guest" ] || fail "no minipod.guest= on the kernel command line"

p9=trans=virtio,version=9p2000.L,msize=262144
mkdir -p /host /rw /root
mount -t 9p -o "$p9,ro,cache=loose" host /host || fail "cannot mount the host's / (9p tag 'host')"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /root ||
  fail "cannot make the overlay root"
mkdir -p /root/out
mount -t 9p -o "$p9,cache=none" out /root/out || fail "cannot mount the results share (9p tag 'out')"
mount --move /dev /root/dev
umount /sys /proc
[ -f "/root$guest" ] || fail "no $guest in the guest's root"
exec switch_root /root /bin/bash "$guest"

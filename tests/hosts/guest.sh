#!/bin/bash
# PID 1 of a guest booted by tests/hosts/run.sh, on the host's userland (read-only 9p root under a
# tmpfs overlay). Makes a machine like a Debian 12 host without systemd's processes: the usual
# pseudo file systems, writable places on a disk of their own, the kernel's modules, lo and a
# network that leads nowhere, and the cgroup layout named by minipod.layout= (v2, v1, hybrid) as
# systemd would mount it. Then runs the planned gtest binaries from the build snapshot, writes
# their logs and XML to /out (the results folder on the host), and powers off.
if [ "$$" != 1 ]; then
  echo "tests/hosts/guest.sh runs only as PID 1 of a guest booted by tests/hosts/run.sh" >&2
  exit 1
fi
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb
cd /

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
uptime_s() { cut -d. -f1 /proc/uptime; }
log() { echo "guest: $(cut -d' ' -f1 /proc/uptime)s $*" | tee -a /out/guest.log > /dev/console; }
power_off() {
  sync
  echo o > /proc/sysrq-trigger
  sleep 10
  /bin/busybox poweroff -f
}
setup_failed() { log "set-up failed: $*"; echo "$*" > /out/setup-failed; power_off; }

grep -q ' minipod\.guest=' /proc/cmdline || setup_failed "not booted by tests/hosts/run.sh (no minipod.guest=)"
layout=$(sed -n 's/.* minipod\.layout=\([^ ]*\).*/\1/p' /proc/cmdline)
guest_script=$(sed -n 's/.* minipod\.guest=\([^ ]*\).*/\1/p' /proc/cmdline)
# BUILD SNAPSHOT KVER KMODULES KMOD TMP_MODE DEADLINE SUITES, written by run.sh
source "${guest_script%/*}/plan.sh" || setup_failed "no plan next to $guest_script"
log "up: $(uname -r), layout $layout"

# --- the usual mounts (as systemd makes them) ---
mkdir -p /dev/pts /dev/shm /dev/mqueue /dev/hugepages
mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=000 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev tmpfs /dev/shm
mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
mkdir -p /run/lock /run/netns
mount -t securityfs -o nosuid,nodev,noexec securityfs /sys/kernel/security 2>/dev/null
mount -t bpf -o nosuid,nodev,noexec,mode=0700 bpf /sys/fs/bpf 2>/dev/null
mount -t tracefs -o nosuid,nodev,noexec tracefs /sys/kernel/tracing 2>/dev/null
mount -t configfs -o nosuid,nodev,noexec configfs /sys/kernel/config 2>/dev/null

# --- what lives under /var/tmp (the cache: the snapshot, the modules, kmod) is bound to neutral
# places first, since /var/tmp gets a file system of its own below ---
mkdir -p /mnt/build /usr/lib/modules /usr/local/sbin
mount --bind "$SNAPSHOT" /mnt/build || setup_failed "cannot bind the build snapshot $SNAPSHOT"
mount --bind "$KMODULES" /usr/lib/modules || setup_failed "cannot bind the modules $KMODULES"
cp "$KMOD" /usr/local/sbin/kmod
for t in modprobe insmod rmmod lsmod modinfo depmod; do ln -sf kmod "/usr/local/sbin/$t"; done
# The kernel loads modules on demand (veth, bridge, nf_tables, ...) as on any Debian host.
echo /usr/local/sbin/modprobe > /proc/sys/kernel/modprobe

# --- writable places: not the overlay root (an overlay's upper directory cannot be on another
# overlay, and containers' layers are overlays). Default: an ext4 disk, as a stock Debian 12 root
# file system; --tmpfs: tmpfs (which has no user.* xattrs before Linux 6.6) ---
writable="/tmp /var/tmp /var/lib/minipod /var/lib/cni /var/log /root"
if [ "$TMP_MODE" = disk ]; then
  modprobe virtio_blk && modprobe ext4 || setup_failed "cannot load virtio_blk and ext4"
  for _ in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done
  mkdir -p /mnt/disk
  mount -t ext4 -o discard /dev/vda /mnt/disk || setup_failed "cannot mount the scratch disk /dev/vda"
  for d in $writable; do mkdir -p "/mnt/disk$d" "$d"; mount --bind "/mnt/disk$d" "$d"; done
else
  for d in $writable; do mkdir -p "$d"; mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs "$d"; done
fi
chmod 1777 /tmp /var/tmp
# The build at the path the test binaries were compiled with (they find their helpers there).
mkdir -p "$BUILD" 2>/dev/null
mount --bind /mnt/build "$BUILD" || setup_failed "cannot bind the build snapshot at $BUILD"

# --- devices and network: loop devices as on a host where the module is loaded; lo; eth0 on
# qemu's user-mode network, which has no way out ---
modprobe loop 2>/dev/null
hostname minipod-guest
ip link set lo up
if modprobe virtio_net && for _ in $(seq 50); do ip link show eth0 >/dev/null 2>&1 && break; sleep 0.1; done; then
  ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
fi

# --- the cgroup layout ---
cg=/sys/fs/cgroup
runner_cgroups=()
v1_hierarchies() {  # as systemd's legacy mode: cpu+cpuacct and net_cls+net_prio together, symlinked
  mount -t tmpfs -o nosuid,nodev,noexec,mode=0755 tmpfs $cg
  local enabled h
  enabled=" $(awk 'NR > 1 && $4 == 1 {printf "%s ", $1}' /proc/cgroups)"
  for h in cpuset cpu,cpuacct blkio memory devices freezer net_cls,net_prio perf_event hugetlb pids rdma misc; do
    [[ "$enabled" == *" ${h%%,*} "* ]] || continue
    mkdir -p $cg/$h
    mount -t cgroup -o nosuid,nodev,noexec,relatime,$h cgroup $cg/$h || setup_failed "cannot mount the $h hierarchy"
    if [[ "$h" == *,* ]]; then ln -s "$h" "$cg/${h%%,*}"; ln -s "$h" "$cg/${h#*,}"; fi
  done
  mkdir -p $cg/systemd
  mount -t cgroup -o nosuid,nodev,noexec,relatime,xattr,name=systemd cgroup $cg/systemd
  # The tests run in a service's cgroup, as under systemd (with its default pids and memory accounting).
  for h in systemd pids memory; do
    mkdir -p $cg/$h/system.slice/minipod-tests.service && runner_cgroups+=($cg/$h/system.slice/minipod-tests.service/cgroup.procs)
  done
}
case "$layout" in
  v2)
    # systemd's unified mode: every controller enabled from the root down to the services.
    mount -t cgroup2 -o nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot cgroup2 $cg ||
      setup_failed "cannot mount cgroup2"
    mkdir -p $cg/init.scope $cg/system.slice/minipod-tests.service
    echo 1 > $cg/init.scope/cgroup.procs
    for c in $(cat $cg/cgroup.controllers); do echo "+$c" > $cg/cgroup.subtree_control || log "cannot enable $c"; done
    for c in $(cat $cg/system.slice/cgroup.controllers); do echo "+$c" > $cg/system.slice/cgroup.subtree_control; done
    runner_cgroups=($cg/system.slice/minipod-tests.service/cgroup.procs)
    ;;
  v1) v1_hierarchies ;;
  hybrid)
    v1_hierarchies
    mkdir -p $cg/unified
    mount -t cgroup2 -o nosuid,nodev,noexec,relatime,nsdelegate cgroup2 $cg/unified
    mkdir -p $cg/unified/system.slice/minipod-tests.service
    runner_cgroups+=($cg/unified/system.slice/minipod-tests.service/cgroup.procs)
    ;;
  *) setup_failed "unknown minipod.layout '$layout'" ;;
esac

{
  echo "kernel: $(uname -a)"
  echo "layout: $layout"
  echo "cpus: $(nproc), $(grep MemTotal /proc/meminfo)"
  echo "writable places on: $TMP_MODE ($(findmnt -n -o FSTYPE /tmp))"
  echo "build: $BUILD (snapshot $SNAPSHOT)"
  echo; echo "cgroup mounts:"; grep -E ' - cgroup2? ' /proc/self/mountinfo
  [ -f $cg/cgroup.subtree_control ] && echo "root subtree_control: $(cat $cg/cgroup.subtree_control)"
  echo; echo "/proc/cgroups:"; cat /proc/cgroups
  echo; echo "block devices: $(ls /sys/class/block | tr '\n' ' ')"
  echo "loop devices in /dev: $(ls /dev | grep -c '^loop[0-9]')"
  echo; echo "network:"; ip -br addr; ip route
} > /out/guest-env.txt 2>&1
log "set up in $(uptime_s)s; running ${#SUITES[@]} test binaries"

# --- the tests, in the runner's cgroup; each gtest binary once (a process start costs seconds
# under TCG), in the folder ctest would run it in ---
(
  for f in "${runner_cgroups[@]}"; do echo "$BASHPID" > "$f"; done
  for s in "${SUITES[@]}"; do
    bin=${s%%|*} filter=${s#*|}
    dir=$(dirname "$(ls "$BUILD"/tests/*/"$bin"\[*\]_include.cmake 2>/dev/null | head -1)")
    [ -d "$dir" ] || dir=$BUILD
    left=$((DEADLINE - $(uptime_s)))
    if [ "$left" -lt 30 ]; then
      log "$bin: not run, out of time"; echo "$bin 124 0" >> /out/results; continue
    fi
    log "$bin --gtest_filter='$filter' (at most ${left}s)"
    start=$(date +%s)
    (cd "$dir" && exec timeout -k 10 "$left" "$BUILD/bin/$bin" --gtest_color=no --gtest_filter="$filter" \
        --gtest_output="xml:/out/$bin.xml") 2>&1 < /dev/null |
      tee "/out/$bin.log" | grep --line-buffered -E '^\[ +(OK|FAILED|SKIPPED) +\] [^ ]+ \([0-9]+ ms\)$' >> /out/progress
    rc=${PIPESTATUS[0]}
    echo "$bin $rc $(($(date +%s) - start))" >> /out/results
    log "$bin: exit code $rc after $(($(date +%s) - start))s"
  done
)
echo "$?" > /out/done
log "done; powering off"
power_off

#!/usr/bin/env bash
# Runs chosen minipod tests on the hosts users have, in throwaway VMs: Debian 12's own kernel
# (linux-image-amd64, 6.1) with pure cgroup v2 (systemd's default) or pure cgroup v1 (systemd's
# legacy layout). One guest per layout, one after the other; see tests/hosts/README.md.
#
#   sudo tests/hosts/run.sh [--layout v2|v1|hybrid|all] [--filter GTEST_FILTER] [--also BIN[:FILTER]]...
#                           [--timeout SECONDS] [--tmpfs] [--out DIR] [--accel kvm|tcg] [--list]
#
# Exit code 0 when every chosen test passed in every guest, 1 when a test failed or a guest did
# not finish (timeout, crash), 2 for wrong usage.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MINIPOD_BUILD_DIR:-$root/build}
cache=${MINIPOD_HOSTS_CACHE:-/var/tmp/minipod-hosts}

default_filter='Cgroups.*:Security.*:Escape.*:PodRun.ContainersShareLocalhostHostnameAndIpc'
layouts=all filter=$default_filter also=() guest_timeout=1800 tmp_mode=disk out= accel= list=0
mem=${MINIPOD_HOSTS_MEM:-4G} smp=${MINIPOD_HOSTS_SMP:-2}

usage() {
  sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
  cat <<EOF

  --layout L     v2, v1, hybrid (this dev machine's: v1 + an empty cgroup2), or all (v2 and v1);
                 a comma list also works. Default: all.
  --filter F     gtest filter for pod_integration_tests (default: $default_filter);
                 'none' runs no integration test.
  --also B[:F]   one more gtest binary of build/bin, with its own filter (repeatable), e.g.
                 --also runtime_unit_tests --also 'minipod_images_tests:StoreTest.*:*TarImport*'
  --timeout S    per guest, boot to power-off (default $guest_timeout)
  --tmpfs        /tmp, /var/tmp, /var/lib and /var/log on tmpfs (as with Debian's tmp.mount)
                 instead of an ext4 disk like a stock Debian 12 root file system
  --out DIR      results (default $cache/results/<time>)
  --accel A      kvm or tcg (default: kvm when /dev/kvm can run Debian's kernel, else tcg)
  --list         print the tests the filters choose and exit
Environment: MINIPOD_BUILD_DIR (default build/), MINIPOD_HOSTS_CACHE (default /var/tmp/minipod-hosts),
MINIPOD_HOSTS_KERNEL (a linux-image-* package; default: what linux-image-amd64 depends on),
MINIPOD_HOSTS_MEM (4G), MINIPOD_HOSTS_SMP (2).
EOF
}
die_usage() { echo "tests/hosts/run.sh: $*" >&2; echo "see: tests/hosts/run.sh --help" >&2; exit 2; }
say() { echo "==> $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --layout) layouts=${2:?}; shift 2 ;;
    --layout=*) layouts=${1#*=}; shift ;;
    --filter) filter=${2?}; shift 2 ;;
    --filter=*) filter=${1#*=}; shift ;;
    --also) also+=("${2:?}"); shift 2 ;;
    --also=*) also+=("${1#*=}"); shift ;;
    --timeout) guest_timeout=${2:?}; shift 2 ;;
    --timeout=*) guest_timeout=${1#*=}; shift ;;
    --tmpfs) tmp_mode=tmpfs; shift ;;
    --out) out=${2:?}; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --accel) accel=${2:?}; shift 2 ;;
    --accel=*) accel=${1#*=}; shift ;;
    --list) list=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[ "$layouts" = all ] && layouts=v2,v1
IFS=, read -r -a layout_list <<<"$layouts"
for l in "${layout_list[@]}"; do
  case "$l" in v2|v1|hybrid) ;; *) die_usage "unknown layout '$l' (v2, v1, hybrid or all)" ;; esac
done
[[ "$guest_timeout" =~ ^[0-9]+$ ]] && [ "$guest_timeout" -ge 120 ] || die_usage "--timeout wants seconds (at least 120)"
case "${accel:-auto}" in auto|kvm|tcg) ;; *) die_usage "--accel is kvm or tcg" ;; esac

# The tests to run: "binary|filter" (the integration tests first).
suites=()
[ "$filter" = none ] || suites+=("pod_integration_tests|$filter")
for a in "${also[@]}"; do
  if [[ "$a" == *:* ]]; then suites+=("${a%%:*}|${a#*:}"); else suites+=("$a|*"); fi
done
[ ${#suites[@]} -gt 0 ] || die_usage "nothing to run (--filter none and no --also)"

if [ "$list" = 1 ]; then
  for s in "${suites[@]}"; do
    "$build/bin/${s%%|*}" --gtest_list_tests --gtest_filter="${s#*|}"
  done
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "tests/hosts/run.sh needs root (apt-get, the guests' shares): run it with sudo" >&2; exit 1; }

# ---- what the host needs: qemu, and a build ----------------------------------------------------
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "$@" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "$@" >/dev/null; }
}
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed" || need+=(busybox-static)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then say "installing: ${need[*]}"; apt_install "${need[@]}"; fi

for s in "${suites[@]}"; do
  for f in minipod minipod-pause probe "${s%%|*}"; do
    if [ ! -x "$build/bin/$f" ]; then
      say "no $build/bin/$f: building"
      MINIPOD_BUILD_DIR=$build "$root/.ci/bootstrap.sh"
      break 2
    fi
  done
done
for s in "${suites[@]}"; do
  [ -x "$build/bin/${s%%|*}" ] || die_usage "no test binary $build/bin/${s%%|*}"
done

# ---- the cache: Debian's kernel and kmod, unpacked; the initramfs --------------------------------
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9   # one preparation at a time; runs themselves are independent
kernel_pkg=${MINIPOD_HOSTS_KERNEL:-}
if [ -z "$kernel_pkg" ]; then
  kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$kernel_pkg" ]; then
    apt-get update -qq
    kernel_pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  fi
fi
kver=${kernel_pkg#linux-image-}
ktree=$cache/kernel/$kver
unpack() {  # package, directory: apt-get download and dpkg-deb -x, nothing installed
  local pkg=$1 dir=$2 dl=$cache/download
  [ -e "$dir/.unpacked" ] && return 0
  say "downloading $pkg (Debian's package, unpacked into $dir, not installed)"
  rm -rf "$dir" "$dl" && mkdir -p "$dir" "$dl"
  (cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
    { apt-get update -qq && (cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null); }
  dpkg-deb -x "$dl"/*.deb "$dir"
  rm -rf "$dl"
  touch "$dir/.unpacked"
}
unpack "$kernel_pkg" "$ktree"
unpack kmod "$cache/kmod"
kmod=$cache/kmod/bin/kmod
vmlinuz=$ktree/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || { echo "no $vmlinuz in $kernel_pkg" >&2; exit 1; }
[ -f "$ktree/lib/modules/$kver/modules.dep" ] || (exec -a depmod "$kmod" -b "$ktree" "$kver")

# The initramfs: busybox and the modules that reach the 9p + overlay root. Rebuilt when the init
# script or the kernel changes.
initramfs=$cache/initramfs-$kver.cpio.gz
key="$kver $(sha256sum < "$here/initramfs-init.sh" | cut -c1-16)"
if [ ! -f "$initramfs" ] || [ "$(cat "$initramfs.key" 2>/dev/null)" != "$key" ]; then
  say "building the initramfs for $kver"
  ir=$(mktemp -d "$cache/initramfs.XXXXXX")
  mkdir -p "$ir/bin" "$ir/modules" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/root"
  cp /bin/busybox "$ir/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$ir/bin/$applet"; done
  : > "$ir/modules/order"
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    (exec -a modprobe "$kmod" -d "$ktree" -S "$kver" --show-depends "$m") | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' | while read -r ko; do
    cp "$ko" "$ir/modules/" && basename "$ko" >> "$ir/modules/order"
  done
  cp "$here/initramfs-init.sh" "$ir/init" && chmod 755 "$ir/init"
  (cd "$ir" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$initramfs.tmp"
  mv "$initramfs.tmp" "$initramfs" && echo "$key" > "$initramfs.key"
  rm -rf "$ir"
fi
flock -u 9

# ---- this run: a snapshot of the build (the host's may change meanwhile), the guest script -------
run=$(mktemp -d "$cache/run.XXXXXX")
qemu_pid= timeout_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$timeout_pid" ] && kill -0 "$timeout_pid" 2>/dev/null; then kill -TERM "$timeout_pid" 2>/dev/null || true; fi
  if [ -n "$qemu_pid" ] && [ "$(readlink "/proc/$qemu_pid/exe" 2>/dev/null)" = "$(command -v qemu-system-x86_64)" ]; then
    kill -TERM "$qemu_pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$qemu_pid" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  rm -rf "$run"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "snapshot of $build for the guests"
# Binaries and the test folders (their working directories); not the object files.
mkdir "$run/build"
tar -C "$build" --exclude=CMakeFiles --exclude=Testing --exclude='*.o' --exclude='*.a' -cf - . |
  tar -C "$run/build" -xf -
cp "$here/guest.sh" "$run/guest.sh"
{
  printf 'BUILD=%q\nSNAPSHOT=%q\nKVER=%q\nKMODULES=%q\nKMOD=%q\nTMP_MODE=%q\n' \
    "$build" "$run/build" "$kver" "$ktree/lib/modules" "$kmod" "$tmp_mode"
  # Tests stop this long before the guest's timeout, so their logs and results are written.
  printf 'DEADLINE=%q\n' "$((guest_timeout - 60))"
  printf 'SUITES=('; printf '%q ' "${suites[@]}"; printf ')\n'
} > "$run/plan.sh"

if [ -z "$accel" ]; then
  if [ -d /sys/module/kvm_pvm ] || [ ! -w /dev/kvm ]; then accel=tcg; else accel=kvm; fi
fi
case "$accel" in
  kvm) accel_args=(-accel kvm -cpu host) ;;
  # Multi-threaded TCG; -cpu max gives the guest every feature TCG emulates.
  tcg) accel_args=(-accel tcg,thread=multi,tb-size=512 -cpu max) ;;
esac
[ -n "$out" ] || out=$cache/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"; out=$(cd "$out" && pwd)
say "kernel $kver ($kernel_pkg), $accel, ${smp} CPUs, $mem; /tmp on ${tmp_mode/disk/an ext4 disk}; results in $out"
[ "$accel" = tcg ] && echo "    (TCG: software emulation; tests take 3-5 times as long as on the host, see tests/hosts/README.md)"

# ---- one guest per layout ----------------------------------------------------------------------
declare -A verdict
boot() {  # layout
  local layout=$1 o=$out/$1 disk=() start end rc
  rm -rf "$o" && mkdir -p "$o"
  if [ "$tmp_mode" = disk ]; then
    truncate -s 16G "$run/$layout.img"
    mkfs.ext4 -q -F -L minipod-scratch "$run/$layout.img"
    disk=(-drive "file=$run/$layout.img,if=virtio,format=raw,cache=unsafe,discard=unmap")
  fi
  say "$layout: booting ($(date +%T); timeout ${guest_timeout}s)"
  start=$(date +%s)
  # -nodefaults: only the devices listed (no VGA, IDE, floppy to emulate). The network is user
  # mode with restrict=on: the guest reaches nothing outside, not even the host.
  timeout -k 15 "$guest_timeout" qemu-system-x86_64 -nodefaults -no-reboot -display none \
    -name "minipod-hosts-$layout" -pidfile "$run/qemu.pid" "${accel_args[@]}" -smp "$smp" -m "$mem" \
    -serial "file:$o/console.log" -monitor none \
    -kernel "$vmlinuz" -initrd "$initramfs" \
    -append "console=ttyS0 panic=-1 loglevel=4 minipod.layout=$layout minipod.guest=$run/guest.sh" \
    -virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$o,mount_tag=out,security_model=none,multidevs=remap" \
    "${disk[@]}" -nic user,model=virtio-net-pci,restrict=on < /dev/null &
  timeout_pid=$!
  for _ in $(seq 50); do [ -s "$run/qemu.pid" ] && break; kill -0 "$timeout_pid" 2>/dev/null || break; sleep 0.2; done
  qemu_pid=$(cat "$run/qemu.pid" 2>/dev/null || true)
  # Live progress: one line per finished test, as the guest writes it.
  tail -n +1 -F --pid="$timeout_pid" "$o/progress" 2>/dev/null | sed -u "s/^/    $layout: /" &
  local tail_pid=$!
  set +e; wait "$timeout_pid"; rc=$?; set -e
  wait "$tail_pid" 2>/dev/null || true
  timeout_pid= qemu_pid=
  end=$(date +%s)
  rm -f "$run/$layout.img" "$run/qemu.pid"
  echo "$((end - start))" > "$o/guest-seconds"
  [ "$rc" = 124 ] && echo "guest killed after the ${guest_timeout}s timeout" > "$o/timed-out"
  return 0
}

# One line per test binary and layout; the failed and unfinished tests by name.
summarize() {  # layout -> prints, sets verdict[layout]
  local layout=$1 o=$out/$1 ok=1 line bin rc secs log passed failed skipped unfinished
  local guest_s; guest_s=$(cat "$o/guest-seconds" 2>/dev/null || echo '?')
  if [ ! -f "$o/done" ]; then
    ok=0
    if [ -f "$o/timed-out" ]; then echo "  $layout: DID NOT FINISH: $(cat "$o/timed-out")"
    elif [ -f "$o/setup-failed" ]; then echo "  $layout: DID NOT FINISH: guest set-up failed: $(cat "$o/setup-failed")"
    else echo "  $layout: DID NOT FINISH: the guest stopped early (see $o/console.log)"; fi
  fi
  for s in "${suites[@]}"; do
    bin=${s%%|*} log=$o/$bin.log
    line=$(grep "^$bin " "$o/results" 2>/dev/null | tail -1 || true)
    rc=$(echo "$line" | awk '{print $2}'); secs=$(echo "$line" | awk '{print $3}')
    if [ ! -f "$log" ]; then echo "  $layout: $bin: not run"; ok=0; continue; fi
    passed=$(grep -cE '^\[       OK \] ' "$log" || true)
    failed=$(grep -E '^\[  FAILED  \] [^ ]+.* \([0-9]+ ms\)$' "$log" | awk '{print $4}' | sed 's/,$//' || true)
    skipped=$(grep -cE '^\[  SKIPPED \] [^ ]+ \([0-9]+ ms\)$' "$log" || true)
    unfinished=$(awk '/^\[ RUN      \]/ {t=$4} /^\[ +(OK|FAILED|SKIPPED) +\]/ {t=""} END {print t}' "$log")
    printf '  %-6s %-24s %3d passed, %d failed, %d skipped  %6ss  (rc %s)\n' "$layout" "$bin" \
      "$passed" "$(echo -n "$failed" | grep -c . || true)" "$skipped" "${secs:-?}" "${rc:-none}"
    for t in $failed; do echo "           FAILED $t"; done
    [ -n "$unfinished" ] && [ -z "$line" -o "${rc:-}" = 124 ] && echo "           UNFINISHED $unfinished"
    if [ -n "$failed" ] || [ "${rc:-1}" != 0 ]; then ok=0; fi
  done
  echo "  $layout: guest ran ${guest_s}s (boot to power-off), tests $(awk '{s += $3} END {print s + 0}' "$o/results" 2>/dev/null || echo 0)s"
  verdict[$layout]=$ok
}

for layout in "${layout_list[@]}"; do boot "$layout"; done

echo
say "summary (logs, gtest XML, console, guest facts: $out/<layout>/)"
: > "$out/summary.txt"
for layout in "${layout_list[@]}"; do summarize "$layout" >> "$out/summary.txt"; done
cat "$out/summary.txt"
status=0
for layout in "${layout_list[@]}"; do [ "${verdict[$layout]:-0}" = 1 ] || status=1; done
[ "$status" = 0 ] && say "all passed" || say "FAILED (see above)"
exit "$status"

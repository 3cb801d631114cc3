#!/usr/bin/env bash
# bench/run.sh — minipod measured side by side with podman (netavark and CNI back ends, runc),
# containerd/ctr, runc/crun and unshare, on this machine, in one run. See bench/README.md.
#
# Usage: sudo bench/run.sh [--quick] [--runs N] [--scale N] [--only B1,B2,...] [--out DIR]
#   --quick   3 runs per measurement, 30 pods for B5 (a smoke run: results are not comparable)
#   --runs N  measured runs per tool and measurement (default 10; one extra warm-up run first)
#   --scale N pods started at once in B5 (default 100)
#   --only    a comma-separated subset of B1..B9 (B3 comes with B1 and B4, B6 with B4)
#   --out     where results.md and results.json go (default bench/results)
# Environment: MINIPOD_BIN (default: build minipod RelWithDebInfo in build-bench/ and use it),
# MPB_WORK (scratch dir, default /tmp/minipod-bench), MPB_KEEP=1 (keep raw data and logs),
# MINIPOD_BASELINE (another minipod binary, e.g. an older commit's, measured in B1 next to this one),
# MPB_CACHE (B8/B9's built images, default $MPB_WORK/cache, kept between runs).
#
# Fairness: in each measurement every iteration runs every tool once, in a fixed order (minipod,
# podman netavark, podman cni, containerd, ...), from the same state: image present, bridge
# present (made by the warm-up run), no pod of that tool running. Times are wall clock from bash
# ($EPOCHREALTIME, no extra fork); the first (warm-up) iteration of each measurement is discarded.
#
# The host is left as found: every tool gets private state and config dirs under $MPB_WORK, its
# own bridge (mpb-br0..3) and subnet (10.234.0-3.0/24, host-local dataDir under $MPB_WORK), its
# own netns names (mpb-*); at exit the bridges, netns, iptables chains netavark made, podman's
# and containerd's state, their leftover cgroups, /run/containerd, /run/netns (if it was not
# there) and net.ipv4.ip_forward are restored. /etc/cni/net.d and /var/lib/cni are never used.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
RUNS=10; SCALE=100; ONLY="B1,B2,B3,B4,B5,B6,B7,B8,B9"; OUT=$HERE/results; QUICK=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1; RUNS=3; SCALE=30 ;;
    --runs) RUNS=$2; shift ;;
    --scale) SCALE=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }
[ "$(id -u)" = 0 ] || { echo "bench/run.sh needs root (namespaces, mounts, CNI)" >&2; exit 1; }
for t in podman runc crun containerd ctr umoci jq busybox ip iptables nft unshare nsenter python3 docker-registry skopeo openssl curl gzip; do
  command -v $t >/dev/null || { echo "missing $t: run 'bash bench/setup.sh' first" >&2; exit 1; }
done
[ -x /usr/lib/cni/bridge ] || { echo "missing /usr/lib/cni/bridge: run 'bash bench/setup.sh' first" >&2; exit 1; }

W=${MPB_WORK:-/tmp/minipod-bench}
RAW=$W/raw.tsv          # bench tool metric iteration value(us)
FAIL=$W/failures.txt    # one line per failed iteration
LOG=$W/log
source "$HERE/lib/host.sh"
source "$HERE/lib/tools.sh"
source "$HERE/lib/pull.sh"

# ------------------------------------------------------------------------------------ build
if [ -z "${MINIPOD_BIN:-}" ]; then
  # Only the two targets the bench runs (the test binaries are not needed); RelWithDebInfo, like
  # .ci/bootstrap.sh, in a build dir of the bench's own so a Debug build/ is never measured.
  echo "==> building minipod, minipod-pause and minipod-pull (RelWithDebInfo) in build-bench/"
  { cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
    cmake --build "$ROOT/build-bench" -j"$(nproc)" --target minipod minipod-pause minipod-pull >"$ROOT/build-bench/bench-build.log" 2>&1; } ||
    { echo "build failed (see build-bench/bench-build.log; .ci/bootstrap.sh installs the build dependencies)" >&2; exit 1; }
  MINIPOD_BIN=$ROOT/build-bench/bin/minipod
fi
[ -x "$MINIPOD_BIN" ] || { echo "no minipod binary at $MINIPOD_BIN" >&2; exit 1; }
MP=$MINIPOD_BIN
PAUSE_BIN=$(dirname "$MP")/minipod-pause

# ------------------------------------------------------------------------------------ setup
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
awk '{exit !($1 > 1.0)}' /proc/loadavg && echo "warning: load average ${LOAD_START%% *}: other work on this machine makes every figure slower and noisier" >&2
snapshot_host
trap 'restore_host; exit 130' INT TERM
trap restore_host EXIT
restore_host quiet           # an interrupted earlier run may have left things behind
PRE_FWD=$(cat /proc/sys/net/ipv4/ip_forward)
mkdir -p "$W" "$LOG"; : >"$RAW"; : >"$FAIL"
mount_run_state || { echo "could not mount a tmpfs at $RS" >&2; exit 1; }
echo "==> setting up in $W (runs=$RUNS, scale=$SCALE, only=$ONLY)"
setup_rootfs
setup_minipod
setup_minipod_baseline
setup_containerd || { echo "containerd setup failed" >&2; exit 1; }
setup_podman netavark || { echo "podman (netavark) setup failed" >&2; exit 1; }
setup_podman cni || { echo "podman (cni) setup failed" >&2; exit 1; }
setup_oci_bundles
if want B8 || want B9; then
  setup_pull || { echo "B8/B9 setup (images, registry, push) failed" >&2; exit 1; }
fi

us() { echo $(( ${2/./} - ${1/./} )); }          # us T0 T1 -> microseconds between two $EPOCHREALTIME
rec() { echo "$1 $2 $3 $4 $5" >>"$RAW"; }         # rec BENCH TOOL METRIC ITER US
fail() { echo "$1 $2 iter $3: $4" | tee -a "$FAIL" >&2; }
progress() { printf '\r    %-4s iteration %d/%d ' "$1" "$2" "$RUNS" >&2; }

# ------------------------------------------------------------------------------------ B1 (+B3, B7)
# From the command to the client's success (the fetched page reaches the caller's stdout), and
# to the end of teardown. B3 (teardown of B1's pod) = end - client success.
if want B1 || want B3; then
  echo "==> B1/B3: full pod (httpd + client over 127.0.0.1, bridge + host-local), $RUNS runs + 1 warm-up"
  for ((i = 0; i <= RUNS; i++)); do
    progress B1 $i
    for tool in minipod minipod-baseline podman-netavark podman-cni containerd; do
      b1_$tool "$i" || fail B1 $tool $i "see $LOG"
    done
  done
  echo >&2
fi

# B7: the same pod as B1 with --trace (separately: tracing prints, so it is not mixed into B1)
if want B7; then
  echo "==> B7: where minipod's B1 time goes (--trace), $RUNS runs + 1 warm-up"
  for ((i = 0; i <= RUNS; i++)); do
    progress B7 $i
    b7_minipod "$i" || fail B7 minipod $i "see $LOG/b7-$i.trace"
  done
  echo >&2
fi

# ------------------------------------------------------------------------------------ B2
if want B2; then
  echo "==> B2: sandbox without network, $RUNS runs + 1 warm-up"
  for ((i = 0; i <= RUNS; i++)); do
    progress B2 $i
    b2_minipod "$i" || fail B2 minipod $i "see $LOG"
    b2_podman "$i" || fail B2 podman-none $i "see $LOG"
    b2_unshare "$i" || fail B2 unshare $i ""
  done
  echo >&2
fi

# ------------------------------------------------------------------------------------ B4 (+B3b, B6)
# One more container in a running pod, then the detached teardown command alone (B3b).
if want B4 || want B6; then
  echo "==> B4/B3b/B6: one more container in a running pod; pod removal; memory, $RUNS runs + 1 warm-up"
  for ((i = 0; i <= RUNS; i++)); do
    progress B4 $i
    for tool in minipod podman-netavark containerd oci; do
      b4_$tool "$i" || fail B4 $tool $i "see $LOG"
    done
  done
  echo >&2
  b6_cli_peak
fi

# ------------------------------------------------------------------------------------ B5
if want B5; then
  echo "==> B5: $SCALE pods started at once on the bridge network"
  b5_scale
fi

# ------------------------------------------------------------------------------------ B8
# From "absent" (each tool's copy removed and its layers collected), one pull per tool and image,
# alternating; the gzip floor and minipod's two halves (download, unpack) in the same iteration.
if want B8; then
  echo "==> B8: pull of a small and a big image from the local registry, $RUNS runs + 1 warm-up"
  for ((i = 0; i <= RUNS; i++)); do
    progress B8 $i
    for img in small big; do
      for tool in minipod podman containerd; do
        b8_pull $tool $img "$i" || fail B8 "$tool-$img" $i "see $LOG"
      done
      b8_minipod_parts $img "$i" || fail B8 "minipod-parts-$img" $i "see $LOG"
      b8_minipod_tmpfs $img "$i" || fail B8 "minipod-tmpfs-$img" $i "see $LOG"
    done
    b8_floor "$i" || fail B8 gzip-floor $i ""
  done
  echo >&2
  b8_minipod_trace || fail B8 minipod-trace 1 "see $LOG/b8-pull.trace"
fi

# ------------------------------------------------------------------------------------ B9
if want B9; then
  echo "==> B9: run of a pod whose image is absent (pull included), $RUNS runs + 1 warm-up"
  for ((i = 0; i <= RUNS; i++)); do
    progress B9 $i
    b9_minipod "$i" || fail B9 minipod $i "see $LOG"
    b9_podman "$i" || fail B9 podman $i "see $LOG"
  done
  echo >&2
fi

# ------------------------------------------------------------------------------------ report
echo "==> tearing down the peers' state"
teardown_tools
restore_host
trap - EXIT INT TERM
echo "==> host check after clean-up"
host_check >"$W/host-check.txt"; cat "$W/host-check.txt"
collect_meta >"$W/meta.json"
mkdir -p "$OUT"
python3 "$HERE/report.py" --raw "$RAW" --meta "$W/meta.json" --failures "$FAIL" --traces "$LOG" \
  --host-check "$W/host-check.txt" --extra "$W/b5.json" --pull "$W/pull.json" --pull-trace "$LOG/b8-pull.trace" --runs "$RUNS" --quick "$QUICK" --out "$OUT"
echo "==> results: $OUT/results.md, $OUT/results.json"
# The built images (B8/B9) stay in $CACHE for the next run.
if [ -s "$FAIL" ] || [ -n "${MPB_KEEP:-}" ]; then echo "==> raw data and logs kept in $W"
else find "$W" -mindepth 1 -maxdepth 1 ! -path "$CACHE" -exec rm -rf {} +; fi

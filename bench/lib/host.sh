# bench/lib/host.sh — what the host looked like before the bench, putting it back, checking it.
# Sourced by bench/run.sh. The clean-up logic follows ../shared/peers/{podman-pod,containerd}.sh.

S=$W/state              # everything the tools write goes below here
RS=$S/run               # their runtime state, on a tmpfs as /run is on a standard host (mount_run_state)
CD_SOCK=$S/cd/containerd.sock
CD_PIDFILE=$W/containerd.pid

cg_snapshot() {         # cgroup dirs the peers (and minipod) may leave behind
  find /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/*/default /sys/fs/cgroup/*/minipod \
       /sys/fs/cgroup/*/mpb-* -maxdepth 2 -type d 2>/dev/null | sort
}

snapshot_host() {
  PRE_RUNNETNS=$([ -d /run/netns ] && echo yes || echo no)
  PRE_FWD=$(cat /proc/sys/net/ipv4/ip_forward)
  PRE_CHAINS=$(iptables-save 2>/dev/null | awk '/^:/{print $1}' | sort -u)
  PRE_TABLES=$(nft list tables 2>/dev/null)
  PRE_LINKS=$(ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1)
  PRE_NETNS=$(ip netns list 2>/dev/null | awk '{print $1}')
  PRE_CG=$(cg_snapshot)
  PRE_DIRS=""
  for d in /run/containerd /run/containers /run/containers/networks /run/libpod /var/lib/containers \
           /etc/containers/networks /var/lib/cni /etc/cni; do
    [ -e "$d" ] && PRE_DIRS="$PRE_DIRS $d"
  done
}

had() { case " $PRE_DIRS " in *" $1 "*) return 0 ;; esac; return 1; }

our_shims() {           # containerd shims started for our socket
  local f
  for f in /proc/[0-9]*/cmdline; do
    { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q "containerd-shim.*-address $CD_SOCK" && { f=${f#/proc/}; echo "${f%/cmdline}"; }
  done
}

stop_containerd() {
  local pid c
  [ -f "$CD_PIDFILE" ] || return 0
  pid=$(cat "$CD_PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    for c in $(ctr -a "$CD_SOCK" tasks ls -q 2>/dev/null); do ctr -a "$CD_SOCK" tasks rm -f "$c" >/dev/null 2>&1; done
    for c in $(ctr -a "$CD_SOCK" containers ls -q 2>/dev/null); do ctr -a "$CD_SOCK" containers rm "$c" >/dev/null 2>&1; done
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$CD_PIDFILE"
  for _ in $(seq 50); do [ -z "$(our_shims)" ] && break; sleep 0.1; done
  for pid in $(our_shims); do kill "$pid" 2>/dev/null; done
}

# What each tool keeps under /run on a standard Debian host (minipod's run dir, podman's runroot,
# containerd's state, runc's and crun's roots) goes on a tmpfs, as /run is there: this VM has /run on
# its disk, where a rename or unlink costs a synchronous discard. Unmounted by restore_host.
mount_run_state() {
  mkdir -p "$RS" && mount -t tmpfs -o mode=0755 mpb-run-state "$RS"
}

# restore_host [quiet]: stop whatever the bench started and put the host back as snapshot_host saw it.
restore_host() {
  local d c t l ns m
  # minipod pods (record-driven: rm -f stops them, gc cleans after crashes)
  if [ -n "${MP:-}" ] && [ -x "${MP:-}" ] && [ -d "$S/mp" ]; then
    mp_env
    for id in $("$MP" ps -a -o json 2>/dev/null | jq -r '.[].id' 2>/dev/null); do "$MP" rm -f "$id" >/dev/null 2>&1; done
    "$MP" gc >/dev/null 2>&1
  fi
  # podman pods and containers, per variant
  for v in netavark cni; do
    [ -d "$S/p-$v/storage" ] || continue
    CONTAINERS_CONF=$S/p-$v/containers.conf podman --root "$S/p-$v/storage" --runroot "$RS/p-$v" pod rm -af -t 0 >/dev/null 2>&1
    CONTAINERS_CONF=$S/p-$v/containers.conf podman --root "$S/p-$v/storage" --runroot "$RS/p-$v" rm -af -t 0 >/dev/null 2>&1
  done
  stop_containerd
  stop_registry
  [ -n "${OCI_HELPER:-}" ] && { kill "$OCI_HELPER" 2>/dev/null; wait "$OCI_HELPER" 2>/dev/null; OCI_HELPER=""; }
  for id in $(runc --root "$RS/runc" list -q 2>/dev/null | grep '^mpb-'); do runc --root "$RS/runc" delete -f "$id" >/dev/null 2>&1; done
  # network namespaces of ours (containerd-like pods, B4 netns); DEL first so nothing stays reserved
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^mpb-'); do
    grep -qx "$ns" <<<"$PRE_NETNS" && continue
    [ -f "$S/cd/bridge.json" ] && cni_call DEL bridge "$S/cd/bridge.json" "$ns" eth0 >/dev/null 2>&1
    ip netns del "$ns" 2>/dev/null
  done
  for l in mpb-br0 mpb-br1 mpb-br2 mpb-br3 podman0 cni-podman0; do
    grep -qx "$l" <<<"$PRE_LINKS" || ip link del "$l" 2>/dev/null
  done
  # iptables chains netavark / CNI plugins created during this run
  for t in filter nat; do
    for c in $(iptables -t $t -S 2>/dev/null | awk '$1=="-N"{print $2}'); do
      grep -qx ":$c" <<<"$PRE_CHAINS" && continue
      case $c in NETAVARK*|CNI-*) ;; *) continue ;; esac
      iptables -t $t -S | grep -- "-j $c\$\|-j $c " | grep '^-A' | sed 's/^-A/-D/' | while read -r r; do eval iptables -t $t "$r"; done
      iptables -t $t -F "$c"
    done
    for c in $(iptables -t $t -S 2>/dev/null | awk '$1=="-N"{print $2}'); do
      grep -qx ":$c" <<<"$PRE_CHAINS" && continue
      case $c in NETAVARK*|CNI-*) iptables -t $t -X "$c" ;; esac
    done
  done
  for t in "ip nat" "ip6 nat" "ip filter" "ip6 filter"; do
    if ! grep -qx "table $t" <<<"$PRE_TABLES" && nft list table $t >/dev/null 2>&1; then
      nft list table $t | grep -vqE '^\s*(table|chain|type|policy|\}|$)' || nft delete table $t
    fi
  done
  echo "$PRE_FWD" >/proc/sys/net/ipv4/ip_forward
  # mounts and files below the work dir
  findmnt -rn -o TARGET | grep "^$W" | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf "$S"
  # cgroups podman 4.3 (libpod_parent/*), containerd (/default/*) and minipod (/minipod) leave empty
  comm -13 <(echo "$PRE_CG") <(cg_snapshot) | sort -r | while read -r d; do rmdir "$d" 2>/dev/null; done
  for d in /run/containers/networks /run/libpod /var/lib/containers /etc/containers/networks /var/lib/cni /run/containerd; do
    had "$d" || rm -rf "$d"
  done
  had /run/containers || rmdir /run/containers 2>/dev/null
  had /etc/cni || rm -rf /etc/cni
  if [ "$PRE_RUNNETNS" = no ] && [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
    while mountpoint -q /run/netns; do umount /run/netns || break; done; rmdir /run/netns 2>/dev/null
  fi
  [ "${1:-}" = quiet ] || true
}

# What is left now that was not there before (empty output: clean).
host_check() {
  local x
  x=$(comm -13 <(echo "$PRE_NETNS" | sort) <(ip netns list 2>/dev/null | awk '{print $1}' | sort) | tr '\n' ' ')
  echo "netns: ${x:-none}"
  x=$(comm -13 <(echo "$PRE_LINKS" | sort) <(ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | sort) | tr '\n' ' ')
  echo "links: ${x:-none}"
  x=$(comm -13 <(echo "$PRE_CHAINS") <(iptables-save 2>/dev/null | awk '/^:/{print $1}' | sort -u) | tr '\n' ' ')
  echo "iptables chains: ${x:-none}"
  x=$(comm -13 <(echo "$PRE_CG") <(cg_snapshot) | tr '\n' ' ')
  echo "cgroups: ${x:-none}"
  x=$(grep -E "$W|/run/netns/mpb-" /proc/self/mountinfo | awk '{print $5}' | tr '\n' ' ')
  echo "mounts: ${x:-none}"
  x=$(ps -eo pid=,args= | awk -v reg="docker-registry serve $S/" '(index($0, reg) && !/awk/) || (/minipod-pause|minipod (run|monitor)|containerd-shim|conmon/ && !/awk/) {print $1}' | tr '\n' ' ')
  echo "processes (pause, monitor, shim, conmon, the bench's registry): ${x:-none}"
  echo "ip_forward: $(cat /proc/sys/net/ipv4/ip_forward) (was $PRE_FWD)"
  x=""; for d in /run/containerd /run/containers /run/libpod /var/lib/containers /var/lib/cni /etc/cni; do [ -e "$d" ] && ! had "$d" && x="$x $d"; done
  echo "new dirs: ${x:-none}"
}

collect_meta() {
  local mem cpu deb
  mem=$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)
  cpu=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)
  deb=$(cat /etc/debian_version)
  jq -n --arg date "$(date -u +%FT%TZ)" --arg nproc "$(nproc)" --arg mem "$mem" --arg cpu "$cpu" \
    --arg kernel "$(uname -r)" --arg debian "$deb" --arg load "start ${LOAD_START:-?}, end $(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg minipod "$("$MP" --version 2>/dev/null | head -1) ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && [ -n "$(git status --porcelain -- runtime cni common images 2>/dev/null)" ] && echo ', uncommitted changes in runtime/cni/common/images'))" \
    --arg build "$(grep -m1 CMAKE_BUILD_TYPE: "$(dirname "$(dirname "$MP")")/CMakeCache.txt" 2>/dev/null | cut -d= -f2)" \
    --arg podman "$(podman --version | awk '{print $3}')" --arg runc "$(runc --version | awk 'NR==1{print $3}')" \
    --arg crun "$(crun --version | awk 'NR==1{print $3}')" --arg conmon "$(conmon --version | awk 'NR==1{print $3}')" \
    --arg netavark "$(/usr/lib/podman/netavark --version 2>/dev/null | awk '{print $2}')" \
    --arg containerd "$(containerd --version | awk '{print $3}')" \
    --arg cni "$(dpkg-query -W -f='${Version}' containernetworking-plugins)" \
    --arg busybox "$(dpkg-query -W -f='${Version}' busybox-static)" \
    --arg cgroups "$(stat -fc %T /sys/fs/cgroup) ($( [ -d /sys/fs/cgroup/unified ] && echo hybrid: v1 controllers + cgroup2 at /sys/fs/cgroup/unified || echo single hierarchy))" \
    '{date:$date, machine:{cpus:($nproc|tonumber), cpu:$cpu, memory:$mem, kernel:$kernel, debian:$debian, cgroups:$cgroups, loadavg:$load},
      versions:{minipod:$minipod, minipod_build:$build, podman:$podman, conmon:$conmon, netavark:$netavark, runc:$runc, crun:$crun,
                containerd:$containerd, cni_plugins:$cni, busybox_static:$busybox}}'
}

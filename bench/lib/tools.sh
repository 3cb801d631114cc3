# bench/lib/tools.sh — how each tool is set up and how each measured step is run.
# Sourced by bench/run.sh (uses W, S, LOG, RUNS, MP, rec, us, fail from there).
#
# The same busybox root filesystem (busybox-static + /var/www/index.html "hello-mpb") is the image
# of every tool, and every tool runs the same two commands:
#   server: httpd -f -p 8080 -h /var/www
#   client: a wget loop on 127.0.0.1:8080 (no -T: busybox 1.35's wget -T segfaults)
# Networks (bridge + host-local, nothing else; host-local state under $S/ipam):
#   minipod          mpb-br0 10.234.0.0/24  (lo is brought up by pause itself: no loopback plugin)
#   containerd/ctr   mpb-br1 10.234.1.0/24  + the loopback plugin, as containerd's CRI does
#   podman cni       mpb-br2 10.234.2.0/24  (podman brings lo up itself)
#   podman netavark  mpb-br3 10.234.3.0/24  (netavark: its own bridge code, iptables rules)

CLIENT='i=0; until wget -qO- http://127.0.0.1:8080/ 2>/dev/null; do i=$((i+1)); [ $i -gt 300 ] && exit 1; usleep 10000; done'
IMG_CD=localhost/mpb-busybox:latest
IMG_P=localhost/mpb-busybox

# stamp: reads a client's stdout; writes $EPOCHREALTIME to $W/stamp when the page arrives.
stamp() { local l; while IFS= read -r l; do case $l in *hello-mpb*) echo "$EPOCHREALTIME" >"$W/stamp" ;; esac; done; }

bridge_conf() {  # bridge_conf NAME BRIDGE SUBNET-PREFIX  (prefix: 10.234.N)
  cat <<EOF
{"type":"bridge","bridge":"$2","isGateway":true,"ipMasq":false,"hairpinMode":false,
 "ipam":{"type":"host-local","dataDir":"$S/ipam","ranges":[[{"subnet":"$3.0/24","gateway":"$3.1"}]]}}
EOF
}

setup_rootfs() {
  local R=$S/rootfs
  mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,var/www}
  cp "$(command -v busybox)" "$R/bin/busybox"
  chroot "$R" /bin/busybox --install -s
  echo hello-mpb >"$R/var/www/index.html"
}

# ------------------------------------------------------------------------------------ minipod
mp_env() {
  export MINIPOD_RUN_DIR=$RS/mp MINIPOD_DATA_DIR=$S/mp/data MINIPOD_LOG_DIR=$S/mp/log MINIPOD_IMAGE_DIR=$S/mp/images
}
MPNET=()
pod_yaml() {  # pod_yaml NAME KIND  (KIND: b1 = server sidecar + client; server = httpd only; true; host-true)
  local host=""
  echo "apiVersion: v1"; echo "kind: Pod"; echo "metadata: {name: $1}"; echo "spec:"
  echo "  restartPolicy: Never"; echo "  terminationGracePeriodSeconds: 0"
  case $2 in
    b1)
      echo "  initContainers:"
      echo "  - {name: server, image: mpb-busybox, restartPolicy: Always, command: [httpd, -f, -p, \"8080\", -h, /var/www]}"
      echo "  containers:"
      echo "  - name: client"; echo "    image: mpb-busybox"; echo "    command: [sh, -c, '$CLIENT']" ;;
    server)
      echo "  containers:"
      echo "  - {name: server, image: mpb-busybox, command: [httpd, -f, -p, \"8080\", -h, /var/www]}" ;;
    true|host-true)
      [ "$2" = host-true ] && echo "  hostNetwork: true"
      echo "  containers:"
      echo "  - {name: main, image: mpb-busybox, command: [\"true\"]}" ;;
  esac
}
setup_minipod() {
  mp_env
  mkdir -p "$S/mp/net.d" "$S/mp/pods" "$S/mp/cni-cache"
  "$MP" image import mpb-busybox "$S/rootfs" >"$LOG/minipod-setup.log" 2>&1 || { echo "minipod image import failed" >&2; exit 1; }
  { echo '{"cniVersion":"1.0.0","name":"mpbnet","plugins":['; bridge_conf mpbnet mpb-br0 10.234.0; echo ']}'; } >"$S/mp/net.d/10-mpbnet.conflist"
  MPNET=(--cni-conf-dir "$S/mp/net.d" --network mpbnet --cni-cache-dir "$S/mp/cni-cache")
  pod_yaml mpb-b1 b1 >"$S/mp/pods/b1.yaml"
  pod_yaml mpb-b4 server >"$S/mp/pods/b4.yaml"
  pod_yaml mpb-b2 true >"$S/mp/pods/b2.yaml"
  pod_yaml mpb-b2h host-true >"$S/mp/pods/b2h.yaml"
  local k; for ((k = 0; k < SCALE; k++)); do pod_yaml "$(printf 'mpb-s%03d' $k)" server >"$S/mp/pods/s$k.yaml"; done
}

b1_minipod() {
  local i=$1 t0 t1 rc
  rm -f "$W/stamp"
  t0=$EPOCHREALTIME
  "$MP" run "${MPNET[@]}" "$S/mp/pods/b1.yaml" 2>>"$LOG/minipod-b1.err" | stamp
  rc=${PIPESTATUS[0]}; t1=$EPOCHREALTIME
  [ "$rc" = 0 ] && [ -s "$W/stamp" ] || return 1
  [ "$i" = 0 ] && return 0
  local tc; tc=$(<"$W/stamp")
  rec B1 minipod client "$i" "$(us "$t0" "$tc")"; rec B1 minipod end "$i" "$(us "$t0" "$t1")"
  rec B3 minipod after-client "$i" "$(us "$tc" "$t1")"
}

# MINIPOD_BASELINE: another minipod binary (an older commit's) measured in the same B1 loop, right
# after this one, with state dirs of its own: a regression shows as a ratio from one run.
setup_minipod_baseline() {
  [ -n "${MINIPOD_BASELINE:-}" ] || return 0
  [ -x "$MINIPOD_BASELINE" ] || { echo "MINIPOD_BASELINE: no minipod binary at $MINIPOD_BASELINE" >&2; exit 1; }
  mkdir -p "$S/mpb/pods"
  mpb_env "$MINIPOD_BASELINE" image import mpb-busybox "$S/rootfs" >"$LOG/minipod-baseline-setup.log" 2>&1 ||
    { echo "minipod baseline image import failed (see $LOG/minipod-baseline-setup.log)" >&2; exit 1; }
  sed 's/name: mpb-b1/name: mpb-b1-base/' "$S/mp/pods/b1.yaml" >"$S/mpb/pods/b1.yaml"
}
mpb_env() {
  MINIPOD_RUN_DIR=$RS/mpb MINIPOD_DATA_DIR=$S/mpb/data MINIPOD_LOG_DIR=$S/mpb/log MINIPOD_IMAGE_DIR=$S/mpb/images "$@"
}
b1_minipod-baseline() {
  local i=$1 t0 t1 rc
  [ -n "${MINIPOD_BASELINE:-}" ] || return 0
  rm -f "$W/stamp"
  t0=$EPOCHREALTIME
  mpb_env "$MINIPOD_BASELINE" run "${MPNET[@]}" "$S/mpb/pods/b1.yaml" 2>>"$LOG/minipod-baseline-b1.err" | stamp
  rc=${PIPESTATUS[0]}; t1=$EPOCHREALTIME
  [ "$rc" = 0 ] && [ -s "$W/stamp" ] || return 1
  [ "$i" = 0 ] && return 0
  local tc; tc=$(<"$W/stamp")
  rec B1 minipod-baseline client "$i" "$(us "$t0" "$tc")"; rec B1 minipod-baseline end "$i" "$(us "$t0" "$t1")"
}

b7_minipod() {
  local i=$1 t0 t1 rc
  rm -f "$W/stamp"
  t0=$EPOCHREALTIME
  "$MP" --trace run "${MPNET[@]}" "$S/mp/pods/b1.yaml" 2>"$LOG/b7-$i.trace" | stamp
  rc=${PIPESTATUS[0]}; t1=$EPOCHREALTIME
  [ "$rc" = 0 ] && [ -s "$W/stamp" ] || return 1
  [ "$i" = 0 ] && { rm -f "$LOG/b7-$i.trace"; return 0; }
  local tc; tc=$(<"$W/stamp")
  rec B7 minipod client "$i" "$(us "$t0" "$tc")"; rec B7 minipod end "$i" "$(us "$t0" "$t1")"
}

# B2: a pod with `--network none` (its own network namespace with only lo, no CNI call) whose one
# container runs `true`, with --trace; the sandbox part (name/record, pause cloned into new net,
# uts, ipc and pid namespaces with lo up and the hostname set, cgroups, netns pinned, /dev/shm) is
# read from the trace by report.py, and the whole command (sandbox + container + teardown) timed.
# Also the whole command for a hostNetwork pod (no netns at all) running `true`.
b2_minipod() {
  local i=$1 t0 t1
  t0=$EPOCHREALTIME
  "$MP" run --network none "$S/mp/pods/b2.yaml" >/dev/null 2>>"$LOG/minipod-b2.err" || return 1
  t1=$EPOCHREALTIME
  [ "$i" = 0 ] || rec B2 minipod run-true-none "$i" "$(us "$t0" "$t1")"
  "$MP" --trace run --network none "$S/mp/pods/b2.yaml" >/dev/null 2>"$LOG/b2-$i.trace" || return 1
  [ "$i" = 0 ] && rm -f "$LOG/b2-$i.trace"
  t0=$EPOCHREALTIME
  "$MP" run "$S/mp/pods/b2h.yaml" >/dev/null 2>>"$LOG/minipod-b2.err" || return 1
  t1=$EPOCHREALTIME
  [ "$i" = 0 ] || rec B2 minipod run-true-hostnet "$i" "$(us "$t0" "$t1")"
}

# B4: a running pod (one httpd container); one more container in it = `minipod debug` (an
# ephemeral container: own root filesystem from the image, the pod's namespaces, a cgroup; removed
# when it ends), and one more process = `minipod exec`; then the pod removed with `rm -f` (B3b).
# B6: the pause and monitor resident memory of that pod.
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null; }
b4_minipod() {
  local i=$1 t0 t1 t2 j
  "$MP" run -d "${MPNET[@]}" "$S/mp/pods/b4.yaml" >/dev/null 2>>"$LOG/minipod-b4.err" || return 1
  local td0 td1
  td0=$EPOCHREALTIME
  "$MP" debug --image mpb-busybox mpb-b4 -- true 2>>"$LOG/minipod-b4.err" || { "$MP" rm -f mpb-b4 >/dev/null 2>&1; return 1; }
  td1=$EPOCHREALTIME
  t0=$EPOCHREALTIME
  "$MP" exec mpb-b4 -- true 2>>"$LOG/minipod-b4.err" || { "$MP" rm -f mpb-b4 >/dev/null 2>&1; return 1; }
  t1=$EPOCHREALTIME
  if [ "$i" != 0 ]; then
    j=$("$MP" inspect mpb-b4 2>/dev/null)
    rec B6 minipod pause-rss-kb "$i" "$(rss_kb "$(jq -r .pause.pid <<<"$j")")"
    local mon; mon=$(jq -r .monitor.pid <<<"$j")
    rec B6 minipod monitor-rss-kb "$i" "$(rss_kb "$mon")"
    rec B6 minipod monitor-rss-anon-kb "$i" "$(awk '/^RssAnon/{print $2}' "/proc/$mon/status")"
    rec B6 minipod monitor-pss-kb "$i" "$(awk '/^Pss:/{print $2}' "/proc/$mon/smaps_rollup")"
  fi
  local tr=$EPOCHREALTIME
  "$MP" rm -f mpb-b4 >/dev/null 2>>"$LOG/minipod-b4.err" || return 1
  t2=$EPOCHREALTIME
  [ "$i" = 0 ] && return 0
  rec B4 minipod debug "$i" "$(us "$td0" "$td1")"; rec B4 minipod exec "$i" "$(us "$t0" "$t1")"; rec B3b minipod "rm -f" "$i" "$(us "$tr" "$t2")"
}

b6_cli_peak() {  # VmHWM of the CLI process itself (sampled every ms until it exits), and pause's size
  local k
  rec B6 minipod pause-binary-bytes 1 "$(stat -c %s "$PAUSE_BIN")"
  for k in 1 2 3; do
    rec B6 minipod cli-run-hwm-kb "$k" "$(python3 "$HERE/lib/peak_rss.py" -- "$MP" run "${MPNET[@]}" "$S/mp/pods/b1.yaml")"
    rec B6 minipod cli-run-d-hwm-kb "$k" "$(python3 "$HERE/lib/peak_rss.py" -- "$MP" run -d "${MPNET[@]}" "$S/mp/pods/b4.yaml")"
    rec B6 minipod cli-ps-hwm-kb "$k" "$(python3 "$HERE/lib/peak_rss.py" -- "$MP" ps)"
    "$MP" rm -f mpb-b4 >/dev/null 2>&1
  done
}

# B5: SCALE pods (httpd) started at once with `run -d`; every address distinct and every pod
# answering on its address; then all removed at once; then the host checked.
b5_scale() {
  local k t0 t1 n ips distinct ok=0 bad=0 ip
  rm -rf "$W/b5"; mkdir -p "$W/b5"
  local veth0; veth0=$(ip -o link show type veth | wc -l)
  local pids=()
  t0=$EPOCHREALTIME
  for ((k = 0; k < SCALE; k++)); do
    ( a=$EPOCHREALTIME; "$MP" run -d "${MPNET[@]}" "$S/mp/pods/s$k.yaml" >/dev/null 2>"$W/b5/$k.err"; rc=$?
      b=$EPOCHREALTIME; echo "$(( ${b/./} - ${a/./} )) $rc" >"$W/b5/$k.t" ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  t1=$EPOCHREALTIME
  rec B5 minipod start-total 1 "$(us "$t0" "$t1")"
  for ((k = 0; k < SCALE; k++)); do
    read -r d rc <"$W/b5/$k.t"
    rec B5 minipod start-per-pod "$k" "$d"
    [ "$rc" = 0 ] || { bad=$((bad + 1)); echo "B5 pod $k: $(tail -1 "$W/b5/$k.err")" >>"$FAIL"; }
  done
  "$MP" ps -o json >"$W/b5/ps.json" 2>/dev/null
  ips=$(jq -r '.[] | .ips[0] // empty' "$W/b5/ps.json" 2>/dev/null)
  [ -n "$ips" ] || ips=$(for id in $(jq -r '.[].id' "$W/b5/ps.json"); do "$MP" inspect "$id" | jq -r '.ips[0] // empty'; done)
  n=$(grep -c . <<<"$ips"); distinct=$(sort -u <<<"$ips" | grep -c .)
  for ip in $ips; do   # one bounded request per pod, to addresses inside our own namespaces
    if [ "$(curl -s --max-time 2 "http://$ip:8080/")" = hello-mpb ]; then ok=$((ok + 1)); fi
  done
  pids=()
  t0=$EPOCHREALTIME
  for ((k = 0; k < SCALE; k++)); do
    ( a=$EPOCHREALTIME; "$MP" rm -f "$(printf 'mpb-s%03d' $k)" >/dev/null 2>>"$W/b5/rm.err"; rc=$?
      b=$EPOCHREALTIME; echo "$(( ${b/./} - ${a/./} )) $rc" >"$W/b5/$k.rm" ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  t1=$EPOCHREALTIME
  rec B5 minipod stop-total 1 "$(us "$t0" "$t1")"
  local rmbad=0
  for ((k = 0; k < SCALE; k++)); do read -r d rc <"$W/b5/$k.rm"; rec B5 minipod rm-per-pod "$k" "$d"; [ "$rc" = 0 ] || rmbad=$((rmbad + 1)); done
  # clean? (pods, netns pins, veths, addresses, pause processes, pod cgroups)
  local left_pods left_ns left_veth left_ips left_pause left_cg
  left_pods=$("$MP" ps -a -o json 2>/dev/null | jq length)
  left_ns=$(ls /run/netns 2>/dev/null | grep -c '^mpb-s')
  left_veth=$(( $(ip -o link show type veth | wc -l) - veth0 ))
  left_ips=$(find "$S/ipam/mpbnet" -type f ! -name 'last_reserved_ip*' ! -name lock 2>/dev/null | wc -l)
  left_pause=$(ps -eo args= | grep -c "^$PAUSE_BIN" )
  left_cg=$(find /sys/fs/cgroup/*/minipod -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
  jq -n --argjson pods "$SCALE" --argjson failed "$bad" --argjson addrs "$n" --argjson distinct "$distinct" \
    --argjson reachable "$ok" --argjson rm_failed "$rmbad" --argjson left_pods "${left_pods:-0}" \
    --argjson left_netns "$left_ns" --argjson left_veths "$left_veth" --argjson left_addresses "$left_ips" \
    --argjson left_pause "$left_pause" --argjson left_cgroups "$left_cg" \
    '{pods:$pods, start_failed:$failed, addresses:$addrs, distinct_addresses:$distinct, reachable:$reachable,
      rm_failed:$rm_failed, left:{pods:$left_pods, netns:$left_netns, veths:$left_veths, addresses:$left_addresses,
      pause_processes:$left_pause, pod_cgroups:$left_cgroups}}' >"$W/b5.json"
  cat "$W/b5.json"
}

# ------------------------------------------------------------------------------------ podman
pod_() { local v=$1; shift; CONTAINERS_CONF=$S/p-$v/containers.conf podman --root "$S/p-$v/storage" --runroot "$RS/p-$v" "$@"; }
setup_podman() {  # setup_podman netavark|cni
  local v=$1 d=$S/p-$1 nofile nproc
  mkdir -p "$d/net"
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  # The work-arounds of ../shared/peers/podman-pod.sh: rlimits podman may set here, runc (crun
  # refuses hybrid cgroups); plus a private network config dir.
  cat >"$d/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
[network]
network_backend = "$v"
network_config_dir = "$d/net"
EOF
  if [ "$v" = cni ]; then
    { echo '{"cniVersion":"1.0.0","name":"mpbnet","plugins":['; bridge_conf mpbnet mpb-br2 10.234.2; echo ']}'; } >"$d/net/mpbnet.conflist"
  fi
  tar -C "$S/rootfs" -c . | pod_ "$v" import -q - $IMG_P >"$LOG/podman-$v-setup.log" 2>&1 || return 1
  if [ "$v" = netavark ]; then
    # podman 4.3 has no --interface-name: create, then name the bridge in the network's JSON file
    pod_ "$v" network create --subnet 10.234.3.0/24 --disable-dns mpbnet >>"$LOG/podman-$v-setup.log" 2>&1 || return 1
    jq '.network_interface="mpb-br3"' "$d/net/mpbnet.json" >"$d/net/n.json" && mv "$d/net/n.json" "$d/net/mpbnet.json" || return 1
  fi
}

b1_podman() {
  local v=$1 i=$2 p=mpb-b1-$1 t0 t1 ok=1 err=$LOG/podman-$1-b1.err
  rm -f "$W/stamp"
  t0=$EPOCHREALTIME
  if pod_ "$v" pod create --name $p --network mpbnet >/dev/null 2>>"$err" &&
     pod_ "$v" run -d --pod $p --name $p-web $IMG_P httpd -f -p 8080 -h /var/www >/dev/null 2>>"$err"; then
    pod_ "$v" run --rm --pod $p --name $p-cli $IMG_P sh -c "$CLIENT" 2>>"$err" | stamp
    [ "${PIPESTATUS[0]}" = 0 ] || ok=0
  else
    ok=0
  fi
  pod_ "$v" pod rm -f -t 0 $p >/dev/null 2>>"$err"
  t1=$EPOCHREALTIME
  [ $ok = 1 ] && [ -s "$W/stamp" ] || return 1
  [ "$i" = 0 ] && return 0
  local tc; tc=$(<"$W/stamp")
  rec B1 "podman-$v" client "$i" "$(us "$t0" "$tc")"; rec B1 "podman-$v" end "$i" "$(us "$t0" "$t1")"
  rec B3 "podman-$v" after-client "$i" "$(us "$tc" "$t1")"
}
b1_podman-netavark() { b1_podman netavark "$1"; }
b1_podman-cni() { b1_podman cni "$1"; }

b2_podman() {
  local i=$1 p=mpb-b2-none t0 t1 t2 err=$LOG/podman-b2.err
  t0=$EPOCHREALTIME
  pod_ netavark pod create --name $p --network none >/dev/null 2>>"$err" && pod_ netavark pod start $p >/dev/null 2>>"$err" || { pod_ netavark pod rm -f -t 0 $p >/dev/null 2>&1; return 1; }
  t1=$EPOCHREALTIME
  pod_ netavark pod rm -f -t 0 $p >/dev/null 2>>"$err" || return 1
  t2=$EPOCHREALTIME
  [ "$i" = 0 ] && return 0
  rec B2 podman-none create+start "$i" "$(us "$t0" "$t1")"; rec B3b podman-none "pod rm -f -t 0" "$i" "$(us "$t1" "$t2")"
}
b2_unshare() {
  local i=$1 t0 t1
  t0=$EPOCHREALTIME
  unshare --net --uts --ipc --pid --fork true || return 1
  t1=$EPOCHREALTIME
  [ "$i" = 0 ] || rec B2 unshare "net+uts+ipc+pid --fork true" "$i" "$(us "$t0" "$t1")"
}

pid_rss_sum() {  # pid_rss_sum REGEX: summed VmRSS (kB) of processes whose cmdline matches
  local p s=0 r
  for p in $(ps -eo pid=,args= | awk -v re="$1" '{p = $1; sub(/^ *[0-9]+ /, "")} $0 ~ re && !/^awk/ {print p}'); do r=$(rss_kb "$p"); s=$((s + ${r:-0})); done
  echo $s
}
b4_podman-netavark() {
  local i=$1 v=netavark p=mpb-b4-p t0 t1 t2 t3 err=$LOG/podman-b4.err
  pod_ $v pod create --name $p --network mpbnet >/dev/null 2>>"$err" &&
    pod_ $v run -d --pod $p --name $p-web $IMG_P httpd -f -p 8080 -h /var/www >/dev/null 2>>"$err" || { pod_ $v pod rm -f -t 0 $p >/dev/null 2>&1; return 1; }
  t0=$EPOCHREALTIME
  pod_ $v run --rm --pod $p $IMG_P true >/dev/null 2>>"$err" || { pod_ $v pod rm -f -t 0 $p >/dev/null 2>&1; return 1; }
  t1=$EPOCHREALTIME
  pod_ $v exec $p-web true 2>>"$err" || { pod_ $v pod rm -f -t 0 $p >/dev/null 2>&1; return 1; }
  t2=$EPOCHREALTIME
  if [ "$i" != 0 ]; then
    ps -eo pid=,rss=,args= | grep -E 'conmon|catatonit|pause' | grep -v grep >"$LOG/ps-podman-b4.txt"
    rec B6 podman-netavark conmon-per-container-rss-kb "$i" $(( $(pid_rss_sum "^/usr/bin/conmon .*$S/p-$v") / 2 ))
    rec B6 podman-netavark infra-catatonit-rss-kb "$i" "$(pid_rss_sum '^/catatonit -P')"
  fi
  local tr=$EPOCHREALTIME
  pod_ $v pod rm -f -t 0 $p >/dev/null 2>>"$err" || return 1
  t3=$EPOCHREALTIME
  [ "$i" = 0 ] && return 0
  rec B4 podman-netavark "run --rm --pod" "$i" "$(us "$t0" "$t1")"; rec B4 podman-netavark exec "$i" "$(us "$t1" "$t2")"
  rec B3b podman-netavark "pod rm -f -t 0" "$i" "$(us "$tr" "$t3")"
}

# ------------------------------------------------------------------------------------ containerd
C() { ctr -a "$CD_SOCK" "$@"; }
cni_call() {  # cni_call VERB PLUGIN CONF NETNS IFNAME   (what libcni does: exec with env + stdin)
  CNI_COMMAND=$1 CNI_CONTAINERID=$4 CNI_NETNS=/run/netns/$4 CNI_IFNAME=$5 CNI_PATH=/usr/lib/cni \
    /usr/lib/cni/$2 <"$3" >/dev/null
}
setup_containerd() {
  local d=$S/cd
  mkdir -p "$d"
  echo '{"cniVersion":"1.0.0","name":"cni-loopback","type":"loopback"}' >"$d/lo.json"
  bridge_conf mpbnet-cd mpb-br1 10.234.1 | jq -c '. + {cniVersion:"1.0.0", name:"mpbnet-cd"}' >"$d/bridge.json"
  ( cd "$d" && umoci init --layout oci && umoci new --image oci:latest &&
    umoci unpack --image oci:latest bundle >/dev/null && cp -a "$S/rootfs/." bundle/rootfs/ &&
    umoci repack --image oci:latest bundle && rm -rf bundle &&
    umoci config --image oci:latest --config.cmd /bin/sh --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin &&
    tar -C oci -cf busybox-oci.tar . ) >"$LOG/containerd-setup.log" 2>&1 || return 1
  cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$RS/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD_SOCK"
[ttrpc]
  address = "$CD_SOCK.ttrpc"
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$d/opt"
EOF
  containerd --config "$d/config.toml" >"$LOG/containerd.log" 2>&1 &
  echo $! >"$CD_PIDFILE"
  for _ in $(seq 200); do C version >/dev/null 2>&1 && break; sleep 0.05; done
  C images import --base-name localhost/mpb-busybox "$d/busybox-oci.tar" >>"$LOG/containerd-setup.log" 2>&1 || return 1
}
cd_pod_up() {  # netns + CNI (loopback, bridge) + httpd task, the order containerd's CRI uses (without a pause container)
  local ns=$1
  ip netns add "$ns" &&
    cni_call ADD loopback "$S/cd/lo.json" "$ns" lo &&
    cni_call ADD bridge "$S/cd/bridge.json" "$ns" eth0 &&
    C run -d --with-ns "network:/run/netns/$ns" $IMG_CD "$ns-web" httpd -f -p 8080 -h /var/www >/dev/null
}
cd_pod_down() {
  local ns=$1 rc=0
  C tasks rm -f "$ns-web" >/dev/null 2>&1 || rc=1
  C containers rm "$ns-web" >/dev/null 2>&1 || rc=1
  cni_call DEL bridge "$S/cd/bridge.json" "$ns" eth0 || rc=1
  cni_call DEL loopback "$S/cd/lo.json" "$ns" lo || rc=1
  ip netns del "$ns" || rc=1
  return $rc
}
b1_containerd() {
  local i=$1 ns=mpb-b1-cd t0 t1 ok=1 err=$LOG/containerd-b1.err
  rm -f "$W/stamp"
  t0=$EPOCHREALTIME
  if cd_pod_up $ns 2>>"$err"; then
    C run --rm --with-ns "network:/run/netns/$ns" $IMG_CD "$ns-cli" sh -c "$CLIENT" 2>>"$err" | stamp
    [ "${PIPESTATUS[0]}" = 0 ] || ok=0
  else
    ok=0
  fi
  cd_pod_down $ns 2>>"$err" || ok=0
  t1=$EPOCHREALTIME
  [ $ok = 1 ] && [ -s "$W/stamp" ] || return 1
  [ "$i" = 0 ] && return 0
  local tc; tc=$(<"$W/stamp")
  rec B1 containerd client "$i" "$(us "$t0" "$tc")"; rec B1 containerd end "$i" "$(us "$t0" "$t1")"
  rec B3 containerd after-client "$i" "$(us "$tc" "$t1")"
}
b4_containerd() {
  local i=$1 ns=mpb-b4-cd t0 t1 t2 err=$LOG/containerd-b4.err
  cd_pod_up $ns 2>>"$err" || { cd_pod_down $ns >/dev/null 2>&1; return 1; }
  t0=$EPOCHREALTIME
  C run --rm --with-ns "network:/run/netns/$ns" $IMG_CD "$ns-one" true 2>>"$err" || { cd_pod_down $ns >/dev/null 2>&1; return 1; }
  t1=$EPOCHREALTIME
  [ "$i" != 0 ] && rec B6 containerd shim-per-pod-rss-kb "$i" "$(pid_rss_sum "containerd-shim.*-address $CD_SOCK")"
  local tr=$EPOCHREALTIME
  cd_pod_down $ns 2>>"$err" || return 1
  t2=$EPOCHREALTIME
  [ "$i" = 0 ] && return 0
  rec B4 containerd "ctr run --rm" "$i" "$(us "$t0" "$t1")"; rec B3b containerd "tasks rm+containers rm+CNI DEL+netns del" "$i" "$(us "$tr" "$t2")"
}

# ------------------------------------------------------------------------------------ runc / crun
# `crun run` / `runc run` of /bin/true in a busybox bundle joining a pinned netns (the pod's network).
# crun refuses hybrid cgroups: it runs in a helper's private mount namespace with cgroup2 hidden
# (the work-around of ../shared/peers/crun.sh); `nsenter --mount` into it costs a few ms, measured too.
OCI_HELPER=""
setup_oci_bundles() {
  local d=$S/oci rt
  mkdir -p "$d"
  ip netns add mpb-b4-oci || return 1
  for rt in runc crun; do
    mkdir -p "$d/$rt"
    (cd "$d/$rt" && crun spec)
    jq --arg root "$S/rootfs" '.process.terminal=false | .process.args=["/bin/true"] | .root={path:$root, readonly:true}
        | .linux.namespaces |= map(if .type=="network" then . + {path:"/run/netns/mpb-b4-oci"} else . end)' \
      "$d/$rt/config.json" >"$d/$rt/c.json" && mv "$d/$rt/c.json" "$d/$rt/config.json"
  done
  unshare -m --propagation private sh -c 'mount -t tmpfs mpb-hide-unified /sys/fs/cgroup/unified && exec sleep 100000' &
  OCI_HELPER=$!
  sleep 0.2
}
b4_oci() {
  local i=$1 t0 t1 t2 t3
  t0=$EPOCHREALTIME
  runc --root "$RS/runc" run --bundle "$S/oci/runc" mpb-oci-runc >/dev/null 2>>"$LOG/oci.err" || return 1
  t1=$EPOCHREALTIME
  nsenter --mount="/proc/$OCI_HELPER/ns/mnt" crun --root "$RS/crun" run --bundle "$S/oci/crun" mpb-oci-crun >/dev/null 2>>"$LOG/oci.err" || return 1
  t2=$EPOCHREALTIME
  nsenter --mount="/proc/$OCI_HELPER/ns/mnt" true || return 1
  t3=$EPOCHREALTIME
  [ "$i" = 0 ] && return 0
  rec B4 runc "runc run" "$i" "$(us "$t0" "$t1")"; rec B4 crun "nsenter+crun run" "$i" "$(us "$t1" "$t2")"
  rec B4 crun "nsenter true (to subtract)" "$i" "$(us "$t2" "$t3")"
}

teardown_tools() { :; }  # everything is undone by restore_host (bench/lib/host.sh)

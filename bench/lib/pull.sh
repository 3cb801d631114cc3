# bench/lib/pull.sh — B8 (image pull), B9 (run of an absent image) and the disk used per image.
# Sourced by bench/run.sh (uses W, S, RS, LOG, MP, rec, us, fail, mp_env, pod_, C from there).
#
# One local Debian `docker-registry` on 127.0.0.1:<free port> (plain HTTP, storage under $S, its
# log at info level: every blob GET is logged with the bytes written, which is how each pull is
# checked to have really downloaded the image) serves two images built offline (build_images):
#   small  one layer: busybox-static (+ sh/true links) and /hello.txt; ~1 MB gzip
#   big    four layers, ~241 MB uncompressed, ~80 MB gzip: layer 1 also has busybox; each layer is
#          ~2,200 files of log-like text mixed with seeded pseudo-random bytes (lib/gen_layer.py),
#          in the proportion that gives ~1/3
# Both are OCI images (umoci, gzip layers), cached in $CACHE between runs and pushed each run.
# Every tool pulls the same manifest from the same registry: minipod (`image pull`, a
# registries.conf with `insecure = true`), podman (`pull --tls-verify=false`, its B1 store) and
# containerd (`ctr image pull --plain-http`, the bench's daemon, overlayfs snapshotter).

CACHE=${MPB_CACHE:-$W/cache}
CACHE_VERSION=2                       # bump when build_images makes different images
BIG_LAYER_BYTES=57980000              # per layer of the big image (+ busybox in layer 1): 241 MB of tar
BIG_RANDOM_FRACTION=0.107             # of those bytes pseudo-random: ~80 MB of gzip in all
REG_PIDFILE=$W/registry.pid
REG_LOG=$LOG/registry.log
REG_PORT=""
declare -A REF=()                     # REF[small|big] = 127.0.0.1:PORT/mpb/NAME:1
declare -A LAYER_BYTES=()             # compressed bytes of each image's layers (what a pull must fetch)

# ------------------------------------------------------------------------------------ images
busybox_into() {
  mkdir -p "$1/bin"
  cp "$(command -v busybox)" "$1/bin/busybox"
  ln -sf busybox "$1/bin/sh"; ln -sf busybox "$1/bin/true"
}
repack() {  # repack IMAGE BUNDLE: one more layer from what changed in BUNDLE/rootfs, fixed times
  find "$2/rootfs" -exec touch -h -d @0 {} +
  umoci repack --refresh-bundle --history.created 1970-01-01T00:00:00Z --history.created_by mpb-bench \
    --image "$1" "$2"
}
build_images() {
  local stamp=$CACHE/built-v$CACHE_VERSION k
  [ -f "$stamp" ] && [ -f "$CACHE/oci/index.json" ] && return 0
  echo "    building the images into $CACHE (once; cached for later runs)"
  rm -rf "$CACHE"; mkdir -p "$CACHE"
  (
    set -e
    cd "$CACHE"
    umoci init --layout oci
    umoci new --image oci:small
    umoci unpack --image oci:small b-small >/dev/null
    busybox_into b-small/rootfs
    echo hello-mpb-pull >b-small/rootfs/hello.txt
    repack oci:small b-small
    umoci config --image oci:small --no-history --created 1970-01-01T00:00:00Z \
      --config.env PATH=/bin --config.cmd /bin/true
    umoci new --image oci:big
    umoci unpack --image oci:big b-big >/dev/null
    for k in 1 2 3 4; do
      [ $k = 1 ] && busybox_into b-big/rootfs
      python3 "$HERE/lib/gen_layer.py" "b-big/rootfs/data/l$k" "mpb-layer-$k" "$BIG_LAYER_BYTES" "$BIG_RANDOM_FRACTION"
      repack oci:big b-big
    done
    umoci config --image oci:big --no-history --created 1970-01-01T00:00:00Z \
      --config.env PATH=/bin --config.cmd /bin/true
    umoci gc --layout oci
    rm -rf b-small b-big
  ) >"$LOG/build-images.log" 2>&1 || { echo "building the images failed (see $LOG/build-images.log)" >&2; return 1; }
  touch "$stamp"
}
manifest_of() {  # manifest_of NAME: the manifest JSON of a cached image
  local d
  d=$(jq -r --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$CACHE/oci/index.json")
  cat "$CACHE/oci/blobs/sha256/${d#sha256:}"
}
layer_blobs() {  # layer_blobs NAME: paths of the image's layer blobs
  manifest_of "$1" | jq -r '.layers[].digest' | while read -r d; do echo "$CACHE/oci/blobs/sha256/${d#sha256:}"; done
}

# ------------------------------------------------------------------------------------ registry
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_registry() {
  local d=$S/registry
  mkdir -p "$d/data"
  REG_PORT=$(free_port)
  cat >"$d/config.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $d/data
http:
  addr: 127.0.0.1:$REG_PORT
EOF
  docker-registry serve "$d/config.yml" >"$REG_LOG" 2>&1 &
  echo $! >"$REG_PIDFILE"
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$REG_PORT/v2/" >/dev/null && return 0; sleep 0.05; done
  echo "docker-registry did not answer on 127.0.0.1:$REG_PORT (see $REG_LOG)" >&2
  return 1
}

# Bytes of blob GETs answered 200 in the registry's log since offset $1 (its size before a pull).
reg_mark() { stat -c %s "$REG_LOG"; }
reg_blob_bytes() {
  tail -c +$(( $1 + 1 )) "$REG_LOG" | awk '/http.request.method=GET/ && /http.request.uri="?\/v2\/[^ ]*\/blobs\/sha256:/ && /http.response.status=200/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^http.response.written=/) { sub(/^[^=]*=/, "", $i); s += $i } } END { print s + 0 }'
}
# fetched_ok IMG MARK TOOL ITER: the layers were downloaded again (the registry logs a request when
# it has answered it, so wait a little for the last line); records the bytes.
fetched_ok() {
  local n=0 k
  for k in $(seq 40); do
    n=$(reg_blob_bytes "$2")
    [ "$n" -ge "${LAYER_BYTES[$1]}" ] && break
    sleep 0.05
  done
  [ "$3" = skip ] || [ "$4" = 0 ] || rec B8 "$3" "fetched-$1-bytes" "$4" "$n"
  [ "$n" -ge "${LAYER_BYTES[$1]}" ] || { echo "B8 $3 $1 iter $4: the registry sent $n blob bytes, the layers have ${LAYER_BYTES[$1]}: not downloaded again" >>"$FAIL"; return 1; }
}

# setup_pull: images built (or from the cache), registry started, both images pushed, every tool
# told where the registry is.
setup_pull() {
  local name digest
  build_images || return 1
  start_registry || return 1
  for name in small big; do
    REF[$name]=127.0.0.1:$REG_PORT/mpb/$name:1
    skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$CACHE/oci:$name" "docker://${REF[$name]}" \
      >>"$LOG/push.log" 2>&1 || { echo "pushing $name failed (see $LOG/push.log)" >&2; return 1; }
    digest=$(manifest_of $name | sha256sum | cut -d' ' -f1)
    [ "$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://127.0.0.1:$REG_PORT/v2/mpb/$name/manifests/1" | sha256sum | cut -d' ' -f1)" = "$digest" ] ||
      { echo "the registry's $name manifest is not the one built" >&2; return 1; }
    LAYER_BYTES[$name]=$(manifest_of $name | jq '[.layers[].size] | add')
  done
  printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$REG_PORT" >"$S/mp/registries.conf"
  export MINIPOD_REGISTRIES_CONF=$S/mp/registries.conf
  mkdir -p "$S/mp/pods"
  for name in b9 b9-local; do
    { echo "apiVersion: v1"; echo "kind: Pod"; echo "metadata: {name: mpb-$name}"; echo "spec:"
      echo "  restartPolicy: Never"; echo "  terminationGracePeriodSeconds: 0"; echo "  containers:"
      if [ $name = b9 ]; then echo "  - {name: main, image: \"${REF[small]}\", command: [/bin/true]}"
      else echo "  - {name: main, image: mpb-busybox, command: [/bin/true]}"; fi
    } >"$S/mp/pods/$name.yaml"
  done
  CD_SNAPS0=$(cd_snapshots)
  pull_facts >"$W/pull.json"
}

# Sizes of the images (compressed from the manifests, uncompressed by inflating each layer once).
pull_facts() {
  local name b u t
  for name in small big; do
    u=0; for b in $(layer_blobs $name); do t=$(gzip -dc "$b" | wc -c); u=$((u + t)); done
    jq -n --arg name $name --arg ref "${REF[$name]}" --argjson layers "$(manifest_of $name | jq '.layers | length')" \
      --argjson gzip "${LAYER_BYTES[$name]}" --argjson tar "$u" '{($name): {ref:$ref, layers:$layers, gzip_bytes:$gzip, tar_bytes:$tar}}'
  done | jq -s 'add + {floor_tool: "gzip -dc (GNU gzip '"$(gzip --version | awk 'NR==1{print $2}')"'), serially"}'
}

# ------------------------------------------------------------------------------------ the store of each tool
# Per tool: its store (measured with du), how the image is made absent, how it is pulled.
declare -A STORE=([minipod]=$S/mp/images [podman]=$S/p-netavark/storage [containerd]=$S/cd/root)
store_bytes() { du -sx --block-size=1 "$1" | cut -f1; }
minipod_absent() {  # the reference, then the layers and blobs nothing else needs
  "$MP" image rm "$1" >/dev/null 2>&1
  "$MP" image prune >/dev/null 2>>"$LOG/minipod-b8.err" || return 1
  ! "$MP" image inspect "$1" >/dev/null 2>&1
}
minipod_pull() { "$MP" image pull -q "$1"; }
podman_absent() {
  pod_ netavark rmi -f "$1" >/dev/null 2>&1
  ! pod_ netavark image exists "$1"
}
podman_pull() { pod_ netavark pull -q --tls-verify=false "$1"; }
cd_snapshots() { C snapshots ls | tail -n +2 | wc -l; }
CD_SNAPS0=""                          # containerd's snapshots before B8 (the imported busybox's)
containerd_absent() {  # --sync: the garbage collection runs now, so the content and snapshots go too
  C image rm --sync "$1" >/dev/null 2>&1
  [ -z "$(C image ls -q | grep -Fx "$1")" ]
}
# No image of B8's left in containerd and no snapshot but the imported busybox's: an unpacked
# layer left behind would make the next pull skip its unpack.
containerd_all_absent() {
  containerd_absent "${REF[small]}" && containerd_absent "${REF[big]}" || return 1
  [ "$(cd_snapshots)" -le "$CD_SNAPS0" ] || { echo "containerd kept snapshots after image rm --sync: $(C snapshots ls | tail -n +2 | tr '\n' ';')" >>"$FAIL"; return 1; }
}
containerd_pull() { C image pull --plain-http "$1"; }

# ------------------------------------------------------------------------------------ B8
# b8_pull TOOL IMG ITER: from "absent" (removed, its layers collected), one pull timed; checked
# against the registry's log; for the big image the store's growth recorded (the disk per image).
b8_pull() {
  local tool=$1 img=$2 i=$3 r=${REF[$2]} t0 t1 m base
  "${tool}_absent" "$r" || return 1
  [ "$tool" != containerd ] || containerd_all_absent || return 1
  base=$(store_bytes "${STORE[$tool]}"); m=$(reg_mark)
  t0=$EPOCHREALTIME
  "${tool}_pull" "$r" >/dev/null 2>>"$LOG/$tool-b8.err" || return 1
  t1=$EPOCHREALTIME
  fetched_ok "$img" "$m" "$tool" "$i" || return 1
  [ "$i" = 0 ] && return 0
  rec B8 "$tool" "pull-$img" "$i" "$(us "$t0" "$t1")"
  [ "$img" = big ] && rec B8 "$tool" disk-big-bytes "$i" $(( $(store_bytes "${STORE[$tool]}") - base ))
  return 0
}
# The floor: inflating the big image's layer blobs (already in the page cache, as the registry's
# are) to /dev/null, one after the other.
b8_floor() {
  local i=$1 t0 t1 b
  t0=$EPOCHREALTIME
  for b in $(layer_blobs big); do gzip -dc "$b" >/dev/null || return 1; done
  t1=$EPOCHREALTIME
  [ "$i" = 0 ] || rec B8 gzip-floor "inflate-big" "$i" "$(us "$t0" "$t1")"
}
# Where minipod's pull time goes: the helper's download alone into an OCI layout
# (`minipod-pull image pull REF --oci-layout DIR`), then the unpack alone (`minipod image load DIR`).
b8_minipod_parts() {
  local img=$1 i=$2 r=${REF[$1]} t0 t1 t2 m d=$W/layout
  minipod_absent "$r" || return 1
  rm -rf "$d"; m=$(reg_mark)
  t0=$EPOCHREALTIME
  "$(dirname "$MP")/minipod-pull" image pull -q "$r" --oci-layout "$d" >/dev/null 2>>"$LOG/minipod-b8.err" || return 1
  t1=$EPOCHREALTIME
  fetched_ok "$img" "$m" skip "$i" || return 1
  "$MP" image load "$d" --name "$r" >/dev/null 2>>"$LOG/minipod-b8.err" || return 1
  t2=$EPOCHREALTIME
  rm -rf "$d"
  [ "$i" = 0 ] && return 0
  rec B8 minipod "download-$img (minipod-pull --oci-layout)" "$i" "$(us "$t0" "$t1")"
  rec B8 minipod "unpack-$img (image load of that layout)" "$i" "$(us "$t1" "$t2")"
}
# The same pull into an image store on the bench's tmpfs: minipod's own work (download, verify,
# inflate, write) without the disk's cost of creating thousands of files, which the floor (it
# writes nothing) does not pay either.
b8_minipod_tmpfs() {
  local img=$1 i=$2 r=${REF[$1]} t0 t1 m d=$RS/images-tmpfs
  rm -rf "$d"; m=$(reg_mark)
  t0=$EPOCHREALTIME
  MINIPOD_IMAGE_DIR=$d "$MP" image pull -q "$r" >/dev/null 2>>"$LOG/minipod-b8.err" || return 1
  t1=$EPOCHREALTIME
  fetched_ok "$img" "$m" skip "$i" || return 1
  rm -rf "$d"
  [ "$i" = 0 ] && return 0
  rec B8 minipod "pull-$img, store on tmpfs" "$i" "$(us "$t0" "$t1")"
}
# One `minipod --trace image pull` of the big image, kept for the report.
b8_minipod_trace() {
  minipod_absent "${REF[big]}" || return 1
  "$MP" --trace image pull -q "${REF[big]}" >/dev/null 2>"$LOG/b8-pull.trace" || return 1
}

# ------------------------------------------------------------------------------------ B9
# `minipod run --network none` of a pod whose one container runs /bin/true from the small image:
# present (pulled by the previous iteration, as a pod's image usually is: not right after its
# pull), the same pod on the imported busybox root filesystem (the path `run` took before pulls
# existed), then absent (removed and pruned: the pull included). The warm-up iteration pulls it
# first. `podman run --rm --network none` likewise, absent then present.
b9_minipod() {
  local i=$1 t0 t1 t2 t3 t4 m present imported
  if [ "$i" = 0 ]; then "$MP" image pull -q "${REF[small]}" >/dev/null 2>>"$LOG/minipod-b9.err" || return 1; fi
  # The two present-image runs in turn first and second (the first after podman's runs pays for
  # what they evicted from the caches).
  local first=b9 second=b9-local
  if [ $((i % 2)) = 1 ]; then first=b9-local second=b9; fi
  t0=$EPOCHREALTIME
  "$MP" run --network none "$S/mp/pods/$first.yaml" >/dev/null 2>>"$LOG/minipod-b9.err" || return 1
  t1=$EPOCHREALTIME
  "$MP" run --network none "$S/mp/pods/$second.yaml" >/dev/null 2>>"$LOG/minipod-b9.err" || return 1
  t2=$EPOCHREALTIME
  present=$(us "$t0" "$t1") imported=$(us "$t1" "$t2")
  if [ "$first" = b9-local ]; then present=$(us "$t1" "$t2") imported=$(us "$t0" "$t1"); fi
  minipod_absent "${REF[small]}" || return 1
  m=$(reg_mark)
  t3=$EPOCHREALTIME
  "$MP" run --network none "$S/mp/pods/b9.yaml" >/dev/null 2>>"$LOG/minipod-b9.err" || return 1
  t4=$EPOCHREALTIME
  fetched_ok small "$m" skip "$i" || return 1
  [ "$i" = 0 ] && return 0
  rec B9 minipod run-present "$i" "$present"
  rec B9 minipod run-imported-rootfs "$i" "$imported"
  rec B9 minipod run-absent "$i" "$(us "$t3" "$t4")"
}
b9_podman() {
  local i=$1 t0 t1 t2 m r=${REF[small]}
  podman_absent "$r" || return 1
  m=$(reg_mark)
  t0=$EPOCHREALTIME
  pod_ netavark run --rm --network none --tls-verify=false "$r" /bin/true >/dev/null 2>>"$LOG/podman-b9.err" || return 1
  t1=$EPOCHREALTIME
  fetched_ok small "$m" skip "$i" || return 1
  pod_ netavark run --rm --network none "$r" /bin/true >/dev/null 2>>"$LOG/podman-b9.err" || return 1
  t2=$EPOCHREALTIME
  [ "$i" = 0 ] && return 0
  rec B9 podman run-absent "$i" "$(us "$t0" "$t1")"
  rec B9 podman run-present "$i" "$(us "$t1" "$t2")"
}

# Stops the registry this run started (by its pid, checked to be our docker-registry).
stop_registry() {
  local pid
  [ -f "$REG_PIDFILE" ] || return 0
  pid=$(cat "$REG_PIDFILE")
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "docker-registry serve $S/registry/config.yml"; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$REG_PIDFILE"
}

#!/usr/bin/env bash
# Starts the pod, fetches its page through the host's 127.0.0.1:18080, stops the pod.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
minipod=${MINIPOD:-$here/../../build/bin/minipod}
source "$here/../host-cleanup.sh"

"$minipod" run "$here/pod.yaml" &
pod=$!
trap 'kill -TERM $pod 2>/dev/null || true; wait $pod 2>/dev/null || true; restore_host' EXIT
for _ in $(seq 1 100); do
  if out=$(busybox wget -q -O - http://127.0.0.1:18080/ 2>/dev/null); then
    echo "host fetched: $out"
    exit 0
  fi
  sleep 0.1
done
echo "no answer on 127.0.0.1:18080" >&2
exit 1

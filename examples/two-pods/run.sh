#!/usr/bin/env bash
# Two pods on one bridge: the client pod reaches the server pod by its pod IP.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
minipod=${MINIPOD:-$here/../../build/bin/minipod}
source "$here/../host-cleanup.sh"

"$minipod" run "$here/server.yaml" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; restore_host' EXIT

# The server's address, as any tutorial would read it: from its network namespace.
ip=""
for _ in $(seq 1 100); do
  ip=$(ip netns exec two-pods-server ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1) || true
  [ -n "$ip" ] && break
  sleep 0.1
done
[ -n "$ip" ] || { echo "server pod did not come up" >&2; exit 1; }
echo "server pod IP: $ip"

sed "s/SERVER_IP_HERE/$ip/" "$here/client.yaml" > "${TMPDIR:-/tmp}/two-pods-client.yaml"
"$minipod" run "${TMPDIR:-/tmp}/two-pods-client.yaml"
rm -f "${TMPDIR:-/tmp}/two-pods-client.yaml"

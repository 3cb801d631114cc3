#!/usr/bin/env bash
# Draws the network of this example while both pods run: `minipod net show` as text, then as
# SVG (net.svg) and, when rsvg-convert (Debian's librsvg2-bin) is there, as PNG (net.png), in the
# folder given as $1 (default: the current one). The client stays up after its fetch, so that it
# is drawn too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-.}" && pwd)
minipod=${MINIPOD:-$here/../../build/bin/minipod}
source "$here/../host-cleanup.sh"

client=${TMPDIR:-/tmp}/two-pods-client-drawn.yaml
cleanup() {
  "$minipod" stop --grace 1 two-pods-client two-pods-server >/dev/null 2>&1 || true
  "$minipod" rm -f two-pods-client >/dev/null 2>&1 || true
  "$minipod" rm -f two-pods-server >/dev/null 2>&1 || true
  rm -f "$client"
  restore_host
}
trap cleanup EXIT

"$minipod" run -d "$here/server.yaml" >/dev/null
ip=$(ip netns exec two-pods-server ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)
# client.yaml exits once it has the page; here it sleeps instead, to be drawn.
sed "s/SERVER_IP_HERE/$ip/; s/&& exit 0/\&\& exec sleep 600/" "$here/client.yaml" > "$client"
grep -q "exec sleep 600" "$client" || { echo "client.yaml changed: no '&& exit 0' to replace" >&2; exit 1; }
"$minipod" run -d "$client" >/dev/null
# Drawn once the client has fetched the page (it sleeps from then on).
for _ in $(seq 1 100); do
  [ -n "$("$minipod" logs two-pods-client 2>/dev/null)" ] && break
  sleep 0.1
done

"$minipod" net show
"$minipod" net show --format svg -o "$out/net.svg"
if command -v rsvg-convert >/dev/null; then
  rsvg-convert --zoom 1.5 -o "$out/net.png" "$out/net.svg"
  echo "drawn: $out/net.png"
else
  echo "rsvg-convert not found (Debian's librsvg2-bin): $out/net.svg only"
fi

#!/usr/bin/env bash
# Regenerates the tables of docs/conformance.md: the check catalogue, and the results of
# `minipod cni conformance` against every reference plugin in CNI_PATH (Debian 12:
# /usr/lib/cni, containernetworking-plugins 1.1.1). Root only. Each run creates and removes its
# own namespaces, links and iptables state; the script checks that nothing is left.
#   docs/gen-conformance.sh [MINIPOD]      (default: build/bin/minipod, else minipod in PATH)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
doc=$root/docs/conformance.md
minipod=${1:-${MINIPOD:-}}
if [ -z "$minipod" ]; then
  minipod=$root/build/bin/minipod
  [ -x "$minipod" ] || minipod=$(command -v minipod)
fi
cni_path=${CNI_PATH:-/usr/lib/cni}
plugins="bridge ptp macvlan ipvlan vlan host-device host-local static loopback portmap tuning bandwidth firewall vrf sbr"
[ "$(id -u)" = 0 ] || { echo "gen-conformance.sh: needs root" >&2; exit 2; }
command -v jq >/dev/null || { echo "gen-conformance.sh: needs jq" >&2; exit 2; }

out=$(mktemp -d /tmp/cnicf-docs-XXXXXX)
trap 'rm -rf "$out"' EXIT
# The host as found: links, addresses, routes, iptables (without counters), forwarding sysctls,
# namespaces. Every run must leave it byte for byte the same.
host_state() {
  ip -o link show | sed 's/ link\/.*//'
  ip -o addr show
  ip route show table all
  ip -6 route show table all
  (iptables-save; ip6tables-save) 2>/dev/null | grep -v '^#' | sed 's/\[[0-9:]*\]//'
  cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding 2>/dev/null
  ls /run/netns 2>/dev/null || true
}
state_before=$(host_state)

checks=$("$minipod" cni conformance --list-checks --format json | jq -r '
  ["| ID | level | versions | spec | rule |", "| --- | --- | --- | --- | --- |"] +
  map("| `\(.id)` | \(.level) | \(if .perVersion then .versions else "once" end) | \(.section) | \(.title) |")
  | .[]')

rows=("| plugin | tested versions | passed | MUST failed | SHOULD warnings | notes | not testable | skipped | MUST failures | SHOULD warnings (what) |"
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
for p in $plugins; do
  [ -x "$cni_path/$p" ] || continue
  echo "== $p" >&2
  "$minipod" cni --cni-path "$cni_path" conformance "$p" --format json --output "$out/$p.json" \
    --timeout 10 >&2 || true
  rows+=("$(jq -r --arg p "$p" '
    def grouped(r): [.results[] | select(.result == r)] | group_by(.id)
      | map("`\(.[0].id)` (\(map(.version) | join(", ")))") | join("; ");
    "| \($p) | \(.testedVersions | join(" ")) | \(.summary.passed) | \(.summary.failed) | \(.summary.warnings) | \(.summary.notes) | \(.summary.notTestable) | \(.summary.skipped) | \(grouped("fail") | if . == "" then "—" else . end) | \(grouped("warn") | if . == "" then "—" else . end) |"
  ' "$out/$p.json")")
  # One line of evidence per MUST failure, for the notes under the table.
  jq -r --arg p "$p" '[.results[] | select(.result == "fail")] | group_by(.id) | .[] | .[0]
    | "- **\($p)** `\(.id)` (\(.version)): \(.evidence | gsub("\\|"; "/") | .[0:260])"' \
    "$out/$p.json" >>"$out/notes"
  jq -r --arg p "$p" '[.results[] | select(.result == "not-testable")] | .[0:1] | .[]
    | "- **\($p)**: \(.evidence | gsub("\\|"; "/") | .[0:260])"' \
    "$out/$p.json" >>"$out/untestable"
done
touch "$out/untestable"
touch "$out/notes"

# Nothing of the runs may be left on the host.
if [ "$(host_state)" != "$state_before" ]; then
  echo "gen-conformance.sh: the host changed; expected it as found. Difference:" >&2
  diff <(echo "$state_before") <(host_state) >&2 || true
  exit 1
fi

replace() {  # replace the lines between <!-- BEGIN $1 --> and <!-- END $1 --> with file $2
  awk -v tag="$1" -v file="$2" '
    $0 == "<!-- BEGIN " tag " -->" { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == "<!-- END " tag " -->" { skip = 0 }
    !skip { print }' "$doc" >"$doc.new" && mv "$doc.new" "$doc"
}
printf '%s\n' "$checks" >"$out/checks"
printf '%s\n' "${rows[@]}" >"$out/results"
{
  echo
  echo "Generated $(date -u +%Y-%m-%d) by \`docs/gen-conformance.sh\` with \`$("$minipod" --version 2>/dev/null | head -1 || echo minipod)\`,"
  echo "plugins from \`$cni_path\` ($(dpkg-query -W -f='containernetworking-plugins ${Version}' containernetworking-plugins 2>/dev/null || echo 'version unknown'))."
  echo
  cat "$out/results"
  echo
  echo "MUST failures, with the evidence of the first failing version:"
  echo
  if [ -s "$out/notes" ]; then cat "$out/notes"; else echo "- none"; fi
  echo
  echo "Not testable on this machine (exit code 3; no verdict on the plugin):"
  echo
  if [ -s "$out/untestable" ]; then cat "$out/untestable"; else echo "- none"; fi
  echo
} >"$out/results.md"
replace checks "$out/checks"
replace results "$out/results.md"
echo "updated $doc" >&2

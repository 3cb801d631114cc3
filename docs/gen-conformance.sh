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
rules_before=$( (iptables-save; ip6tables-save) 2>/dev/null | grep -E '^(:|-A)' | sed 's/ \[.*//' | sort)

checks=$("$minipod" cni conformance --list-checks --format json | jq -r '
  ["| ID | level | versions | spec | rule |", "| --- | --- | --- | --- | --- |"] +
  map("| `\(.id)` | \(.level) | \(if .perVersion then .versions else "once" end) | \(.section) | \(.title) |")
  | .[]')

rows=("| plugin | tested versions | passed | MUST failed | SHOULD warnings | skipped | MUST failures | SHOULD warnings (what) |"
      "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
for p in $plugins; do
  [ -x "$cni_path/$p" ] || continue
  echo "== $p" >&2
  "$minipod" cni --cni-path "$cni_path" conformance "$p" --format json --output "$out/$p.json" \
    --timeout 10 >&2 || true
  rows+=("$(jq -r --arg p "$p" '
    def grouped(r): [.results[] | select(.result == r)] | group_by(.id)
      | map("`\(.[0].id)` (\(map(.version) | join(", ")))") | join("; ");
    "| \($p) | \(.testedVersions | join(" ")) | \(.summary.passed) | \(.summary.failed) | \(.summary.warnings) | \(.summary.skipped) | \(grouped("fail") | if . == "" then "—" else . end) | \(grouped("warn") | if . == "" then "—" else . end) |"
  ' "$out/$p.json")")
  # One line of evidence per MUST failure, for the notes under the table.
  jq -r --arg p "$p" '[.results[] | select(.result == "fail")] | group_by(.id) | .[] | .[0]
    | "- **\($p)** `\(.id)` (\(.version)): \(.evidence | gsub("\\|"; "/") | .[0:260])"' \
    "$out/$p.json" >>"$out/notes"
done
touch "$out/notes"

# Nothing of the runs may be left on the host.
left=$(ls /run/netns 2>/dev/null | grep '^cnicf-' || true)
rules_after=$( (iptables-save; ip6tables-save) 2>/dev/null | grep -E '^(:|-A)' | sed 's/ \[.*//' | sort)
# Only what the reference plugins make counts: other programs may change iptables meanwhile.
new_rules=$(comm -13 <(echo "$rules_before") <(echo "$rules_after") | grep -E 'CNI-|10\.233\.' || true)
links=$(ip -o link show | grep -oE ' cf(br|m|p|d|e|vrf)[0-9a-f]{5}' || true)
if [ -n "$left$new_rules$links" ]; then
  echo "gen-conformance.sh: host state left behind:" $left $new_rules $links >&2
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
  cat "$out/notes"
  echo
} >"$out/results.md"
replace checks "$out/checks"
replace results "$out/results.md"
echo "updated $doc" >&2

#!/usr/bin/env bash
# The quick-start demo: installs what is missing, builds minipod, and runs examples/localhost,
# a pod whose client container fetches a page from its server container over 127.0.0.1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/.ci/bootstrap.sh"
echo "==> minipod run examples/localhost/pod.yaml"
source "$root/examples/host-cleanup.sh"
status=0
"$root/build/bin/minipod" run "$root/examples/localhost/pod.yaml" "$@" || status=$?
restore_host
exit "$status"

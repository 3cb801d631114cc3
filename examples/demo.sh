#!/usr/bin/env bash
# The quick-start demo: installs what is missing, builds minipod, and runs examples/localhost,
# a pod whose client container fetches a page from its server container over 127.0.0.1.
# Builds only the two programs it runs, not the tests (tests/run.sh builds those): minutes on a
# first run, so cmake's progress is shown; seconds once built.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MINIPOD_BUILD_DIR:-$root/build}
"$root/.ci/bootstrap.sh" --target minipod --target minipod-pause
echo "==> minipod run examples/localhost/pod.yaml"
source "$root/examples/host-cleanup.sh"
status=0
"$build/bin/minipod" run "$root/examples/localhost/pod.yaml" "$@" || status=$?
restore_host
exit "$status"

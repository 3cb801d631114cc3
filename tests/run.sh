#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds minipod with its tests, runs them with
# ctest. Unit tests run in parallel; integration tests (real namespaces, real CNI plugins) one by
# one. `--sanitize` builds and runs everything with AddressSanitizer and UBSan in build-asan/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Warnings are errors here (and so in CI), where the code is developed; not in users' builds.
cmake_args=(-DMINIPOD_WERROR=ON)
if [ "${1:-}" = "--sanitize" ]; then
  export MINIPOD_BUILD_DIR=$root/build-asan
  cmake_args+=(-DMINIPOD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  # The soak's 200 cycles run in the normal build; under ASan each cycle is ~6 times slower, and
  # the memory errors of a run/stop/rm show in its first cycles.
  export MPT_CYCLES=${MPT_CYCLES:-20}
  shift
fi
build=${MINIPOD_BUILD_DIR:-$root/build}
"$root/.ci/bootstrap.sh" "${cmake_args[@]}"
cd "$build"
exec ctest --output-on-failure --timeout 300 -j2 "$@"

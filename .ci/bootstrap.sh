#!/usr/bin/env bash
# Installs the Debian packages minipod needs (only those missing; idempotent; this part needs root)
# and builds minipod into build/ (or $MINIPOD_BUILD_DIR), which any user can do. Extra arguments
# go to cmake's configure step.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MINIPOD_BUILD_DIR:-$root/build}

# Build: compiler, CMake, musl (pause and the test probe are static musl programs), libraries
# (libssl-dev: OpenSSL's libcrypto for base64 and SHA-512 in the CNI cache and CLI).
# Run: CNI plugins, iptables (portmap, ipMasq), busybox-static (the demo image), iproute2.
packages=(g++ cmake make pkg-config musl-tools libseccomp-dev libcap-dev nlohmann-json3-dev libcli11-dev
          libgtest-dev libgmock-dev libyaml-cpp-dev libssl-dev containernetworking-plugins iptables busybox-static iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Only installing needs root. Building does not (running pods and the integration tests do:
  # namespaces, mounts, CNI), so a user with the packages already installed builds as themselves.
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "installing them needs root: run this script with sudo, or 'sudo apt-get install ${missing[*]}'" >&2
    exit 1
  fi
  echo "==> installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "==> building minipod in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# Progress lines filtered out; a failed build fails the script (pipefail: cmake's status, not
# grep's, which is 1 when it has nothing left to print), even when an older binary is still there.
cmake --build "$build" -j"$(nproc)" 2>&1 | { grep -vE '^\[ *[0-9]+%\]|^(Consolidate|Scanning|-- )' || true; } ||
  { echo "build failed" >&2; exit 1; }

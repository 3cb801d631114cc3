#!/usr/bin/env bash
# Installs the Debian packages minipod needs (only those missing; idempotent; this part needs root)
# and builds minipod into build/ (or $MINIPOD_BUILD_DIR), which any user can do.
#   .ci/bootstrap.sh [--target NAME]... [cmake configure arguments...]
# Without --target it builds everything, the tests too (tests/run.sh needs them); the demo names
# only the programs it runs, so that a first demo does not wait for the tests to compile.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MINIPOD_BUILD_DIR:-$root/build}
targets=()
while [ $# -gt 0 ] && [ "$1" = --target ]; do
  [ $# -ge 2 ] || { echo "bootstrap.sh: --target needs a target name after it (such as --target minipod)" >&2; exit 2; }
  targets+=("$2")
  shift 2
done

# Build: compiler, CMake, musl (pause and the test probe are static musl programs), libraries
# (libssl-dev: OpenSSL's libcrypto for base64 and SHA-512 in the CNI cache and CLI; libarchive-dev
# with zlib and zstd: image layers; the test programs also write tars with libarchive, whose writer
# needs the rest: lz4, acl, lzma, bzip2, libxml2, nettle). buildah: the image tests build images.
# libcpp-httplib-dev (HTTP/TLS of the minipod-pull registry helper, dynamically linked: Debian
# ships no static archive of it), libtomlplusplus-dev (registries.conf).
# Run: CNI plugins, iptables (portmap, ipMasq), busybox-static (the demo image), iproute2.
# Registry tests: docker-registry (the registry they start), buildah (builds their images
# offline), skopeo (reads the OCI layouts a pull writes), apache2-utils (htpasswd -B).
packages=(g++ cmake make pkg-config musl-tools libseccomp-dev libcap-dev nlohmann-json3-dev libcli11-dev
          libgtest-dev libgmock-dev libyaml-cpp-dev libssl-dev libarchive-dev libzstd-dev zlib1g-dev liblz4-dev libacl1-dev
          liblzma-dev libbz2-dev libxml2-dev nettle-dev libcpp-httplib-dev libtomlplusplus-dev
          containernetworking-plugins iptables busybox-static iproute2
          docker-registry buildah skopeo apache2-utils)
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
  # Debian's docker-registry package starts a registry service on :5000 for every interface. The
  # tests start their own on 127.0.0.1 when they need one: a service this script brought in is
  # stopped and disabled again (one the machine already had is none of its business).
  if [[ " ${missing[*]} " == *" docker-registry "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
  fi
fi

build_args=()
what="minipod and its tests"
if [ ${#targets[@]} -gt 0 ]; then
  build_args=(--target "${targets[@]}")
  what=${targets[*]}
fi
echo "==> building $what in $build with $(nproc) jobs (minutes; cmake's progress follows)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# cmake's progress lines ("[ 42%] Building CXX object ...") are kept: without them a first build
# looks hung for many minutes. Only its dependency-scanning chatter is dropped, line by line as it
# comes. A failed build fails the script (pipefail: cmake's status, not grep's, which is 1 when it
# has nothing left to print), even when an older binary is still there.
cmake --build "$build" -j"$(nproc)" "${build_args[@]}" 2>&1 |
  { grep --line-buffered -vE '^(Consolidate|Scanning|-- )' || true; } ||
  { echo "build failed" >&2; exit 1; }

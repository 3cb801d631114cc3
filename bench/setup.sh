#!/usr/bin/env bash
# bench/setup.sh — install the peers the bench compares minipod with (Debian 12 packages; idempotent).
#
# Debian's podman package ships /etc/cni/net.d/87-podman-bridge.conflist. That file would become
# the default network of every CNI runtime on this machine, minipod included (minipod uses the
# first config in /etc/cni/net.d, and its built-in network only when that directory is empty).
# The bench itself never reads /etc/cni/net.d (every tool gets a private config dir), so when the
# file did not exist before this install, it is removed again (with /etc/cni if we created it).
set -eu
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
pre_etc_cni=$([ -e /etc/cni ] && echo yes || echo no)
pre_podman_conf=$([ -e /etc/cni/net.d/87-podman-bridge.conflist ] && echo yes || echo no)
pkgs=(podman runc crun conmon netavark catatonit containerd umoci jq containernetworking-plugins busybox-static iptables nftables iproute2 util-linux
      docker-registry skopeo openssl curl gzip)   # the last line: B8/B9 (registry, push, image content)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "$pre_podman_conf" = no ] && [ -e /etc/cni/net.d/87-podman-bridge.conflist ]; then
  echo "==> removing /etc/cni/net.d/87-podman-bridge.conflist (installed by podman; it was not there before)"
  rm -f /etc/cni/net.d/87-podman-bridge.conflist
  if [ "$pre_etc_cni" = no ]; then rmdir /etc/cni/net.d /etc/cni 2>/dev/null || true; fi
fi
for c in "podman --version" "runc --version" "crun --version" "containerd --version" "umoci --version" "skopeo --version"; do
  printf '%-12s %s\n' "${c%% *}" "$($c 2>&1 | head -1)"
done

#!/usr/bin/env bash
# Install the Debian packages the suite needs when any is missing (make test, demo and cluster-up
# depend on this). As root it installs them with apt-get; otherwise it names them and stops.
#
#   containerd, runc, containernetworking-plugins   the real node's runtime and pod network
#   iptables, nftables, ipset, conntrack            kube-proxy's and kube-router's rules
#   iproute2, socat, curl, openssl                  node set-up: interfaces, API forwarder, checks, certificates
#   busybox, netcat-openbsd                         shell tools inside the locally built agnhost image
#   chromium                                        the audit's HTML report test (headless)
set -euo pipefail

packages=(containerd runc containernetworking-plugins iptables nftables ipset conntrack iproute2 socat curl
  openssl busybox netcat-openbsd chromium)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

if [[ "$(id -u)" != 0 ]]; then
  echo "[system-packages] ERROR: missing Debian packages: ${missing[*]}" >&2
  echo "[system-packages]        install them (sudo apt-get install ${missing[*]}) or run make as root" >&2
  exit 1
fi
echo "[system-packages] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

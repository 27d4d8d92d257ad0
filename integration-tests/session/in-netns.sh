#!/bin/sh
# Runs a command in a private network namespace, for tests with Janus and Chromium: Janus never
# uses loopback for ICE, so the namespace has `lo` up plus a veth pair whose both ends stay inside
# (hw-veth0 10.213.0.1/24, hw-veth1 10.213.0.2/24). Signalling stays on 127.0.0.1, media flows
# over the veth pair, nothing reaches a real interface and ports cannot clash with the host's.
# The command finds the interface to give Janus's -E in HOMEWORK_ICE_INTERFACE. Needs root.
#
#   integration-tests/session/in-netns.sh COMMAND [ARGS...]
set -eu

if [ "${HOMEWORK_IN_NETNS:-}" != 1 ]; then
  HOMEWORK_IN_NETNS=1 exec unshare --net -- "$0" "$@"
fi

ip link set lo up
ip link add hw-veth0 type veth peer name hw-veth1
ip addr add 10.213.0.1/24 dev hw-veth0
ip addr add 10.213.0.2/24 dev hw-veth1
ip link set hw-veth0 up
ip link set hw-veth1 up

export HOMEWORK_ICE_INTERFACE=hw-veth0
exec "$@"

#!/bin/sh
# Run a command inside a fresh network namespace that has only `lo`, so
# WebRTC in the browser tests can only ever use 127.0.0.1, like every other
# media test.
# As root: unshare -n; otherwise an unprivileged user namespace if the
# kernel allows one. Without either, the command runs as is with
# ROOMCAST_NETNS unset, and the tests that need media skip.
#   netns.sh node --test web-demo.test.mjs
PATH=$PATH:/usr/sbin:/sbin
export PATH
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && ROOMCAST_NETNS=1 exec "$@"' netns "$@"
fi
if unshare -rn true 2>/dev/null; then
  exec unshare -rn sh -c 'ip link set lo up && ROOMCAST_NETNS=1 exec "$@"' netns "$@"
fi
echo "netns.sh: cannot create a network namespace here; WebRTC media tests will skip" >&2
exec "$@"

# Shared by scripts/run and scripts/test: install what is missing, configure
# and build. Sourced, not executed.
#
# ROOMCAST_BUILD_DIR   build directory (default: build)
# ROOMCAST_MESON_ARGS  extra arguments for `meson setup`

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${ROOMCAST_BUILD_DIR:-$ROOT/build}

# Every Debian package the project needs to build, run and test.
DEBIAN_PACKAGES=(
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libhiredis-dev
  libcurl4-openssl-dev libsystemd-dev libgnutls28-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-nice gstreamer1.0-tools libnice-dev
  # icelitesink: OpenSSL (DTLS, SRTP); libsrtp2 as the tests' reference
  libssl-dev libsrtp2-dev
  redis-server nodejs npm curl valgrind systemd python3
  chromium iproute2 graphviz
  clang-format
  # TLS: GLib's backend for TLS_CERT_FILE (GnuTLS); the openssl CLI for the
  # tests' certificates; nginx for tests/integration/nginx-proxy, which runs
  # data/nginx/roomcast.conf (Debian also enables nginx.service on port 80)
  glib-networking openssl nginx
  # python-socketio with what its default transports need (requests for
  # long-polling, websocket-client for the upgrade): tests/integration/polling
  python3-socketio python3-requests python3-websocket
  # tools/roomcast-loadgen's light listeners decode a sampled few
  libopus-dev
  # room-impaired-loss: nft drops a share of the RTP packets inside the
  # bench's own network namespace (this kernel has no netem)
  nftables
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Install missing Debian packages: apt-get update once, then one install.
ensure_packages() {
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    # node and npm may come from elsewhere (the machine image); accept them.
    case $p in
      nodejs) command -v node >/dev/null && continue ;;
      npm) command -v npm >/dev/null && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local cmd="apt-get update && apt-get install -y ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages. As root, run:" >&2
    echo "  $cmd" >&2
    exit 1
  fi
  log "installing ${#missing[@]} Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# npm packages come from the committed package-lock.json, nothing else.
ensure_node_modules() {
  if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "installing npm packages from package-lock.json"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# meson setup (or reconfigure) and compile.
build_project() {
  if [ -f "$BUILD_DIR/build.ninja" ]; then
    meson setup --reconfigure "$BUILD_DIR" "$ROOT" ${ROOMCAST_MESON_ARGS:-} >/dev/null
  else
    log "configuring $BUILD_DIR"
    meson setup "$BUILD_DIR" "$ROOT" ${ROOMCAST_MESON_ARGS:-}
  fi
  log "building"
  meson compile -C "$BUILD_DIR"
}

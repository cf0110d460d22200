#!/bin/sh
# Installs every Debian package the project needs. Idempotent, non-interactive.
# Used by README.md and .ci/run. Later work adds packages here, not elsewhere.
set -eu

PKGS="
  build-essential cmake ninja-build pkg-config git ca-certificates
  gcc clang lld-14 llvm-14 libclang-rt-14-dev
  libsodium-dev libssl-dev librocksdb-dev libuv1-dev libjansson-dev libzstd-dev
  libprotobuf-c-dev protobuf-c-compiler libmicrohttpd-dev libcmocka-dev libcbor-dev
  wabt wasi-libc libclang-rt-14-dev-wasm32 rustc libstd-rust-dev-wasm32
  php-cli php-xml php-mbstring phpunit
  iproute2 python3 valgrind time
  debhelper lintian scdoc mmdebstrap systemd-container
"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi

# node + npm are needed only for the interop tests; Debian's nodejs is used when
# no newer node is on PATH.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get install -y -q --no-install-recommends nodejs npm || true
fi
echo "setup: all packages present"

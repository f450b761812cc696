#!/usr/bin/env bash
# Sets up Tessel (scripts/setup.sh) and runs its main job on the bundled
# example: shows the IR of examples/gpt2-block.mlir after each pass, then
# runs the block with the reference interpreter and checks it against NumPy.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo
echo "== IR after each pass: tessel-opt examples/gpt2-block.mlir =="
build/bin/tessel-opt examples/gpt2-block.mlir \
  --pass-pipeline='builtin.module(canonicalize,cse)' \
  --mlir-print-ir-after-all -o /dev/null

echo
echo "== Running the block with the reference interpreter =="
# Debian's python3 has the python3-numpy that setup.sh installed.
/usr/bin/python3 scripts/run_example.py --tessel-run build/bin/tessel-run \
  --out build/example

#!/usr/bin/env bash
# Sets up Tessel (scripts/setup.sh) and runs its main job on the bundled
# examples: compiles a model definition, shows its statistics and the IR
# after each pass, runs it with the reference interpreter, and checks a
# hand-written GPT-2 block against NumPy.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
out=build/demo
mkdir -p "$out"

echo
echo "== tesselc examples/tiny-gpt.json --stats =="
build/bin/tesselc examples/tiny-gpt.json --stats

echo
echo "== IR after each pass: tesselc examples/tiny-gpt.json --mlir-print-ir-after-all =="
build/bin/tesselc examples/tiny-gpt.json --mlir-print-ir-after-all \
  -o "$out/tiny-gpt.mlir"

echo
echo "== forward(tokens) on the reference interpreter, parameters from seed 0 =="
# Debian's python3 has the python3-numpy that setup.sh installed.
/usr/bin/python3 -c "import numpy as np; np.save('$out/tokens.npy', np.array([[1, 2, 3, 4, 5]], np.int64))"
build/bin/tessel-interpret "$out/tiny-gpt.mlir" --entry forward \
  --input "$out/tokens.npy" --seed 0 --output "$out/logits.npy"
/usr/bin/python3 -c "import numpy as np; l = np.load('$out/logits.npy'); print('logits', l.dtype, list(l.shape), 'next token after the prompt:', int(l[0, -1].argmax()))"

echo
echo "== Compiled for this CPU: tesselc -o tiny-gpt.tsl, tessel-run forward =="
build/bin/tesselc examples/tiny-gpt.json -o "$out/tiny-gpt.tsl"
ls "$out/tiny-gpt.tsl"
build/bin/tessel-run forward "$out/tiny-gpt.tsl" --tokens "$out/tokens.npy" \
  --seed 0 --out "$out/compiled-logits.npy" --repeat 10
/usr/bin/python3 -c "import numpy as np; a = np.load('$out/logits.npy'); b = np.load('$out/compiled-logits.npy'); print('compiled vs interpreter: max relative difference %.1e' % (abs(a - b).max() / abs(a).max()))"

echo
echo "== A hand-written GPT-2 block: canonicalization, then NumPy check =="
build/bin/tessel-opt examples/gpt2-block.mlir \
  --pass-pipeline='builtin.module(canonicalize,cse)' \
  --mlir-print-ir-after=canonicalize -o /dev/null 2>&1 | grep -m1 -B1 -A1 "0, 2, 3, 1" || true
/usr/bin/python3 scripts/run_example.py --tessel-interpret build/bin/tessel-interpret \
  --out "$out/block"

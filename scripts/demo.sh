#!/usr/bin/env bash
# Sets up Tessel (scripts/setup.sh) and runs its main job on the bundled
# examples: compiles a model definition for training, trains it on the CPU
# on a bundled public-domain text (the loss falling, step by step, and a
# plot of it), and samples text from the trained model. Before that, a
# look at what the compiler makes of the model, and a check of the compiled
# code against the reference interpreter. A few minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
out=build/demo
mkdir -p "$out"
model=examples/tiny-gpt.json
text=examples/data/shakespeare.txt

echo
echo "== tesselc $model --stats =="
build/bin/tesselc "$model" --stats

echo
echo "== The IR at each stage of compiling for this CPU: tesselc $model --print-stages =="
build/bin/tesselc "$model" --print-stages="$out/stages"

echo
echo "== Compiled for training: tesselc $model --train -o $out/tiny-gpt.tsl =="
echo "   (entry points forward, decode, loss and grads)"
build/bin/tesselc "$model" --train -o "$out/tiny-gpt.tsl"

echo
echo "== forward(tokens): compiled code vs the reference interpreter =="
/usr/bin/python3 -c "import numpy as np; np.save('$out/tokens.npy', np.frombuffer(b'To be, or not', np.uint8).astype(np.int64)[None])"
build/bin/tesselc "$model" -o "$out/tiny-gpt.mlir"
build/bin/tessel-interpret "$out/tiny-gpt.mlir" --entry forward \
  --input "$out/tokens.npy" --seed 0 --output "$out/logits.npy"
build/bin/tessel-run forward "$out/tiny-gpt.tsl" --tokens "$out/tokens.npy" \
  --seed 0 --out "$out/compiled-logits.npy"
/usr/bin/python3 -c "import numpy as np; a = np.load('$out/logits.npy'); b = np.load('$out/compiled-logits.npy'); print('   logits', list(b.shape), 'max relative difference %.1e' % (abs(a - b).max() / abs(a).max()))"

echo
echo "== Training on $text (one token per byte) =="
build/bin/tessel-run train "$out/tiny-gpt.tsl" --data "$text" --seed 0 \
  --steps 2000 --batch 8 --seq 128 --optimizer adamw --lr 4e-3 \
  --warmup 100 --schedule cosine --clip 1 \
  --save "$out/tiny-gpt-shakespeare.safetensors" --plot "$out/loss.svg" \
  --log "$out/train.jsonl"
echo "   the loss per step: $out/loss.svg (open it in a browser)"

echo
echo "== A sample from the trained model (temperature 0.8, top-k 20) =="
build/bin/tessel-run generate "$out/tiny-gpt.tsl" \
  --weights "$out/tiny-gpt-shakespeare.safetensors" --tokenizer bytes \
  --prompt $'KING RICHARD III:\n' --max-new-tokens 110 \
  --temperature 0.8 --top-k 20 --sample-seed 1
echo

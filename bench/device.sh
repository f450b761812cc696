#!/usr/bin/env bash
# The GPU checks, in two halves: `prepare` here (the compiler's machine),
# `run` on a machine with an NVIDIA GPU, its driver, CUDA, CMake and ninja
# but no MLIR.
#
#   bench/device.sh prepare [DIR]   compiles every example model for the GPU
#                                   (sm_90) and writes the CPU's answers for
#                                   it: logits of a forward pass and greedy
#                                   tokens, into DIR (default .device, which
#                                   git ignores), with the JSON header the
#                                   runtime builds against
#   EMULATE=1 bench/device.sh prepare   the same with tesselc --cuda-emulate
#                                   (no GPT-2 timing), so that `run` can be
#                                   tried here with LD_LIBRARY_PATH naming
#                                   build/test/fakecuda, the stand-in driver
#   bench/device.sh run [DIR]       builds the MLIR-free runner, runs each
#                                   GPU artifact and compares with the CPU's
#                                   answers; one line per model, into
#                                   $OUT/device.txt (or DIR/device.txt)
#
# The device tool carries DIR: run(command="bash bench/device.sh run",
# carry=[".device"]). Exit status 0 only when every model matched (bf16
# attention: logits within 2e-2 of the largest, greedy tokens equal) and
# the attention kernel matched SDPA (bench/attention_cuda.py: its error at
# most twice SDPA's own in bf16/f16; then its TFLOP/s against SDPA's flash
# backend and cuDNN's). Then a GPT-2-124M-sized forward (batch 1, S = 128
# and 1024), Tessel's kernels against PyTorch eager on the same GPU, in the
# same script.
set -uo pipefail

mode=${1:-}
dir=${2:-.device}
models="tiny-gpt tiny-llama tiny-mla tiny-mqa-alibi tiny-sinusoidal-postnorm tiny-t5bias-batchnorm"
seed=7
python=${PYTHON:-python3}

prepare() {
  local build=${BUILD:-build}
  rm -rf "$dir" && mkdir -p "$dir/models" "$dir/include" || return 1
  cp -r /usr/include/nlohmann "$dir/include/" || return 1
  "$python" -c "import numpy as np
np.save('$dir/ids.npy', (np.arange(2 * 24).reshape(2, 24) * 37 % 251).astype(np.int64))
np.save('$dir/prompt.npy', (np.arange(2 * 6).reshape(2, 6) * 53 % 251).astype(np.int64))" ||
    return 1
  for m in $models; do
    local cpu="$dir/models/$m.cpu.tsl"
    "$build/bin/tesselc" "examples/$m.json" --target=cuda --sm=90 \
      ${EMULATE:+--cuda-emulate} -o "$dir/models/$m.tsl" || return 1
    "$build/bin/tesselc" "examples/$m.json" -o "$cpu" || return 1
    "$build/bin/tessel-run" forward "$cpu" --tokens "$dir/ids.npy" \
      --seed $seed --out "$dir/models/$m.logits.npy" || return 1
    "$build/bin/tessel-run" generate "$cpu" --prompt-tokens "$dir/prompt.npy" \
      --seed $seed --max-new-tokens 16 --out "$dir/models/$m.tokens.npy" \
      >/dev/null || return 1
    rm -rf "$cpu"
  done
  # Attention alone, for bench/attention_cuda.py: grouped-query (8/2) for
  # correctness, multi-head (32) bf16 at D = 128 for throughput. Emulated:
  # one, checked at S = 128.
  local d c t h
  for d in 64 128; do for c in causal full; do for t in bf16 f16; do
    for h in 8x2 32x32; do
      [[ $h == 32x32 && ($d != 128 || $t != bf16) ]] && continue
      [[ -n ${EMULATE:-} && ($d != 64 || $c != causal || $t != bf16 ||
        $h != 8x2) ]] && continue
      sed -e "s/HQ/${h%x*}/g; s/HKV/${h#*x}/g; s/D/$d/g" \
        -e "s/CAUSAL/$([[ $c == causal ]] && echo '{causal}')/" \
        test/tools/Inputs/attention.mlir.in >"$dir/attn.mlir" &&
        "$build/bin/tesselc" "$dir/attn.mlir" --target=cuda --sm=90 \
          --cuda-attention=$t ${EMULATE:+--cuda-emulate} \
          -o "$dir/models/attn_${d}_${c}_${t}_$h.tsl" || return 1
    done
  done; done; done
  rm -f "$dir/attn.mlir"
  # A GPT-2-124M-sized model (random weights from the seed) for timing
  # (not emulated: too slow one thread at a time).
  [[ -n ${EMULATE:-} ]] || "$python" -c "import json, sys; sys.path.insert(0, 'bench')
from gpt2 import CONFIG
json.dump(CONFIG, open('$dir/gpt2.json', 'w'))" || return 1
  [[ -n ${EMULATE:-} ]] || "$build/bin/tesselc" "$dir/gpt2.json" \
    --target=cuda --sm=90 -o "$dir/models/gpt2.tsl" || return 1
  echo "prepared $dir: $(du -sh "$dir" | cut -f1)"
}

run() {
  local out=${OUT:-$dir}
  local report="$out/device.txt"
  mkdir -p "$out"
  : >"$report"
  say() { echo "$*" | tee -a "$report"; }
  say "device: $(nvidia-smi --query-gpu=name,driver_version \
    --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
  cmake -S . -B build-device -G Ninja -DTESSEL_ENABLE_COMPILER=OFF \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS="-I$PWD/$dir/include" >"$out/cmake.log" 2>&1 &&
    ninja -C build-device tessel-run >>"$out/cmake.log" 2>&1 ||
    { say "build of the runner failed (see cmake.log)"; return 1; }
  # Outputs to compare go to a work folder: the device tool brings back at
  # most 8 files from $OUT (device.txt, cmake.log, gpt2_profile.txt).
  local run=build-device/bin/tessel-run failed=0 work="$dir/work"
  mkdir -p "$work"
  for m in $models; do
    local a="$dir/models/$m.tsl" logits="$work/$m.logits.npy"
    local tokens="$work/$m.tokens.npy" msg
    local t0=$(date +%s.%N)
    if ! msg=$("$run" forward "$a" --tokens "$dir/ids.npy" --seed $seed \
      --out "$logits" 2>&1); then
      say "$m: forward failed: $msg"
      failed=1
      continue
    fi
    local t1=$(date +%s.%N)
    if ! msg=$("$run" generate "$a" --prompt-tokens "$dir/prompt.npy" \
      --seed $seed --max-new-tokens 16 --out "$tokens" 2>&1); then
      say "$m: generate failed: $msg"
      failed=1
      continue
    fi
    local line
    line=$("$python" - "$dir/models/$m" "$work/$m" "$t0" "$t1" <<'EOF'
import sys
import numpy as np
ref, got, t0, t1 = sys.argv[1:]
a, b = np.load(ref + ".logits.npy"), np.load(got + ".logits.npy")
err = float(np.abs(a - b).max() / np.abs(a).max()) if a.shape == b.shape else float("inf")
same = np.array_equal(np.load(ref + ".tokens.npy"), np.load(got + ".tokens.npy"))
ok = err < 2e-2 and same
print(f"{'ok' if ok else 'MISMATCH'}: logits max rel error {err:.2e} "
      f"(bf16 attention, limit 2e-2), greedy tokens "
      f"{'equal' if same else 'differ'}, forward process "
      f"{float(t1) - float(t0):.2f} s")
EOF
    )
    say "$m: $line"
    [[ $line == ok:* ]] || failed=1
  done
  local attention
  attention=$("$python" bench/attention_cuda.py "$run" "$dir/models" \
    "$work/attention" ${EMULATE:+--quick} 2>&1) || failed=1
  say "$attention"
  if [[ -d $dir/models/gpt2.tsl ]]; then gpt2 "$run" "$work" || failed=1; fi
  return $failed
}

# Forward of the GPT-2-124M-sized model, batch 1, f32: Tessel's kernels
# against PyTorch eager (F.linear, layer_norm, causal SDPA) on the same
# GPU, both returning the logits to the host; medians of 10 calls.
gpt2() {
  local run=$1 out=$2 s t torch
  for s in 128 1024; do
    "$python" -c "import numpy as np
np.save('$out/gpt2_ids_$s.npy', (np.arange($s) * 7919 % 50257).reshape(1, $s).astype(np.int64))"
    t=$("$run" forward "$dir/models/gpt2.tsl" --tokens "$out/gpt2_ids_$s.npy" \
      --seed $seed --out "$out/gpt2_logits.npy" --repeat 10 2>&1 | tail -1) ||
      { say "gpt2 S=$s: Tessel failed: $t"; return 1; }
    torch=$("$python" bench/gpt2_torch_cuda.py "$s") ||
      { say "gpt2 S=$s: PyTorch failed"; return 1; }
    say "gpt2-124m forward S=$s: Tessel $t; PyTorch eager median $torch ms"
  done
  # Where Tessel's time goes, kernel by kernel (CUDA events), at S = 1024.
  # (`say` appends to run's $report: this one has another name.)
  local profile=${OUT:-$dir}/gpt2_profile.txt
  "$run" forward "$dir/models/gpt2.tsl" --tokens "$out/gpt2_ids_1024.npy" \
    --seed $seed --out "$out/gpt2_logits.npy" --repeat 3 --profile \
    >"$profile" 2>&1 && say "$(sed -n 2,12p "$profile")"
}

case $mode in
prepare) prepare ;;
run) run ;;
*)
  echo "usage: bench/device.sh prepare|run [DIR]" >&2
  exit 2
  ;;
esac

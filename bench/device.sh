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
#   bench/device.sh run [DIR]       builds the MLIR-free runner, runs each
#                                   GPU artifact and compares with the CPU's
#                                   answers; one line per model, into
#                                   $OUT/device.txt (or DIR/device.txt)
#
# The device tool carries DIR: run(command="bash bench/device.sh run",
# carry=[".device"]). Exit status 0 only when every model matched.
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
      -o "$dir/models/$m.tsl" || return 1
    "$build/bin/tesselc" "examples/$m.json" -o "$cpu" || return 1
    "$build/bin/tessel-run" forward "$cpu" --tokens "$dir/ids.npy" \
      --seed $seed --out "$dir/models/$m.logits.npy" || return 1
    "$build/bin/tessel-run" generate "$cpu" --prompt-tokens "$dir/prompt.npy" \
      --seed $seed --max-new-tokens 16 --out "$dir/models/$m.tokens.npy" \
      >/dev/null || return 1
    rm -rf "$cpu"
  done
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
  local run=build-device/bin/tessel-run failed=0
  for m in $models; do
    local a="$dir/models/$m.tsl" logits="$out/$m.logits.npy"
    local tokens="$out/$m.tokens.npy" msg
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
    line=$("$python" - "$dir/models/$m" "$out/$m" "$t0" "$t1" <<'EOF'
import sys
import numpy as np
ref, got, t0, t1 = sys.argv[1:]
a, b = np.load(ref + ".logits.npy"), np.load(got + ".logits.npy")
err = float(np.abs(a - b).max() / np.abs(a).max()) if a.shape == b.shape else float("inf")
same = np.array_equal(np.load(ref + ".tokens.npy"), np.load(got + ".tokens.npy"))
ok = err < 1e-4 and same
print(f"{'ok' if ok else 'MISMATCH'}: logits max rel error {err:.2e} "
      f"(f32, limit 1e-4), greedy tokens {'equal' if same else 'differ'}, "
      f"forward process {float(t1) - float(t0):.2f} s")
EOF
    )
    say "$m: $line"
    [[ $line == ok:* ]] || failed=1
  done
  say "flash attention on tensor cores (mma.sync, SDPA comparison): not built yet"
  return $failed
}

case $mode in
prepare) prepare ;;
run) run ;;
*)
  echo "usage: bench/device.sh prepare|run [DIR]" >&2
  exit 2
  ;;
esac

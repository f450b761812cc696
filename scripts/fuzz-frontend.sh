#!/usr/bin/env bash
# Builds the frontend fuzzer with clang (ASan + UBSan + libFuzzer) and runs it
# for a bounded time on the seed corpus in test/fuzz/corpus.
#
#   scripts/fuzz-frontend.sh [SECONDS]     default 300
#
# Prints how long it ran and how many inputs it tried; exits non-zero, with
# the crashing input saved under build-fuzz/crashes/, if anything broke.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}

if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "fuzz: installing clang (libFuzzer and the sanitizer runtimes)"
  sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
cxx=$(command -v clang++-14 || command -v clang++)
cc=$(command -v clang-14 || command -v clang)

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
  -DTESSEL_ENABLE_FUZZER=ON >/dev/null
cmake --build build-fuzz --target tessel-frontend-fuzzer

mkdir -p build-fuzz/corpus build-fuzz/crashes
cp test/fuzz/corpus/*.json build-fuzz/corpus/
start=$(date +%s)
status=0
build-fuzz/bin/tessel-frontend-fuzzer build-fuzz/corpus \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=8192 \
  -dict=test/fuzz/json.dict -print_final_stats=1 \
  -artifact_prefix=build-fuzz/crashes/ 2>build-fuzz/fuzz.log || status=$?
end=$(date +%s)
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/fuzz.log |
  grep -o '[0-9]*$' || echo "?")
echo "fuzz: ran $((end - start)) s, $runs inputs, exit status $status"
if [ "$status" -ne 0 ]; then
  tail -40 build-fuzz/fuzz.log
  echo "fuzz: crashing inputs are in build-fuzz/crashes/"
fi
exit "$status"

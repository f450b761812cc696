#!/usr/bin/env python3
"""Data-parallel training: step time at 1 process and on 2 MPI ranks.

    bench/zero.py [--build build] [--layers 4] [--hidden 256] [--batch 8]
        [--seq 128] [--steps 20] [--rounds 3] [--threads 2]

Writes a GPT-2-family Tessel-format model (learned positions, pre-LayerNorm,
GELU MLP of 4 x hidden, vocabulary 256), compiles it once with `tesselc
--train`, and trains it on the same text for --steps steps: one process
with --threads OpenMP threads (the reference; and with one thread, to
show how the threads alone scale), then `mpirun -np 2` with
--threads / 2 threads per rank at each ZeRO stage, on the same global
batch. Reports the time per step (the run's own "steps ... in X s",
compilation and start-up excluded), tokens/s and the ratio to the one
process, the median of --rounds interleaved rounds, plus what rank 0 held
and the elements moved per step (the runs' reports).
"""

import json
import os
import statistics
import subprocess
import tempfile

from shapes import (gpt_family, run_stderr, seconds_per_step, training_args,
                    write_corpus)



def main():
    args, tesselc, tessel_run = training_args(__doc__.split("\n")[0])
    tmp = tempfile.mkdtemp(prefix="tessel-zero-")
    model = gpt_family("bench-zero", args.layers, args.hidden, args.seq)
    definition = os.path.join(tmp, "model.json")
    with open(definition, "w") as f:
        json.dump(model, f)
    artifact = os.path.join(tmp, "model.tsl")
    subprocess.run([tesselc, definition, "--train", "-o", artifact],
                   check=True)
    corpus = os.path.join(tmp, "corpus.txt")
    write_corpus(corpus)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    common = [tessel_run, "train", artifact, "--data", corpus, "--seed", "0",
              "--steps", str(args.steps), "--batch", str(args.batch),
              "--seq", str(args.seq), "--lr", "1e-3", "--log-every",
              str(args.steps)]
    configs = [("1 process", None), ("1 process, 1 thread", -1)] + [
        (f"2 ranks, stage {s}", s) for s in range(4)]
    times = {name: [] for name, _ in configs}
    reports = {}
    for _ in range(args.rounds):
        for name, stage in configs:
            if stage is None or stage < 0:
                threads = args.threads if stage is None else 1
                err = run_stderr(common,
                                 dict(env, OMP_NUM_THREADS=str(threads)))
            else:
                err = run_stderr(["mpirun", "--oversubscribe", "-np", "2",
                                  "--bind-to", "none"] + common +
                                 ["--zero", str(stage)],
                                 dict(env, OMP_NUM_THREADS=str(
                                     max(1, args.threads // 2))))
                reports[name] = [l for l in err.splitlines()
                                 if "holds" in l or "per step:" in l]
            times[name].append(seconds_per_step(name, err, args.steps))
    tokens = args.batch * args.seq
    print(f"model: {args.layers} layers, hidden {args.hidden}, vocab 256; "
          f"global batch {args.batch} x {args.seq}; {args.steps} steps, "
          f"median of {args.rounds} rounds; {args.threads} threads in all")
    base = statistics.median(times["1 process"])
    print(f"{'run':<20} {'ms/step':>9} {'tokens/s':>9} {'vs 1 process':>13}")
    for name, _ in configs:
        t = statistics.median(times[name])
        print(f"{name:<20} {1e3 * t:9.1f} {tokens / t:9.0f} "
              f"{base / t:12.2f}x")
    for name, lines in reports.items():
        for line in lines:
            print(f"{name}: {line.split(': ', 1)[1]}")


if __name__ == "__main__":
    main()

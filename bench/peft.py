#!/usr/bin/env python3
"""Parameter-efficient fine-tuning: step time and trained share per method.

    bench/peft.py [--build build] [--layers 4] [--hidden 256] [--batch 8]
        [--seq 128] [--steps 20] [--rounds 3] [--threads 2]

Writes a GPT-2-family Tessel-format model (learned positions, pre-LayerNorm,
GELU MLP of 4 x hidden, vocabulary 256) and compiles it with `tesselc
--train` four ways: full fine-tuning (the reference), LoRA (r 8 on the
attention's q and v projections), prefix tuning (16 virtual tokens) and
LoReFT (r 4 after every layer, f4+l4). Each trains --steps AdamW steps on
the same text from the same seeded weights. Reports, per method, the
parameters it trains (the manifest's unfrozen ones), the time per step
(the run's own "steps ... in X s": compilation and start-up excluded) and
its ratio to full fine-tuning, the median of --rounds interleaved rounds,
and the loss of the first and last step of the last round. The
methods' losses are not a quality comparison: a random base model and a
few steps say only that each trains.
"""

import json
import math
import os
import statistics
import subprocess
import tempfile

from shapes import (gpt_family, run_stderr, seconds_per_step, training_args,
                    write_corpus)



def main():
    args, tesselc, tessel_run = training_args(__doc__.split("\n")[0])
    tmp = tempfile.mkdtemp(prefix="tessel-peft-")
    # Room for the prefix's positions: the sequence starts after it.
    model = gpt_family("bench-peft", args.layers, args.hidden,
                       args.seq + 16)
    definition = os.path.join(tmp, "model.json")
    with open(definition, "w") as f:
        json.dump(model, f)
    layers = ",".join(str(i) for i in range(args.layers))
    methods = [
        ("full fine-tuning", []),
        ("LoRA r8 q,v", ["--lora-targets", "q_proj,v_proj",
                         "--lora-rank", "8"]),
        ("prefix tuning P16", ["--prefix-tokens", "16"]),
        ("LoReFT r4 f4+l4", ["--reft-layers", layers, "--reft-rank", "4",
                             "--reft-positions", "f4+l4"]),
    ]
    artifacts, trained = {}, {}
    for name, flags in methods:
        artifact = os.path.join(tmp, f"m{len(artifacts)}.tsl")
        subprocess.run([tesselc, definition, "--train", *flags, "-o",
                        artifact], check=True)
        with open(os.path.join(artifact, "manifest.json")) as f:
            params = json.load(f)["parameters"]
        trained[name] = (
            sum(math.prod(p["shape"]) for p in params if not p.get("frozen")),
            sum(math.prod(p["shape"]) for p in params))
        artifacts[name] = artifact
    corpus = os.path.join(tmp, "corpus.txt")
    write_corpus(corpus)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    times = {name: [] for name, _ in methods}
    losses = {}
    for _ in range(args.rounds):
        for name, _ in methods:
            log = os.path.join(tmp, "log.jsonl")
            err = run_stderr([tessel_run, "train", artifacts[name], "--data",
                              corpus, "--seed", "0", "--steps",
                              str(args.steps), "--batch", str(args.batch),
                              "--seq", str(args.seq), "--lr", "1e-3",
                              "--log-every", str(args.steps), "--log", log],
                             env)
            times[name].append(seconds_per_step(name, err, args.steps))
            with open(log) as f:
                lines = [json.loads(line)["loss"] for line in f]
            losses[name] = (lines[0], lines[-1])
    print(f"model: {args.layers} layers, hidden {args.hidden}, vocab 256; "
          f"batch {args.batch} x {args.seq}; {args.steps} AdamW steps, median "
          f"of {args.rounds} rounds; {args.threads} threads")
    base = statistics.median(times["full fine-tuning"])
    print(f"{'method':<20} {'trained':>10} {'of all':>8} {'ms/step':>9} "
          f"{'vs full':>8}   loss first -> last")
    for name, _ in methods:
        t = statistics.median(times[name])
        count, total = trained[name]
        print(f"{name:<20} {count:>10,} {100 * count / total:7.2f}% "
              f"{1e3 * t:9.1f} {base / t:7.2f}x   {losses[name][0]:.3f} -> "
              f"{losses[name][1]:.3f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Speculative decoding: tokens/s with and without it, and the acceptance.

    bench/speculate.py [--threads 2] [--new-tokens 64] [--rounds 3]

The GPT-2-124M-sized model of bench/gpt2.py (random weights, f32) is the
target. The draft is a 2-layer GPT-2 of the same width whose weights are
the target's embeddings, first two layers and final norm (a draft that
skips the target's later layers). A batch of one prompt of 128 tokens (a
random 32-token segment four times, as text with repetition is) is decoded
greedily for NEW tokens:

- plain: one token per decode step;
- --speculate-ngram K: drafts looked up in the prompt and the text so far;
- --draft with --speculate K.

Each round runs every case; the table has the median over rounds of ms per
generated token (after the prompt's step), tokens/s, the speedup over plain
decoding, the acceptance and the tokens per target step as `--time`
reports them, and whether the output is plain decoding's (greedy: it must
be). Random weights make acceptance what this model gives, not what a
trained model and its draft would: the speedup at a given acceptance is
what this measures.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

import numpy as np

from gpt2 import BIN, CONFIG, random_weights, tessel_generate, write_safetensors


def compile_model(config, tmp, name):
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(config, f)
    artifact = os.path.join(tmp, name + ".tsl")
    subprocess.run([os.path.join(BIN, "tesselc"), path, "-o", artifact],
                   check=True)
    return artifact


def generate(artifact, weights, prompt_file, new_tokens, options, tmp,
             threads):
    """(ms per token after the prompt's step, ids, speculation line)."""
    ms, ids, err = tessel_generate(artifact, weights, prompt_file, new_tokens,
                                   os.path.join(tmp, "ids.npy"), threads,
                                   options)
    note = re.search(r"speculation: (\d+) of (\d+) .*; ([0-9.]+) tokens per "
                     r"target step", err)
    return ms, ids, note


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--speculate", default="2,4")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        target = compile_model(CONFIG, tmp, "gpt2")
        draft = compile_model(dict(CONFIG, n_layer=2), tmp, "draft")
        print(f"GPT-2-124M-sized target (12 layers) and 2-layer draft, f32, "
              f"{args.threads} threads; tesselc took "
              f"{time.perf_counter() - start:.0f} s for both")
        manifest = json.load(open(os.path.join(target, "manifest.json")))
        weights = random_weights(manifest, 0)
        target_weights = os.path.join(tmp, "target.safetensors")
        write_safetensors(target_weights, weights)
        draft_weights = os.path.join(tmp, "draft.safetensors")
        write_safetensors(draft_weights, {
            k: v for k, v in weights.items()
            if not re.search(r"\.h\.([2-9]|1[01])\.", k)})

        rng = np.random.default_rng(1)
        segment = rng.integers(0, CONFIG["vocab_size"], 32)
        prompt_file = os.path.join(tmp, "prompt.npy")
        np.save(prompt_file, np.tile(segment, 4)[None].astype(np.int64))
        cases = [("plain", [])]
        for k in args.speculate.split(","):
            cases.append((f"ngram K={k}", ["--speculate-ngram", k]))
            cases.append((f"draft K={k}", [
                "--draft", draft, "--draft-weights", draft_weights,
                "--speculate", k]))
        times = {name: [] for name, _ in cases}
        notes, same, plain_ids = {}, {name: True for name, _ in cases}, None
        for _ in range(args.rounds):
            for name, options in cases:
                ms, ids, note = generate(target, target_weights, prompt_file,
                                         args.new_tokens, options, tmp,
                                         args.threads)
                times[name].append(ms)
                notes[name] = note
                if plain_ids is None:
                    plain_ids = ids
                same[name] &= bool((ids == plain_ids).all())

        plain = statistics.median(times["plain"])
        print(f"\nbatch 1, prompt 128, {args.new_tokens} new tokens, greedy; "
              f"median of {args.rounds} rounds\n")
        print("| case | ms/token | tokens/s | speedup | drafts accepted | "
              "tokens per target step | same output |")
        print("|---|---|---|---|---|---|---|")
        for name, _ in cases:
            t = statistics.median(times[name])
            note = notes[name]
            accepted = (f"{int(note.group(1))} of {int(note.group(2))} "
                        f"({100 * int(note.group(1)) / max(1, int(note.group(2))):.0f}%)"
                        if note else "-")
            per_step = note.group(3) if note else "1.00"
            print(f"| {name} | {t:.1f} | {1e3 / t:.1f} | {plain / t:.2f} | "
                  f"{accepted} | {per_step} | "
                  f"{'yes' if same[name] else 'NO'} |")


if __name__ == "__main__":
    main()

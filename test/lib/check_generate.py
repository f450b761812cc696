#!/usr/bin/env python3
"""The KV-cache path agrees with the full forward pass.

    check_generate.py --tesselc BIN --tessel-run BIN --tmp DIR MODEL.json

1. `decode` on a prompt with caches of room for more positions than the
   sequence gives forward's logits; a second `decode` step on one more
   token with the returned caches gives forward's logits for the longer
   sequence at that position (1e-4 relative, or --tolerance; MLA's decode
   is the absorbed form, its forward the un-absorbed one). The caches' unused positions
   hold NaN: a step that read past its last position would show it; the
   returned caches keep them, and hold the steps' keys and values at their
   positions only.
2. A third `decode` step with the sequences at different positions (one
   continues, the other goes back to position 3 with another token) gives
   each sequence's forward logits: each sequence attends to its own
   positions only, not to what its cache holds past them (the stale keys
   of positions 4 and 5, the NaN of 6).
3. Greedy `tessel-run generate` picks, at every step, the argmax of
   `forward` over the sequence so far.
Prints one line; exits 1 on a mismatch.
"""

import argparse
import json
import os
import sys

import numpy as np

from tools import run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tesselc", required=True)
    parser.add_argument("--tessel-run", required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("model")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest relative difference of the logits")
    parser.add_argument("--kv-block-size", type=int, default=0,
                        help="compile a paged KV cache of blocks of N")
    args = parser.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    t = lambda n: os.path.join(args.tmp, n)
    name = os.path.splitext(os.path.basename(args.model))[0]
    artifact = t("m.tsl")
    paged = args.kv_block_size
    run([args.tesselc, args.model, "-o", artifact]
        + ([f"--kv-block-size={paged}"] if paged else []))
    manifest = json.load(open(os.path.join(artifact, "manifest.json")))
    decode = manifest["entry_points"]["decode"]
    vocab = manifest["model"]["vocab_size"]
    rng = np.random.default_rng(0)
    batch, prompt_len = 2, 5
    seq = rng.integers(0, vocab, (batch, prompt_len + 2)).astype(np.int64)

    def forward(tokens):
        np.save(t("f.npy"), tokens)
        run([args.tessel_run, "forward", artifact, "--tokens", t("f.npy"),
             "--seed", "1", "--out", t("fl.npy")])
        return np.load(t("fl.npy"))

    def decode_step(tokens, starts, cache):
        """Decode of tokens [B, S], row b at positions starts[b]... (one
        start for every row, or one per row)."""
        np.save(t("d.npy"), tokens)
        starts = np.broadcast_to(np.asarray(starts), (tokens.shape[0],))
        np.save(t("p.npy"), starts[:, None] + np.arange(tokens.shape[1]))
        command = [args.tessel_run, "run", artifact, "--entry", "decode",
                   "--seed", "1", "--input", t("d.npy"), "--input", t("p.npy")]
        if paged:
            np.save(t("bt.npy"), table)
            command += ["--input", t("bt.npy")]
        for i, c in enumerate(cache):
            np.save(t(f"c{i}.npy"), c)
            command += ["--input", t(f"c{i}.npy")]
        outs = [t(f"o{i}.npy") for i in range(len(decode["results"]))]
        for o in outs:
            command += ["--output", o]
        run(command)
        results = [np.load(o) for o in outs]
        return results[0], results[1:]

    capacity = prompt_len + 3
    first = 3 if paged else 2
    # Paged: each sequence's blocks interleaved with the other's in a pool
    # of 1 + B * M blocks (block 0 unused), so a read through the wrong
    # table entry shows.
    blocks = -(-capacity // paged) if paged else 0
    table = np.array([[1 + e * batch + b for e in range(blocks)]
                      for b in range(batch)], np.int64)
    empty = []
    for spec in decode["inputs"][first:]:
        shape = list(spec["shape"])
        if paged:
            shape[0] = 1 + batch * blocks
        else:
            shape[0], shape[2] = batch, capacity
        empty.append(np.full(shape, np.nan, np.float32))

    def logical(c):
        """A cache as [B, H, capacity, D] (paged: the pool through the
        table)."""
        if not paged:
            return c
        g = c[table]                                     # [B, M, H, P, D]
        g = g.transpose(0, 2, 1, 3, 4).reshape(batch, c.shape[1], -1,
                                               c.shape[3])
        return g[:, :, :capacity]
    def difference(worst, got, want):
        """The larger of worst and got's relative difference from want (inf
        where got is not finite: NaN would compare as no difference)."""
        if not np.isfinite(got).all():
            return np.inf
        return max(worst, np.abs(got - want).max() / np.abs(want).max())

    worst = 0.0
    logits, cache = decode_step(seq[:, :prompt_len], 0, empty)
    for c in map(logical, cache):
        if c.shape[2] != capacity or np.isnan(c[:, :, :prompt_len]).any() \
                or not np.isnan(c[:, :, prompt_len:]).all():
            print(f"FAIL {name}: the caches after the prompt hold NaN inside "
                  f"it or values past it")
            return 1
    want = forward(seq[:, :prompt_len])
    worst = difference(worst, logits, want)
    logits, cache = decode_step(seq[:, prompt_len:prompt_len + 1],
                                prompt_len, cache)
    want = forward(seq[:, :prompt_len + 1])[:, prompt_len:]
    worst = difference(worst, logits, want)

    # Row 0 goes on at position prompt_len + 1; row 1 goes back to 3.
    other = (seq[1, 3] + 1) % vocab
    step = np.array([[seq[0, prompt_len + 1]], [other]], np.int64)
    logits, _ = decode_step(step, [prompt_len + 1, 3], cache)
    want0 = forward(seq[:1])[0, prompt_len + 1]
    want1 = forward(np.array([list(seq[1, :3]) + [other]], np.int64))[0, 3]
    for got, want in ((logits[0, 0], want0), (logits[1, 0], want1)):
        worst = difference(worst, got, want)

    np.save(t("prompt.npy"), seq[:, :prompt_len])
    run([args.tessel_run, "generate", artifact, "--prompt-tokens",
         t("prompt.npy"), "--max-new-tokens", str(args.steps), "--seed", "1",
         "--out", t("gen.npy")])
    generated = np.load(t("gen.npy"))
    greedy_ok = True
    for step in range(args.steps):
        prefix = generated[:, :prompt_len + step]
        choice = forward(prefix)[:, -1].argmax(-1)
        greedy_ok &= bool((choice == generated[:, prompt_len + step]).all())
    ok = worst <= args.tolerance and greedy_ok
    if paged:
        name += f" (paged, blocks of {paged})"
    print(f"{'OK' if ok else 'FAIL'} {name}: decode vs forward max relative "
          f"difference {worst:.1e}; greedy generate of {args.steps} tokens "
          f"{'matches' if greedy_ok else 'differs from'} forward's argmax")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

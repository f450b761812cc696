#!/usr/bin/env python3
"""Speculative decoding keeps the target model's distribution.

    check_speculative.py --tesselc BIN --tessel-run BIN --tmp DIR

A target model and a draft (one layer fewer, other output weights) over a
vocabulary of 6 tokens, with weights large enough that their distributions
are peaked and differ. Sequences sample 3 tokens at temperature 1, each with
its own seed: 500 runs of one sequence and one batch of 4000 (where each
sequence advances at its own pace: the positions of a decode step are per
sequence). The counts of each 3-token continuation are compared
with the target's exact probabilities, computed from `forward` over every
prefix, by a chi-square test:

- with --draft (rejection sampling against the draft's distribution) and
  with --speculate-ngram (drafts of probability 1 from the prompt); every
  case must have rejected some drafts;
- and, to show the test can fail, the draft model's own samples, which
  must be rejected.

Prints one line per case; exits 1 when a case is wrong.
"""

import argparse
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys

import numpy as np

VOCAB, TOKENS, BATCH, ALONE = 6, 3, 4000, 500


def run(command):
    r = subprocess.run(command, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(command)}\n{r.stderr}")
    return r


def chi_square_p(statistic, dof):
    """Upper tail of chi-square (Wilson-Hilferty; fine for dof >= 3)."""
    z = ((statistic / dof) ** (1 / 3) - (1 - 2 / (9 * dof))) / math.sqrt(
        2 / (9 * dof))
    return 0.5 * math.erfc(z / math.sqrt(2))


def chi_square(counts, probs):
    """Pearson's statistic over cells, pooling cells expected below 5."""
    expected = probs * counts.sum()
    small = expected < 5
    observed = list(counts[~small]) + [counts[small].sum()]
    wanted = list(expected[~small]) + [expected[small].sum()]
    if wanted[-1] == 0:
        observed, wanted = observed[:-1], wanted[:-1]
    stat = sum((o - e) ** 2 / e for o, e in zip(observed, wanted))
    dof = len(wanted) - 1
    return stat, dof, chi_square_p(stat, dof)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tesselc", required=True)
    parser.add_argument("--tessel-run", required=True)
    parser.add_argument("--tmp", required=True)
    args = parser.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    t = lambda n: os.path.join(args.tmp, n)

    model = {
        "format": "tessel", "name": "tiny-vocab", "vocab_size": VOCAB,
        "hidden_size": 32, "num_layers": 2, "max_positions": 32,
        "attention": {"kind": "gqa", "heads": 4, "kv_heads": 2},
        "position": {"kind": "rope", "theta": 10000},
        "norm": {"kind": "rms", "placement": "pre", "eps": 1e-6},
        "mlp": {"kind": "swiglu", "hidden": 64},
        "init": {"embedding": {"kind": "normal", "std": 0.5},
                 "attention": {"kind": "normal", "std": 0.3},
                 "mlp": {"kind": "normal", "std": 0.3},
                 "output": {"kind": "normal", "std": 0.15}},
    }
    json.dump(model, open(t("target.json"), "w"))
    model["num_layers"] = 1
    model["max_positions"] = 24  # Shorter than the target's (an error test).
    model["init"]["output"]["std"] = 0.3
    json.dump(model, open(t("draft.json"), "w"))
    run([args.tesselc, t("target.json"), "-o", t("target.tsl")])
    run([args.tesselc, t("draft.json"), "-o", t("draft.tsl")])

    # The target's probability of every 3-token continuation of the prompt.
    prompt = [1, 2, 1, 2, 1]
    prob = np.ones(1)
    for step in range(TOKENS):
        rows = np.array([prompt + list(np.unravel_index(i, (VOCAB,) * step))
                         for i in range(VOCAB ** step)], np.int64)
        np.save(t("f.npy"), rows)
        run([args.tessel_run, "forward", t("target.tsl"), "--tokens",
             t("f.npy"), "--seed", "1", "--out", t("fl.npy")])
        logits = np.load(t("fl.npy"))[:, -1].astype(np.float64)
        p = np.exp(logits - logits.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        prob = (prob[:, None] * p).reshape(-1)

    np.save(t("prompt.npy"), np.array([prompt] * BATCH, np.int64))
    np.save(t("one.npy"), np.array([prompt], np.int64))

    def generate(model_file, options, prompt_file, seed, out):
        r = run([args.tessel_run, "generate", model_file, "--prompt-tokens",
                 prompt_file, "--max-new-tokens", str(TOKENS), "--seed", "1",
                 "--temperature", "1", "--sample-seed", str(seed), "--time",
                 "--out", out] + options)
        note = re.search(r"speculation: (\d+) of (\d+) .*; ([0-9.]+) tokens "
                         r"per target step \((\d+) steps", r.stderr)
        ids = np.load(out)[:, len(prompt):]
        os.remove(out)
        return ids, note

    def sample(model_file, options, alone):
        """Samples and speculation's counts: one batch of BATCH sequences,
        or ALONE runs of one sequence each (seeds 0 ...)."""
        if not alone:
            ids, note = generate(model_file, options, t("prompt.npy"), 7,
                                 t("out.npy"))
            notes = [note]
        else:
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                runs = list(pool.map(
                    lambda i: generate(model_file, options, t("one.npy"), i,
                                       t(f"out{i}.npy")),
                    range(alone)))
            ids = np.concatenate([r[0] for r in runs])
            notes = [r[1] for r in runs]
        cells = np.ravel_multi_index(ids.T, (VOCAB,) * TOKENS)
        counts = np.bincount(cells, minlength=VOCAB ** TOKENS)
        if not all(notes):
            return counts, None
        accepted = sum(int(n.group(1)) for n in notes)
        drafted = sum(int(n.group(2)) for n in notes)
        steps = sum(int(n.group(4)) for n in notes)
        kept = sum(float(n.group(3)) * int(n.group(4)) for n in notes)
        return counts, (accepted, drafted, kept / max(steps, 1))

    ok = True
    draft = ["--draft", t("draft.tsl"), "--speculate", "2"]
    cases = [("draft, one sequence per run", draft, ALONE),
             ("ngram, one sequence per run", ["--speculate-ngram", "2"], ALONE),
             ("draft, batch of %d" % BATCH, draft, 0),
             ("ngram, batch of %d" % BATCH, ["--speculate-ngram", "2"], 0)]
    for name, options, alone in cases:
        counts, note = sample(t("target.tsl"), options, alone)
        stat, dof, p = chi_square(counts, prob)
        # The runs must have rejected drafts (replacement draws, the cache
        # rolled back) and, alone, kept several tokens in some steps.
        good = p > 1e-3 and note is not None and 0 < note[0] < note[1]
        if alone:
            good = good and note[2] > 1.0
        ok &= bool(good)
        print(f"{'OK' if good else 'FAIL'} {name}: chi-square {stat:.1f} "
              f"({dof} dof, p = {p:.2g}) vs the target's distribution; "
              + (f"{note[0]} of {note[1]} drafted tokens accepted, "
                 f"{note[2]:.2f} tokens per target step" if note else
                 "no speculation counts"))
    # The test can fail: the draft model's own samples follow another
    # distribution, and must be rejected.
    counts, _ = sample(t("draft.tsl"), [], 0)
    stat, dof, p = chi_square(counts, prob)
    ok &= p < 1e-6
    print(f"{'OK' if p < 1e-6 else 'FAIL'} the draft model alone: chi-square "
          f"{stat:.1f} ({dof} dof, p = {p:.2g}): not the target's")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

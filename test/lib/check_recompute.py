#!/usr/bin/env python3
"""Recomputation schedules give the same training step in less memory.

    check_recompute.py --tesselc BIN --tessel-run BIN --tmp DIR MODEL.json
        [--batch 8] [--seq 128] SCHEDULE...

Compiles MODEL.json with `tesselc --train --recompute=S` for each schedule
(the first is the reference, normally `none`; a budget:BYTES is for
--batch x --seq), runs each artifact's `grads`
on the same tokens and targets with `--memory`, and checks that the loss
and every gradient are bitwise those of the first schedule. Prints each
schedule's workspace (the memory plan's bytes for this batch and sequence)
and its ratio to the first; exit status 1 on any difference.
"""

import argparse
import json
import os
import re
import sys

import numpy as np

from tools import run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tesselc", required=True)
    ap.add_argument("--tessel-run", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("model")
    ap.add_argument("schedules", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.tmp, exist_ok=True)

    rng = np.random.default_rng(0)
    tokens = None
    reference, first_workspace = None, None
    failures = 0
    for schedule in args.schedules:
        tag = schedule.replace(":", "-")
        artifact = os.path.join(args.tmp, tag + ".tsl")
        # A budget is for this batch and sequence.
        at = (["--stats-batch", str(args.batch), "--stats-seq", str(args.seq)]
              if schedule.startswith("budget:") else [])
        run([args.tesselc, args.model, "--train", f"--recompute={schedule}",
             "-o", artifact] + at)
        manifest = json.load(open(os.path.join(artifact, "manifest.json")))
        if tokens is None:
            vocab = manifest["model"]["vocab_size"]
            tokens = rng.integers(0, vocab, (args.batch, args.seq))
            targets = np.concatenate(
                [tokens[:, 1:], np.full((args.batch, 1), -100)], 1)
            np.save(os.path.join(args.tmp, "tokens.npy"), tokens)
            np.save(os.path.join(args.tmp, "targets.npy"), targets)
        results = manifest["entry_points"]["grads"]["results"]
        outs = [os.path.join(args.tmp, f"{tag}-{i}.npy")
                for i in range(len(results))]
        report = run([args.tessel_run, "run", artifact, "--entry", "grads",
                      "--input", os.path.join(args.tmp, "tokens.npy"),
                      "--input", os.path.join(args.tmp, "targets.npy"),
                      "--seed", "1", "--memory"]
                     + [x for p in outs for x in ("--output", p)])
        m = re.search(r"grads: workspace (\d+) bytes", report)
        if not m:
            sys.exit(f"FAIL: no workspace in the report: {report!r}")
        workspace = int(m.group(1))
        values = [np.load(p) for p in outs]
        if reference is None:
            reference, first_workspace = values, workspace
            print(f"{schedule}: workspace {workspace} bytes")
            continue
        differ = [r["name"] for r, a, b in zip(results, reference, values)
                  if a.shape != b.shape or a.tobytes() != b.tobytes()]
        if differ:
            failures += 1
            print(f"FAIL {schedule}: {len(differ)} results differ from "
                  f"{args.schedules[0]}'s, first {differ[0]}")
        else:
            print(f"{schedule}: loss and {len(values) - 1} gradients bitwise "
                  f"equal; workspace {workspace} bytes, "
                  f"{workspace / first_workspace:.2f}x of "
                  f"{args.schedules[0]}'s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""NumPy oracle for the reference interpreter's tests.

    oracle.py --tessel-interpret BIN --tmp DIR check FILE.mlir CASE [--entry NAME]

makes the inputs of CASE, runs `tessel-interpret FILE.mlir --entry NAME`
on them (NAME defaults to CASE), and compares every result with what NumPy
computes. The NumPy versions in cases_*.py are written independently of the
C++ kernels (vectorised, from the papers' formulas), so agreement means two
implementations agree, not that a program agrees with its own output.

    oracle.py ... list        prints the known cases

Exit status 0 when every result matches within the case's tolerance.
"""

import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases  # noqa: E402  (registry; imports every cases_*.py)


def compare(name, got, want, rtol, atol):
    """Returns an error line, or None when `got` matches `want`."""
    if got.shape != want.shape:
        return f"{name}: shape {got.shape} != expected {want.shape}"
    got64 = got.astype(np.float64)
    want64 = want.astype(np.float64)
    nan_mismatch = np.isnan(got64) != np.isnan(want64)
    if nan_mismatch.any():
        return f"{name}: NaN at different places"
    close = np.isclose(got64, want64, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        idx = np.unravel_index(np.argmin(close), close.shape)
        return (f"{name}: mismatch at {tuple(int(i) for i in idx)}: got "
                f"{got64[idx]!r}, expected {want64[idx]!r} "
                f"(rtol {rtol}, atol {atol}); "
                f"{int((~close).sum())} of {close.size} elements differ")
    return None


def check(args):
    case = cases.REGISTRY.get(args.case)
    if case is None:
        print(f"oracle: unknown case {args.case!r}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(case.seed)
    inputs, expected = case.make(rng)
    os.makedirs(args.tmp, exist_ok=True)
    command = [args.tessel_interpret, args.file,
               "--entry", args.entry or args.case]
    for i, array in enumerate(inputs):
        path = os.path.join(args.tmp, f"{args.case}.in{i}.npy")
        np.save(path, array)
        command += ["--input", path]
    outputs = []
    for i in range(len(expected)):
        path = os.path.join(args.tmp, f"{args.case}.out{i}.npy")
        if os.path.exists(path):
            os.remove(path)
        outputs.append(path)
        command += ["--output", path]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        print(f"oracle: {' '.join(command)} failed:\n{run.stderr}",
              file=sys.stderr)
        return 1
    errors = []
    for i, (path, want) in enumerate(zip(outputs, expected)):
        got = np.load(path)
        error = compare(f"{args.case} result {i}", got, np.asarray(want),
                        case.rtol, case.atol)
        if error:
            errors.append(error)
    for error in errors:
        print(f"oracle: {error}", file=sys.stderr)
    if not errors:
        print(f"{args.case}: {len(expected)} result(s) match NumPy")
    return 1 if errors else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tessel-interpret", required=True)
    parser.add_argument("--tmp", required=True,
                        help="directory for the .npy files")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check")
    p.add_argument("file")
    p.add_argument("case")
    p.add_argument("--entry")
    sub.add_parser("list")
    args = parser.parse_args()
    if args.command == "list":
        for name in sorted(cases.REGISTRY):
            print(name)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Statistical check of the interpreter's parameter initializers.

    check_init.py --tessel-interpret BIN --tmp PREFIX FILE ENTRY SPEC...
        [--same-as ENTRY2=I,J,...]

runs `BIN interpret FILE --entry ENTRY --seed S --output ...` with seed 1,
again with seed 1 and with seed 2, and checks result i against SPEC i:

    KIND:DTYPE[:ARG]      DTYPE is f32, f16 or bf16 (bf16 travels as float32)

    zeros, ones           exactly 0 or 1
    constant:D:V          exactly V rounded to D
    normal:D:STD          mean 0, standard deviation STD (not truncated)
    truncated_normal:D:STD  standard deviation STD: a normal of STD / c
                          cut at 2 of its own standard deviations, |x| <=
                          2 STD / c ~ 2.27 STD, where c = sqrt(1 - 4 phi(2) /
                          (2 Phi(2) - 1)) ~ 0.88 corrects for the cut
    xavier_uniform:D      U(-a, a), a = sqrt(6 / (fan_in + fan_out))
    xavier_normal:D       N(0, 2 / (fan_in + fan_out))
    kaiming_uniform:D     U(-a, a), a = sqrt(6 / fan_in)
    kaiming_normal:D      N(0, 2 / fan_in)
    same:D:I              bitwise equal to result I of the same run

with fan_in the last dimension and fan_out the product of the others (the
`[out, in]` layout of tessel.linear), as TesselOps.td states. Expectations
come from these formulas only, not from runtime/Init.cpp.

Sampling tolerances are K = 4 standard errors of the statistic at the
sample size (all random results need >= 10000 elements); reduced precision
adds one rounding step (relative 2^-8 for bf16, 2^-11 for f16) to bounds.

Reproducibility: the two seed-1 runs agree bitwise; seed 2 changes every
random result (and leaves the deterministic ones alone); random results of
one shape are pairwise uncorrelated (two parameters with the same
declaration but different names differ). `--same-as ENTRY2=I,J` runs ENTRY2
with seed 1, whose results must equal results I, J of ENTRY bitwise: a
parameter's value does not depend on which other parameters are read.

Exit status 0 when every check passes; each failure is one line on stderr.
"""

import argparse
import math
import os
import subprocess
import sys

import numpy as np

K = 4.0
MIN_RANDOM_ELEMENTS = 10000
RANDOM = {"normal", "truncated_normal", "xavier_uniform", "xavier_normal",
          "kaiming_uniform", "kaiming_normal"}
NPY_DTYPE = {"f32": np.float32, "f16": np.float16, "bf16": np.float32}
# Relative size of one rounding to the element type, for bounds.
ROUNDING = {"f32": 2.0 ** -24, "f16": 2.0 ** -11, "bf16": 2.0 ** -8}


def phi(z):
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def normal_mass(z):
    """P(|N(0, 1)| <= z)."""
    return math.erf(z / math.sqrt(2))


# Standard deviation of N(0, 1) truncated to [-2, 2], over that of N(0, 1).
TRUNCATED_STD = math.sqrt(1 - 2 * 2 * phi(2) / normal_mass(2))


def round_to(value, dtype):
    if dtype == "f16":
        return np.float64(np.float16(value))
    if dtype == "bf16":
        # Nearest bf16 (8 significant bits), ties to even, from float64.
        mantissa, exponent = math.frexp(value)
        return np.float64(math.ldexp(round(mantissa * 256.0) / 256.0,
                                     exponent))
    return np.float64(np.float32(value))


def fans(shape):
    fan_in = shape[-1]
    fan_out = int(np.prod(shape[:-1]))
    return fan_in, fan_out


class Checker:
    def __init__(self):
        self.errors = []

    def fail(self, message):
        self.errors.append(message)

    def expect(self, ok, message):
        if not ok:
            self.fail(message)

    def near(self, name, what, got, want, tol):
        self.expect(abs(got - want) <= tol,
                    f"{name}: {what} {got:.6g}, expected {want:.6g} +- "
                    f"{tol:.3g}")


def run(args, entry, seed, tag, count):
    paths = [f"{args.tmp}.{tag}.{i}.npy" for i in range(count)]
    command = [args.tessel_interpret, args.file, "--entry", entry,
               "--seed", str(seed)]
    for path in paths:
        if os.path.exists(path):
            os.remove(path)
        command += ["--output", path]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"check_init: {' '.join(command)} failed:\n{result.stderr}",
              file=sys.stderr)
        sys.exit(1)
    return [np.load(path) for path in paths]


def check_distribution(c, name, kind, dtype, x, arg):
    shape = x.shape
    n = x.size
    x = x.astype(np.float64).ravel()
    eps = ROUNDING[dtype]
    if n < MIN_RANDOM_ELEMENTS:
        c.fail(f"{name}: {n} elements are too few for the statistics "
               f"(need {MIN_RANDOM_ELEMENTS})")
        return
    if kind in ("xavier_uniform", "xavier_normal", "kaiming_uniform",
                "kaiming_normal"):
        if len(shape) < 2:
            c.fail(f"{name}: {kind} needs rank >= 2, got {shape}")
            return
        fan_in, fan_out = fans(shape)
    if kind == "normal":
        sd, uniform, truncated = arg, False, False
    elif kind == "truncated_normal":
        sd, uniform, truncated = arg, False, True
    elif kind == "xavier_normal":
        sd, uniform, truncated = math.sqrt(2 / (fan_in + fan_out)), False, False
    elif kind == "kaiming_normal":
        sd, uniform, truncated = math.sqrt(2 / fan_in), False, False
    elif kind == "xavier_uniform":
        bound = math.sqrt(6 / (fan_in + fan_out))
        sd, uniform, truncated = bound / math.sqrt(3), True, False
    elif kind == "kaiming_uniform":
        bound = math.sqrt(6 / fan_in)
        sd, uniform, truncated = bound / math.sqrt(3), True, False

    mean = x.mean()
    std = x.std()
    c.near(name, "mean", mean, 0.0, K * sd / math.sqrt(n))
    # Standard error of the sample standard deviation, from the sample's own
    # fourth moment: se(s) ~ sd(x^2) / (2 s sqrt(n)).
    se_std = np.std(x * x) / (2 * max(std, 1e-300) * math.sqrt(n))
    c.near(name, "standard deviation", std, sd, K * se_std + sd * eps)

    a = np.abs(x)
    if uniform:
        c.expect(a.max() <= bound * (1 + eps),
                 f"{name}: max |x| {a.max():.6g} exceeds the bound "
                 f"{bound:.6g}")
        # The largest of n uniform |x| is within bound * 1e-3 of the bound
        # unless (1 - 1e-3)^n, about e^-131 at n = 131072, happens.
        c.expect(a.max() >= bound * (1 - 1e-3),
                 f"{name}: max |x| {a.max():.6g} stays well below the bound "
                 f"{bound:.6g}: not U(-a, a)")
        p = 0.5
        inner = (a <= bound / 2).mean()
        c.near(name, "fraction within half the bound", inner, p,
               K * math.sqrt(p * (1 - p) / n))
    elif truncated:
        # The underlying normal's standard deviation, and its cut at 2 of it.
        base = arg / TRUNCATED_STD
        limit = 2 * base
        c.expect(a.max() <= limit * (1 + eps),
                 f"{name}: max |x| {a.max():.6g} exceeds the cut 2 std / c "
                 f"= {limit:.6g}")
        # About n * 0.0011 samples lie in [1.99, 2] base std: the cut is at 2.
        c.expect(a.max() >= limit * 0.995,
                 f"{name}: max |x| {a.max():.6g} stays well below the cut "
                 f"{limit:.6g}: truncated too early")
        p = normal_mass(1) / normal_mass(2)
        inner = (a <= base).mean()
        c.near(name, "fraction within 1 std", inner, p,
               K * math.sqrt(p * (1 - p) / n))
    else:
        p = normal_mass(1)
        inner = (a <= sd).mean()
        c.near(name, "fraction within 1 std", inner, p,
               K * math.sqrt(p * (1 - p) / n))
        # n * P(|z| > 3) is about 350 at n = 131072: a normal, untruncated
        # sample reaches past 3 std.
        c.expect(a.max() > 3 * sd,
                 f"{name}: max |x| {a.max():.6g} never passes 3 std "
                 f"({3 * sd:.6g}): truncated or not normal")


def correlation(a, b):
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    a = a - a.mean()
    b = b - b.mean()
    return float((a * b).sum() / math.sqrt((a * a).sum() * (b * b).sum()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tessel-interpret", required=True)
    parser.add_argument("--tmp", required=True, help="prefix of .npy files")
    parser.add_argument("--same-as", action="append", default=[])
    parser.add_argument("file")
    parser.add_argument("entry")
    parser.add_argument("specs", nargs="+")
    args = parser.parse_args()

    specs = []
    for text in args.specs:
        parts = text.split(":")
        kind, dtype = parts[0], parts[1]
        arg = None
        if len(parts) > 2:
            arg = int(parts[2]) if kind == "same" else float(parts[2])
        specs.append((kind, dtype, arg))

    first = run(args, args.entry, 1, "seed1", len(specs))
    again = run(args, args.entry, 1, "seed1again", len(specs))
    other = run(args, args.entry, 2, "seed2", len(specs))

    c = Checker()
    for i, ((kind, dtype, arg), x) in enumerate(zip(specs, first)):
        name = f"result {i} ({kind}, {dtype})"
        c.expect(x.dtype == NPY_DTYPE[dtype],
                 f"{name}: .npy dtype {x.dtype}, expected "
                 f"{np.dtype(NPY_DTYPE[dtype])}")
        if dtype == "bf16":
            low = x.astype(np.float32).view(np.uint32) & 0xFFFF
            c.expect(not low.any(),
                     f"{name}: {int((low != 0).sum())} values are not bf16")
        c.expect(np.isfinite(x).all(), f"{name}: non-finite values")
        if kind == "zeros":
            c.expect((x == 0).all(), f"{name}: not all 0")
        elif kind == "ones":
            c.expect((x == 1).all(), f"{name}: not all 1")
        elif kind == "constant":
            want = round_to(arg, dtype)
            c.expect((x.astype(np.float64) == want).all(),
                     f"{name}: not all {want!r} (got e.g. "
                     f"{x.ravel()[0]!r})")
        elif kind == "same":
            c.expect(x.shape == first[arg].shape and
                     x.tobytes() == first[arg].tobytes(),
                     f"{name}: differs from result {arg}")
        elif kind in RANDOM:
            check_distribution(c, name, kind, dtype, x, arg)
        else:
            c.fail(f"{name}: unknown kind {kind!r}")

    # Same seed, same values; another seed, other values for random kinds.
    for i, (kind, dtype, arg) in enumerate(specs):
        name = f"result {i} ({kind}, {dtype})"
        c.expect(first[i].tobytes() == again[i].tobytes(),
                 f"{name}: seed 1 gave different values on a second run")
        random = kind in RANDOM or (kind == "same" and specs[arg][0] in RANDOM)
        if not random:
            c.expect(first[i].tobytes() == other[i].tobytes(),
                     f"{name}: a deterministic initializer changed with "
                     f"the seed")
            continue
        equal = (first[i] == other[i]).mean()
        c.expect(equal < 0.01,
                 f"{name}: seeds 1 and 2 agree on {equal:.1%} of the values")
        r = correlation(first[i], other[i])
        c.expect(abs(r) < K / math.sqrt(first[i].size),
                 f"{name}: seeds 1 and 2 give correlated values (r = {r:.4f})")

    # Distinct random parameters of one shape are uncorrelated.
    random_results = [i for i, (kind, _, _) in enumerate(specs)
                      if kind in RANDOM]
    for j, a in enumerate(random_results):
        for b in random_results[j + 1:]:
            if first[a].shape != first[b].shape:
                continue
            r = correlation(first[a], first[b])
            c.expect(abs(r) < K / math.sqrt(first[a].size),
                     f"results {a} and {b}: correlated (r = {r:.4f}); "
                     f"distinct parameters need distinct streams")
            equal = (first[a] == first[b]).mean()
            c.expect(equal < 0.01,
                     f"results {a} and {b}: agree on {equal:.1%} of the "
                     f"values")

    # A parameter's value does not depend on what else is read.
    for text in args.same_as:
        entry, indices = text.split("=")
        indices = [int(i) for i in indices.split(",")]
        subset = run(args, entry, 1, f"{entry}.seed1", len(indices))
        for k, (i, y) in enumerate(zip(indices, subset)):
            c.expect(y.tobytes() == first[i].tobytes(),
                     f"@{entry} result {k}: differs from result {i} of "
                     f"@{args.entry} with the same seed")

    for error in c.errors:
        print(f"check_init: {error}", file=sys.stderr)
    if not c.errors:
        print(f"check_init: {len(specs)} results, all checks pass")
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())

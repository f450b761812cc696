#!/usr/bin/env python3
"""Runs every NumPy oracle case of the interpreter tests on the compiled path.

    compiled_ops.py --tesselc BIN --tessel-run BIN --tessel-opt BIN --tmp DIR
                    [--untiled-attention] FILE.mlir...

For each FILE (a test/interpreter/*.mlir), compiles it with
`tesselc FILE -o DIR/FILE.tsl` (function by function if the whole file does
not compile, e.g. when it also holds a deliberately invalid function), then
for every `%oracle check %s CASE` line runs `tessel-run run ... --entry CASE`
on the case's inputs and compares with NumPy. The tolerance is the case's
own, widened to the compiled path's contract: 1e-4 relative to the largest
expected magnitude (the compiled code evaluates exp, sin, log, ... with f32
polynomials, the interpreter in double). A file whose cases run on what a
pass makes of it (`RUN: tessel-opt FLAGS %s -o %t.mlir`, then `%oracle
check %t.mlir CASE`) is run through `tessel-opt FLAGS` first. Prints one
line per file and a summary; exits 1 on any mismatch or failure.
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases  # noqa: E402
from oracle import compare  # noqa: E402

CHECK = re.compile(r"%oracle check %s (\w+)(?: --entry (\w+))?")
PASS_CHECK = re.compile(r"%oracle check %t\.mlir (\w+)(?: --entry (\w+))?")
PASS_RUN = re.compile(r"RUN: tessel-opt (.*) %s -o %t\.mlir$", re.MULTILINE)


def compile_file(tesselc, path, artifact, flags=()):
    """Compiles `path`; returns None on success, else tesselc's message."""
    run = subprocess.run([tesselc, path, "-o", artifact, *flags],
                         capture_output=True, text=True)
    return None if run.returncode == 0 else run.stderr.strip()


def extract_function(text, name):
    """The module-level parameters and `func.func @name` of `text`."""
    lines = [l for l in text.splitlines() if l.startswith("tessel.parameter")]
    start = text.index(f"func.func @{name}(")
    depth, i = 0, text.index("{", start)
    while True:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
        if depth == 0:
            break
    return "\n".join(lines + [text[start:i]]) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tesselc", required=True)
    parser.add_argument("--tessel-run", required=True)
    parser.add_argument("--tessel-opt", required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("--untiled-attention", action="store_true",
                        help="compile attention untiled (tesselc's flag)")
    parser.add_argument("files", nargs="+",
                        help=".mlir files, or directories of them")
    args = parser.parse_args()
    files = []
    for f in args.files:
        if os.path.isdir(f):
            files += sorted(os.path.join(f, n) for n in os.listdir(f)
                            if n.endswith(".mlir"))
        else:
            files.append(f)
    args.files = files
    flags = ["--untiled-attention"] if args.untiled_attention else []
    os.makedirs(args.tmp, exist_ok=True)
    total = failed = 0
    for path in args.files:
        text = open(path).read()
        checks = CHECK.findall(text)
        base = os.path.splitext(os.path.basename(path))[0]
        passes = PASS_RUN.search(text)
        if passes:
            checks = PASS_CHECK.findall(text)
            source, path = path, os.path.join(args.tmp, base + ".pre.mlir")
            subprocess.run([args.tessel_opt, *passes.group(1).split(), source,
                            "-o", path], check=True)
            text = open(path).read()
        if not checks:
            continue
        artifact = os.path.join(args.tmp, base + ".tsl")
        whole = compile_file(args.tesselc, path, artifact, flags)
        bad = []
        for name, entry in checks:
            total += 1
            if whole is not None:
                # Compile just this function.
                artifact = os.path.join(args.tmp, f"{base}.{name}.tsl")
                single = os.path.join(args.tmp, f"{base}.{name}.mlir")
                with open(single, "w") as f:
                    f.write(extract_function(text, entry or name))
                error = compile_file(args.tesselc, single, artifact, flags)
                if error is not None:
                    bad.append(f"{name}: tesselc: {error}")
                    continue
            case = cases.REGISTRY[name]
            inputs, expected = case.make(np.random.default_rng(case.seed))
            command = [args.tessel_run, "run", artifact, "--entry",
                       entry or name]
            for i, array in enumerate(inputs):
                p = os.path.join(args.tmp, f"{name}.in{i}.npy")
                np.save(p, array)
                command += ["--input", p]
            outs = [os.path.join(args.tmp, f"{name}.out{i}.npy")
                    for i in range(len(expected))]
            for out in outs:
                command += ["--output", out]
            r = subprocess.run(command, capture_output=True, text=True)
            if r.returncode != 0:
                bad.append(f"{name}: {r.stderr.strip()}")
                continue
            for i, (out, want) in enumerate(zip(outs, expected)):
                want = np.asarray(want)
                finite = np.abs(want[np.isfinite(want)])
                scale = float(finite.max()) if finite.size else 0.0
                error = compare(f"{name} result {i}", np.load(out), want,
                                max(case.rtol, 1e-4),
                                max(case.atol, 1e-4 * scale))
                if error:
                    bad.append(error)
        failed += len(bad)
        status = "ok" if not bad else "FAIL"
        print(f"{status} {base}: {len(checks) - len(bad)}/{len(checks)} "
              "cases match NumPy on the compiled path")
        for line in bad:
            print(f"  {line}")
    print(f"compiled: {total - failed} of {total} cases match")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

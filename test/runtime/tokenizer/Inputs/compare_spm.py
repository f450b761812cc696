#!/usr/bin/env python3
"""Compares tessel-tokenize with SentencePiece's own tools on one model.

    compare_spm.py --tool TESSEL_TOKENIZE --model M.model --text FILE --tmp DIR

spm_encode --output_format=id encodes each line of FILE on its own (the
bytes before the LF, a CR kept); tessel-tokenize encodes a file holding
just that line, once per line. Then the ids spm_encode gave are decoded by
spm_decode (every line in one run) and by tessel-tokenize decode (one line
at a time). Prints `N lines match` and exits 0 when all agree; otherwise
prints how many lines differ and the first one, with both id lists (or both
decoded texts), and exits 1.
"""

import argparse
import os
import subprocess
import sys


def run(cmd):
    result = subprocess.run(cmd, capture_output=True)
    if result.returncode != 0:
        sys.exit(f"compare_spm: {' '.join(cmd)} failed "
                 f"({result.returncode}): {result.stderr.decode(errors='replace')}")
    return result.stdout


def ids(text):
    try:
        return [int(x) for x in text.split()]
    except ValueError:
        return [text[:200]]


def first_difference(a, b):
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y),
                min(len(a), len(b)))


def report(what, number, line, want, got, want_name):
    i = first_difference(want, got)
    print(f"{what}: line {number} differs at item {i}:\n"
          f"  text:  {line[:300]!r}\n"
          f"  {want_name}: {want!r}\n"
          f"  tessel-tokenize: {got!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--text", required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("--spm-encode", default="spm_encode")
    parser.add_argument("--spm-decode", default="spm_decode")
    args = parser.parse_args()
    os.makedirs(args.tmp, exist_ok=True)

    data = open(args.text, "rb").read()
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    ids_path = os.path.join(args.tmp, "spm.ids")
    with open(ids_path, "wb") as f:
        f.write(run([args.spm_encode, "--model", args.model,
                     "--output_format=id", "--input", args.text]))
    want_ids = [ids(l) for l in open(ids_path, "rb").read().split(b"\n")]
    want_text = run([args.spm_decode, "--model", args.model,
                     "--input_format=id", "--input", ids_path]).split(b"\n")
    if len(want_ids) < len(lines) or len(want_text) < len(lines):
        sys.exit(f"compare_spm: spm_encode/spm_decode gave fewer lines "
                 f"than the {len(lines)} of {args.text}")

    one_text = os.path.join(args.tmp, "line.txt")
    one_ids = os.path.join(args.tmp, "line.ids")
    first, count = {}, {"encode": 0, "decode": 0}
    for number, line in enumerate(lines, 1):
        with open(one_text, "wb") as f:
            f.write(line)
        with open(one_ids, "wb") as f:
            f.write(" ".join(map(str, want_ids[number - 1])).encode())
        checks = [
            ("encode", "spm_encode", want_ids[number - 1],
             ids(run([args.tool, "encode", args.model, one_text]))),
            ("decode", "spm_decode", want_text[number - 1],
             run([args.tool, "decode", args.model, one_ids]))]
        for what, name, want, got in checks:
            if got != want:
                count[what] += 1
                first.setdefault(what, (number, line, want, got, name))

    if not first:
        print(f"{len(lines)} lines match")
        return 0
    for what in first:
        print(f"{what}: {count[what]} of {len(lines)} lines differ")
        report(what, *first[what])
    return 1


if __name__ == "__main__":
    sys.exit(main())

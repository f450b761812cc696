#!/usr/bin/env python3
"""Tokenizers on the CPU: tessel-tokenize vs tiktoken and SentencePiece.

    bench/tokenize_vs_tiktoken.py [--text FILE] [--size BYTES] [--runs 5]
        [--refs build/tokenizer-refs] [--vocab-size 8000] [--no-train]

On one text (FILE, or the generated text of the tokenizer tests,
test/runtime/tokenizer/Inputs/make_corpus.py, of --size bytes, 10 MB by
default), in one script:

- GPT-2 encoding (GPT-2's vocabulary and merges from
  scripts/fetch-tokenizer-refs.sh): `tessel-tokenize encode --time` with
  --threads 1 and 2, the time it reports for encode alone (tokenizer
  loaded, text read); tiktoken's "gpt2" (@dqbd/tiktoken, WASM) in node,
  encode timed in-process by bench/tiktoken_time.mjs on the text already
  decoded to a JS string. Median of --runs each; the token counts must agree.
- SentencePiece encoding, with the BPE model spm_train makes below:
  spm_encode --output_format=id timed as a whole process (model load, read,
  encode line by line, write ids to a file), against tessel-tokenize encode
  timed the same way (whole text at once, one thread). Median of --runs.
- BPE training to --vocab-size: `tessel-tokenize train` (byte-level, GPT-2
  pre-tokenizer) against `spm_train --model_type=bpe --num_threads=1`
  (SentencePiece's own BPE, whitespace as a piece), wall seconds of one run
  each. Different algorithms on the same text: a ratio of cost, not of
  equal work.

MB/s counts 10^6 bytes of UTF-8 text. Prints a markdown table with ratios
(above 1: Tessel faster) and the CPU it ran on.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAKE_CORPUS = os.path.join(ROOT, "test", "runtime", "tokenizer", "Inputs",
                           "make_corpus.py")
TIKTOKEN_TIME = os.path.join(ROOT, "bench", "tiktoken_time.mjs")


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def wall(cmd, stdout=subprocess.DEVNULL):
    """Seconds one run of `cmd` takes; fails loudly."""
    start = time.perf_counter()
    result = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed: "
                 f"{result.stderr.decode(errors='replace').strip()}")
    return seconds


def tessel_encode_ms(tool, tokenizer, text, threads, runs):
    """(median ms, tokens) that `encode --time` reports over `runs`."""
    ms, tokens = [], None
    for _ in range(runs):
        result = subprocess.run(
            [tool, "encode", tokenizer, text, "--threads", str(threads), "--time"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        match = re.search(r"encoded (\d+) bytes in ([0-9.]+) ms(?: \((\d+) tokens\))?",
                          result.stderr)
        if result.returncode != 0 or not match:
            sys.exit(f"bench: tessel-tokenize encode failed: {result.stderr.strip()}")
        ms.append(float(match.group(2)))
        tokens = int(match.group(3)) if match.group(3) else None
    return statistics.median(ms), tokens


def tiktoken_ms(node, refs, text, runs):
    out = subprocess.run([node, TIKTOKEN_TIME, refs, "gpt2", text, str(runs)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: tiktoken failed: {out.stderr.strip()}")
    result = json.loads(out.stdout)
    return statistics.median(result["ms"]), result["tokens"]


def count_ids(path):
    with open(path, "rb") as f:
        return sum(len(line.split()) for line in f)


def whole_process(cmd, out_path, runs):
    """Median seconds of `runs` runs of `cmd` writing its stdout to out_path."""
    seconds = []
    for _ in range(runs):
        with open(out_path, "wb") as out:
            seconds.append(wall(cmd, stdout=out))
    return statistics.median(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", help="text to use (default: generated)")
    parser.add_argument("--size", type=int, default=10_000_000,
                        help="bytes of generated text")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--refs", default=os.path.join(ROOT, "build", "tokenizer-refs"))
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--no-train", action="store_true",
                        help="skip training and the SentencePiece rows")
    args = parser.parse_args()

    tool = os.path.join(args.bin, "tessel-tokenize")
    node = shutil.which("node")
    gpt2 = os.path.join(args.refs, "gpt2")
    if not os.path.exists(tool):
        sys.exit(f"bench: no {tool}")
    if not node or not os.path.isdir(os.path.join(args.refs, "node_modules")):
        sys.exit(f"bench: needs node and {args.refs}: run "
                 "scripts/fetch-tokenizer-refs.sh")
    spm = not args.no_train and all(
        shutil.which(t) for t in ("spm_train", "spm_encode"))

    tmp = tempfile.mkdtemp(prefix="tokenize-bench-")
    try:
        text = args.text
        if not text:
            text = os.path.join(tmp, "corpus.txt")
            subprocess.run([sys.executable, MAKE_CORPUS, text, "--size",
                            str(args.size)], check=True)
        mb = os.path.getsize(text) / 1e6
        rows, notes = [], []

        ref_ms, ref_tokens = tiktoken_ms(node, args.refs, text, args.runs)
        ref_rate = mb / (ref_ms / 1e3)
        for threads in (1, 2):
            ms, tokens = tessel_encode_ms(tool, gpt2, text, threads, args.runs)
            rate = mb / (ms / 1e3)
            rows.append((f"GPT-2 encode, {threads} thread{'s' * (threads > 1)} "
                         "(MB/s, in-process)",
                         f"{rate:.1f}", f"tiktoken {ref_rate:.1f}",
                         rate / ref_rate))
            if tokens is not None and tokens != ref_tokens:
                notes.append(f"token counts differ with {threads} thread(s): "
                             f"Tessel {tokens}, tiktoken {ref_tokens}")
        notes.append(f"GPT-2: {ref_tokens} tokens (tiktoken, single-threaded)")

        if not args.no_train:
            tessel_dir = os.path.join(tmp, "tessel-bpe")
            tessel_s = wall([tool, "train", text, "--vocab-size",
                             str(args.vocab_size), "-o", tessel_dir])
            row = (f"BPE training, vocab {args.vocab_size} (s, wall)",
                   f"{tessel_s:.1f}")
            if spm:
                prefix = os.path.join(tmp, "spm")
                spm_s = wall(["spm_train", f"--input={text}",
                              f"--model_prefix={prefix}", "--model_type=bpe",
                              f"--vocab_size={args.vocab_size}",
                              "--num_threads=1", "--minloglevel=2"])
                rows.append(row + (f"spm_train {spm_s:.1f}", spm_s / tessel_s))
            else:
                rows.append(row + ("spm_train not found", None))

        if spm:
            model = prefix + ".model"
            spm_out = os.path.join(tmp, "spm.ids")
            tessel_out = os.path.join(tmp, "tessel.ids")
            spm_s = whole_process(["spm_encode", f"--model={model}",
                                   "--output_format=id", f"--input={text}"],
                                  spm_out, args.runs)
            tessel_s = whole_process([tool, "encode", model, text, "--threads", "1"],
                                     tessel_out, args.runs)
            rows.append(("SentencePiece BPE encode (MB/s, whole process)",
                         f"{mb / tessel_s:.1f}", f"spm_encode {mb / spm_s:.1f}",
                         spm_s / tessel_s))
            ms, _ = tessel_encode_ms(tool, model, text, 1, args.runs)
            rows.append(("SentencePiece BPE encode, 1 thread (MB/s, in-process)",
                         f"{mb / (ms / 1e3):.1f}", "", None))
            notes.append(f"SentencePiece: {count_ids(spm_out)} tokens from "
                         f"spm_encode (line by line), {count_ids(tessel_out)} "
                         "from Tessel (whole text)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; "
          f"text: {mb:.1f} MB ({args.text or 'generated'}); median of "
          f"{args.runs} runs\n")
    print("| | Tessel | reference | Tessel speed-up |")
    print("|---|---|---|---|")
    for name, ours, theirs, ratio in rows:
        print(f"| {name} | {ours} | {theirs} | "
              f"{'' if ratio is None else f'{ratio:.2f}x'} |")
    print()
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a tiktoken encoding as a HuggingFace tokenizer.json.

    tiktoken-to-tokenizer-json.py REFS_DIR ENCODING OUT.json

Reads ENCODING (e.g. cl100k_base) from the @dqbd/tiktoken package that
scripts/fetch-tokenizer-refs.sh installed into REFS_DIR, and writes it in
the form Llama-3 and Qwen2 tokenizer.json files have: a Sequence of a Split
with the encoding's own pattern and a ByteLevel step that does not split
again, a BPE model with `ignore_merges`, the special tokens as added tokens.
tiktoken stores ranks only; the merge of each token is found as tiktoken
would build it: BPE over its bytes with the ranks below its own, which
must end in exactly two parts.
"""

import base64
import json
import sys


def byte_level_alphabet():
    printable = (list(range(ord("!"), ord("~") + 1)) +
                 list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1)))
    table, extra = {}, 256
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(extra)
            extra += 1
    return table


def main():
    refs, encoding, out = sys.argv[1:4]
    path = f"{refs}/node_modules/@dqbd/tiktoken/encoders/{encoding}.json"
    with open(path) as f:
        data = json.load(f)
    fields = data["bpe_ranks"].split(" ")
    start = int(fields[1])
    tokens = [base64.b64decode(t) for t in fields[2:]]
    ranks = {t: start + i for i, t in enumerate(tokens)}
    alphabet = byte_level_alphabet()

    def spell(b):
        return "".join(alphabet[x] for x in b)

    merges = []
    for token in tokens:
        if len(token) < 2:
            continue
        limit = ranks[token]
        parts = [bytes([x]) for x in token]
        while len(parts) > 2:
            best = None
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < limit and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            i = best[1]
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        if len(parts) != 2:
            sys.exit(f"{encoding}: token {limit} is not a merge of two tokens")
        merges.append(f"{spell(parts[0])} {spell(parts[1])}")

    vocab = {spell(t): ranks[t] for t in tokens}
    added = [{"id": i, "content": c, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True}
             for c, i in sorted(data["special_tokens"].items(),
                                key=lambda kv: kv[1])]
    document = {
        "version": "1.0",
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": data["pat_str"]},
             "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False,
             "trim_offsets": True, "use_regex": False}]},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True,
                    "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False,
                  "byte_fallback": False, "ignore_merges": True,
                  "vocab": vocab, "merges": merges},
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False)


if __name__ == "__main__":
    main()

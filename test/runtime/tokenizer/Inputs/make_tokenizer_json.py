#!/usr/bin/env python3
"""Writes small tokenizer.json files for the reader's tests.

    make_tokenizer_json.py KIND OUT.json

KIND:
  fallback   byte-level vocabulary of the ASCII letters and space only, one
             merge, byte_fallback with <0x00>..<0xFF>, an NFC normalizer
             and a Split + ByteLevel sequence (the Qwen2 form)
  metaspace  a SentencePiece-style tokenizer.json (Metaspace pre-tokenizer)
  wordpiece  a model type other than BPE
"""

import json
import sys


def byte_level(b):
    printable = (list(range(ord("!"), ord("~") + 1)) +
                 list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100)))
    if b in printable:
        return chr(b)
    return chr(256 + sum(1 for x in range(b) if x not in printable))


def main():
    kind, out = sys.argv[1:3]
    vocab = {}
    for b in list(range(ord("a"), ord("z") + 1)) + [ord(" ")]:
        vocab[byte_level(b)] = len(vocab)
    vocab["ab"] = len(vocab)
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    doc = {
        "version": "1.0",
        "added_tokens": [{"id": len(vocab), "content": "<|im_end|>",
                          "special": True}],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": r"\p{L}+|\s+|[^\s\p{L}]+"},
             "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False,
             "use_regex": False}]},
        "model": {"type": "BPE", "byte_fallback": True, "vocab": vocab,
                  "merges": ["a b"]},
    }
    if kind == "metaspace":
        doc["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581"}
    elif kind == "wordpiece":
        doc["model"]["type"] = "WordPiece"
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)


if __name__ == "__main__":
    main()

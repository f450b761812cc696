#!/usr/bin/env python3
"""Picks a stop string for the --stop test.

    pick_stop.py TEXT_OUT STOP_FILE EXPECTED_FILE

From generated text (bytes, maybe not UTF-8), takes the first three
printable ASCII bytes (no quotes, backslashes or spaces) at or after the
middle, writes them to STOP_FILE, and writes to EXPECTED_FILE the text
before their first occurrence, plus the newline generate prints last.
"""

import sys


def main():
    text = open(sys.argv[1], "rb").read().rstrip(b"\n")
    ok = lambda c: 33 <= c < 127 and c not in b"\"'\\`$"
    for n in range(len(text) // 2, len(text) - 2):
        piece = text[n:n + 3]
        if all(ok(c) for c in piece):
            break
    else:
        sys.exit("pick_stop.py: no three printable bytes in the second half")
    open(sys.argv[2], "wb").write(piece)
    open(sys.argv[3], "wb").write(text[:text.index(piece)] + b"\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a varied UTF-8 text for the tokenizer tests and benchmark.

    make_corpus.py PATH [--size BYTES] [--seed N]

Blocks of English prose (with contractions, also upper-case ones), C and
Python source, numbers and dates, eight other scripts, emoji (ZWJ, skin
tone, flag, keycap and tag sequences), CRLF and CR line ends, tabs, runs of
spaces and newlines, control characters, combining marks and Unicode
spaces, in a seeded random order, until the text holds at least BYTES bytes
(default 120000). The same seed gives the same bytes on every Python 3. No
line is longer than 4000 bytes (spm_train skips longer ones), and the text
never holds a special token such as `<|endoftext|>`.
"""

import argparse
import random

WORDS = ("the model token text byte merge rule word piece number line time "
         "people water house river light paper machine language system "
         "value table code data world night morning question answer reason "
         "run read write learn build find keep give take make see know "
         "think tell open close break carry small large quick slow bright "
         "quiet early late simple strange careful honest ancient modern").split()
CONTRACTIONS = ("it's don't they're we've I'm you'll he'd she's can't won't "
                "isn't we'd you've they'll that's who's JOHN'S IT'S DON'T "
                "WE'RE I'LL YOU'VE SHE'D I'M O'Brien rock'n'roll the '90s "
                "it’s don’t ''quoted'' 'single'").split()
PUNCT = [".", ",", ";", ":", "!", "?", "...", "!!!", "?!", " —", " –", "‽"]

SCRIPTS = {  # words, separator, sentence end
    "zh": ("我们 今天 学习 语言 模型 的 数据 非常 重要 分词器 测试".split(), "", "。"),
    "ja": ("東京 は 日本 の 首都 です カタカナ ひらがな テスト を 書く".split(), "", "。"),
    "ko": ("안녕하세요 한국어 문장 입니다 토큰화 테스트 데이터 모델".split(), " ", "."),
    "ar": ("مرحبا بالعالم هذه جملة عربية للاختبار النص والبيانات".split(), " ", "؟"),
    "hi": ("नमस्ते दुनिया यह एक परीक्षण वाक्य है भाषा मॉडल".split(), " ", "।"),
    "ru": ("Привет мир это тестовое предложение для токенизатора ёжик Съешь".split(), " ", "."),
    "el": ("Γειά σου κόσμε αυτή είναι μια δοκιμή λέξεις ΑΒΓ".split(), " ", ";"),
    "th": ("สวัสดี ครับ ภาษาไทย การ ทดสอบ ประโยค ข้อมูล".split(), "", " "),
}


def flag(code):
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


ZWJ = "\u200d"
EMOJI = (["😀", "🚀", "🎉", "❤️", "✅", "🔥", "🤖", "☕", "⚡"] +
         ["👨" + ZWJ + "👩" + ZWJ + "👧" + ZWJ + "👦", "👩" + ZWJ + "💻",
          "🏳️" + ZWJ + "🌈", "🧑🏽" + ZWJ + "🚀"] +
         ["👍🏽", "👋🏿", "✌🏻", "🤝🏼"] +
         [flag(c) for c in ("FR", "JP", "US", "BR", "IN", "UA")] +
         ["1\ufe0f\u20e3", "#\ufe0f\u20e3",
          "\U0001F3F4" + "".join(chr(0xE0000 + ord(c)) for c in "gbeng") +
          "\U000E007F"])
SPACES = ["\u00a0", "\u2009", "\u3000", "\u202f", "\u2003", "\u200b",
          "\ufeff", "\u0085", "\x0b", "\x0c", "\u2028", "\u2029"]
CONTROLS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r"] + ["\x7f"]
COMBINING = ["e\u0301", "Cafe\u0301", "n\u0303o", "a\u0308", "Tie\u0302\u0301ng",
             "Vie\u0323\u0302t", "Z\u0351\u0300\u0316a\u0337\u0353l\u0489go",
             "\u1100\u1161\u11a8", "o\u0308\u0304", "\u0915\u094d\u0937"]
OTHER = ["https://example.com/a/b?q=1&x=%20y#frag", "mail.me@example.org",
         "## Heading", "**bold**", "- [ ] item", "`code`", "{\"k\": [1, 2.5, null]}",
         "«guillemets»", "“quotes”", "„low“", "(paren)", "[x]", "C++", "a->b",
         "x²", "½", "Ⅻ", "１２３", "٣٤٥", "१२३", "½-inch", "abc123def", "A/B"]


def prose(r):
    sentences = []
    for _ in range(r.randint(2, 7)):
        words = []
        for _ in range(r.randint(4, 16)):
            pick = r.random()
            if pick < 0.12:
                words.append(r.choice(CONTRACTIONS))
            elif pick < 0.16:
                words.append(r.choice(OTHER))
            elif pick < 0.19:
                words.append(str(r.randint(0, 99999)))
            else:
                words.append(r.choice(WORDS))
        words[0] = words[0].capitalize()
        if r.random() < 0.1:
            words[-1] = words[-1].upper()
        sentences.append(" ".join(words) + r.choice(PUNCT))
    return " ".join(sentences) + "\n"


def c_code(r):
    name = r.choice(WORDS) + "_" + r.choice(WORDS)
    k = r.randint(2, 9)
    return ("#include <stdio.h>\n\n"
            f"/* {r.choice(WORDS)} {r.choice(CONTRACTIONS)} */\n"
            f"static int {name}(const int *xs, size_t n) {{\n"
            "\tint total = 0;\n"
            "\tfor (size_t i = 0; i < n; ++i) {\n"
            f"\t\tif (xs[i] % {k} == 0 && xs[i] != -1)\n"
            "\t\t\ttotal += xs[i] << 1;\n"
            "\t}\n"
            f"\tprintf(\"%d\\n\", total);  // {r.choice(WORDS)}\n"
            "\treturn total;\n}\n")


def python_code(r):
    name = r.choice(WORDS) + "_" + r.choice(WORDS)
    return (f"@{r.choice(WORDS)}\n"
            f"def {name}(items, limit={r.randint(1, 999)}):\n"
            f"    \"\"\"{r.choice(WORDS).capitalize()} the {r.choice(WORDS)}.\"\"\"\n"
            "    out = []\n"
            "    for i, item in enumerate(items):\n"
            "        if i >= limit:\n"
            "            break\n"
            "        \n"
            "        out.append(f'{i}: {item!r}')\n"
            "    return {'n': len(out), 'items': out}  # done\n\n\n")


def numbers(r):
    y, m, d = r.randint(1900, 2099), r.randint(1, 12), r.randint(1, 28)
    items = [f"{y:04d}-{m:02d}-{d:02d}", f"{d}/{m}/{y}", f"{m:02d}.{d:02d}.{y % 100:02d}",
             f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
             f"{r.randint(0, 10**9):,}", f"{r.random() * 1000:.4f}", f"-{r.randint(1, 999)}",
             f"0x{r.randint(0, 2**32):08X}", f"{r.randint(1, 9)}e-{r.randint(1, 30)}",
             f"v{r.randint(0, 9)}.{r.randint(0, 99)}.{r.randint(0, 999)}",
             f"${r.randint(1, 9999)}.{r.randint(0, 99):02d}", f"{r.randint(0, 100)}%",
             f"+1-555-01{r.randint(0, 99):02d}", "3.14159", "1,000,000", "007"]
    r.shuffle(items)
    return " ".join(items) + "\n"


def script(r):
    words, sep, end = SCRIPTS[r.choice(sorted(SCRIPTS))]
    sentences = [sep.join(r.choice(words) for _ in range(r.randint(3, 10))) + end
                 for _ in range(r.randint(1, 4))]
    return " ".join(sentences) + "\n"


def emoji(r):
    parts = [r.choice(EMOJI) + (r.choice(WORDS) if r.random() < 0.4 else "")
             for _ in range(r.randint(3, 12))]
    return r.choice(["", " "]).join(parts) + "\n"


def oddities(r):
    parts = []
    for _ in range(r.randint(4, 12)):
        pick = r.randrange(6)
        if pick == 0:
            parts.append(r.choice(WORDS) + r.choice(CONTROLS) + r.choice(WORDS))
        elif pick == 1:
            parts.append("\x1b[3" + str(r.randint(0, 7)) + "m" + r.choice(WORDS) + "\x1b[0m")
        elif pick == 2:
            parts.append(r.choice(WORDS) + r.choice(SPACES) + r.choice(WORDS))
        elif pick == 3:
            parts.append(r.choice(COMBINING))
        elif pick == 4:
            parts.append(" " * r.randint(2, 12) + r.choice(WORDS) + "\t" * r.randint(1, 3))
        else:
            parts.append(r.choice(WORDS) + "\n" * r.randint(2, 5) + " " * r.randint(0, 3))
    return " ".join(parts) + "\n"


def catalogue():
    """Every listed item once, so that even a short text holds them all."""
    lines = [" ".join(CONTRACTIONS), " ".join(OTHER), " ".join(EMOJI),
             "".join(EMOJI), " ".join(COMBINING),
             "x".join(CONTROLS) + "x", "x".join(SPACES) + "x"]
    lines += [sep.join(words) + end for words, sep, end in SCRIPTS.values()]
    return "\n".join(lines) + "\n"


BLOCKS = [(prose, 6), (c_code, 2), (python_code, 2), (numbers, 2), (script, 4),
          (emoji, 2), (oddities, 3)]


def corpus(size, seed):
    r = random.Random(seed)
    kinds = [f for f, weight in BLOCKS for _ in range(weight)]
    out = [catalogue()]
    total = len(out[0].encode("utf-8"))
    while total < size:
        block = r.choice(kinds)(r)
        end = r.choices(["\n", "\r\n", "\r"], [8, 2, 1])[0]
        block = block.replace("\n", end)
        if end == "\r":  # a block of CR line ends still ends in LF
            block = block[:-1] + "\n"
        if r.random() < 0.1:
            block += end * r.randint(1, 4)
        out.append(block)
        total += len(block.encode("utf-8"))
    text = "".join(out)
    assert "<|" not in text and "|>" not in text
    assert max(len(line.encode("utf-8")) for line in text.split("\n")) <= 4000
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--size", type=int, default=120000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(args.path, "wb") as f:
        f.write(corpus(args.size, args.seed).encode("utf-8"))


if __name__ == "__main__":
    main()

// Prints the ids tiktoken gives a file: the reference the GPT-2 tokenizer
// tests compare with.
//
//   node tiktoken-encode.mjs REFS_DIR ENCODING FILE
//
// REFS_DIR is what scripts/fetch-tokenizer-refs.sh fills (it holds
// node_modules/@dqbd/tiktoken); ENCODING is a tiktoken encoding such as
// gpt2. FILE is read as UTF-8; the ids go to stdout separated by single
// spaces, on one line ending in a newline.
//
// Special tokens: tiktoken raises by default when the text holds one. This
// script passes allowed_special = "all", so `<|endoftext|>` in the text
// becomes its id (50256 for gpt2), as in tessel-tokenize, which matches
// special tokens in text; the generated corpus holds none.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [refs, encoding, file] = process.argv.slice(2);
if (!file) {
  console.error("usage: node tiktoken-encode.mjs REFS_DIR ENCODING FILE");
  process.exit(2);
}
const require = createRequire(join(resolve(refs), "index.js"));
const { get_encoding } = require("@dqbd/tiktoken");

const enc = get_encoding(encoding);
const ids = enc.encode(readFileSync(file, "utf8"), "all");
enc.free();
process.stdout.write(ids.join(" ") + "\n");

// Times tiktoken's encode in-process, for bench/tokenize_vs_tiktoken.py.
//
//   node tiktoken_time.mjs REFS_DIR ENCODING FILE RUNS
//
// REFS_DIR is what scripts/fetch-tokenizer-refs.sh fills. FILE is read and
// decoded from UTF-8 once; each of RUNS calls of encode (special tokens
// allowed, as in tessel-tokenize) is timed with process.hrtime. Prints one
// JSON line: {"bytes": N, "tokens": N, "ms": [one figure per run]}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [refs, encoding, file, runs] = process.argv.slice(2);
if (!runs) {
  console.error("usage: node tiktoken_time.mjs REFS_DIR ENCODING FILE RUNS");
  process.exit(2);
}
const require = createRequire(join(resolve(refs), "index.js"));
const { get_encoding } = require("@dqbd/tiktoken");

const bytes = readFileSync(file);
const text = bytes.toString("utf8");
const enc = get_encoding(encoding);
const ms = [];
let tokens = 0;
for (let i = 0; i < Number(runs); ++i) {
  const start = process.hrtime.bigint();
  tokens = enc.encode(text, "all").length;
  ms.push(Number(process.hrtime.bigint() - start) / 1e6);
}
enc.free();
console.log(JSON.stringify({ bytes: bytes.length, tokens, ms }));

// Checks `tessel-run serve` with real clients on loopback: curl and node's
// fetch. Prints one "OK ..." line per check (FileCheck reads them) and
// exits non-zero with a message at the first failure.
//
//   node serve_check.mjs --tessel-run BIN --model M.tsl --tessel-tokenize T
//        --tokenizer DIR --tmp DIR
//
// Checks, in order:
//   basics   /health, /v1/models, a whole answer and a stream with curl,
//            the stream's event format, /metrics in Prometheus text;
//   batch    16 requests served concurrently give the token ids each gives
//            alone (greedy), and alone equals `tessel-run generate`;
//   bad      malformed requests get 400 with OpenAI's error object while a
//            long request keeps streaming (and completes);
//   load     three rounds of 64 concurrent streams of mixed lengths, a
//            quarter cancelled halfway: the others complete with the ids
//            they give alone, the KV pool returns to empty, and resident
//            memory does not grow from round to round;
//   queue    a full queue answers 429;
//   sigterm  SIGTERM lets a stream in flight finish, answers new requests
//            503, exits 0 (then connections are refused); with no grace
//            period the stream ends "abort".

import { spawn, execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { strict as assert } from "node:assert";

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];

/// Servers started, killed if the check fails.
const servers = new Set();
process.on("exit", () => { for (const child of servers) child.kill("SIGKILL"); });

function fail(message) {
  console.error(`serve_check: FAIL: ${message}`);
  process.exit(1);
}
process.on("uncaughtException", (e) => fail(e && e.stack ? e.stack : e));
process.on("unhandledRejection", (e) => fail(e && e.stack ? e.stack : e));

/// Starts a server on a free port; resolves to {child, url, log}.
function startServer(extra = []) {
  const child = spawn(args["tessel-run"],
                      ["serve", args.model, "--seed", "1", "--port", "0",
                       ...extra],
                      { stdio: ["ignore", "ignore", "pipe"] });
  servers.add(child);
  child.on("exit", () => servers.delete(child));
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port: ${log}`)),
                             30000);
    child.stderr.on("data", (data) => {
      log += data;
      const match = log.match(/serving \S+ on (http:\/\/[\d.]+:\d+)/);
      if (match && !child.url) {
        child.url = match[1];
        clearTimeout(timer);
        resolve({ child, url: match[1], log: () => log });
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
}

function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on("exit", (code, signal) => resolve(signal ? signal : code));
  });
}

async function post(url, body) {
  const response = await fetchRetrying(`${url}/v1/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* checked by the caller */ }
  return { status: response.status, json, text };
}

/// Streams a completion; `cancelAfter` chunks with text, then aborts.
/// Resolves to {ids, text, finish, chunks, done, aborted}.
/// Connection-level failures retried (before any response came back).
let retries = 0;

/// fetch, tried again when the connection fails before an answer:
/// Debian's cpp-httplib listens with a backlog of 5, so a burst of new
/// connections may be reset (the request never reached the server). The
/// retries are counted and printed; a server that is gone still fails.
async function fetchRetrying(url, options) {
  for (let attempt = 0; ; ++attempt) {
    try {
      return await fetch(url, options);
    } catch (e) {
      const code = e.cause && e.cause.code;
      if (attempt >= 3 || !["ECONNRESET", "UND_ERR_SOCKET"].includes(code))
        throw new Error(`${url}: ${e.message} (${code}: ${e.cause})`);
      ++retries;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function stream(url, body, cancelAfter = -1, onChunk = () => {}) {
  const response = await fetchRetrying(`${url}/v1/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  assert.equal(response.status, 200, `stream status ${response.status}`);
  assert.match(response.headers.get("content-type"), /^text\/event-stream/);
  const result = { ids: [], text: "", finish: null, chunks: 0, done: false,
                   aborted: false };
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const bytes of response.body) {
      buffer += decoder.decode(bytes, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (event.startsWith(":")) continue; // A comment (keep-alive).
        assert.ok(event.startsWith("data: "), `event ${event}`);
        const data = event.slice(6);
        if (data === "[DONE]") { result.done = true; continue; }
        const chunk = JSON.parse(data);
        assert.equal(chunk.object, "text_completion");
        for (const choice of chunk.choices) {
          result.text += choice.text;
          result.ids.push(...(choice.token_ids || []));
          if (choice.finish_reason) result.finish = choice.finish_reason;
        }
        if (chunk.usage) result.usage = chunk.usage;
        onChunk(result);
        if (++result.chunks === cancelAfter) {
          // Leaving the loop cancels the body: the connection closes.
          result.aborted = true;
          break;
        }
      }
      if (result.aborted) break;
    }
  } catch (e) {
    if (!result.aborted) throw e;
  }
  return result;
}

async function metrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name) => {
    const match = text.match(new RegExp(`^${name} (\\S+)$`, "m"));
    if (!match) fail(`no ${name} in /metrics`);
    return Number(match[1]);
  };
  return { text, value };
}

/// Waits until the server holds no sequence and no KV block.
async function drained(url) {
  for (let i = 0; i < 300; ++i) {
    const m = await metrics(url);
    if (m.value("tessel_kv_blocks_used") === 0 &&
        m.value("tessel_running_sequences") === 0 &&
        m.value("tessel_queue_length") === 0)
      return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail("the KV pool did not return to empty");
}

/// Waits until `count` sequences reached a fresh server (queued, running
/// or ended).
async function arrived(url, count) {
  for (let i = 0; i < 300; ++i) {
    const m = await metrics(url);
    let seen = m.value("tessel_queue_length") +
               m.value("tessel_running_sequences");
    for (const reason of ["stop", "length", "abort", "error"])
      seen += m.value(`tessel_sequences_finished_total{reason="${reason}"}`);
    if (seen >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  fail(`${count} sequences never reached the server`);
}

function curl(...extra) {
  return execFileSync("curl", ["-sS", ...extra], { encoding: "utf8" });
}

const prompts = ["The model reads", "A cache of keys", "Tokens arrive",
                 "Once upon a time", "Paged attention", "Hello, world",
                 "Numbers: 1 2 3", "The quick brown fox", "In the beginning",
                 "Batch of sixteen", "Servers stream text", "Rows and blocks",
                 "Greedy decoding", "Seven words in this prompt here now",
                 "x", "Long prompts take longer to prefill than short ones"];

async function basics(url) {
  assert.equal(curl(`${url}/health`), '{"status":"ok"}');
  const models = JSON.parse(curl(`${url}/v1/models`));
  assert.equal(models.object, "list");
  assert.equal(models.data.length, 1);
  const name = models.data[0].id;
  const body = JSON.stringify({ model: name, prompt: "The model reads",
                                max_tokens: 8, temperature: 0,
                                return_token_ids: true });
  const whole = JSON.parse(curl(`${url}/v1/completions`, "-H",
                                "Content-Type: application/json", "-d", body));
  assert.equal(whole.object, "text_completion");
  assert.match(whole.id, /^cmpl-/);
  assert.equal(whole.choices.length, 1);
  assert.equal(whole.choices[0].finish_reason, "length");
  assert.equal(whole.choices[0].token_ids.length, 8);
  assert.equal(whole.usage.completion_tokens, 8);
  assert.equal(whole.usage.total_tokens,
               whole.usage.prompt_tokens + whole.usage.completion_tokens);
  // curl -N: the events as they come.
  const events = curl("-N", `${url}/v1/completions`, "-d",
                      JSON.stringify({ ...JSON.parse(body), stream: true,
                                       stream_options: { include_usage: true } }))
                     .split("\n\n").filter((e) => e && !e.startsWith(":"));
  assert.equal(events.at(-1), "data: [DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
  assert.deepEqual(chunks.at(-1).choices, []);
  assert.equal(chunks.at(-1).usage.completion_tokens, 8);
  const ids = chunks.flatMap((c) => c.choices.flatMap((x) => x.token_ids));
  const text = chunks.map((c) => c.choices.map((x) => x.text).join("")).join("");
  assert.deepEqual(ids, whole.choices[0].token_ids);
  assert.equal(text, whole.choices[0].text);
  assert.equal(chunks.at(-2).choices[0].finish_reason, "length");
  console.log(`OK basics: curl whole answer and stream agree (${ids.length} ` +
              `tokens in ${chunks.length - 2} text chunks)`);
  // n choices sample with seed, seed + 1, ...: choice i is what a request
  // of one choice with seed + i gives.
  const sampled = { prompt: "Once upon a time", max_tokens: 12,
                    temperature: 1, ignore_eos: true, return_token_ids: true };
  const three = await post(url, { ...sampled, n: 3, seed: 7 });
  assert.equal(three.status, 200, three.text);
  assert.deepEqual(three.json.choices.map((c) => c.index), [0, 1, 2]);
  for (const i of [0, 1, 2]) {
    const one = await post(url, { ...sampled, seed: 7 + i });
    assert.deepEqual(one.json.choices[0].token_ids,
                     three.json.choices[i].token_ids, `choice ${i}`);
  }
  assert.notDeepEqual(three.json.choices[0].token_ids,
                      three.json.choices[1].token_ids);
  console.log("OK seeds: choice i of n samples as a request with seed + i");
  // Sampled streams of text alone (random bytes: characters cut between
  // tokens, held back; the end-of-text token, not shown) end with their
  // finish reason and [DONE], and say what the whole answer says.
  let stops = 0, sampledTokens = 0;
  for (let seed = 1; seed <= 8; ++seed) {
    const body = { prompt: "Once upon a time", max_tokens: 60, seed };
    const streamed = await stream(url, body);
    const whole = await post(url, body);
    assert.ok(streamed.done, `seed ${seed}: no [DONE]`);
    assert.equal(streamed.finish, whole.json.choices[0].finish_reason);
    assert.equal(streamed.text, whole.json.choices[0].text);
    stops += streamed.finish === "stop";
    sampledTokens += 2 * whole.json.usage.completion_tokens;
  }
  console.error(`serve_check: ${stops} of 8 sampled streams stopped at ` +
                "the end-of-text token");
  console.log("OK text streams: sampled streams end as whole answers do");
  const m = await metrics(url);
  for (const name of ["tessel_time_to_first_token_seconds_bucket{le=\"+Inf\"}",
                      "tessel_time_per_output_token_seconds_count",
                      "tessel_generated_tokens_total",
                      "tessel_kv_blocks", "tessel_queue_length"])
    assert.ok(m.text.includes(name), `/metrics has ${name}`);
  assert.equal(m.value("tessel_generated_tokens_total"),
               16 + 6 * 12 + sampledTokens);
  console.log("OK metrics: Prometheus text with counters, gauges, histograms");
  return name;
}

/// Each prompt alone, greedy: the reference ids.
async function alone(url, maxTokens) {
  const reference = [];
  for (const prompt of prompts) {
    const r = await post(url, { prompt, max_tokens: maxTokens, temperature: 0,
                                ignore_eos: true, return_token_ids: true });
    assert.equal(r.status, 200, r.text);
    reference.push(r.json.choices[0]);
  }
  return reference;
}

async function batch(url, reference) {
  const together = await Promise.all(prompts.map((prompt) =>
    post(url, { prompt, max_tokens: 24, temperature: 0, ignore_eos: true,
                return_token_ids: true })));
  together.forEach((r, i) => {
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.choices[0].token_ids, reference[i].token_ids,
                     `prompt ${i}: batched ids differ from alone`);
    assert.equal(r.json.choices[0].text, reference[i].text);
  });
  // Alone equals `tessel-run generate` on the same prompt ids.
  const promptIds = reference[0].prompt_token_ids;
  writeFileSync(`${args.tmp}/prompt.txt`, promptIds.join(" "));
  execFileSync(args["tessel-tokenize"],
               ["encode", args.tokenizer, "--text", prompts[0], "-o",
                `${args.tmp}/prompt.npy`]);
  const generated = execFileSync(args["tessel-run"],
    ["generate", args.model, "--seed", "1", "--prompt-tokens",
     `${args.tmp}/prompt.npy`, "--max-new-tokens", "24"],
    { encoding: "utf8" }).trim().split(/\s+/).map(Number);
  assert.deepEqual(generated, reference[0].token_ids,
                   "generate and serve differ");
  console.log(`OK batch: ${prompts.length} concurrent requests give the ids ` +
              "each gives alone, and alone gives generate's");
}

async function badRequests(url) {
  const long = stream(url, { prompt: "Keep streaming", max_tokens: 100,
                             temperature: 0, ignore_eos: true,
                             return_token_ids: true });
  const cases = [
    ["{\"prompt\": ", null, "malformed JSON"],
    ["[1, 2]", null, "must be a JSON object"],
    [{ prompt: "hi", max_tokens: -5 }, "max_tokens", "max_tokens must be"],
    [{ prompt: "hi", max_tokens: 1e30 }, "max_tokens", "max_tokens must be"],
    [{ prompt: "hi", max_tokens: 100000 }, "max_tokens", "context"],
    ['{"prompt": "hi", "max_tokens": 9223372036854775807}', "max_tokens",
     "context"],
    [{ prompt: "hi", temperature: "hot" }, "temperature", "must be a number"],
    [{ prompt: "hi", temperature: -1 }, "temperature", "must be in"],
    [{ prompt: "hi", top_p: 0 }, "top_p", "must be in"],
    [{ prompt: "hi", n: "2" }, "n", "must be an integer"],
    [{ prompt: "hi", stop: [1] }, "stop", "stop must be"],
    [{ prompt: "hi", stream: "yes" }, "stream", "must be a boolean"],
    [{ prompt: "hi", bogus: 1 }, "bogus", "Unrecognized request argument"],
    [{ max_tokens: 3 }, "prompt", "prompt is required"],
    [{ prompt: 42 }, "prompt", "prompt must be"],
    [{ prompt: [1, -2] }, "prompt", "non-negative"],
    [{ prompt: [100000] }, "prompt", "vocabulary"],
    [{ prompt: "word ".repeat(400) }, "prompt", "context"],
    [{ prompt: "hi", model: "gpt-4" }, "model", "does not exist", 404],
  ];
  for (const [body, param, message, status = 400] of cases) {
    const r = await post(url, body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.json && r.json.error, `error object: ${r.text}`);
    assert.equal(r.json.error.param, param, r.text);
    assert.ok(r.json.error.message.includes(message), r.text);
    assert.equal(typeof r.json.error.type, "string");
  }
  // Invalid UTF-8 in the body.
  const bytes = Buffer.concat([Buffer.from('{"prompt": "ab'),
                               Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  const invalid = await fetch(`${url}/v1/completions`,
                              { method: "POST", body: bytes });
  assert.equal(invalid.status, 400);
  assert.match((await invalid.json()).error.message, /UTF-8/);
  const missing = await fetch(`${url}/v1/chat/nothing`);
  assert.equal(missing.status, 404);
  assert.ok((await missing.json()).error);
  const done = await long;
  assert.equal(done.finish, "length");
  assert.equal(done.ids.length, 100);
  assert.ok(done.done);
  console.log(`OK bad requests: ${cases.length + 2} answered with OpenAI ` +
              "errors while a 100-token stream completed");
}

async function load(url, reference) {
  const rss = [];
  for (let round = 0; round < 3; ++round) {
    const jobs = [];
    for (let i = 0; i < 64; ++i) {
      const p = (i * 7 + round) % prompts.length;
      const maxTokens = 4 + ((i * 13 + round * 5) % 21);
      const cancel = i % 4 === 3 ? 2 : -1;
      jobs.push(stream(url, { prompt: prompts[p], max_tokens: maxTokens,
                              temperature: 0, ignore_eos: true,
                              return_token_ids: true }, cancel)
                .then((r) => ({ r, p, maxTokens, cancel })));
    }
    const results = await Promise.all(jobs);
    let completed = 0, cancelled = 0;
    for (const { r, p, maxTokens, cancel } of results) {
      if (cancel > 0) { assert.ok(r.aborted); ++cancelled; continue; }
      assert.ok(r.done, "stream ended with [DONE]");
      assert.equal(r.finish, "length");
      assert.deepEqual(r.ids, reference[p].token_ids.slice(0, maxTokens),
                       `round ${round}: prompt ${p} x ${maxTokens}`);
      ++completed;
    }
    const m = await drained(url);
    rss.push(m.value("process_resident_memory_bytes"));
    console.error(`serve_check: round ${round}: ${completed} completed, ` +
                  `${cancelled} cancelled, rss ${rss.at(-1)}`);
  }
  const m = await metrics(url);
  assert.ok(m.value('tessel_sequences_finished_total{reason="abort"}') >= 1);
  const growth = rss[2] - rss[0];
  // Under AddressSanitizer (scripts/sanitize.sh) freed memory waits in its
  // quarantine, so resident memory grows whatever the server does.
  if (process.env.ASAN_OPTIONS === undefined)
    assert.ok(growth <= Math.max(0.05 * rss[0], 8 << 20),
              `resident memory grew from ${rss[0]} to ${rss[2]}`);
  else
    console.error("serve_check: memory growth not checked under ASan");
  console.log("OK load: 3 rounds of 64 concurrent streams (16 cancelled " +
              "each), ids as alone, pool empty after each, memory flat");
}

async function queue() {
  const server = await startServer(["--max-batch", "1", "--max-queue", "1"]);
  const body = { prompt: "Queue", max_tokens: 100, temperature: 0,
                 ignore_eos: true };
  const answers = await Promise.all([0, 1, 2, 3].map(() =>
    post(server.url, body)));
  const statuses = answers.map((a) => a.status).sort();
  assert.ok(statuses.includes(429), `statuses ${statuses}`);
  assert.ok(statuses.includes(200), `statuses ${statuses}`);
  const refused = answers.find((a) => a.status === 429);
  assert.equal(refused.json.error.type, "rate_limit_error");
  server.child.kill("SIGTERM");
  assert.equal(await exited(server.child), 0);
  console.log("OK queue: a full queue answers 429 with a JSON error");
}

async function sigterm() {
  // Grace: eight streams queued on a batch of one; SIGTERM once the first
  // has begun. New requests get 503; every stream finishes; exit 0; then
  // connections are refused.
  let server = await startServer(["--max-batch", "1"]);
  let began;
  const first = new Promise((resolve) => { began = resolve; });
  const body = { prompt: "Finish me", max_tokens: 120, temperature: 0,
                 ignore_eos: true };
  const streams = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
    stream(server.url, body, -1, i === 0 ? began : () => {}));
  await first;
  await arrived(server.url, 8);
  server.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 20));
  const late = await post(server.url, { prompt: "Too late" });
  assert.equal(late.status, 503, late.text);
  assert.equal(late.json.error.type, "server_error");
  for (const r of await Promise.all(streams)) {
    assert.ok(r.done);
    assert.equal(r.finish, "length");
  }
  assert.equal(await exited(server.child), 0);
  await assert.rejects(fetch(`${server.url}/health`));
  // No grace: the stream running and the one queued behind it (on a batch
  // of one) end "abort" once SIGTERM comes.
  server = await startServer(["--grace-period", "0", "--max-batch", "1"]);
  let started;
  const begun = new Promise((resolve) => { started = resolve; });
  const aborted = [0, 1].map(() =>
    stream(server.url, { ...body, prompt: "Abort me" }, -1, started));
  await begun;
  await arrived(server.url, 2);
  server.child.kill("SIGTERM");
  for (const r of await Promise.all(aborted)) {
    assert.equal(r.finish, "abort");
    assert.ok(r.done);
  }
  assert.equal(await exited(server.child), 0);
  console.log("OK sigterm: in-flight streams finish in the grace period, " +
              "abort after it; new requests 503; exit 0");
}

const server = await startServer();
await basics(server.url);
const reference = await alone(server.url, 24);
await batch(server.url, reference);
await badRequests(server.url);
await load(server.url, reference);
server.child.kill("SIGTERM");
assert.equal(await exited(server.child), 0, "exit status after SIGTERM");
await queue();
await sigterm();
console.error(`serve_check: ${retries} connections retried after a reset`);
console.log("OK serve: all checks passed");

#!/usr/bin/env python3
"""Serving: throughput and latency of `tessel-run serve` under concurrent
streaming clients, beside `tessel-run generate` on the same batches.

    bench/serve_load.py [--threads 2] [--clients 1,8,32] [--requests 3]
                        [--new-tokens 32] [--prompt-tokens N]
                        [--no-prefill] [--llama-cpp SRC]

A GPT-2-124M-sized model (bench/gpt2.py: f32, random weights, GPT-2's
tokenizer from build/tokenizer-refs) compiled with a paged KV cache
(blocks of 16). For each number of clients C, C threads each send
--requests streaming completions one after another (a prompt of about 16
tokens, --new-tokens new ones, greedy, ignore_eos) to one server started
with --max-batch C. Measured from the client side: generated tokens/s over
the run, time to first token (p50, p99), and the time between a stream's
tokens (p50, p99).

The reference, in the same script: `tessel-run generate --time` on a
static batch of C prompts of the same length: its generated tokens over
the time of all its steps (the prompt's included). server / generate is
what continuous batching, HTTP, JSON and the event stream cost (or, above
1, what keeping the batch full gains).

--prompt-tokens N repeats the prompt's ids to N tokens. With --no-prefill,
a second Tessel server runs the same load on the model compiled without
its prefill entry point (prompts through decode, the whole vocabulary's
logits at every prompt position): what prefill gains.

With --llama-cpp SRC (a llama.cpp source tree; bench/llama_cpp.py builds
it), llama.cpp's server runs the same load on the same weights (f32 GGUF),
one slot per client (-np C), its prompt cache off (every request computes
its prompt, as Tessel's server does), through its native /completion
endpoint with the same token ids as the prompt, streaming, counting the
token ids of each event as Tessel's side does. Before the load, one greedy
request to each server: "same tokens" says whether both produced the same
ids (a check that both compute the same model).

Run with OpenBLAS's native kernels (see BENCH-NOTES) and nothing else busy.
"""

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2 import BIN, CONFIG, ROOT, random_weights, write_safetensors  # noqa
import llama_cpp  # noqa: E402

PROMPT = ("The server takes requests from many clients at once and keeps "
          "its batch full")


def start_server(artifact, weights, tokenizer, clients, blocks, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    server = subprocess.Popen(
        [os.path.join(BIN, "tessel-run"), "serve", artifact, "--weights",
         weights, "--tokenizer", tokenizer, "--port", "0", "--max-batch",
         str(clients), "--kv-blocks", str(blocks)],
        stderr=subprocess.PIPE, text=True, env=env)
    line = server.stderr.readline()
    match = re.search(r"http://([\d.]+):(\d+)", line)
    if not match:
        server.kill()
        sys.exit(f"serve_load: the server did not start: {line}")
    return server, match.group(1), int(match.group(2))


class TesselApi:
    """Tessel's /v1/completions with vLLM's return_token_ids."""
    path = "/v1/completions"

    @staticmethod
    def body(prompt_ids, new_tokens, stream):
        return {"prompt": prompt_ids, "max_tokens": new_tokens,
                "temperature": 0, "ignore_eos": True, "stream": stream,
                "return_token_ids": True}

    @staticmethod
    def tokens(event):
        """(token ids in this event or whole answer, tokens the request
        generated in all if this event says so, else None)."""
        return [t for c in event["choices"] for t in c.get("token_ids", [])
                ], None


class LlamaApi:
    """llama.cpp's native /completion: one event per token with its id
    (`tokens`); a token that ends inside a UTF-8 character is held back
    and sent with no event of its own, so the last event's
    `tokens_predicted` completes the count (at that event's time)."""
    path = "/completion"

    @staticmethod
    def body(prompt_ids, new_tokens, stream):
        return {"prompt": prompt_ids, "n_predict": new_tokens,
                "temperature": 0, "ignore_eos": True, "stream": stream,
                "return_tokens": True, "cache_prompt": False}

    @staticmethod
    def tokens(event):
        return event.get("tokens", []), (
            event["tokens_predicted"] if event.get("stop") else None)


def complete(host, port, api, prompt_ids, new_tokens):
    """One greedy whole answer: its token ids."""
    connection = http.client.HTTPConnection(host, port, timeout=600)
    connection.request("POST", api.path,
                       json.dumps(api.body(prompt_ids, new_tokens, False)),
                       {"Content-Type": "application/json"})
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return api.tokens(answer)[0]


def client(host, port, api, prompt_ids, requests, new_tokens, out):
    """Sends `requests` streaming completions in turn; appends (start,
    [arrival time of each token]) per request to `out`."""
    for _ in range(requests):
        connection = http.client.HTTPConnection(host, port, timeout=600)
        body = json.dumps(api.body(prompt_ids, new_tokens, True))
        start = time.perf_counter()
        connection.request("POST", api.path, body,
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        arrivals = []
        for line in response:
            if not line.startswith(b"data: {"):
                continue
            now = time.perf_counter()
            ids, total = api.tokens(json.loads(line[6:]))
            arrivals += [now] * len(ids)
            if total is not None and total > len(arrivals):
                arrivals += [now] * (total - len(arrivals))
        connection.close()
        if len(arrivals) != new_tokens:
            sys.exit(f"serve_load: a stream gave {len(arrivals)} tokens, not "
                     f"{new_tokens}")
        out.append((start, arrivals))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def run_clients(host, port, api, prompt_ids, clients, requests, new_tokens):
    out, threads = [], []
    start = time.perf_counter()
    for _ in range(clients):
        t = threading.Thread(target=client,
                             args=(host, port, api, prompt_ids, requests,
                                   new_tokens, out))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    first = [arrivals[0] - begin for begin, arrivals in out]
    gaps = [b - a for _, arrivals in out
            for a, b in zip(arrivals, arrivals[1:])]
    tokens = sum(len(arrivals) for _, arrivals in out)
    return tokens / wall, first, gaps


def generate_rate(artifact, weights, prompt_ids, batch, new_tokens, tmp,
                  threads):
    """tokens/s of `generate` on a static batch of `batch` prompts, its
    prompt step included (as the server's clients wait for it too)."""
    path = os.path.join(tmp, "prompt.npy")
    np.save(path, np.array([prompt_ids] * batch, np.int64))
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    r = subprocess.run(
        [os.path.join(BIN, "tessel-run"), "generate", artifact,
         "--prompt-tokens", path, "--weights", weights, "--max-new-tokens",
         str(new_tokens), "--time"],
        capture_output=True, text=True, env=env, check=True)
    prompt_ms = float(re.search(r"prompt: .* in ([0-9.]+) ms", r.stderr)[1])
    rest_ms = float(re.search(r"generated: .* in ([0-9.]+) ms", r.stderr)[1])
    return batch * new_tokens / ((prompt_ms + rest_ms) / 1e3)


def measure(start, api, prompt_ids, clients, requests, new_tokens):
    """Starts a server with `start()`, checks it with one greedy answer,
    then runs the load: (rate, first-token times, gaps, greedy ids)."""
    server, host, port = start()
    try:
        # One request first: the servers' first steps are slower.
        ids = complete(host, port, api, prompt_ids, new_tokens)
        rate, first, gaps = run_clients(host, port, api, prompt_ids, clients,
                                        requests, new_tokens)
    finally:
        server.terminate()
        server.wait()
    return rate, first, gaps, ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--requests", type=int, default=3,
                        help="requests per client, one after another")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--prompt-tokens", type=int, default=0,
                        help="repeat the prompt's ids to this many tokens")
    parser.add_argument("--no-prefill", action="store_true",
                        help="also serve the model compiled without prefill")
    parser.add_argument("--llama-cpp", metavar="SRC",
                        help="a llama.cpp source tree: run its server too")
    args = parser.parse_args()
    tokenizer = os.path.join(ROOT, "build", "tokenizer-refs", "gpt2")
    if not os.path.isdir(tokenizer):
        sys.exit("serve_load: no GPT-2 tokenizer in build/tokenizer-refs "
                 "(scripts/fetch-tokenizer-refs.sh build/tokenizer-refs)")
    llama_bin = llama_cpp.build(args.llama_cpp) if args.llama_cpp else None
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "gpt2-124m.json")
        with open(config, "w") as f:
            json.dump(CONFIG, f)
        artifact = os.path.join(tmp, "gpt2.tsl")
        subprocess.run([os.path.join(BIN, "tesselc"), config, "-o", artifact,
                        "--kv-block-size=16"], check=True)
        decode_only = os.path.join(tmp, "gpt2-no-prefill.tsl")
        if args.no_prefill:
            subprocess.run([os.path.join(BIN, "tesselc"), config, "-o",
                            decode_only, "--kv-block-size=16", "--no-prefill"],
                           check=True)
        manifest = json.load(open(os.path.join(artifact, "manifest.json")))
        tensors = random_weights(manifest, 0)
        weights = os.path.join(tmp, "weights.safetensors")
        write_safetensors(weights, tensors)
        gguf = os.path.join(tmp, "gpt2-f32.gguf")
        if llama_bin:
            llama_cpp.write_gguf(gguf, args.llama_cpp, CONFIG, tensors,
                                 tokenizer)
        ids_file = os.path.join(tmp, "ids.npy")
        subprocess.run([os.path.join(BIN, "tessel-tokenize"), "encode",
                        tokenizer, "--text", PROMPT, "-o", ids_file],
                       check=True, capture_output=True)
        prompt_ids = np.load(ids_file).reshape(-1).tolist()
        if args.prompt_tokens > 0:
            prompt_ids = (prompt_ids * (-(-args.prompt_tokens //
                                          len(prompt_ids))))
            prompt_ids = prompt_ids[:args.prompt_tokens]
        print(f"GPT-2-124M-sized, f32, paged KV (blocks of 16), "
              f"{args.threads} threads; prompt {len(prompt_ids)} tokens, "
              f"{args.new_tokens} new per request, {args.requests} requests "
              f"per client" + (f"; llama.cpp {llama_cpp.commit(args.llama_cpp)}"
                               if llama_bin else ""))
        ms = lambda s: f"{1e3 * s:.0f} ms"  # noqa: E731
        header = (f"{'server':>10} {'clients':>7} {'tokens/s':>9} "
                  f"{'generate':>9} {'ratio':>6} {'TTFT p50':>9} {'p99':>8} "
                  f"{'ITL p50':>8} {'p99':>8}")
        print(header + (f" {'same tokens':>11}" if llama_bin else ""))
        for clients in map(int, args.clients.split(",")):
            per = -(-(len(prompt_ids) + args.new_tokens) // 16)
            reference = generate_rate(artifact, weights, prompt_ids, clients,
                                      args.new_tokens, tmp, args.threads)
            runs = [("tessel", TesselApi, lambda: start_server(
                artifact, weights, tokenizer, clients, 1 + clients * per,
                args.threads))]
            if args.no_prefill:
                runs.append(("no-prefill", TesselApi, lambda: start_server(
                    decode_only, weights, tokenizer, clients,
                    1 + clients * per, args.threads)))
            if llama_bin:
                runs.append(("llama.cpp", LlamaApi, lambda: llama_cpp.
                             start_server(llama_bin, gguf, clients, 16 * per,
                                          args.threads)))
            greedy, rates = [], []
            for name, api, start in runs:
                rate, first, gaps, ids = measure(
                    start, api, prompt_ids, clients, args.requests,
                    args.new_tokens)
                greedy.append(ids)
                rates.append(rate)
                same = ""
                if llama_bin:
                    same = f" {'yes' if greedy[-1] == greedy[0] else 'NO':>11}"
                versus = (f"{reference:>9.1f} {rate / reference:>6.2f}"
                          if api is TesselApi else f"{'-':>9} {'-':>6}")
                print(f"{name:>10} {clients:>7} {rate:>9.1f} {versus} "
                      f"{ms(percentile(first, 50)):>9} "
                      f"{ms(percentile(first, 99)):>8} "
                      f"{ms(percentile(gaps, 50)):>8} "
                      f"{ms(percentile(gaps, 99)):>8}{same}", flush=True)
            if llama_bin:
                print(f"{'':>9} {clients:>7} tokens/s tessel / llama.cpp: "
                      f"{rates[0] / rates[-1]:.2f}", flush=True)

if __name__ == "__main__":
    main()

"""llama.cpp as a peer baseline: build it from source, write the bench's
GPT-2 weights as a GGUF file, and run its batched decode benchmark and its
server.

llama.cpp is not packaged in Debian 12. Get its source (a clone of
https://github.com/ggml-org/llama.cpp) and pass the folder as --llama-cpp
to decode_vs_torch.py or serve_load.py; the first use builds, into
SRC/build-tessel-bench, the two programs the benchmarks run:

    cmake -B build-tessel-bench -G Ninja -DCMAKE_BUILD_TYPE=Release
          -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF
          -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
    ninja -C build-tessel-bench llama-batched-bench llama-server

The GGUF file is written with the `gguf` Python package from the same
source tree (gguf-py/, NumPy only), so that the file matches the programs
that read it. The weights stay f32: the same numbers Tessel computes with.
"""

import json
import os
import re
import subprocess
import sys
import threading

import numpy as np

TARGETS = ["llama-batched-bench", "llama-server"]
BUILD = "build-tessel-bench"


def build(source):
    """The bin folder of llama.cpp built from `source` (built on first
    use; later calls only check that it is up to date)."""
    if not os.path.isfile(os.path.join(source, "gguf-py", "gguf",
                                       "__init__.py")):
        sys.exit(f"llama_cpp: {source} is not a llama.cpp source tree "
                 f"(no gguf-py/gguf)")
    out = os.path.join(source, BUILD)
    if not os.path.isfile(os.path.join(out, "build.ninja")):
        subprocess.run(
            ["cmake", "-S", source, "-B", out, "-G", "Ninja",
             "-DCMAKE_BUILD_TYPE=Release", "-DGGML_NATIVE=ON",
             "-DLLAMA_CURL=OFF", "-DLLAMA_OPENSSL=OFF",
             "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF"],
            check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", out] + TARGETS, check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(out, "bin")


def commit(source):
    """The source's git commit, or "unknown" for a tree without .git."""
    r = subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else "unknown"


def write_gguf(path, source, config, weights, tokenizer):
    """GPT-2 in llama.cpp's layout: the HuggingFace weights of `weights`
    (name -> f32 array; Conv1D weights [in, out], transposed here to
    llama.cpp's [out, in]), the vocabulary and merges of the GPT-2
    tokenizer folder `tokenizer` (vocab.json, merges.txt)."""
    sys.path.insert(0, os.path.join(source, "gguf-py"))
    import gguf  # noqa: E402  (from the llama.cpp tree)

    writer = gguf.GGUFWriter(path, "gpt2")
    writer.add_block_count(config["n_layer"])
    writer.add_context_length(config["n_positions"])
    writer.add_embedding_length(config["n_embd"])
    writer.add_feed_forward_length(4 * config["n_embd"])
    writer.add_head_count(config["n_head"])
    writer.add_layer_norm_eps(config["layer_norm_epsilon"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    vocab = json.load(open(os.path.join(tokenizer, "vocab.json")))
    tokens = [None] * len(vocab)
    for text, i in vocab.items():
        tokens[i] = text
    if len(tokens) != config["vocab_size"] or None in tokens:
        sys.exit(f"llama_cpp: {tokenizer}/vocab.json does not hold "
                 f"{config['vocab_size']} consecutive ids")
    eos = vocab["<|endoftext|>"]
    types = [gguf.TokenType.NORMAL] * len(tokens)
    types[eos] = gguf.TokenType.CONTROL
    with open(os.path.join(tokenizer, "merges.txt"), encoding="utf-8") as f:
        merges = [line.rstrip("\n") for line in f
                  if line.strip() and not line.startswith("#version")]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(eos)
    writer.add_eos_token_id(eos)

    names = {"transformer.wte.weight": "token_embd.weight",
             "transformer.wpe.weight": "position_embd.weight",
             "transformer.ln_f.weight": "output_norm.weight",
             "transformer.ln_f.bias": "output_norm.bias"}
    parts = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv",
             "attn.c_proj": "attn_output", "ln_2": "ffn_norm",
             "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    for name, array in weights.items():
        match = re.fullmatch(r"transformer\.h\.(\d+)\.(.+)\.(weight|bias)",
                             name)
        if match and match[2] in parts:
            if array.ndim == 2:
                array = array.T
            names[name] = f"blk.{match[1]}.{parts[match[2]]}.{match[3]}"
        if name not in names:
            sys.exit(f"llama_cpp: no GGUF name for {name}")
        writer.add_tensor(names[name], np.ascontiguousarray(array,
                                                            np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def batched_decode_ms(bin_dir, gguf_file, prompt, new_tokens, batch,
                      threads):
    """llama-batched-bench: `batch` sequences, each with its own prompt of
    `prompt` tokens, then `new_tokens` decode steps of all of them: ms per
    decode step (its T_TG over the steps)."""
    r = subprocess.run(
        [os.path.join(bin_dir, "llama-batched-bench"), "-m", gguf_file,
         "-c", str(batch * (prompt + new_tokens)), "-b", "2048",
         "-npp", str(prompt), "-ntg", str(new_tokens), "-npl", str(batch),
         "-t", str(threads), "-tb", str(threads), "--output-format", "jsonl"],
        capture_output=True, text=True)
    rows = [json.loads(line) for line in r.stdout.splitlines()
            if line.startswith("{")]
    if r.returncode != 0 or not rows:
        sys.exit(f"llama_cpp: llama-batched-bench failed:\n{r.stderr[-2000:]}")
    return 1e3 * rows[-1]["t_tg"] / new_tokens


def start_server(bin_dir, gguf_file, slots, context, threads):
    """llama-server on a free loopback port with `slots` parallel
    sequences of `context` tokens each: (process, host, port)."""
    server = subprocess.Popen(
        [os.path.join(bin_dir, "llama-server"), "-m", gguf_file,
         "--host", "127.0.0.1", "--port", "0", "-np", str(slots),
         "-c", str(slots * context), "-t", str(threads), "-tb",
         str(threads), "--no-webui", "--cache-ram", "0", "--no-cache-prompt"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in server.stderr:
        lines.append(line)
        match = re.search(r"listening on http://([\d.]+):(\d+)", line)
        if match:
            # Keep reading its log so that it never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in server.stderr],
                             daemon=True).start()
            return server, match[1], int(match[2])
    server.wait()
    sys.exit("llama_cpp: llama-server did not start:\n" +
             "".join(lines[-20:]))

"""What the benchmarks measure, shared by the scripts of bench/: the example
models of the forward-pass benchmarks and the attention layer of the
attention benchmarks."""

EXAMPLES = ["tiny-gpt", "tiny-llama", "tiny-mla", "tiny-mqa-alibi",
            "tiny-t5bias-batchnorm", "tiny-sinusoidal-postnorm"]

# Attention: batch, heads, head size; S = T varies.
B, H, D = 1, 8, 64


def attention_ir(causal):
    """One tessel.attention of [B, H, ?, D], as tesselc compiles it."""
    t = f"tensor<{B}x{H}x?x{D}xf32>"
    attrs = " {causal}" if causal else ""
    return (f"func.func @attn(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n"
            f"  %o = tessel.attention %q, %k, %v{attrs} : {t}, {t}, {t} -> {t}\n"
            f"  return %o : {t}\n}}\n")

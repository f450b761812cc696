"""Independent NumPy (float64) forward passes of the models tesselc builds.

Written from the HuggingFace `transformers` modeling code of each family
(GPT2LMHeadModel, LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
DeepseekV2ForCausalLM with a dense MLP) and from the meaning of Tessel's own
model format, not from Tessel's C++ (neither the IR builder nor the reference
kernels). Every forward takes

    cfg     the model's JSON (a dict), absent fields taking the defaults of
            the matching `transformers` config class / of the Tessel format;
    params  a Params: every weight is read through it with the shape the
            model expects, so that a caller can check that the parameters a
            compiler declared are exactly those the model reads;
    tokens  int64 [B, S]

and returns float64 logits [B, S, V].

`declared_parameters(mlir_text)` reads the `tessel.parameter` declarations of
an .mlir file; `random_parameters(decls, seed)` draws float32 values for them.
"""

import math
import re

import numpy as np


# ----------------------------------------------------------------------------
# Parameters
# ----------------------------------------------------------------------------

class Params:
    """A {name: array} store that records which names were read, and checks
    that each read finds the shape the model expects."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.read = {}        # name -> expected shape
        self.errors = []      # human-readable problems (missing, bad shape)

    def __call__(self, name, shape):
        shape = tuple(int(s) for s in shape)
        self.read[name] = shape
        if name not in self.arrays:
            self.errors.append(f"missing parameter {name} {list(shape)}")
            return np.zeros(shape)  # keep going, report everything at the end
        a = self.arrays[name]
        if tuple(a.shape) != shape:
            self.errors.append(f"parameter {name}: declared {list(a.shape)}, "
                               f"model reads {list(shape)}")
            return np.zeros(shape)
        return a.astype(np.float64)


_PARAM_RE = re.compile(
    r'^\s*tessel\.parameter\s+@("(?:[^"\\]|\\.)*"|[^\s:]+)\s*:\s*'
    r'tensor<([^>]*)>')


def declared_parameters(mlir_text):
    """[(name, shape tuple)] of the module's `tessel.parameter` ops, in
    order."""
    decls = []
    for line in mlir_text.splitlines():
        m = _PARAM_RE.match(line)
        if not m:
            continue
        name = m.group(1)
        if name.startswith('"'):
            name = name[1:-1]
        dims = m.group(2).split("x")[:-1]  # the last piece is the element type
        decls.append((name, tuple(int(d) for d in dims)))
    return decls


def random_parameters(decls, seed=0, std=0.1):
    """float32 values for each (name, shape): N(0, std) for weights and
    biases, 1 + 0.1 N for norm gains, a positive running variance for batch
    norms, about sqrt(64) for ScaleNorm's scalar gain, N(0, 0.5) for the
    relative-bias table.

    std defaults to 0.1 rather than GPT-2's 0.02: with 0.02 and these tiny
    widths attention is almost uniform, so a wrong RoPE layout, ALiBi slope
    or relative bucket moves the logits by only ~1e-3 of their size; with
    0.1 by 1e-2..1, far above the interpreter's ~2e-7."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in decls:
        normal = rng.standard_normal(shape)
        leaf = name.rsplit(".", 1)[-1]
        owner = name.rsplit(".", 2)[-2] if name.count(".") >= 1 else ""
        is_norm = re.search(r"(norm|layernorm|ln_\d|ln_f)$", owner) is not None
        if leaf == "running_var":
            v = 0.5 + rng.random(shape)
        elif leaf == "running_mean":
            v = 0.1 * normal
        elif leaf == "scale" and shape == ():
            # ScaleNorm's g, about sqrt(D) (D unknown here: use a typical 8).
            v = 8.0 * (1 + 0.1 * normal)
        elif is_norm and leaf == "weight":
            v = 1 + 0.1 * normal
        elif owner == "relative_bias":
            # T5's relative attention bias is O(1); 0.02 would hide it.
            v = 0.5 * normal
        else:
            v = std * normal
        out[name] = np.asarray(v, dtype=np.float32)
    return out


# ----------------------------------------------------------------------------
# Building blocks
# ----------------------------------------------------------------------------

def linear(x, w, b=None):
    """torch.nn.Linear: w is [out, in]."""
    y = x @ w.T
    return y if b is None else y + b


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def rms_norm(x, g, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g


def gelu_exact(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                  (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1 + np.exp(-x))


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def causal_mask(s):
    return np.where(np.tril(np.ones((s, s), bool)), 0.0, -np.inf)


def sdpa(q, k, v, scale, bias=None, prefix=0):
    """softmax(q k^T * scale + bias + causal) v; q/k/v [B, H, S, D]; with
    `prefix`, k and v hold that many keys first, which every query sees."""
    s = q.shape[2]
    mask = np.concatenate([np.zeros((s, prefix)), causal_mask(s)], 1)
    scores = q @ np.swapaxes(k, -1, -2) * scale + mask
    if bias is not None:
        scores = scores + bias
    return softmax(scores) @ v


def split_heads(x, h, d):
    b, s, _ = x.shape
    return x.reshape(b, s, h, d).transpose(0, 2, 1, 3)


def merge_heads(x):
    b, h, s, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, s, h * d)


def repeat_kv(x, n_rep):
    """transformers' repeat_kv: [B, KV, S, D] -> [B, KV*n_rep, S, D], head
    h reading kv head h // n_rep."""
    b, kv, s, d = x.shape
    if n_rep == 1:
        return x
    return np.broadcast_to(x[:, :, None], (b, kv, n_rep, s, d)).reshape(
        b, kv * n_rep, s, d)


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], -1)


def rope_cos_sin(positions, dim, theta):
    """HF LlamaRotaryEmbedding: cos, sin of shape [S, dim], frequencies
    repeated as cat(freqs, freqs)."""
    inv_freq = 1.0 / theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
    freqs = np.outer(positions.astype(np.float64), inv_freq)
    emb = np.concatenate([freqs, freqs], -1)
    return np.cos(emb), np.sin(emb)


def apply_rope_half(x, positions, theta, rotary_dims=None):
    """Llama's apply_rotary_pos_emb on the first `rotary_dims` features (the
    rest pass through, as in GPT-NeoX partial rotary)."""
    d = x.shape[-1] if rotary_dims is None else rotary_dims
    rot, rest = x[..., :d], x[..., d:]
    cos, sin = rope_cos_sin(positions, d, theta)
    rot = rot * cos + rotate_half(rot) * sin
    return np.concatenate([rot, rest], -1)


def apply_rope_pairs(x, positions, theta, rotary_dims=None):
    """RoFormer's interleaved RoPE, in place: the pair (x[2i], x[2i+1]) is
    rotated by p * theta^(-2i/d)."""
    d = x.shape[-1] if rotary_dims is None else rotary_dims
    rot, rest = x[..., :d], x[..., d:]
    inv_freq = theta ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    a = np.outer(positions.astype(np.float64), inv_freq)     # [S, d/2]
    cos, sin = np.cos(a), np.sin(a)
    u, v = rot[..., 0::2], rot[..., 1::2]
    out = np.empty_like(rot)
    out[..., 0::2] = u * cos - v * sin
    out[..., 1::2] = v * cos + u * sin
    return np.concatenate([out, rest], -1)


def apply_rope_deepseek(x, positions, theta):
    """DeepSeek-V2's apply_rotary_pos_emb: view the last axis as (d/2, 2),
    transpose to (2, d/2) (evens, then odds), then rotate-half. The result is
    in that de-interleaved order, which q and k share."""
    *lead, d = x.shape
    x = x.reshape(*lead, d // 2, 2)
    x = np.swapaxes(x, -1, -2).reshape(*lead, d)
    cos, sin = rope_cos_sin(positions, d, theta)
    return x * cos + rotate_half(x) * sin


def sinusoidal(positions, d, base=10000.0):
    """'Attention Is All You Need': PE[p, 2i] = sin(p / base^(2i/d)),
    PE[p, 2i+1] = cos(p / base^(2i/d))."""
    i = np.arange(0, d, 2, dtype=np.float64)
    a = np.outer(positions.astype(np.float64), base ** (-i / d))
    pe = np.empty((len(positions), d))
    pe[:, 0::2] = np.sin(a)
    pe[:, 1::2] = np.cos(a)
    return pe


def alibi_slopes(n):
    """Press et al.'s get_slopes (the reference implementation)."""
    def power_of_2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]
    if math.log2(n).is_integer():
        return power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return (power_of_2(closest) +
            alibi_slopes(2 * closest)[0::2][:n - closest])


def alibi_bias(s, heads):
    """[H, S, S]: m_h * (j - i), i.e. -m_h * distance for keys in the past."""
    i = np.arange(s)[:, None]
    j = np.arange(s)[None, :]
    m = np.array(alibi_slopes(heads))[:, None, None]
    return -m * np.abs(i - j)


def t5_bucket(relative_position, bidirectional, num_buckets, max_distance):
    """T5Attention._relative_position_bucket, in NumPy."""
    ret = np.zeros_like(relative_position)
    n = relative_position
    if bidirectional:
        num_buckets //= 2
        ret = ret + (n > 0).astype(np.int64) * num_buckets
        n = np.abs(n)
    else:
        n = -np.minimum(n, 0)
    max_exact = num_buckets // 2
    is_small = n < max_exact
    with np.errstate(divide="ignore"):
        large = max_exact + (
            np.log(np.maximum(n, 1).astype(np.float64) / max_exact) /
            math.log(max_distance / max_exact) *
            (num_buckets - max_exact)).astype(np.int64)
    large = np.minimum(large, num_buckets - 1)
    return ret + np.where(is_small, n, large)


def t5_bias(table, s, max_distance, bidirectional=False):
    """[H, S, S] from the shared [num_buckets, H] table; relative position
    = key - query, as T5's compute_bias."""
    ctx = np.arange(s)[:, None]
    mem = np.arange(s)[None, :]
    buckets = t5_bucket(mem - ctx, bidirectional, table.shape[0], max_distance)
    return table[buckets].transpose(2, 0, 1)  # [S, S, H] -> [H, S, S]


# ----------------------------------------------------------------------------
# GPT-2 (GPT2LMHeadModel)
# ----------------------------------------------------------------------------

_GPT2_ACT = {"gelu_new": gelu_tanh, "gelu_pytorch_tanh": gelu_tanh,
             "gelu_fast": gelu_tanh, "gelu": gelu_exact}


def gpt2_forward(cfg, P, tokens):
    V = cfg.get("vocab_size", 50257)
    npos = cfg.get("n_positions", 1024)
    d = cfg.get("n_embd", 768)
    L = cfg.get("n_layer", 12)
    H = cfg.get("n_head", 12)
    inner = cfg.get("n_inner") or 4 * d
    act = _GPT2_ACT[cfg.get("activation_function", "gelu_new")]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    scale_weights = cfg.get("scale_attn_weights", True)
    by_layer = cfg.get("scale_attn_by_inverse_layer_idx", False)
    tied = cfg.get("tie_word_embeddings", True)
    hd = d // H
    B, S = tokens.shape

    def conv1d(x, prefix, nin, nout):
        # transformers' Conv1D: weight [in, out], y = x @ w + b.
        return x @ P(prefix + ".weight", (nin, nout)) + P(prefix + ".bias",
                                                          (nout,))

    def ln(x, prefix):
        return layer_norm(x, P(prefix + ".weight", (d,)),
                          P(prefix + ".bias", (d,)), eps)

    wte = P("transformer.wte.weight", (V, d))
    wpe = P("transformer.wpe.weight", (npos, d))
    h = wte[tokens] + wpe[np.arange(S)]
    for i in range(L):
        pre = f"transformer.h.{i}."
        a = ln(h, pre + "ln_1")
        qkv = conv1d(a, pre + "attn.c_attn", d, 3 * d)
        q, k, v = (split_heads(t, H, hd) for t in np.split(qkv, 3, axis=-1))
        scale = 1.0 / math.sqrt(hd) if scale_weights else 1.0
        if by_layer:
            scale /= float(i + 1)
        o = merge_heads(sdpa(q, k, v, scale))
        h = h + conv1d(o, pre + "attn.c_proj", d, d)
        m = ln(h, pre + "ln_2")
        m = act(conv1d(m, pre + "mlp.c_fc", d, inner))
        h = h + conv1d(m, pre + "mlp.c_proj", inner, d)
    h = ln(h, "transformer.ln_f")
    head = wte if tied else P("lm_head.weight", (V, d))
    return h @ head.T


# ----------------------------------------------------------------------------
# Llama, Mistral, Qwen2 (LlamaForCausalLM & co.)
# ----------------------------------------------------------------------------

_LLAMA_DEFAULTS = {
    # model_type: (vocab, hidden, intermediate, layers, heads, kv_heads,
    #              max_positions)
    "llama": (32000, 4096, 11008, 32, 32, None, 2048),
    "mistral": (32000, 4096, 14336, 32, 32, 8, 4096 * 32),
    "qwen2": (151936, 4096, 22016, 32, 32, 32, 32768),
}


def llama_forward(cfg, P, tokens):
    mt = cfg["model_type"]
    V0, d0, f0, L0, H0, KV0, _ = _LLAMA_DEFAULTS[mt]
    V = cfg.get("vocab_size", V0)
    d = cfg.get("hidden_size", d0)
    f = cfg.get("intermediate_size", f0)
    L = cfg.get("num_hidden_layers", L0)
    H = cfg.get("num_attention_heads", H0)
    KV = cfg.get("num_key_value_heads")
    if KV is None:
        KV = KV0 if KV0 is not None else H
    hd = cfg.get("head_dim") or d // H
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    tied = cfg.get("tie_word_embeddings", False)
    assert cfg.get("hidden_act", "silu") == "silu"
    if mt == "qwen2":          # Qwen2Attention: q/k/v biased, o_proj not.
        qkv_bias, o_bias, mlp_bias = True, False, False
    elif mt == "mistral":      # MistralAttention: no biases.
        qkv_bias = o_bias = mlp_bias = False
    else:                      # LlamaAttention: attention_bias on all four.
        qkv_bias = o_bias = cfg.get("attention_bias", False)
        mlp_bias = cfg.get("mlp_bias", False)
    B, S = tokens.shape
    pos = np.arange(S)

    def lin(x, prefix, nin, nout, bias):
        return linear(x, P(prefix + ".weight", (nout, nin)),
                      P(prefix + ".bias", (nout,)) if bias else None)

    emb = P("model.embed_tokens.weight", (V, d))
    h = emb[tokens]
    for i in range(L):
        pre = f"model.layers.{i}."
        a = rms_norm(h, P(pre + "input_layernorm.weight", (d,)), eps)
        q = split_heads(lin(a, pre + "self_attn.q_proj", d, H * hd, qkv_bias),
                        H, hd)
        k = split_heads(lin(a, pre + "self_attn.k_proj", d, KV * hd, qkv_bias),
                        KV, hd)
        v = split_heads(lin(a, pre + "self_attn.v_proj", d, KV * hd, qkv_bias),
                        KV, hd)
        q = apply_rope_half(q, pos, theta)
        k = apply_rope_half(k, pos, theta)
        k, v = repeat_kv(k, H // KV), repeat_kv(v, H // KV)
        o = merge_heads(sdpa(q, k, v, hd ** -0.5))
        h = h + lin(o, pre + "self_attn.o_proj", H * hd, d, o_bias)
        m = rms_norm(h, P(pre + "post_attention_layernorm.weight", (d,)), eps)
        g = lin(m, pre + "mlp.gate_proj", d, f, mlp_bias)
        u = lin(m, pre + "mlp.up_proj", d, f, mlp_bias)
        h = h + lin(silu(g) * u, pre + "mlp.down_proj", f, d, mlp_bias)
    h = rms_norm(h, P("model.norm.weight", (d,)), eps)
    head = emb if tied else P("lm_head.weight", (V, d))
    return h @ head.T


# ----------------------------------------------------------------------------
# DeepSeek-V2 (DeepseekV2ForCausalLM, dense MLP, no rope_scaling)
# ----------------------------------------------------------------------------

def deepseek_v2_forward(cfg, P, tokens):
    if cfg.get("n_routed_experts") not in (None, 0):
        raise ValueError("the NumPy DeepSeek-V2 model is dense only")
    if cfg.get("rope_scaling") is not None:
        raise ValueError("the NumPy DeepSeek-V2 model has no rope_scaling")
    V = cfg.get("vocab_size", 102400)
    d = cfg.get("hidden_size", 4096)
    f = cfg.get("intermediate_size", 11008)
    L = cfg.get("num_hidden_layers", 30)
    H = cfg.get("num_attention_heads", 32)
    q_lora = cfg.get("q_lora_rank", 1536)  # None: a plain q_proj
    kv_lora = cfg.get("kv_lora_rank", 512)
    rope = cfg.get("qk_rope_head_dim", 64)
    nope = cfg.get("qk_nope_head_dim", 128)
    vd = cfg.get("v_head_dim", 128)
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    bias = cfg.get("attention_bias", False)
    tied = cfg.get("tie_word_embeddings", False)
    assert cfg.get("hidden_act", "silu") == "silu"
    qd = nope + rope
    softmax_scale = qd ** -0.5
    B, S = tokens.shape
    pos = np.arange(S)

    def lin(x, prefix, nin, nout, has_bias):
        return linear(x, P(prefix + ".weight", (nout, nin)),
                      P(prefix + ".bias", (nout,)) if has_bias else None)

    emb = P("model.embed_tokens.weight", (V, d))
    h = emb[tokens]
    for i in range(L):
        pre = f"model.layers.{i}."
        at = pre + "self_attn."
        x = rms_norm(h, P(pre + "input_layernorm.weight", (d,)), eps)
        # DeepseekV2Attention.forward
        if q_lora is None:
            q = lin(x, at + "q_proj", d, H * qd, False)
        else:
            qa = lin(x, at + "q_a_proj", d, q_lora, bias)
            # DeepseekV2RMSNorm(config.q_lora_rank): the default eps 1e-6.
            qa = rms_norm(qa, P(at + "q_a_layernorm.weight", (q_lora,)), 1e-6)
            q = lin(qa, at + "q_b_proj", q_lora, H * qd, False)
        q = split_heads(q, H, qd)
        q_nope, q_pe = q[..., :nope], q[..., nope:]
        ckv = lin(x, at + "kv_a_proj_with_mqa", d, kv_lora + rope, bias)
        ckv, k_pe = ckv[..., :kv_lora], ckv[..., kv_lora:]
        k_pe = k_pe.reshape(B, S, 1, rope).transpose(0, 2, 1, 3)
        ckv = rms_norm(ckv, P(at + "kv_a_layernorm.weight", (kv_lora,)), 1e-6)
        kv = split_heads(lin(ckv, at + "kv_b_proj", kv_lora, H * (nope + vd),
                             False), H, nope + vd)
        k_nope, value = kv[..., :nope], kv[..., nope:]
        q_pe = apply_rope_deepseek(q_pe, pos, theta)
        k_pe = apply_rope_deepseek(k_pe, pos, theta)
        query = np.concatenate([q_nope, q_pe], -1)
        key = np.concatenate(
            [k_nope, np.broadcast_to(k_pe, (B, H, S, rope))], -1)
        o = merge_heads(sdpa(query, key, value, softmax_scale))
        h = h + lin(o, at + "o_proj", H * vd, d, bias)
        m = rms_norm(h, P(pre + "post_attention_layernorm.weight", (d,)), eps)
        g = lin(m, pre + "mlp.gate_proj", d, f, False)
        u = lin(m, pre + "mlp.up_proj", d, f, False)
        h = h + lin(silu(g) * u, pre + "mlp.down_proj", f, d, False)
    h = rms_norm(h, P("model.norm.weight", (d,)), eps)
    head = emb if tied else P("lm_head.weight", (V, d))
    return h @ head.T


# ----------------------------------------------------------------------------
# Tessel's own format
# ----------------------------------------------------------------------------

def tessel_forward(cfg, P, tokens, lora=None, value_head=False, prefix=0,
                   reft=None, prefix_projection=0):
    """A decoder-only transformer as the Tessel format describes it.

    `reft` = {"layers": [...], "first": f, "last": l} (tesselc
    --reft-layers): after each listed layer, at the first f and last l
    positions, h + (W h + b - R h) R with R = reft.layers.L.rotation,
    W = reft.layers.L.weight [r, d], b = reft.layers.L.bias [r].

    With `prefix` = P (tesselc --prefix-tokens), prefix.embedding
    [P, 2 L KV hd] holds each layer's P keys (row block 2l) and values
    (2l + 1), put before the sequence's (after RoPE) and seen by every
    query; the sequence's positions start at P. With `prefix_projection`
    H, the table is tanh(E W0^T + b0) W2^T + b2 of prefix.embedding E
    [P, d] and prefix.transform.{0,2}.{weight,bias}.

    With `value_head`, returns (logits, values): values [B, S, 1] the
    last hidden states (after the final norm) times value_head.weight
    [1, d] plus value_head.bias [1] (tesselc --value-head's `policy`).

    `lora` = {"targets": [...], "rank": r, "alpha": a}: each linear layer
    whose name ends in a target adds (a / r) B A x, A = NAME.lora_A.weight
    [r, in], B = NAME.lora_B.weight [out, r] (tesselc --lora-targets).

    Parameters: embed.weight, pos_embed.weight (learned positions),
    relative_bias.weight ([num_buckets, heads], one table shared by all
    layers), layers.<i>.{attn_norm,mlp_norm}.*, layers.<i>.attn.*_proj.*,
    layers.<i>.mlp.{gate,up,down}_proj / {fc_in,fc_out}.*, final_norm.*
    (pre-norm only), lm_head.weight (untied only).

    "parameterization": "ntk" reads every linear weight and the head as
    W / sqrt(fan_in); embeddings as they are.
    """
    V, d, L = cfg["vocab_size"], cfg["hidden_size"], cfg["num_layers"]
    ntk = cfg.get("parameterization", "standard") == "ntk"

    def scaled(w, fan_in):
        return w / np.sqrt(fan_in) if ntk else w

    maxpos = cfg["max_positions"]
    tied = cfg.get("tie_embeddings", True)
    att = cfg["attention"]
    H = att["heads"]
    kind = att["kind"]
    abias = att.get("bias", False)
    pos_cfg = cfg["position"]
    pkind = pos_cfg["kind"]
    norm_cfg = cfg["norm"]
    nkind = norm_cfg["kind"]
    pre_norm = norm_cfg.get("placement", "pre") == "pre"
    eps = norm_cfg.get("eps", 1e-5)
    nbias = norm_cfg.get("bias", True)
    mlp_cfg = cfg["mlp"]
    mkind, f = mlp_cfg["kind"], mlp_cfg["hidden"]
    mbias = mlp_cfg.get("bias", False)
    theta = pos_cfg.get("theta", 10000.0)
    B, S = tokens.shape
    pos = np.arange(prefix, prefix + S)

    def rope(x):
        rd = pos_cfg.get("rotary_dims")
        if pos_cfg.get("interleaved", False):
            return apply_rope_pairs(x, pos, theta, rd)
        return apply_rope_half(x, pos, theta, rd)

    def lin(x, prefix, nin, nout, has_bias):
        y = linear(x, scaled(P(prefix + ".weight", (nout, nin)), nin),
                   P(prefix + ".bias", (nout,)) if has_bias else None)
        if lora and any(prefix == t or prefix.endswith("." + t)
                        for t in lora["targets"]):
            r = lora["rank"]
            a = P(prefix + ".lora_A.weight", (r, nin))
            b = P(prefix + ".lora_B.weight", (nout, r))
            y = y + lora["alpha"] / r * ((x @ a.T) @ b.T)
        return y

    def norm(x, prefix):
        if nkind == "layer":
            g = P(prefix + ".weight", (d,))
            b = P(prefix + ".bias", (d,)) if nbias else 0.0
            return layer_norm(x, g, b, eps)
        if nkind == "rms":
            return rms_norm(x, P(prefix + ".weight", (d,)), eps)
        if nkind == "scale":
            g = P(prefix + ".scale", ())
            n = np.sqrt((x * x).sum(-1, keepdims=True))
            return g * x / np.maximum(n, eps)
        if nkind == "batch":  # inference: running statistics
            g, b = P(prefix + ".weight", (d,)), P(prefix + ".bias", (d,))
            rm = P(prefix + ".running_mean", (d,))
            rv = P(prefix + ".running_var", (d,))
            return (x - rm) / np.sqrt(rv + eps) * g + b
        raise ValueError(nkind)

    emb = P("embed.weight", (V, d))
    h = emb[tokens]
    bias = None
    if pkind == "learned":
        h = h + P("pos_embed.weight", (maxpos, d))[pos]
    elif pkind == "sinusoidal":
        h = h + sinusoidal(pos, d)
    elif pkind == "relative":
        table = P("relative_bias.weight", (pos_cfg.get("num_buckets", 32), H))
        bias = t5_bias(table, S, pos_cfg.get("max_distance", 128))
    elif pkind == "alibi":
        bias = alibi_bias(S, H)

    def attention(x, i):
        pre = f"layers.{i}.attn."
        if kind == "mla":
            nope, rd = att["qk_nope_head_dim"], att["qk_rope_head_dim"]
            vd, dc = att["v_head_dim"], att["kv_lora_rank"]
            qr = att.get("q_lora_rank", 0)
            qd = nope + rd
            if qr:
                qa = lin(x, pre + "q_a_proj", d, qr, abias)
                # As DeepSeek-V2: biases on the down-projections only, and
                # the latent norms use eps 1e-6 whatever the model's eps.
                qa = rms_norm(qa, P(pre + "q_a_norm.weight", (qr,)), 1e-6)
                q = lin(qa, pre + "q_b_proj", qr, H * qd, False)
            else:
                q = lin(x, pre + "q_proj", d, H * qd, False)
            q = split_heads(q, H, qd)
            q = np.concatenate([q[..., :nope], rope(q[..., nope:])], -1)
            kva = lin(x, pre + "kv_a_proj", d, dc + rd, abias)
            lat, kpe = kva[..., :dc], kva[..., dc:]
            kpe = rope(kpe[:, None])                           # [B, 1, S, rd]
            lat = rms_norm(lat, P(pre + "kv_a_norm.weight", (dc,)), 1e-6)
            kv = split_heads(lin(lat, pre + "kv_b_proj", dc, H * (nope + vd),
                                 False), H, nope + vd)
            k = np.concatenate(
                [kv[..., :nope], np.broadcast_to(kpe, (B, H, S, rd))], -1)
            o = sdpa(q, k, kv[..., nope:], qd ** -0.5, bias)
            return lin(merge_heads(o), pre + "o_proj", H * vd, d, abias)
        KV = {"mha": H, "mqa": 1}.get(kind) or att["kv_heads"]
        hd = att.get("head_dim") or d // H
        q = split_heads(lin(x, pre + "q_proj", d, H * hd, abias), H, hd)
        k = split_heads(lin(x, pre + "k_proj", d, KV * hd, abias), KV, hd)
        v = split_heads(lin(x, pre + "v_proj", d, KV * hd, abias), KV, hd)
        if pkind == "rope":
            q, k = rope(q), rope(k)
        if prefix and prefix_projection:
            width, hid = 2 * L * KV * hd, prefix_projection
            inner = np.tanh(linear(P("prefix.embedding", (prefix, d)),
                                   P("prefix.transform.0.weight", (hid, d)),
                                   P("prefix.transform.0.bias", (hid,))))
            table = linear(inner, P("prefix.transform.2.weight", (width, hid)),
                           P("prefix.transform.2.bias", (width,)))
        elif prefix:
            table = P("prefix.embedding", (prefix, 2 * L * KV * hd))
        if prefix:
            rows = table.reshape(prefix, 2 * L, KV, hd).transpose(1, 2, 0, 3)
            k = np.concatenate([np.broadcast_to(rows[2 * i], (B, KV, prefix, hd)),
                                k], 2)
            v = np.concatenate([np.broadcast_to(rows[2 * i + 1],
                                                (B, KV, prefix, hd)), v], 2)
        k, v = repeat_kv(k, H // KV), repeat_kv(v, H // KV)
        o = sdpa(q, k, v, hd ** -0.5, bias, prefix)
        return lin(merge_heads(o), pre + "o_proj", H * hd, d, abias)

    def mlp(x, i):
        pre = f"layers.{i}.mlp."
        if mkind == "swiglu":
            g = lin(x, pre + "gate_proj", d, f, mbias)
            u = lin(x, pre + "up_proj", d, f, mbias)
            return lin(silu(g) * u, pre + "down_proj", f, d, mbias)
        act = gelu_tanh if mkind == "gelu_tanh" else gelu_exact
        return lin(act(lin(x, pre + "fc_in", d, f, mbias)), pre + "fc_out",
                   f, d, mbias)

    for i in range(L):
        if pre_norm:
            h = h + attention(norm(h, f"layers.{i}.attn_norm"), i)
            h = h + mlp(norm(h, f"layers.{i}.mlp_norm"), i)
        else:
            h = norm(h + attention(h, i), f"layers.{i}.attn_norm")
            h = norm(h + mlp(h, i), f"layers.{i}.mlp_norm")
        if reft and i in reft["layers"]:
            pre = f"reft.layers.{i}."
            rank = reft["rank"]
            R = P(pre + "rotation", (rank, d))
            W = P(pre + "weight", (rank, d))
            rb = P(pre + "bias", (rank,))
            at = np.arange(S)
            mask = ((at < reft["first"]) | (at >= S - reft["last"]))[:, None]
            h = h + mask * ((h @ W.T + rb - h @ R.T) @ R)
    if pre_norm:
        h = norm(h, "final_norm")
    head = emb if tied else P("lm_head.weight", (V, d))
    logits = h @ scaled(head, d).T
    if value_head:
        return logits, linear(h, P("value_head.weight", (1, d)),
                              P("value_head.bias", (1,)))
    return logits


FORWARD = {
    "gpt2": gpt2_forward,
    "llama": llama_forward,
    "mistral": llama_forward,
    "qwen2": llama_forward,
    "deepseek_v2": deepseek_v2_forward,
    "tessel": tessel_forward,
}


def family_of(cfg):
    """The FORWARD key for a model JSON."""
    if cfg.get("format") == "tessel":
        return "tessel"
    return cfg["model_type"]

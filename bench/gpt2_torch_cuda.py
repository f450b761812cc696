"""PyTorch eager's forward of the GPT-2-124M-sized model on the GPU, f32,
batch 1, sequence length argv[1]; prints the median of 10 calls in ms, the
logits copied to the host as tessel-run's are (bench/device.sh)."""

import sys
import time

import torch
import torch.nn.functional as F

s = int(sys.argv[1])
d, h, layers, vocab = 768, 12, 12, 50257
dev = torch.device("cuda")
g = torch.Generator(device=dev).manual_seed(0)


def w(*shape):
    return torch.randn(*shape, generator=g, device=dev) * 0.02


def norm():
    return torch.ones(d, device=dev), torch.zeros(d, device=dev)


wte, wpe = w(vocab, d), w(1024, d)
blocks = [dict(ln1=norm(), qkv=(w(3 * d, d), torch.zeros(3 * d, device=dev)),
               proj=(w(d, d), torch.zeros(d, device=dev)), ln2=norm(),
               fc=(w(4 * d, d), torch.zeros(4 * d, device=dev)),
               out=(w(d, 4 * d), torch.zeros(d, device=dev)))
          for _ in range(layers)]
final = norm()
ids = torch.arange(s, device=dev).reshape(1, s) * 7919 % vocab


@torch.inference_mode()
def forward():
    x = wte[ids] + wpe[:s]
    for b in blocks:
        a = F.layer_norm(x, (d,), *b["ln1"])
        q, k, v = F.linear(a, *b["qkv"]).split(d, dim=-1)
        q, k, v = (t.view(1, s, h, d // h).transpose(1, 2) for t in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + F.linear(a.transpose(1, 2).reshape(1, s, d), *b["proj"])
        m = F.gelu(F.linear(F.layer_norm(x, (d,), *b["ln2"]), *b["fc"]),
                   approximate="tanh")
        x = x + F.linear(m, *b["out"])
    return F.linear(F.layer_norm(x, (d,), *final), wte).cpu()


forward()
times = []
for _ in range(10):
    torch.cuda.synchronize()
    start = time.perf_counter()
    forward()
    times.append((time.perf_counter() - start) * 1e3)
times.sort()
print(f"{times[len(times) // 2]:.3f}")

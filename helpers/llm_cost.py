"""Lesson 08's figures for python -m helpers.benchmark: what fewer key/value heads save in the
KV cache, by formula and by measurement, and what a sliding window saves in attention.

Targets: the cache that GroupedQueryAttention's layers make holds exactly what
kv_cache_gib's formula says, so H_kv key/value heads keep H_kv / H of multi-head attention's
cache; windowed attention (T = 4096, a window of 256) gives the masked output to 1e-5 with
under 1/8 of its peak memory, and takes less time (a figure of this machine, not a rule: the
windowed loop runs in Python).
"""

from __future__ import annotations

import torch

from helpers.attention import (
    GroupedQueryAttention,
    kv_cache_gib,
    masked_softmax,
    sliding_window_attention,
    sliding_window_mask,
)
from helpers.cost import peak_memory_mb, seconds

# A model shaped like Llama 3 8B (its published configuration): layers, query heads, d_head, bytes a number.
LLAMA_3_8B = (32, 32, 128, 2)


def cache_figures() -> list[str]:
    """The formula's figures for the Llama 3 8B shape, then a small model's cache measured."""
    layers, H, d_head, size = LLAMA_3_8B
    T = torch.tensor([8192, 32768, 131072])
    lines = []
    for name, kv_heads, context in (
        ("multi-head", H, T),
        ("grouped-query", 8, T),
        ("multi-query", 1, T),
        ("grouped-query, window 4096", 8, T.clamp(max=4096)),
    ):
        gib = kv_cache_gib(context, layers, kv_heads, d_head, size)
        figures = ", ".join(f"{g:6.2f} GiB at {t // 1024}K" for g, t in zip(gib.tolist(), T.tolist()))
        lines.append(f"  {name + f' ({kv_heads} kv head' + ('s)' if kv_heads > 1 else ')'):<40} {figures}")
    return ["lesson 08 KV cache of one sequence, Llama 3 8B's shape (32 layers, d_head 128, bfloat16):", *lines]


def measured_cache(T: int = 4096, layers: int = 4, D: int = 256, H: int = 8) -> list[str]:
    """The keys and values that `layers` GroupedQueryAttention layers make for T tokens, kept as
    a cache is, measured (bytes held, and the peak memory of making them) against the formula."""
    X = torch.randn(1, T, D, generator=torch.Generator().manual_seed(0))
    lines, held_mha = [], None
    for kv_heads in (H, 2, 1):
        torch.manual_seed(0)
        model = [GroupedQueryAttention(D, H, kv_heads) for _ in range(layers)]

        def fill():
            return [(layer.k_proj(X), layer.v_proj(X)) for layer in model]  # what a cache keeps, layer by layer

        with torch.no_grad():
            cache = fill()
        held = sum(t.nelement() * t.element_size() for pair in cache for t in pair)
        formula = float(kv_cache_gib(torch.tensor([T]), layers, kv_heads, D // H, 4)) * 2**30
        peak = peak_memory_mb(fill)
        held_mha = held_mha or held
        verdict = "ok" if held == formula and held * H == held_mha * kv_heads else "OFF TARGET"
        lines.append(
            f"  kv heads {kv_heads}: holds {held / 2**20:6.2f} MiB, formula {formula / 2**20:6.2f} MiB, peak while "
            f"filling {peak:6.2f} MiB, {held / held_mha:.3f} of multi-head's (target {kv_heads}/{H}: {verdict})"
        )
    return [
        f"lesson 08 cache of {layers} GroupedQueryAttention({D}, {H}, kv heads) layers for T = {T}, float32:",
        *lines,
    ]


def window_figures(T: int = 4096, window: int = 256, d: int = 64) -> list[str]:
    """Windowed attention against masked full attention: the same output, peak memory, time."""
    q, k, v = (torch.randn(1, T, d, generator=torch.Generator().manual_seed(i)) for i in range(3))
    mask = sliding_window_mask(T, window)

    def masked():
        return masked_softmax(q @ k.transpose(-2, -1) / d**0.5, mask) @ v

    def windowed():
        return sliding_window_attention(q, k, v, window)

    with torch.no_grad():
        same = torch.allclose(windowed(), masked(), atol=1e-5, rtol=1e-5)
    full_mb, window_mb = peak_memory_mb(masked), peak_memory_mb(windowed)
    full_s, window_s = seconds(masked), seconds(windowed)
    memory = "ok" if same and window_mb < full_mb / 8 else "OVER TARGET"
    faster = "ok" if window_s < full_s else "SLOWER HERE"
    return [
        f"lesson 08 sliding window at T = {T}, window {window}: same output to 1e-5: {same}; peak memory masked "
        f"{full_mb:.1f} MiB, windowed {window_mb:.1f} MiB, ratio {window_mb / full_mb:.3f} (target < 1/8: {memory}); "
        f"time (median of 3) masked {1000 * full_s:.0f} ms, windowed {1000 * window_s:.0f} ms, "
        f"{full_s / window_s:.1f}x (target: faster: {faster})"
    ]


def report() -> None:
    """Print lesson 08's figures."""
    for line in cache_figures() + measured_cache() + window_figures():
        print(line)

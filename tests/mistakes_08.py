"""Wrong answers to lesson 08's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message)."""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from helpers.attention import apply_rope, masked_softmax, merge_heads, repeat_kv, split_heads

# --- 8.1 apply_rope


def rope_neighbours(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2).float() / d)
    angles = positions[:, None] * freqs
    x1, x2 = x[..., 0::2], x[..., 1::2]  # (x0, x1), (x2, x3), ...
    out = torch.stack([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)
    return out.flatten(-2)


def rope_complex(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = 1.0 / base ** (torch.arange(0, d, 2).float() / d)
    turn = torch.polar(torch.ones(len(positions), d // 2), positions[:, None].float() * freqs)
    pairs = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
    return torch.view_as_real(pairs * turn).flatten(-2)


def rotate_half_backwards(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([x2, -x1], dim=-1)


def rope_backwards(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2).float() / d)
    angles = torch.cat([positions[:, None] * freqs] * 2, dim=-1)
    return x * angles.cos() + rotate_half_backwards(x) * angles.sin()


def rope_without_minus(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2).float() / d)
    angles = torch.cat([positions[:, None] * freqs] * 2, dim=-1)
    x1, x2 = x.chunk(2, dim=-1)
    return x * angles.cos() + torch.cat([x2, x1], dim=-1) * angles.sin()


def rope_ignores_positions(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2).float() / d)
    pos = torch.arange(x.shape[-2])
    angles = pos[:, None] * freqs
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_fixed_base(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
    angles = positions[:, None] * freqs
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_exponent_without_two(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = base ** (-torch.arange(d // 2).float() / d)
    angles = positions[:, None] * freqs
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_rising_frequencies(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = base ** (torch.arange(0, d, 2).float() / d)
    angles = positions[:, None] * freqs
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_mixed_layouts(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2).float() / d)
    angles = (positions[:, None] * freqs).repeat_interleave(2, dim=-1)  # laid out for neighbours
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return x * angles.cos() + torch.cat([-x2, x1], dim=-1) * angles.sin()  # rotated in halves


def rope_halves_swapped(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions[:, None] * base ** (-torch.arange(0, d, 2).float() / d)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * angles.sin() + x2 * angles.cos(), x1 * angles.cos() - x2 * angles.sin()], dim=-1)


def rope_in_place(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions[:, None] * base ** (-torch.arange(0, d, 2).float() / d)
    x1, x2 = x[..., : d // 2].clone(), x[..., d // 2 :].clone()
    x[..., : d // 2] = x1 * angles.cos() - x2 * angles.sin()
    x[..., d // 2 :] = x1 * angles.sin() + x2 * angles.cos()
    return x


def rope_forgets_return(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions[:, None] * base ** (-torch.arange(0, d, 2).float() / d)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_first_half_only(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions[:, None] * base ** (-torch.arange(0, d, 2).float() / d)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return x1 * angles.cos() - x2 * angles.sin()


def rope_divides_by_position(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions[:, None] / positions[:, None] * 0 / 0 * base ** (-torch.arange(0, d, 2).float() / d)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_on_the_head_axis(x, positions, base=10000.0):
    d = x.shape[-1]
    pos = torch.arange(x.shape[1])  # the second axis is H when x has heads
    angles = pos[:, None] * base ** (-torch.arange(0, d, 2).float() / d)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_angles_without_axis(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions * base ** (-torch.arange(0, d, 2).float() / d)  # (T,) * (d/2,)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_half_the_angles(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions[:, None] * base ** (-torch.arange(0, d, 2).float() / d)  # (T, d/2)
    turned = torch.cat([-x[..., d // 2 :], x[..., : d // 2]], dim=-1)
    return x * angles.cos() + turned * angles.sin()


# --- 8.2 rope_attention


def rope_attention_rotates_values(q, k, v, positions):  # the bug handed out in 8.2
    q = apply_rope(q, positions)
    k = apply_rope(k, positions)
    v = apply_rope(v, positions)
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def rope_attention_query_only(q, k, v, positions):
    q = apply_rope(q, positions)
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def rope_attention_key_only(q, k, v, positions):
    k = apply_rope(k, positions)
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def rope_attention_no_rope(q, k, v, positions):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def rope_attention_not_causal(q, k, v, positions):
    q, k = apply_rope(q, positions), apply_rope(k, positions)
    return F.scaled_dot_product_attention(q, k, v)


def rope_attention_unscaled(q, k, v, positions):
    q, k = apply_rope(q, positions), apply_rope(k, positions)
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1)
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1) @ v


def rope_attention_scaled(q, k, v, positions, scale):
    q, k = apply_rope(q, positions), apply_rope(k, positions)
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) * scale
    return torch.softmax(scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf")), dim=-1) @ v


def rope_attention_divided_by_d(q, k, v, positions):
    return rope_attention_scaled(q, k, v, positions, 1 / q.shape[-1])


def rope_attention_times_sqrt_d(q, k, v, positions):
    return rope_attention_scaled(q, k, v, positions, math.sqrt(q.shape[-1]))


def rope_attention_scaled_by_T(q, k, v, positions):
    return rope_attention_scaled(q, k, v, positions, 1 / math.sqrt(q.shape[-2]))


# --- 8.3 repeat_kv


def repeat_kv_tiled(x, groups):  # the bug handed out in 8.3
    return x.repeat(1, groups, 1, 1)


def repeat_kv_copies_in_front(x, groups):
    B, H_kv, T, d = x.shape
    return x[:, None].expand(B, groups, H_kv, T, d).reshape(B, groups * H_kv, T, d)


def repeat_kv_tokens(x, groups):
    return x.repeat_interleave(groups, dim=2)


def repeat_kv_features(x, groups):
    return x.repeat_interleave(groups, dim=-1)


def repeat_kv_no_dim(x, groups):
    return x.repeat_interleave(groups)


def repeat_kv_not_reshaped(x, groups):
    B, H_kv, T, d = x.shape
    return x[:, :, None, :, :].expand(B, H_kv, groups, T, d)


def repeat_kv_expanded(x, groups):  # right: the copies' axis after the heads, then folded in
    B, H_kv, T, d = x.shape
    return x[:, :, None].expand(B, H_kv, groups, T, d).reshape(B, H_kv * groups, T, d)


def repeat_kv_by_index(x, groups):  # right: kv head h // groups for query head h
    return x[:, torch.arange(x.shape[1] * groups) // groups]


# --- 8.4 GroupedQueryAttention


class GroupedRight(nn.Module):
    """A right answer, written in steps that the wrong ones below change one at a time."""

    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads, self.num_kv_heads = num_heads, num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, self.kv_width(embed_size))
        self.v_proj = nn.Linear(embed_size, self.kv_width(embed_size))
        self.out_proj = nn.Linear(embed_size, embed_size)

    def kv_width(self, embed_size):
        return self.num_kv_heads * self.d_head

    def kv_heads(self, kv):
        return split_heads(kv, self.num_kv_heads)

    def share(self, kv):
        return repeat_kv(kv, self.num_heads // self.num_kv_heads)

    def scale(self):
        return 1 / math.sqrt(self.d_head)

    def heads_mask(self, mask):
        return mask.unsqueeze(1) if mask is not None and mask.dim() == 3 else mask

    def forward(self, X, mask=None):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = self.share(self.kv_heads(self.k_proj(X)))
        v = self.share(self.kv_heads(self.v_proj(X)))
        scores = q @ k.transpose(-2, -1) * self.scale()
        weights = masked_softmax(scores, self.heads_mask(mask))
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))


class GroupedTiled(GroupedRight):
    def share(self, kv):
        return kv.repeat(1, self.num_heads // self.num_kv_heads, 1, 1)


class GroupedWideKeys(GroupedRight):
    def kv_width(self, embed_size):
        return embed_size


class GroupedSplitByHeads(GroupedRight):
    def kv_heads(self, kv):
        return split_heads(kv, self.num_heads)


class GroupedSplitByHeadsNotShared(GroupedSplitByHeads):
    def share(self, kv):
        return kv


class GroupedNotShared(GroupedRight):
    def share(self, kv):
        return kv


class GroupedRepeatedByKvHeads(GroupedRight):
    def share(self, kv):
        return repeat_kv(kv, self.num_kv_heads)


class GroupedRepeatedByHeads(GroupedRight):
    def share(self, kv):
        return repeat_kv(kv, self.num_heads)


class GroupedNoOutProj(GroupedRight):
    def forward(self, X, mask=None):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = self.share(self.kv_heads(self.k_proj(X)))
        v = self.share(self.kv_heads(self.v_proj(X)))
        weights = masked_softmax(q @ k.transpose(-2, -1) * self.scale(), self.heads_mask(mask))
        self.last_weights = weights.detach()
        return merge_heads(weights @ v)


class GroupedKeysAsValues(GroupedRight):
    def forward(self, X, mask=None):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = self.share(self.kv_heads(self.k_proj(X)))
        weights = masked_softmax(q @ k.transpose(-2, -1) * self.scale(), self.heads_mask(mask))
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ k))


class GroupedScaleByD(GroupedRight):
    def scale(self):
        return 1 / math.sqrt(self.num_heads * self.d_head)


class GroupedUnscaled(GroupedRight):
    def scale(self):
        return 1.0


class GroupedScaleByDHead(GroupedRight):
    def scale(self):
        return 1 / self.d_head


class GroupedMaskWithoutHeadAxis(GroupedRight):
    def heads_mask(self, mask):
        return mask


class GroupedScaleMultiplied(GroupedRight):
    def scale(self):
        return math.sqrt(self.d_head)


class GroupedSoftmax(GroupedRight):
    """forward with the masked softmax written out, `masked(scores, mask)`, for the mask mistakes."""

    def masked(self, scores, mask):
        return masked_softmax(scores, mask)

    def forward(self, X, mask=None):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = self.share(self.kv_heads(self.k_proj(X)))
        v = self.share(self.kv_heads(self.v_proj(X)))
        weights = self.masked(q @ k.transpose(-2, -1) * self.scale(), self.heads_mask(mask))
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))


class GroupedMaskIgnored(GroupedSoftmax):
    def masked(self, scores, mask):
        return torch.softmax(scores, dim=-1)


class GroupedMaskInverted(GroupedSoftmax):
    def masked(self, scores, mask):
        return masked_softmax(scores, None if mask is None else ~mask)


class GroupedInfAfterSoftmax(GroupedSoftmax):
    def masked(self, scores, mask):
        weights = torch.softmax(scores, dim=-1)
        return weights if mask is None else weights.masked_fill(~mask, float("-inf"))


class GroupedMaskMultiplied(GroupedSoftmax):
    def masked(self, scores, mask):
        return torch.softmax(scores if mask is None else scores * mask, dim=-1)


class GroupedZeroTimesInf(GroupedSoftmax):
    def masked(self, scores, mask):
        return torch.softmax(scores if mask is None else scores + (~mask) * float("-inf"), dim=-1)


class GroupedNanRows(GroupedSoftmax):
    def masked(self, scores, mask):
        return torch.softmax(scores if mask is None else scores.masked_fill(~mask, float("-inf")), dim=-1)


class GroupedBigNegative(GroupedSoftmax):
    def masked(self, scores, mask):
        return torch.softmax(scores if mask is None else scores.masked_fill(~mask, -1e9), dim=-1)


class GroupedKeepsOneHead(GroupedRight):
    def forward(self, X, mask=None):
        out = super().forward(X, mask)
        self.last_weights = self.last_weights[:, :1]
        return out


class GroupedMaskAfterSoftmax(GroupedRight):
    def forward(self, X, mask=None):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = self.share(self.kv_heads(self.k_proj(X)))
        v = self.share(self.kv_heads(self.v_proj(X)))
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale(), dim=-1)
        if mask is not None:
            weights = weights.masked_fill(~self.heads_mask(mask), 0.0)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))


class GroupedKeepsScores(GroupedRight):
    def forward(self, X, mask=None):
        q = split_heads(self.q_proj(X), self.num_heads)
        k = self.share(self.kv_heads(self.k_proj(X)))
        v = self.share(self.kv_heads(self.v_proj(X)))
        scores = q @ k.transpose(-2, -1) * self.scale()
        self.last_weights = scores.detach()
        return self.out_proj(merge_heads(masked_softmax(scores, self.heads_mask(mask)) @ v))


class GroupedNoSuperInit(GroupedRight):
    def __init__(self, embed_size, num_heads, num_kv_heads):
        self.num_heads, self.num_kv_heads = num_heads, num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)


class GroupedFused(GroupedRight):  # right: PyTorch's fused call for the output, the weights kept for plotting
    def forward(self, X, mask=None):
        q = split_heads(self.q_proj(X), self.num_heads)
        k, v = self.kv_heads(self.k_proj(X)), self.kv_heads(self.v_proj(X))
        mask = self.heads_mask(mask)
        self.last_weights = masked_softmax(q @ self.share(k).transpose(-2, -1) * self.scale(), mask).detach()
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
        if mask is not None:  # a query that may attend nothing gets zeros, as masked_softmax gives
            out = out.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
        return self.out_proj(merge_heads(out))


# --- 8.5 kv_cache_gib


def cache_keys_only(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return T * num_layers * num_kv_heads * d_head * bytes_per_number / 2**30


def cache_one_layer(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_kv_heads * d_head * bytes_per_number / 2**30


def cache_one_kv_head(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * d_head * bytes_per_number / 2**30


def cache_counts_numbers(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head / 2**30


def cache_in_bits(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number * 8 / 2**30


def cache_in_gigabytes(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number / 1e9


def cache_in_mebibytes(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number / 2**20


def cache_as_python_number(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return [2 * int(t) * num_layers * num_kv_heads * d_head * bytes_per_number / 2**30 for t in T]


def cache_floor_division(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number // 2**30


def cache_floor_division_then_float(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return (2 * T * num_layers * num_kv_heads * d_head * bytes_per_number // 2**30).float()


def cache_power_as_xor(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number / 2 ^ 30


def cache_bfloat16_always(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head * 2 / 2**30  # models are served in bfloat16


def cache_in_kibibytes(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number / 1024


# --- 8.6 sliding_window_mask


def window_with_triu(T, window):
    return torch.ones(T, T, dtype=torch.bool).tril().triu(-window)


def window_greater_or_equal(T, window):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return (j <= i) & (j >= i - window)


def window_too_narrow(T, window):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return (j <= i) & (j > i - window + 1)


def window_both_sides(T, window):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return (i - j).abs() < window


def window_ahead(T, window):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return (j >= i) & (j < i + window)


def window_forgotten(T, window):
    return torch.ones(T, T, dtype=torch.bool).tril()


def window_without_itself(T, window):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return (j < i) & (j >= i - window)


def window_two_short(T, window):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return (j <= i) & (j > i - window + 2)


def window_inverted(T, window):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return (j > i) | (j <= i - window)


def window_complement(T, window):
    return ~(
        (torch.arange(T)[None, :] <= torch.arange(T)[:, None])
        & (torch.arange(T)[None, :] > torch.arange(T)[:, None] - window)
    )


def window_by_subtraction(T, window):
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    too_far = torch.ones(T, T, dtype=torch.bool).tril(-window)
    return causal - too_far


def window_of_floats(T, window):
    return torch.ones(T, T).tril().triu(1 - window)


def window_by_triangles(T, window):  # right: the lower triangle less what lies window or more below the diagonal
    return torch.ones(T, T, dtype=torch.bool).tril() & ~torch.ones(T, T, dtype=torch.bool).tril(-window)


# --- gradients: RoPE turns the q and k of layers that train, repeat_kv copies their key/value heads


def rope_detached(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions[:, None] * base ** (-torch.arange(0, d, 2).float() / d)
    x1, x2 = x[..., : d // 2].detach(), x[..., d // 2 :].detach()  # rotating needs no gradient, I thought
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_in_numpy(x, positions, base=10000.0):
    d = x.shape[-1]
    angles = positions.numpy()[:, None] * base ** (-np.arange(0, d, 2) / d)
    x1, x2 = x.numpy()[..., : d // 2], x.numpy()[..., d // 2 :]
    turned = np.concatenate([x1 * np.cos(angles) - x2 * np.sin(angles), x1 * np.sin(angles) + x2 * np.cos(angles)], -1)
    return torch.from_numpy(turned).float()


def rope_attention_detached(q, k, v, positions):
    q = apply_rope(q, positions).detach()
    k = apply_rope(k, positions).detach()
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def repeat_kv_in_numpy(x, groups):
    return torch.from_numpy(np.repeat(x.numpy(), groups, axis=1))


class GroupedKeysWithoutGradient(GroupedRight):  # the shared keys rebuilt from their values
    def share(self, kv):
        return torch.tensor(repeat_kv(kv, self.num_heads // self.num_kv_heads).tolist())


MISTAKES = [
    ("8.1", rope_neighbours, "interleaved-pairs", "`x1, x2 = x[..., 0::2], x[..., 1::2]"),
    ("8.1", rope_neighbours, "interleaved-pairs", "the other RoPE convention"),
    ("8.1", rope_complex, "interleaved-pairs", "view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))` pairs"),
    ("8.1", rope_backwards, "rotates-backwards", "turn the wrong way, by minus the angle"),
    ("8.1", rope_without_minus, "not-a-rotation", "The minus sign is missing"),
    ("8.1", rope_ignores_positions, "positions-restart", "`pos = torch.arange(x.shape[-2])` numbers the tokens 0"),
    ("8.1", rope_fixed_base, "base-ignored", "`freqs = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))`"),
    ("8.1", rope_exponent_without_two, "frequency-exponent", "the exponent is missing its 2"),
    ("8.1", rope_rising_frequencies, "frequencies-rising", "Your frequencies grow"),
    ("8.1", rope_mixed_layouts, "angles-doubled-in-place", "torch.cat([angles, angles], dim=-1)"),
    ("8.1", rope_halves_swapped, "halves-swapped", "Your two halves come back in the wrong order"),
    ("8.2", rope_attention_divided_by_d, "scale-by-d", "divided by d, not by √d"),
    ("8.2", rope_attention_times_sqrt_d, "scale-multiplied", "multiplied by √d instead of divided by it"),
    ("8.2", rope_attention_scaled_by_T, "scale-wrong-size", "and 5 is T"),
    ("8.4", GroupedScaleMultiplied, "scale-multiplied", "multiplied by √d_head instead of divided by it"),
    ("8.4", GroupedMaskIgnored, "mask-ignored", "The mask made no difference"),
    ("8.4", GroupedMaskInverted, "inverted-mask", "works the wrong way round"),
    ("8.4", GroupedInfAfterSoftmax, "inf-after-softmax", "to -inf after the softmax"),
    ("8.4", GroupedMaskMultiplied, "mask-multiplied", "still gets weight, since e⁰ = 1"),
    ("8.4", GroupedZeroTimesInf, "zero-times-inf", "0 × -inf = NaN"),
    ("8.4", GroupedNanRows, "fully-masked-nan", "may attend no key at all came out as NaN"),
    ("8.4", GroupedBigNegative, "big-negative", "a large negative number (-1e9)"),
    ("8.4", GroupedKeepsOneHead, "last-weights", "expected self.last_weights of shape (2, 6, 5, 5)"),
    ("8.1", rope_in_place, "in-place", "changed the caller's tensor"),
    ("8.1", rope_forgets_return, "returned-none", "Did you forget `return`?"),
    ("8.1", rope_first_half_only, "shape", "expected shape (2, 3, 5, 8), got (2, 3, 5, 4)"),
    ("8.1", rope_divides_by_position, "non-finite-row", "got 240 NaN of 240"),
    ("8.1", rope_angles_without_axis, "angles-not-outer", "positions[:, None] * freqs, (T, 1) * (d/2,)"),
    ("8.1", rope_half_the_angles, "angles-half-width", "cos and sin have d/2 = 4 columns"),
    ("8.1", rope_on_the_head_axis, "broadcast-sizes", "5 is T, 3 is H"),
    ("8.2", rope_attention_rotates_values, "rope-on-values", "`v = apply_rope(v, positions)`: The values were rotated"),
    ("8.2", rope_attention_query_only, "keys-not-rotated", "Only q was rotated"),
    ("8.2", rope_attention_key_only, "queries-not-rotated", "Only k was rotated"),
    ("8.2", rope_attention_no_rope, "no-rope", "Nothing was rotated"),
    ("8.2", rope_attention_not_causal, "not-causal", "a decoder's attention is causal"),
    ("8.2", rope_attention_unscaled, "no-scaling", "The scores were not scaled"),
    ("8.3", repeat_kv_tiled, "kv-tiled", "`return x.repeat(1, groups, 1, 1)` lays the whole set"),
    ("8.3", repeat_kv_copies_in_front, "kv-tiled", "puts the copies' axis in front of the key/value heads"),
    ("8.3", repeat_kv_tokens, "repeated-tokens", "You repeated the tokens (dim=2)"),
    ("8.3", repeat_kv_features, "repeated-features", "(the last axis)"),
    ("8.3", repeat_kv_no_dim, "repeat-flattened", "repeat_interleave without dim flattens"),
    ("8.3", repeat_kv_not_reshaped, "group-axis-kept", "fold that axis into the heads"),
    ("8.4", GroupedTiled, "kv-tiled", "`return kv.repeat(1, self.num_heads // self.num_kv_heads, 1, 1)`"),
    ("8.4", GroupedWideKeys, "kv-projection-width", "k_proj gives each token 24 numbers, as many as q_proj"),
    (
        "8.4",
        GroupedSplitByHeads,
        "kv-split-by-heads",
        "split them with num_kv_heads, split_heads(self.k_proj(X), self.num_kv_heads)",
    ),
    ("8.4", GroupedSplitByHeadsNotShared, "kv-split-by-heads", "seem split into num_heads = 6 heads"),
    ("8.4", GroupedNotShared, "kv-not-repeated", "q has 6 heads and k, v have 3"),
    ("8.4", GroupedRepeatedByKvHeads, "groups-miscounted", "repeated num_kv_heads = 3 times, giving 9 heads"),
    ("8.4", GroupedRepeatedByHeads, "groups-miscounted", "repeated num_heads = 6 times, giving 18 heads"),
    ("8.4", GroupedNoOutProj, "no-out-proj", "The output skips out_proj"),
    ("8.4", GroupedKeysAsValues, "keys-as-values", "take the values: weights @ v"),
    ("8.4", GroupedScaleByD, "scale-by-sqrt-D", "divided by √D (the whole width)"),
    ("8.4", GroupedUnscaled, "no-scaling", "divide them by √d_head"),
    ("8.4", GroupedScaleByDHead, "scale-by-d", "divided by d_head, not by √d_head"),
    ("8.4", GroupedMaskWithoutHeadAxis, "mask-not-broadcast", "sentence b's mask lands on head b"),
    ("8.4", GroupedMaskAfterSoftmax, "mask-after-softmax", "The mask was applied after the softmax"),
    ("8.4", GroupedKeepsScores, "weights-are-scores", "self.last_weights holds the scores"),
    ("8.4", GroupedNoSuperInit, "no-super-init", "super().__init__()"),
    ("8.5", cache_keys_only, "keys-only", "the keys AND the values"),
    ("8.5", cache_one_layer, "one-layer", "Multiply by num_layers"),
    ("8.5", cache_one_kv_head, "one-kv-head", "Multiply by num_kv_heads"),
    ("8.5", cache_counts_numbers, "numbers-not-bytes", "multiply by bytes_per_number"),
    ("8.5", cache_in_bits, "bits-not-bytes", "not bits"),
    ("8.5", cache_in_gigabytes, "gb-not-gib", "divide by 2**30"),
    ("8.5", cache_in_mebibytes, "mib-not-gib", "in MiB"),
    ("8.5", cache_as_python_number, "not-a-tensor", "got a list"),
    ("8.6", window_with_triu, "window-too-wide", "keep triu(1 - window)"),
    ("8.6", window_greater_or_equal, "window-too-wide", "`return (j <= i) & (j >= i - window)`: Off by one"),
    ("8.6", window_too_narrow, "window-too-narrow", "your window holds window − 1 keys"),
    ("8.6", window_both_sides, "window-not-causal", "reaches into the future"),
    ("8.6", window_ahead, "window-ahead", "Your window looks ahead"),
    ("8.6", window_forgotten, "window-ignored", "That is lesson 03's causal mask"),
    ("8.6", window_without_itself, "hides-itself", "leaves out the token itself"),
    ("8.6", window_two_short, "window-other-width", "off by -2"),
    ("8.6", window_inverted, "inverted-mask", "Swap the comparisons"),
    ("8.6", window_complement, "inverted-mask", "inverts it: drop the ~"),
    ("8.6", window_by_subtraction, "bool-subtraction", "`return causal - too_far` subtracts one mask from another"),
    ("8.6", window_of_floats, "not-bool", "expected a tensor of booleans"),
    ("8.5", cache_floor_division, "rounded-down", "are the right ones [0.0003862, 0.414, 0.9865, 0.8048] rounded"),
    ("8.5", cache_floor_division, "rounded-down", "a tensor of torch.int64, [0, 0, 0, 0]"),
    ("8.5", cache_floor_division, "rounded-down", "divides with //, floor division: it rounds down"),
    ("8.5", cache_floor_division_then_float, "rounded-down", "divides with //, floor division"),
    ("8.5", cache_power_as_xor, "xor-not-power", "^ is Python's exclusive or (XOR)"),
    ("8.5", cache_bfloat16_always, "bytes-ignored", "never reads bytes_per_number: it counts 2 bytes a number"),
    ("8.5", cache_in_kibibytes, "kib-not-gib", "Your figure is in KiB"),
    ("8.1", rope_detached, "no-gradient", "x received no gradient"),
    ("8.1", rope_in_numpy, "numpy-needs-no-grad", "NumPy cannot follow gradients"),
    ("8.2", rope_attention_detached, "no-gradient", "q, k received no gradient"),
    (
        "8.3",
        repeat_kv_in_numpy,
        "numpy-needs-no-grad",
        "`return torch.from_numpy(np.repeat(x.numpy(), groups, axis=1))`",
    ),
    (
        "8.4",
        GroupedKeysWithoutGradient,
        "no-gradient",
        "k_proj.weight, v_proj.weight, v_proj.bias received no gradient",
    ),
]

RIGHT = [
    ("8.3", repeat_kv_expanded),
    ("8.3", repeat_kv_by_index),
    ("8.4", GroupedRight),
    ("8.4", GroupedFused),
    ("8.6", window_by_triangles),
]

"""Reference implementations of the course, one function per idea.

Checks, the grader and the notebooks' demonstrations all use these, so there is one
definition of "right". Shapes follow the course legend: B batch, T tokens, D width.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def pairwise_scores(X: Tensor) -> Tensor:
    """Dot product of every token with every token: X Xᵀ.

    Takes X of shape (T, D), or (B, T, D) for a batch; returns the attention scores,
    (T, T) or (B, T, T), where scores[..., i, j] = X[..., i, :] · X[..., j, :].
    Taught in lesson 01 (exercise 1.1).
    """
    return X @ X.transpose(-2, -1)  # (..., T, D) x (..., D, T) -> (..., T, T)


def stable_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dimension that does not overflow on large scores.

    Subtracting each row's maximum leaves the result unchanged (the factor cancels)
    and keeps every exponent at or below zero. Takes any shape (..., S); returns
    the same shape, each row non-negative and summing to 1.
    Taught in lesson 01 (exercise 1.2).
    """
    shifted = scores - scores.amax(dim=-1, keepdim=True)  # (..., S) - (..., 1) -> (..., S)
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)  # (..., S) / (..., 1) -> (..., S)


def attention_weights(X: Tensor) -> Tensor:
    """The attention weights of simple self-attention: softmax(X Xᵀ) over each row.

    Takes X of shape (B, T, D); returns (B, T, T) where row i says how much token i
    takes from each token j (every row sums to 1).
    Taught in lesson 01 (exercise 1.3).
    """
    scores = pairwise_scores(X)  # (B, T, D) -> (B, T, T)
    return torch.softmax(scores, dim=-1)  # normalise over keys: each row sums to 1


def simple_self_attention(X: Tensor) -> Tensor:
    """Simple self-attention with no parameters: softmax(X Xᵀ) X.

    Takes X of shape (B, T, D); returns out of shape (B, T, D), where out[b, i] is the
    weighted average of the token vectors of sentence b, weighted by row i of the
    attention weights. Taught in lesson 01 (exercise 1.4).
    """
    weights = attention_weights(X)  # (B, T, D) -> (B, T, T)
    return weights @ X  # (B, T, T) x (B, T, D) -> (B, T, D)


# --------------------------------------------------------------------------------------
# Lesson 02: queries, keys and values


class MySelfAttention(nn.Module):
    """Self-attention with learned projections: softmax(q kᵀ / √D) v, one head.

    q, k and v are X projected by three nn.Linear(hidden_size, hidden_size) layers named
    linear_q, linear_k and linear_v; scale is 1/√hidden_size. forward takes X of shape
    (B, T, D) with D = hidden_size and returns (B, T, D); it keeps the attention weights
    (B, T, T) of its last call in `last_weights` for plotting.
    Built in lesson 02 (exercises 2.2 to 2.4).
    """

    def __init__(self, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights: Tensor | None = None

    def forward(self, X: Tensor) -> Tensor:
        q = self.linear_q(X)  # (B, T, D) -> (B, T, D)
        k = self.linear_k(X)  # (B, T, D) -> (B, T, D)
        v = self.linear_v(X)  # (B, T, D) -> (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale  # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return weights @ v  # (B, T, T) x (B, T, D) -> (B, T, D)


def row_entropy(weights: Tensor) -> Tensor:
    """The entropy of each row of attention weights, in nats: -Σ w log w, with 0 log 0 = 0.

    Takes (..., S) weights whose rows sum to 1; returns (...,). It is log S for a uniform
    row and 0 for a row that puts all its weight on one key. Lesson 02 (exercise 2.1).
    """
    return torch.special.entr(weights).sum(dim=-1)  # (..., S) -> (...,)


def scaled_scores(q: Tensor, k: Tensor) -> Tensor:
    """Attention scores q kᵀ / √d for q, k of shape (..., T, d); returns (..., T, T).
    Lesson 02 (exercise 2.6)."""
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., T, d) x (..., d, T) -> (..., T, T)


def attention_from_qkv(q: Tensor, k: Tensor, v: Tensor) -> Tensor:
    """softmax(q kᵀ / √d) v for q, k, v of shape (..., T, d); returns (..., T, d).
    Lesson 02 (exercise 2.5)."""
    weights = torch.softmax(scaled_scores(q, k), dim=-1)  # (..., T, T)
    return weights @ v  # (..., T, T) x (..., T, d) -> (..., T, d)


# --------------------------------------------------------------------------------------
# Lesson 03: masks. The course's convention: True means "may attend", as in
# F.scaled_dot_product_attention.


def causal_mask(T: int) -> Tensor:
    """(T, T) booleans, True where query i may attend key j, that is j <= i.
    Lesson 03 (exercise 3.1)."""
    return torch.ones(T, T, dtype=torch.bool).tril()


def padding_mask(lengths: Tensor, T: int) -> Tensor:
    """(B, 1, T) booleans, True where key j is a real token of sentence b (j < lengths[b]).

    The middle axis of size 1 broadcasts over the queries: every query of sentence b
    may attend the same keys. Lesson 03 (exercise 3.2).
    """
    return (torch.arange(T) < lengths[:, None])[:, None, :]  # (B, T) -> (B, 1, T)


def masked_softmax(scores: Tensor, mask: Tensor | None = None) -> Tensor:
    """Softmax over the last dimension where only keys with mask True take part.

    mask broadcasts against scores: (T, T), (B, 1, T) or (B, T, T). Masked positions get
    exactly 0; a row with every key masked gets all zeros, as in
    F.scaled_dot_product_attention (a plain masked_fill(-inf) and softmax gives NaN there).
    The caller's scores are left unchanged. Lesson 03 (exercise 3.3).
    """
    if mask is None:
        return torch.softmax(scores, dim=-1)
    filled = scores.masked_fill(~mask, float("-inf"))  # not masked_fill_: a new tensor
    weights = torch.softmax(filled, dim=-1)  # fully masked rows: 0 / 0 = NaN
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)  # ... made zeros


def masked_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None) -> Tensor:
    """softmax(q kᵀ / √d) v with a mask (True = may attend) applied before the softmax.
    q, k, v: (..., T, d); returns (..., T, d). Lesson 03 (exercise 3.4)."""
    weights = masked_softmax(scaled_scores(q, k), mask)  # (..., T, T)
    return weights @ v  # (..., T, T) x (..., T, d) -> (..., T, d)


class SingleHeadAttention(nn.Module):
    """One attention head with projections q_proj, k_proj, v_proj and out_proj,
    each nn.Linear(embed_size, embed_size).

    forward(X, mask=None) takes X of shape (B, T, D) and an optional mask (True = may
    attend) of shape (T, T), (B, 1, T) or (B, T, T); returns (B, T, D). Keeps the
    attention weights (B, T, T) of its last call in `last_weights`.
    Lesson 03 (exercise 3.5).
    """

    def __init__(self, embed_size: int):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights: Tensor | None = None

    def forward(self, X: Tensor, mask: Tensor | None = None) -> Tensor:
        q = self.q_proj(X)  # (B, T, D) -> (B, T, D)
        k = self.k_proj(X)  # (B, T, D) -> (B, T, D)
        v = self.v_proj(X)  # (B, T, D) -> (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)  # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = masked_softmax(scores, mask)  # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)  # (B, T, T) x (B, T, D) -> (B, T, D) -> (B, T, D)


# --------------------------------------------------------------------------------------
# Lesson 04: many heads


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """(B, T, D) -> (B, H, T, d_head) with d_head = D / H: each head gets its own slice of
    every token's D numbers. Lesson 04 (exercise 4.1)."""
    B, T, D = x.shape
    x = x.view(B, T, num_heads, D // num_heads)  # (B, T, D) -> (B, T, H, d_head)
    return x.transpose(1, 2)  # (B, T, H, d_head) -> (B, H, T, d_head)


def merge_heads(x: Tensor) -> Tensor:
    """(B, H, T, d_head) -> (B, T, D), the inverse of split_heads. Lesson 04 (exercise 4.2)."""
    B, H, T, d_head = x.shape
    x = x.transpose(1, 2)  # (B, H, T, d_head) -> (B, T, H, d_head), no longer contiguous
    return x.reshape(B, T, H * d_head)  # (B, T, H, d_head) -> (B, T, D), copies


def heads_mask(mask: Tensor | None) -> Tensor | None:
    """A course mask made to broadcast over heads: (T, T) stays, (B, 1, T) and (B, T, T)
    gain a head axis, (B, 1, 1, T) and (B, 1, T, T)."""
    return mask if mask is None or mask.dim() == 2 else mask.unsqueeze(1)


class MultiHeadAttention(nn.Module):
    """H heads of width d_head = D / H side by side, with projections q_proj, k_proj,
    v_proj and out_proj, each nn.Linear(embed_size, embed_size).

    forward(X, mask=None) takes X of shape (B, T, D), batch first, and an optional mask
    (True = may attend) of shape (T, T), (B, 1, T) or (B, T, T), the same for every head;
    returns (B, T, D). Keeps the per-head weights (B, H, T, T) of its last call in
    `last_weights`. Matches nn.MultiheadAttention(batch_first=True) with the same weights.
    Lesson 04 (exercise 4.3).
    """

    def __init__(self, embed_size: int, num_heads: int):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(
                f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads}): "
                f"each head gets embed_size / num_heads numbers"
            )
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights: Tensor | None = None

    def forward(self, X: Tensor, mask: Tensor | None = None) -> Tensor:
        q = split_heads(self.q_proj(X), self.num_heads)  # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)  # (B, T, D) -> (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)  # (B, T, D) -> (B, H, T, d_head)
        q = q / math.sqrt(self.d_head)  # the same as scaling the scores, on T/d_head times fewer numbers
        scores = q @ k.transpose(-2, -1)  # (B, H, T, d_head) x (B, H, d_head, T) -> (B, H, T, T)
        weights = masked_softmax(scores, heads_mask(mask))  # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))  # (B, H, T, d_head) -> (B, T, D) -> (B, T, D)


def to_torch_mha(ours: MultiHeadAttention) -> nn.MultiheadAttention:
    """An nn.MultiheadAttention(batch_first=True) holding the same weights as `ours`.

    PyTorch keeps q, k and v's projections in one (3D, D) matrix, in_proj_weight, in
    that order. Lesson 04 (exercise 4.5).
    """
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs


def sentences_independent(attention, X: Tensor, atol: float = 1e-5) -> bool:
    """Whether `attention`, a function or module (B, T, D) -> (B, T, D), keeps the
    sentences of a batch apart: changing sentence 1 must leave every other sentence's
    output unchanged. Needs B >= 2. Lesson 04 (exercise 4.4)."""
    out = attention(X)  # (B, T, D)
    changed = X.clone()
    changed[1] = changed[1] + 1.0  # change sentence 1 only
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=atol)


# --------------------------------------------------------------------------------------
# Lesson 05: watching attention learn


class BagOfTokens(nn.Module):
    """Token embedding, MultiHeadAttention and a linear read-out, with no position
    information: tokens (B, T) of integers -> scores over the vocabulary (B, T, V).
    It cannot tell positions apart (lesson 05)."""

    def __init__(self, vocab_size: int, seq_len: int, embed_size: int, num_heads: int):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, embed_size)
        self.attention = MultiHeadAttention(embed_size, num_heads)
        self.readout = nn.Linear(embed_size, vocab_size)

    def forward(self, tokens: Tensor) -> Tensor:
        x = self.tok(tokens)  # (B, T) -> (B, T, D)
        return self.readout(self.attention(x))  # (B, T, D) -> (B, T, D) -> (B, T, V)


class ReversalModel(BagOfTokens):
    """BagOfTokens plus a learned position embedding added to each token's vector, so that
    attention can depend on where a token is. Lesson 05 (exercise 5.3)."""

    def __init__(self, vocab_size: int, seq_len: int, embed_size: int, num_heads: int):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens: Tensor) -> Tensor:
        positions = torch.arange(tokens.shape[1])  # (T,): 0, 1, ..., T - 1
        x = self.tok(tokens) + self.pos(positions)  # (B, T, D) + (T, D) -> (B, T, D)
        return self.readout(self.attention(x))  # (B, T, D) -> (B, T, D) -> (B, T, V)


def is_permutation_equivariant(model, tokens: Tensor, perm: Tensor, atol: float = 1e-5) -> bool:
    """Whether permuting the input tokens (B, T) permutes the model's outputs (B, T, ...)
    the same way: model(tokens[:, perm]) == model(tokens)[:, perm]. Lesson 05 (exercise 5.2)."""
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm], atol=atol)


def ideal_keys(T: int) -> Tensor:
    """For reversing a sequence of T tokens: the key each query should attend to, (T,) of
    integers, query i -> key T - 1 - i. Lesson 05 (exercise 5.1)."""
    return torch.arange(T - 1, -1, -1)


# --------------------------------------------------------------------------------------
# Lesson 06: what attention costs


def online_softmax(scores: Tensor, block: int) -> Tensor:
    """Softmax over the last dimension, reading it in blocks of `block` numbers, once,
    with a running maximum m and a running sum s of exp(x - m). When a block raises the
    maximum, the sum so far is rescaled by exp(m_old - m_new). Lesson 06 (exercise 6.1)."""
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))  # (..., 1) running maximum
    s = torch.zeros(scores.shape[:-1] + (1,))  # (..., 1) running sum of exp(x - m)
    for start in range(0, S, block):  # the last block may be shorter
        chunk = scores[..., start : start + block]  # (..., block)
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s  # (..., S)


def chunked_attention(q: Tensor, k: Tensor, v: Tensor, block: int) -> Tensor:
    """softmax(q kᵀ / √d) v computed over blocks of `block` keys, never holding the whole
    (T, T) score matrix: a running maximum, running sum and running output, rescaled
    whenever a block raises the maximum (the idea behind FlashAttention).
    q, k, v: (..., T, d); returns (..., T, d). Lesson 06 (exercise 6.2)."""
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))  # (..., T, 1) running maximum per query
    s = torch.zeros(q.shape[:-1] + (1,))  # (..., T, 1) running sum
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))  # (..., T, d) running weighted sum
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(
            -2, -1
        )  # (..., T, d) x (..., d, block) -> (..., T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)  # (..., T, 1): how much the old maximum overstated
        exps = scores.sub_(m_new).exp_()  # (..., T, block), in place: no second block-sized tensor
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = (
            out * rescale + exps @ v[..., start : start + block, :]
        )  # (..., T, block) x (..., block, d) -> (..., T, d)
        m = m_new
    return out / s

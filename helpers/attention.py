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
    exactly 0; a row with every key masked gets all zeros, as F.scaled_dot_product_attention
    gives since PyTorch 2.5 (a plain masked_fill(-inf) and softmax gives NaN there).
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


def attention_with_dropout(q: Tensor, k: Tensor, v: Tensor, p: float, training: bool) -> Tensor:
    """softmax(q kᵀ / √d) v with dropout on the attention weights: in training, each weight is
    set to 0 with probability p and the kept ones are divided by 1 - p, so that every weight
    keeps its expected value; in evaluation (training=False) nothing changes. q, k: (..., T, d),
    v: (..., T, d_v); returns (..., T, d_v). The random numbers come from torch's default
    generator. Written out rather than F.dropout(weights, p, training), which does the same,
    because the 1 / (1 - p) is what lesson 04 teaches (exercise 4.6)."""
    weights = torch.softmax(scaled_scores(q, k), dim=-1)  # (..., T, T)
    if training and p > 0:
        keep = torch.rand_like(weights) >= p  # (..., T, T): True with probability 1 - p
        weights = torch.where(keep, weights / (1 - p), 0.0)  # the kept ones rescaled, the others 0
    return weights @ v  # (..., T, T) x (..., T, d_v) -> (..., T, d_v)


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


# --------------------------------------------------------------------------------------
# Lesson 07: attention that generates. A tiny causal model, generation token by token, and
# the KV cache: the keys and values of the tokens read so far, kept so that each new token
# needs one query instead of the whole sequence again. Caches are (B, H, T_past, d_head).


class CausalSelfAttention(MultiHeadAttention):
    """MultiHeadAttention with lesson 03's causal mask built in: forward(X) takes X (B, T, D)
    and returns (B, T, D), each token attending to itself and the tokens before it. The
    attention of TinyCausalLM (lesson 07)."""

    def forward(self, X: Tensor) -> Tensor:
        return super().forward(X, causal_mask(X.shape[1]))


class DecoderBlock(nn.Module):
    """One layer of TinyCausalLM: x + attention(norm1(x)), then x + mlp(norm2(x)), where the
    MLP widens each token's D numbers to 4D and back. (B, T, D) -> (B, T, D). `attention` is
    the class of its attention layer, built as attention(embed_size, num_heads). Lesson 07."""

    def __init__(self, embed_size: int, num_heads: int, attention: type[nn.Module] = CausalSelfAttention):
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_size)
        self.attention = attention(embed_size, num_heads)
        self.norm2 = nn.LayerNorm(embed_size)
        self.mlp = nn.Sequential(
            nn.Linear(embed_size, 4 * embed_size), nn.GELU(), nn.Linear(4 * embed_size, embed_size)
        )

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attention(self.norm1(x))  # (B, T, D): tokens exchange information
        return x + self.mlp(self.norm2(x))  # (B, T, D) -> (B, T, 4D) -> (B, T, D): each token on its own


class TinyCausalLM(nn.Module):
    """A tiny causal language model: token embedding plus a learned position embedding
    (lesson 05), num_layers DecoderBlocks, a LayerNorm and a read-out to the vocabulary.

    forward(tokens) takes tokens (B, T), T <= max_len, and returns logits (B, T, V): at each
    position, the scores of every possible next token. It recomputes every position on every
    call. `attention` is the class of the blocks' attention layers. Lesson 07.
    """

    def __init__(
        self,
        vocab_size: int,
        max_len: int,
        embed_size: int,
        num_heads: int,
        num_layers: int = 2,
        attention: type[nn.Module] = CausalSelfAttention,
    ):
        super().__init__()
        self.max_len = max_len
        self.tok = nn.Embedding(vocab_size, embed_size)
        self.pos = nn.Embedding(max_len, embed_size)
        self.blocks = nn.ModuleList(DecoderBlock(embed_size, num_heads, attention) for _ in range(num_layers))
        self.norm = nn.LayerNorm(embed_size)
        self.readout = nn.Linear(embed_size, vocab_size)

    def forward(self, tokens: Tensor) -> Tensor:
        positions = torch.arange(tokens.shape[1])  # (T,): 0, 1, ..., T - 1
        return self.logits(self.tok(tokens) + self.pos(positions))  # (B, T, D) + (T, D) -> (B, T, V)

    def logits(self, x: Tensor) -> Tensor:
        """Token-plus-position vectors (B, T, D) through the blocks and the read-out: (B, T, V)."""
        for block in self.blocks:
            x = block(x)  # (B, T, D) -> (B, T, D)
        return self.readout(self.norm(x))  # (B, T, D) -> (B, T, V)


def generate(
    model: nn.Module, prompt: Tensor, steps: int, temperature: float = 0.0, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    """Generate `steps` tokens after `prompt` (B, T_prompt) by recomputation: each step runs
    the model on the whole sequence so far and keeps the last position's logits. The next
    token is the most likely one when temperature is 0 (greedy), else one drawn from
    softmax(logits / temperature) with `generator`. Returns the tokens (B, T_prompt + steps)
    and the logits each step chose from (B, steps, V). Lesson 07."""
    tokens, every = prompt, []
    with torch.no_grad():
        for _ in range(steps):
            logits = model(tokens)[:, -1]  # (B, T, V) -> (B, V): the scores of the next token
            every.append(logits)
            if temperature == 0:
                next_token = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            else:
                probs = torch.softmax(logits / temperature, dim=-1)  # (B, V)
                next_token = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
            tokens = torch.cat([tokens, next_token], dim=1)  # (B, T) -> (B, T + 1)
    return tokens, torch.stack(every, dim=1)  # (B, T_prompt + steps), (B, steps, V)


def append_to_cache(cache: Tensor | None, new: Tensor) -> Tensor:
    """The cache (B, H, T_past, d_head), or None before the first call, with the keys (or
    values) of new tokens (B, H, T_new, d_head) appended after it along the tokens' axis:
    (B, H, T_past + T_new, d_head). Lesson 07 (exercise 7.1)."""
    if cache is None:  # nothing cached yet: the first call, with the prompt
        return new
    return torch.cat([cache, new], dim=-2)  # (B, H, T_past, d) + (B, H, T_new, d) -> (B, H, T_past + T_new, d)


def attend_with_cache(q: Tensor, k: Tensor, v: Tensor) -> Tensor:
    """Attention for the T_new newest tokens: q (B, H, T_new, d) against k, v (B, H, T_all, d),
    whose last T_new positions are those tokens. New query i sits at position
    T_all - T_new + i and may attend every key up to it. A single query is the newest token
    of all and may attend every key: no mask. Returns (B, H, T_new, d). Lesson 07 (exercise 7.2)."""
    T_new, T_all = q.shape[-2], k.shape[-2]
    if T_new == 1:
        return masked_attention(q, k, v)  # one query, the last token: every key is at or before it
    mask = torch.ones(T_new, T_all, dtype=torch.bool).tril(
        diagonal=T_all - T_new
    )  # the last T_new rows of (T_all, T_all)
    return masked_attention(q, k, v, mask)  # (B, H, T_new, d)


class CachedSelfAttention(MultiHeadAttention):
    """Causal MultiHeadAttention with a KV cache: forward(X) takes only the tokens after those
    it has already read, X (B, T_new, D), appends their keys and values to self.cache_k and
    self.cache_v (B, H, T_past + T_new, d_head), and returns their outputs (B, T_new, D), the
    same as CausalSelfAttention gives those positions on the whole sequence. reset_cache()
    empties the cache before a new sequence. Lesson 07 (exercise 7.3)."""

    def __init__(self, embed_size: int, num_heads: int):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self) -> None:
        self.cache_k: Tensor | None = None  # (B, H, T_past, d_head) once a prompt has been read
        self.cache_v: Tensor | None = None

    def forward(self, X: Tensor) -> Tensor:
        q = split_heads(self.q_proj(X), self.num_heads)  # (B, T_new, D) -> (B, H, T_new, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)  # (B, T_new, D) -> (B, H, T_new, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)  # (B, T_new, D) -> (B, H, T_new, d_head)
        self.cache_k = append_to_cache(self.cache_k, k)  # (B, H, T_past + T_new, d_head)
        self.cache_v = append_to_cache(self.cache_v, v)  # (B, H, T_past + T_new, d_head)
        out = attend_with_cache(q, self.cache_k, self.cache_v)  # (B, H, T_new, d_head)
        return self.out_proj(merge_heads(out))  # (B, H, T_new, d_head) -> (B, T_new, D) -> (B, T_new, D)


def positions_after(cache: Tensor | None, num_new: int) -> Tensor:
    """The positions of num_new tokens that follow the tokens in a cache (B, H, T_past,
    d_head), or that start a sequence when cache is None: T_past, ..., T_past + num_new - 1,
    (num_new,) integers. Lesson 07 (exercise 7.4)."""
    past = 0 if cache is None else cache.shape[-2]  # tokens already read
    return torch.arange(past, past + num_new)  # (num_new,)


class CachedCausalLM(TinyCausalLM):
    """TinyCausalLM whose attention layers keep a KV cache: the same parameters, loaded with
    load_state_dict. Call it with only the tokens after those it has read: tokens (B, T_new)
    -> logits (B, T_new, V), the positions carrying on from the cache. reset_cache() starts
    a new sequence; greedy(prompt, steps) generates with the cache. Lesson 07 (exercise 7.5)."""

    def __init__(self, vocab_size: int, max_len: int, embed_size: int, num_heads: int, num_layers: int = 2):
        super().__init__(vocab_size, max_len, embed_size, num_heads, num_layers, attention=CachedSelfAttention)

    def reset_cache(self) -> None:
        for block in self.blocks:
            block.attention.reset_cache()

    def forward(self, tokens: Tensor) -> Tensor:
        positions = positions_after(self.blocks[0].attention.cache_k, tokens.shape[1])  # (T_new,)
        return self.logits(self.tok(tokens) + self.pos(positions))  # (B, T_new, D) -> (B, T_new, V)

    def greedy(self, prompt: Tensor, steps: int) -> Tensor:
        """Greedy generation of `steps` tokens after prompt (B, T_prompt), with the cache:
        the prompt read once, then one new token a step. Returns the logits each step chose
        from, (B, steps, V); the token chosen is their argmax."""
        self.reset_cache()  # a new prompt: nothing of the previous one may stay
        logits = self(prompt)[:, -1]  # (B, T_prompt, V) -> (B, V): the next token's scores
        every = [logits]
        for _ in range(steps - 1):
            next_token = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            logits = self(next_token)[:, -1]  # only the new token goes in: (B, 1, V) -> (B, V)
            every.append(logits)
        return torch.stack(every, dim=1)  # (B, steps, V)


# --------------------------------------------------------------------------------------
# Lesson 08: attention in today's LLMs (rotary positions, grouped-query attention,
# sliding windows). Nothing above this line depends on it.


def apply_rope(x: Tensor, positions: Tensor, base: float = 10000.0) -> Tensor:
    """Rotary position embedding (RoPE): turn each pair of x's numbers by an angle that
    grows with the token's position, so that a rotated q and a rotated k score by their
    offset alone.

    x: (..., T, d) with d even; positions: (T,) integers, the position of each of the T
    tokens; base: sets the frequencies θ_i = base^(-2i/d), i = 0 ... d/2 - 1. Pairs number
    i with number i + d/2 (the "half-split" pairing of Hugging Face's Llama, Mistral and
    Qwen code; the RoPE paper pairs neighbours 2i, 2i + 1 instead). Returns (..., T, d).
    Lesson 08 (exercise 8.1).
    """
    half = x.shape[-1] // 2
    freqs = base ** (-2.0 * torch.arange(half, dtype=torch.float32) / x.shape[-1])  # (d/2,): 1 down to about 1/base
    angles = positions.to(torch.float32)[:, None] * freqs  # (T, 1) * (d/2,) -> (T, d/2)
    cos, sin = angles.cos(), angles.sin()  # (T, d/2) each, broadcast over (..., T, d/2)
    x1, x2 = x[..., :half], x[..., half:]  # (..., T, d/2) each: pair i is (x1[i], x2[i])
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)  # each pair turned: (..., T, d)


def rope_attention(q: Tensor, k: Tensor, v: Tensor, positions: Tensor) -> Tensor:
    """Causal attention with RoPE: q and k rotated by their positions, v left as it is.
    q, k, v: (..., T, d); positions: (T,). Returns (..., T, d). Lesson 08 (exercise 8.2)."""
    q, k = apply_rope(q, positions), apply_rope(k, positions)  # (..., T, d) each; values carry content only
    return masked_attention(q, k, v, causal_mask(q.shape[-2]))  # (..., T, d)


def repeat_kv(x: Tensor, groups: int) -> Tensor:
    """(B, H_kv, T, d_head) -> (B, H_kv · groups, T, d_head): each key/value head repeated in
    place, so that query heads g · groups ... (g + 1) · groups - 1 all read head g, as
    F.scaled_dot_product_attention(..., enable_gqa=True) groups them. Lesson 08 (exercise 8.3)."""
    return x.repeat_interleave(groups, dim=1)  # (B, H_kv, T, d_head) -> (B, H_kv · groups, T, d_head)


class GroupedQueryAttention(nn.Module):
    """Grouped-query attention: num_heads query heads share num_kv_heads key/value heads,
    each kv head serving a group of num_heads / num_kv_heads consecutive query heads.
    num_kv_heads = num_heads is multi-head attention; num_kv_heads = 1 is multi-query.

    q_proj and out_proj are nn.Linear(embed_size, embed_size); k_proj and v_proj are
    nn.Linear(embed_size, num_kv_heads · d_head), d_head = embed_size / num_heads.
    forward(X, mask=None) takes X (B, T, D) and an optional course mask (True = may attend)
    of shape (T, T), (B, 1, T) or (B, T, T); returns (B, T, D) and keeps the weights
    (B, H, T, T) in `last_weights`. Lesson 08 (exercise 8.4).
    """

    def __init__(self, embed_size: int, num_heads: int, num_kv_heads: int):
        super().__init__()
        if embed_size % num_heads or num_heads % num_kv_heads:
            raise ValueError(
                f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads}), "
                f"and num_heads by num_kv_heads ({num_kv_heads})"
            )
        self.embed_size, self.num_heads, self.num_kv_heads = embed_size, num_heads, num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.v_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights: Tensor | None = None

    def forward(self, X: Tensor, mask: Tensor | None = None) -> Tensor:
        groups = self.num_heads // self.num_kv_heads
        q = split_heads(self.q_proj(X), self.num_heads)  # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_kv_heads)  # (B, T, H_kv · d_head) -> (B, H_kv, T, d_head)
        v = split_heads(self.v_proj(X), self.num_kv_heads)  # (B, T, H_kv · d_head) -> (B, H_kv, T, d_head)
        k, v = repeat_kv(k, groups), repeat_kv(v, groups)  # (B, H_kv, T, d_head) -> (B, H, T, d_head)
        scores = (
            q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        )  # (B, H, T, d_head) x (B, H, d_head, T) -> (B, H, T, T)
        weights = masked_softmax(scores, heads_mask(mask))  # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))  # (B, H, T, d_head) -> (B, T, D) -> (B, T, D)


def kv_cache_gib(T: Tensor, num_layers: int, num_kv_heads: int, d_head: int, bytes_per_number: int) -> Tensor:
    """The memory, in GiB (2^30 bytes), of the keys and values a decoder keeps for one
    sequence of T tokens: 2 (k and v) · T · layers · kv heads · d_head numbers.
    T: (n,) integers, context lengths; returns (n,) floats. Lesson 08 (exercise 8.5)."""
    return 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number / 2**30  # (n,) bytes -> GiB


def sliding_window_mask(T: int, window: int) -> Tensor:
    """(T, T) booleans, True where query i may attend key j: i - window < j <= i, the token
    itself and the window - 1 before it. Lesson 08 (exercise 8.6)."""
    i = torch.arange(T)[:, None]  # (T, 1) queries
    j = torch.arange(T)[None, :]  # (1, T) keys
    return (j <= i) & (j > i - window)  # (T, T)


def sliding_window_attention(q: Tensor, k: Tensor, v: Tensor, window: int, block: int = 128) -> Tensor:
    """Causal attention where query i sees keys i - window + 1 ... i, computed one block of
    queries at a time over just the keys that block's windows reach: about T · (window +
    block) scores instead of T². Equal to full attention under the sliding-window mask.
    q, k, v: (..., T, d); returns (..., T, d). Lesson 08 (what a window saves)."""
    T = q.shape[-2]
    q = q / math.sqrt(q.shape[-1])
    out = q.new_empty(q.shape[:-1] + (v.shape[-1],))  # (..., T, d)
    for start in range(0, T, block):
        stop = min(start + block, T)
        first = max(0, start - window + 1)  # the earliest key any query of this block may see
        scores = q[..., start:stop, :] @ k[..., first:stop, :].transpose(-2, -1)  # (..., block, keys reached)
        i = torch.arange(start, stop)[:, None]  # (block, 1) query positions
        j = torch.arange(first, stop)[None, :]  # (1, keys reached) key positions
        outside = (j > i) | (j <= i - window)  # the future, and what fell out of the window
        weights = torch.softmax(scores.masked_fill(outside, float("-inf")), dim=-1)  # every row keeps its own key
        out[..., start:stop, :] = weights @ v[..., first:stop, :]  # (..., block, keys) x (..., keys, d)
    return out

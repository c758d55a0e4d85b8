"""Reference implementations of the course, one function per idea.

Checks, the grader and the notebooks' demonstrations all use these, so there is one
definition of "right". Shapes follow the course legend: B batch, T tokens, D width.
"""

from __future__ import annotations

import torch
from torch import Tensor


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

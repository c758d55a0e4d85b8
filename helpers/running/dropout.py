"""Running an answer that draws random numbers: attention dropout (exercise 4.6).

A right dropout answer drops different weights depending on how it draws them
(torch.rand_like, torch.bernoulli, F.dropout, nn.Dropout all use the generator their own
way), so its output cannot be compared with the reference's number for number. In
training, the runner reads what the answer did instead, from an input chosen so that the
output shows it: v = [identity | ones], so that out[..., :T] is the weights after dropout
and out[..., T] their row sums. It returns a few measurements, SUMMARY, which every right
answer makes the same (up to rounding): the judging side (helpers/lessons/dropout.py)
compares those with the reference's and names what differs. In evaluation, or with
p = 0, nothing is random, and the output itself is compared.

Built from torch only, like the other runners: the grader's child loads this file.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

# What the runner measures on an answer in training, in order, and what a right answer gives.
SUMMARY = (
    "kept_ratio",  # the median of (weight after dropout) / (weight before) over kept weights: 1 / (1 - p)
    "ratio_spread",  # how far the kept ratios stray from that median, relative: 0
    "dropped",  # the share of weights set to exactly 0 (reported as p when within DROPPED_TOLERANCE of p)
    "sum_gap",  # the largest |out[..., T] - the row's sum of out[..., :T]|: 0 when dropout acts on the weights
    "same_twice",  # 1 when a second call, with the generator moved on, dropped exactly the same weights
    "rows_sum_to_one",  # 1 when every row of weights after dropout still sums to 1
    "same_for_every_query",  # 1 when every key is dropped for all the queries of a (T, T) matrix or for none
    "whole_rows",  # 1 when every query's row is dropped whole or kept whole
    "same_in_every_matrix",  # 1 when every sentence and head dropped the same (T, T) pattern
)
DROPPED_TOLERANCE = 0.05  # the share dropped may stray this far from p (over 3,456 weights: 6 standard deviations)
SNAP = 1e-3  # measured spreads and gaps below this are reported as 0 (float32 rounding)


def dropout_summary(out: Tensor, again: Tensor, q: Tensor, k: Tensor, p: float) -> Tensor:
    """SUMMARY's measurements of an output (and of a second call's) in training, float64."""
    T = q.shape[-2]
    before = torch.softmax(q.double() @ k.double().transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    after, sums = out[..., :T].double(), out[..., T].double()  # (..., T, T) and (..., T)
    zero = after.abs() < 1e-12
    ratios = (after / before)[~zero]
    kept_ratio = float(ratios.median()) if ratios.numel() else 0.0
    spread = float((ratios - kept_ratio).abs().max()) / abs(kept_ratio) if ratios.numel() and kept_ratio else 0.0
    dropped = float(zero.double().mean())
    gap = float((sums - after.sum(dim=-1)).abs().max())
    rows_one = bool(torch.allclose(after.sum(dim=-1), torch.ones_like(sums), atol=1e-5))
    uniform_keys = zero.all(dim=-2) | (~zero).all(dim=-2)  # (..., T): key j dropped for every query, or for none
    uniform_rows = zero.all(dim=-1) | (~zero).all(dim=-1)  # (..., T): query i's row dropped whole, or kept whole
    patterns = zero.reshape(-1, T, T)  # one (T, T) pattern per sentence and head
    return torch.tensor(
        [
            kept_ratio,
            0.0 if spread < SNAP else spread,
            p if abs(dropped - p) <= DROPPED_TOLERANCE else dropped,
            0.0 if gap < SNAP else gap,
            float(again.shape == out.shape and torch.equal(again, out)),
            float(rows_one),
            float(bool(uniform_keys.all())),
            float(bool(uniform_rows.all())),
            float(bool((patterns == patterns[:1]).all())),
        ],
        dtype=torch.float64,
    )


def run_dropout(candidate, inputs, case) -> Tensor:
    """attention_with_dropout(q, k, v, p, training): the output itself when nothing is random
    (training False, or p = 0), else SUMMARY's measurements of it. An output that cannot be
    measured (not a tensor, another shape than (..., T, T + 1), NaN or inf) is handed back as
    it is, for the judging side to explain."""
    q, k, v, p, training = inputs
    out = candidate(q, k, v, p, training)
    if not training or p == 0:
        return out
    want = tuple(q.shape[:-1]) + (v.shape[-1],)
    if not isinstance(out, Tensor) or tuple(out.shape) != want or not out.is_floating_point():
        return out
    if not torch.isfinite(out).all():
        return out
    again = candidate(q.clone(), k.clone(), v.clone(), p, training)  # the generator has moved on
    again = again.detach() if isinstance(again, Tensor) else torch.empty(0)
    return dropout_summary(out.detach(), again, q, k, p)

"""Wrong answers to lesson 03's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message)."""

import math

import torch
from torch import nn

from helpers.attention import causal_mask, masked_softmax


def causal_hides_diagonal(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)


def causal_inverted(T):
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)


def causal_inverted_by_not(T):
    return ~torch.ones(T, T, dtype=torch.bool).tril()


def causal_strict(T):
    i = torch.arange(T)
    return i[None, :] < i[:, None]  # leaves out the diagonal


def causal_future(T):
    return torch.triu(torch.ones(T, T, dtype=torch.bool))


def causal_floats(T):
    return torch.tril(torch.ones(T, T))


def padding_over_queries(lengths, T):
    return (torch.arange(T) < lengths[:, None])[:, :, None]


def padding_no_query_axis(lengths, T):
    return torch.arange(T)[None, :] < lengths[:, None]


def padding_inverted(lengths, T):  # nn.MultiheadAttention's key_padding_mask convention
    return (torch.arange(T) >= lengths[:, None])[:, None, :]


def padding_off_by_one(lengths, T):
    return (torch.arange(T) <= lengths[:, None])[:, None, :]


def padding_floats(lengths, T):
    return (torch.arange(T) < lengths[:, None]).float()[:, None, :]


def padding_lengths_as_row(lengths, T):
    return (torch.arange(T) < lengths)[:, None, :]  # (T,) against (B,)


def softmax_mask_ignored(scores, mask):
    return torch.softmax(scores, dim=-1)


def softmax_mask_inverted(scores, mask):
    weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    return torch.nan_to_num(weights)


def softmax_mask_after(scores, mask):
    return torch.softmax(scores, dim=-1) * mask


def softmax_then_renormalised(scores, mask):
    weights = torch.softmax(scores, dim=-1) * mask
    return weights / weights.sum(dim=-1, keepdim=True).clamp_min(1e-30)


def softmax_mask_multiplied(scores, mask):
    return torch.softmax(scores * mask, dim=-1)


def softmax_zero_times_inf(scores, mask):
    return torch.softmax(scores + (1 - mask.float()) * float("-inf"), dim=-1)


def softmax_nan_rows(scores, mask):
    return torch.softmax(scores.masked_fill(mask == 0, float("-inf")), dim=-1)


def softmax_masked_fill_zero(scores, mask):
    return torch.softmax(scores.masked_fill(~mask, 0), dim=-1)


def attention_nan_rows(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)  # lesson 03's fix forgotten
    return weights @ v


def softmax_big_negative(scores, mask):
    return torch.softmax(scores.masked_fill(~mask, -1e9), dim=-1)


def softmax_in_place(scores, mask):
    scores.masked_fill_(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)


def attention_mask_after_softmax(q, k, v, mask):  # the bug handed out in 3.4
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)
    return weights @ v


def attention_inf_after_softmax(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, float("-inf"))
    return weights @ v


def attention_mask_ignored(q, k, v, mask):
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v


def causal_upper_is_zero(T):
    return torch.ones(T, T).triu() == 0


def causal_one_future(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=1)


def softmax_renormalised(scores, mask):
    weights = torch.softmax(scores, dim=-1) * mask
    return weights / weights.sum(dim=-1, keepdim=True)


def softmax_plus_log_mask(scores, mask):
    return torch.softmax(scores + torch.log(mask.float()), dim=-1)


def causal_transposed(T):
    return torch.tril(torch.ones(T, T)).bool().T


class Head(nn.Module):
    """A right SingleHeadAttention; each subclass below breaks one line of it."""

    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def weights(self, scores, mask):
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
            return torch.softmax(scores, dim=-1).masked_fill(~mask.any(-1, keepdim=True), 0.0)
        return torch.softmax(scores, dim=-1)

    def scores(self, q, k):
        return q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)

    def finish(self, mixed):
        return self.out_proj(mixed)

    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        weights = self.weights(self.scores(q, k), mask)
        self.last_weights = weights.detach()
        return self.finish(weights @ v)


class HeadUnusedOutProj(Head):
    def finish(self, mixed):
        return mixed


class HeadMaskIgnored(Head):
    def weights(self, scores, mask):
        return torch.softmax(scores, dim=-1)


class HeadMaskInverted(Head):
    def weights(self, scores, mask):
        return super().weights(scores, None if mask is None else ~mask)


class HeadMaskAfterSoftmax(Head):
    def weights(self, scores, mask):
        weights = torch.softmax(scores, dim=-1)
        return weights if mask is None else weights.masked_fill(~mask, 0.0)


class HeadNaNRows(Head):
    def weights(self, scores, mask):
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        return torch.softmax(scores, dim=-1)


class HeadNoScaling(Head):
    def scores(self, q, k):
        return q @ k.transpose(-2, -1)


class HeadKeepsScores(Head):
    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = self.scores(q, k)
        self.last_weights = scores if mask is None else scores.masked_fill(~mask, float("-inf"))
        return self.finish(self.weights(scores, mask) @ v)


class HeadNotDetached(Head):
    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        self.last_weights = self.weights(self.scores(q, k), mask)  # no .detach()
        return self.finish(self.last_weights @ v)


class HeadFloat64(Head):
    def scores(self, q, k):
        return q.double() @ k.double().transpose(-2, -1) / math.sqrt(self.embed_size)  # "for precision"


class HeadOutProjFirst(Head):
    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        self.last_weights = self.weights(self.scores(q, k), mask)
        return self.last_weights @ self.out_proj(v)


class HeadScaleByT(Head):
    def scores(self, q, k):
        return q @ k.transpose(-2, -1) / math.sqrt(q.shape[1])  # the number of tokens, not the width


class HeadPrints(Head):
    """Prints shapes in forward (a habit to drop), but computes the right thing."""

    def forward(self, X, mask=None):
        print("X", X.shape)
        return super().forward(X, mask)


# --- named from their outcomes (issue 11's second round)


def causal_with_batch_axis(T):
    return torch.tril(torch.ones(T, T)).bool()[None]


def padding_to_longest(lengths, T):
    width = int(max(lengths))
    return (torch.arange(width)[None, :] < lengths[:, None]).unsqueeze(1)


def padding_for_every_query(lengths, T):
    keep = torch.arange(T)[None, :] < lengths[:, None]
    return keep[:, None, :].repeat(1, T, 1)


def softmax_over_queries(scores, mask):
    weights = torch.softmax(scores.masked_fill(mask == 0, float("-inf")), dim=-2)
    return torch.nan_to_num(weights)


def attention_unscaled(q, k, v, mask):
    weights = torch.softmax((q @ k.mT).masked_fill(~mask, float("-inf")), dim=-1)
    return weights.nan_to_num(0.0) @ v


class HeadIfMask(Head):
    def weights(self, scores, mask):
        if mask:
            return super().weights(scores, mask)
        return torch.softmax(scores, dim=-1)


def attention_hands_inverted_mask(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = masked_softmax(scores, ~mask)
    return weights @ v


def attention_renormalised(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)
    weights = weights / weights.sum(dim=-1, keepdim=True)  # 0 / 0 in a fully masked row
    return weights @ v


def attention_renormalised_with_care(q, k, v, mask):
    """Masking after the softmax, then renormalising: right, the lesson says so, once a row
    with nothing left stays all zeros instead of 0 / 0."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)
    weights = weights / weights.sum(dim=-1, keepdim=True).clamp_min(1e-30)
    return weights @ v


def softmax_any_without_keepdim(scores, mask):
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1), 0.0)


class HeadFusedProjection(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.qkv_proj = nn.Linear(embed_size, 3 * embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        q, k, v = self.qkv_proj(X).chunk(3, dim=-1)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)


# --- named from the fourth independent set (a development set): each class of mistake in code of our own


def causal_additive(T):
    allowed = torch.arange(T)[None, :] <= torch.arange(T)[:, None]
    return torch.where(allowed, 0.0, float("-inf"))


def softmax_square_mask_given_middle_axis(scores, mask):
    if mask.dim() == 2:
        mask = mask[:, None]  # as a padding mask would need
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)


def softmax_exp_without_max(scores, mask):
    e = scores.exp() * mask
    return e / e.sum(dim=-1, keepdim=True)


def attention_hides_the_allowed_keys(q, k, v, mask):
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


class HeadUnscaledWithoutEmbedSize(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        scores = self.q_proj(X) @ self.k_proj(X).transpose(-2, -1)
        weights = torch.softmax(scores, dim=-1) if mask is None else Head.weights(None, scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ self.v_proj(X))


class HeadDefaultMaskOfOnes(Head):
    def forward(self, X, mask=None):
        if mask is None:
            mask = torch.ones(X.shape[1], X.shape[1])
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        weights = self.weights(self.scores(q, k), mask)
        self.last_weights = weights.detach()
        return self.finish(weights @ v)


SHARED_OUT = {}


class HeadOutProjSharedByAll(Head):
    def __init__(self, embed_size):
        super().__init__(embed_size)
        self.out_proj = SHARED_OUT.setdefault(embed_size, nn.Linear(embed_size, embed_size))


def softmax_mask_as_index(scores, mask):
    hidden = scores.clone()
    hidden[~mask] = float("-inf")
    return torch.softmax(hidden, dim=-1).nan_to_num(0.0)


def softmax_without_none(scores, mask):  # the (B, T, T) spec alone: no mask=None
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)


def softmax_none_gives_zeros(scores, mask=None):
    if mask is None:
        return torch.zeros_like(scores)  # "nothing to attend to"
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)


def softmax_three_axes(scores, mask=None):
    if mask is None:
        return torch.softmax(scores, dim=-1)
    B, T, _ = scores.shape  # (B, T, T) only
    mask = mask.expand(B, T, T)
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)


def softmax_over_dim_2(scores, mask=None):  # dim=2 is the keys of (B, T, T), the queries of (B, H, T, T)
    if mask is None:
        return torch.softmax(scores, dim=-1)
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=2)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)


MISTAKES = [
    ("3.5", HeadFusedProjection, "missing-layer", "no layer q_proj (yours: `self.qkv_proj = nn.Linear"),
    ("3.3", softmax_any_without_keepdim, "lost-keepdim", "any(dim=-1) has shape (..., ) not (..., 1)"),
    ("3.4", attention_hands_inverted_mask, "inverted-mask", "hands masked_softmax ~mask"),
    ("3.4", attention_renormalised, "fully-masked-nan", "divides them by their sum, 0: 0 / 0 is NaN"),
    ("3.1", causal_hides_diagonal, "hides-diagonal", "also hides the diagonal"),
    ("3.1", causal_inverted, "inverted-mask", "diagonal=1)` builds the opposite. Return torch.ones(T, T"),
    ("3.1", causal_inverted_by_not, "inverted-mask", "tril()` builds the opposite. Drop the ~."),
    ("3.1", causal_strict, "hides-diagonal", "compares with <, which leaves out j = i. Use <="),
    ("3.1", causal_future, "future-not-past", "see the future and hides the past"),
    ("3.1", causal_floats, "not-bool", "from a comparison (j <= i)"),
    ("3.2", padding_floats, "not-bool", "from a comparison (j < length: torch.arange(T) < lengths[:, None])"),
    ("3.2", padding_over_queries, "over-queries", "hides the padded QUERIES' rows"),
    ("3.2", padding_no_query_axis, "no-query-axis", "add the query axis"),
    ("3.2", padding_inverted, "inverted-mask", "as nn.MultiheadAttention's masks are"),
    ("3.2", padding_inverted, "inverted-mask", "Compare torch.arange(T) < lengths[:, None]"),
    ("3.2", padding_off_by_one, "off-by-one", "Off by one"),
    ("3.3", softmax_mask_ignored, "mask-ignored", "The mask made no difference"),
    ("3.3", softmax_without_none, "mask-none", "Begin with `if mask is None: return torch.softmax(scores, dim=-1)`"),
    ("3.3", softmax_none_gives_zeros, "mask-none", "a plain softmax over the last dimension"),
    ("3.3", softmax_three_axes, "fixed-axes", "`B, T, _ = scores.shape` names three axes"),
    ("3.3", softmax_over_dim_2, "found-softmax-axis", "over dim 2 (the queries)"),
    ("3.3", softmax_mask_inverted, "inverted-mask", "works the wrong way round"),
    ("3.3", softmax_mask_after, "mask-after-softmax", "applied after the softmax"),
    ("3.3", softmax_then_renormalised, "renormalised-after-softmax", "renormalising cannot bring them back"),
    ("3.3", softmax_mask_multiplied, "mask-multiplied", "You multiplied the scores by the mask"),
    ("3.3", softmax_masked_fill_zero, "mask-multiplied", "You set the masked scores to 0 (`return torch.softmax("),
    ("3.2", padding_lengths_as_row, "lengths-not-column", "lengths[:, None]"),
    ("3.4", attention_nan_rows, "fully-masked-nan", "may attend no key at all came out as NaN"),
    ("3.5", HeadKeepsScores, "weights-are-scores", "self.last_weights holds the scores"),
    ("3.5", HeadNotDetached, "not-detached", "Keep a detached copy: self.last_weights = weights.detach()"),
    ("3.5", HeadFloat64, "mixed-dtypes", "This line makes float64: `return q.double()"),
    ("3.3", softmax_zero_times_inf, "zero-times-inf", "0 × -inf = NaN"),
    ("3.3", softmax_nan_rows, "fully-masked-nan", "may attend no key at all came out as NaN"),
    ("3.3", softmax_big_negative, "big-negative", "(-1e9) instead of -inf"),
    ("3.3", softmax_in_place, "in-place", "changed the caller's tensor"),
    ("3.4", attention_mask_after_softmax, "mask-after-softmax", "applied after the softmax"),
    ("3.4", attention_inf_after_softmax, "inf-after-softmax", "sets the masked weights to -inf after the softmax"),
    ("3.4", attention_mask_ignored, "mask-ignored", "The mask made no difference"),
    ("3.5", HeadUnusedOutProj, "unused-out-proj", "out_proj is defined but never used"),
    ("3.5", HeadMaskIgnored, "mask-ignored", "The mask made no difference"),
    ("3.5", HeadMaskInverted, "inverted-mask", "works the wrong way round"),
    ("3.5", HeadMaskAfterSoftmax, "mask-after-softmax", "applied after the softmax"),
    ("3.5", HeadNaNRows, "fully-masked-nan", "may attend no key at all came out as NaN"),
    ("3.5", HeadNoScaling, "no-scaling", "were not scaled"),
    ("3.1", causal_upper_is_zero, "hides-diagonal", "also hides the diagonal"),
    ("3.1", causal_one_future, "sees-next", "see the next one as well"),
    ("3.3", softmax_renormalised, "fully-masked-nan", "may attend no key at all came out as NaN"),
    ("3.5", HeadOutProjFirst, "out-proj-first", "out_proj was applied to v, before the weights"),
    ("3.3", softmax_plus_log_mask, "fully-masked-nan", "may attend no key at all came out as NaN"),
    ("3.1", causal_transposed, "future-not-past", "see the future and hides the past"),
    ("3.5", HeadScaleByT, "scale-wrong-size", "√5, T, instead of the width of q and k, √8"),
    ("3.1", causal_with_batch_axis, "shape-of-right-numbers", "an extra axis of size 1"),
    ("3.2", padding_to_longest, "longest-not-T", "not torch.arange(lengths.max())"),
    ("3.2", padding_for_every_query, "shape-of-right-numbers", "repeats the same numbers along an axis"),
    ("3.3", softmax_over_queries, "wrong-axis", "normalised over the queries"),
    ("3.4", attention_unscaled, "no-scaling", "The scores were not scaled"),
    ("3.5", HeadIfMask, "tensor-as-bool", "write `if mask is not None:`"),
    ("3.1", causal_additive, "additive-mask", "return the boolean mask itself"),
    (
        "3.3",
        softmax_square_mask_given_middle_axis,
        "mask-axis-in-middle",
        "gives this (4, 4) mask an axis in the middle",
    ),
    ("3.3", softmax_exp_without_max, "fully-masked-nan", "another mistake shows: `e = scores.exp() * mask` takes exp"),
    ("3.4", attention_hides_the_allowed_keys, "inverted-mask", "fills where the mask is True"),
    ("3.5", HeadUnscaledWithoutEmbedSize, "no-scaling", "math.sqrt(X.shape[-1])"),
    ("3.5", HeadDefaultMaskOfOnes, "mask-of-floats", "torch.ones(X.shape[1], X.shape[1], dtype=torch.bool)"),
    ("3.5", HeadOutProjSharedByAll, "shared-state", "Instances share something"),
    ("3.3", softmax_mask_as_index, "mask-as-index", "indexing, unlike arithmetic, does not broadcast"),
]

RIGHT = [("3.5", HeadPrints), ("3.1", causal_mask), ("3.4", attention_renormalised_with_care)]

"""Wrong answers that are NOT in any tests/mistakes_NN.py, each with the key and a phrase of
what a failed check tells from evidence (helpers/explaining.py, helpers/properties.py): a
property of a right answer it breaks, or the transformation of the reference it equals.
tests/test_uncatalogued.py runs them. Written as a student might, without a list to match."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from helpers import attention as ref


def scores_rows_reversed(X):  # 1.1: rows written from the last one up
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[T - 1 - i, j] = torch.dot(X[i], X[j])
    return scores


def softmax_in_half(scores):  # 1.2: computed in float16
    s = scores.half()
    e = (s - s.amax(dim=-1, keepdim=True)).exp()
    return e / e.sum(dim=-1, keepdim=True)


def weights_keys_reversed(X):  # 1.3: each row's keys read backwards
    return torch.softmax(X @ X.mT, dim=-1).flip(-1)


def attention_plus_batch_mean(X):  # 1.4: a "residual" of the batch's mean sentence
    return torch.softmax(X @ X.mT, dim=-1) @ X + 0.1 * X.mean(dim=0)


class ValuesDetached(nn.Module):  # 2.4: v taken out of the graph (and shrunk)
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5

    def forward(self, X):
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X).detach() * 0.9
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)
        self.last_weights = weights.detach()
        return weights @ v


class RandomAttention(ValuesDetached):  # 2.4: dropout on the weights
    def forward(self, X):
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        weights = F.dropout(torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1), 0.2)
        self.last_weights = weights.detach()
        return weights @ v


def entropy_mean(weights):  # 2.1: a mean where the sum is wanted
    return torch.special.entr(weights).mean(dim=-1)


def attention_softmax_over_sentences(q, k, v):  # 2.5: the softmax over dim 0
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=0) @ v


def scores_floor_divided(q, k):  # 2.6: // instead of /
    return (q @ k.transpose(-2, -1)) // math.sqrt(q.shape[-1])


def causal_two_back(T):  # 3.1: also hides the key just before each query
    return torch.ones(T, T, dtype=torch.bool).tril(-2)


def padding_one_short(lengths, T):  # 3.2: the last real token hidden
    return (torch.arange(T) < (lengths - 1)[:, None])[:, None, :]


def masked_softmax_small_fill(scores, mask):  # 3.3: masked keys filled with -10, not -inf
    return torch.softmax(scores.masked_fill(~mask, -10.0), dim=-1) * mask.any(dim=-1, keepdim=True)


def masked_attention_future_mixed(q, k, v, mask):  # 3.4: the values summed over all tokens first
    weights = ref.masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), mask)
    return weights @ v + 0.01 * v.sum(dim=-2, keepdim=True)


class HeadSharedAcrossInstances(nn.Module):  # 3.5: out_proj kept on the class, shared by every instance
    layers: dict = {}

    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = HeadSharedAcrossInstances.layers.setdefault(embed_size, nn.Linear(embed_size, embed_size))

    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        weights = ref.masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(self.embed_size), mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v) * 1.01


class HeadWeightsKeptBeforeMask(HeadSharedAcrossInstances):  # 3.5: keeps weights that ignore the mask
    def __init__(self, embed_size):
        nn.Module.__init__(self)
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        self.last_weights = torch.softmax(scores, dim=-1).detach()
        return self.out_proj(ref.masked_softmax(scores, mask) @ v)


def split_heads_with_batch_mean(x, num_heads):  # 4.1: the batch's mean mixed into every sentence
    heads = ref.split_heads(x, num_heads)
    return heads + 0.01 * heads.mean(dim=0)


def merge_heads_in_half(x):  # 4.2: merged in float16
    B, H, T, d = x.shape
    return x.half().transpose(1, 2).reshape(B, T, H * d)


class HeadsUnusedValueLayer(nn.Module):  # 4.3: v_proj defined, but v taken from k_proj
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.num_heads, self.d_head = num_heads, embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        q = ref.split_heads(self.q_proj(X), self.num_heads)
        k = ref.split_heads(self.k_proj(X), self.num_heads)
        v = ref.split_heads(self.k_proj(X) * 0.5, self.num_heads)
        weights = ref.masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(self.d_head), ref.heads_mask(mask))
        self.last_weights = weights.detach()
        return self.out_proj(ref.merge_heads(weights @ v))


def to_torch_mha_with_dropout(ours):  # 4.5: dropout in PyTorch's module, in training mode
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, dropout=0.3, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs


class ReversalPositionsDetached(ref.BagOfTokens):  # 5.3: positions added as plain numbers, out of the graph
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):
        positions = self.pos(torch.arange(tokens.shape[1])).detach()
        return self.readout(self.attention(self.tok(tokens) + positions.data * 2))


def ideal_keys_negative(T):  # 5.1: counted down from -1
    return torch.arange(-1, -T - 1, -1)


def online_softmax_transposed(scores, block):  # 6.1: blocks of the right answer, read down the columns
    return ref.online_softmax(scores, block).flip(-1)


def chunked_last_query_missing(q, k, v, block):  # 6.2: the queries' loop stops one short
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    T = q.shape[-2]
    for i in range(T - 1):
        out[..., i : i + 1, :] = ref.chunked_attention(q[..., i : i + 1, :], k, v, block)
    return out


def rope_in_half_precision(x, positions, base=10000.0):  # 8.1: computed in float16 "to save memory"
    d = x.shape[-1]
    angles = (positions[:, None] * base ** (-torch.arange(0, d, 2) / d)).half()
    x1, x2 = x[..., : d // 2].half(), x[..., d // 2 :].half()
    return torch.cat([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], dim=-1)


def rope_attention_sees_next(q, k, v, positions):  # 8.2: the causal mask one diagonal too far
    q, k = ref.apply_rope(q, positions), ref.apply_rope(k, positions)
    T = q.shape[-2]
    return F.scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(T, T, dtype=torch.bool).tril(1))


def repeat_kv_heads_counted_down(x, groups):  # 8.3: the key/value heads gathered from the last one
    return torch.cat([x[:, h : h + 1].expand(-1, groups, -1, -1) for h in range(x.shape[1] - 1, -1, -1)], dim=1)


class GroupedValuesFromKeys(nn.Module):  # 8.4: v_proj made, v taken from k_proj
    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads, self.num_kv_heads, self.d_head = num_heads, num_kv_heads, embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.v_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        groups = self.num_heads // self.num_kv_heads
        q = ref.split_heads(self.q_proj(X), self.num_heads)
        k = ref.repeat_kv(ref.split_heads(self.k_proj(X), self.num_kv_heads), groups)
        v = ref.repeat_kv(ref.split_heads(self.k_proj(X) * 0.5, self.num_kv_heads), groups)
        weights = ref.masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(self.d_head), ref.heads_mask(mask))
        self.last_weights = weights.detach()
        return self.out_proj(ref.merge_heads(weights @ v))


class GroupedKeepsUnmaskedWeights(GroupedValuesFromKeys):  # 8.4: the weights kept before the mask
    def forward(self, X, mask=None):
        groups = self.num_heads // self.num_kv_heads
        q = ref.split_heads(self.q_proj(X), self.num_heads)
        k = ref.repeat_kv(ref.split_heads(self.k_proj(X), self.num_kv_heads), groups)
        v = ref.repeat_kv(ref.split_heads(self.v_proj(X), self.num_kv_heads), groups)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        self.last_weights = torch.softmax(scores, dim=-1).detach()
        return self.out_proj(ref.merge_heads(ref.masked_softmax(scores, ref.heads_mask(mask)) @ v))


def cache_one_token_short(T, num_layers, num_kv_heads, d_head, bytes_per_number):  # 8.5: T - 1 tokens
    return 2 * (T - 1) * num_layers * num_kv_heads * d_head * bytes_per_number / 2**30


def window_keys_reversed(T, window):  # 8.6: the keys counted from the last one
    i, j = torch.arange(T)[:, None], torch.arange(T - 1, -1, -1)[None, :]
    return (j <= i) & (j > i - window)


# --- classes of mistakes from the fourth independent set (a development set), in code of our own


def softmax_returned_as_logs(scores):  # 1.2: the log-softmax, never exponentiated
    return torch.log_softmax(scores, dim=-1)


def softmax_of_rounded_scores(scores):  # 1.2: rounded first, so no gradient passes back
    return torch.softmax(scores.round(), dim=-1)


def weights_one_softmax_per_sentence(X):  # 1.3: all T·T scores of a sentence in one softmax
    B, T, _ = X.shape
    return torch.softmax((X @ X.mT).reshape(B, T * T), dim=-1).reshape(B, T, T)


def weights_last_query_blanked(X):  # 1.3: the last query's row overwritten with zeros
    w = torch.softmax(X @ X.mT, dim=-1)
    w[:, -1] = 0.0
    return w


def attention_out_made_per_sentence(X):  # 1.4: the output tensor made again for every sentence
    for n in range(X.shape[0]):
        result = torch.zeros_like(X)
        result[n] = torch.softmax(X[n] @ X[n].T, dim=-1) @ X[n]
    return result


def entropy_of_resoftmaxed(weights):  # 2.1: the weights pushed through softmax once more
    probs = F.softmax(weights, dim=-1)
    return torch.special.entr(probs).sum(-1)


class ForwardScalesInputInPlace(nn.Module):  # 2.4: X itself scaled, in place, instead of the scores
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5

    def forward(self, X):
        X *= self.scale
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
        self.last_weights = weights.detach()
        return weights @ v


def padding_real_tokens_last(lengths, T):  # 3.2: the real tokens taken at the end of each sentence
    return (torch.arange(T) >= (T - lengths)[:, None]).unsqueeze(1)


def masked_softmax_empty_test_with_all(scores, mask):  # 3.3: .all() where an empty row is "not .any()"
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return torch.where(mask.all(dim=-1, keepdim=True), weights, torch.zeros_like(weights))


def masked_attention_mask_transposed(q, k, v, mask):  # 3.4: the mask read as (key, query)
    return ref.masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), mask.mT) @ v


class HeadThroughReLU(HeadWeightsKeptBeforeMask):  # 3.5: an activation after out_proj
    def forward(self, X, mask=None):
        weights = ref.masked_softmax(self.q_proj(X) @ self.k_proj(X).mT / math.sqrt(self.embed_size), mask)
        self.last_weights = weights.detach()
        return F.relu(self.out_proj(weights @ self.v_proj(X)))


class HeadWithResidual(HeadWeightsKeptBeforeMask):  # 3.5: the input added back, as a block would
    def forward(self, X, mask=None):
        weights = ref.masked_softmax(self.q_proj(X) @ self.k_proj(X).mT / math.sqrt(self.embed_size), mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ self.v_proj(X)) + X


class HeadsViewedNotTransposed(HeadsUnusedValueLayer):  # 4.3: view(B, T, H, d_head) and no transpose
    def forward(self, X, mask=None):
        B, T, D = X.shape
        q, k, v = (p(X).view(B, T, self.num_heads, self.d_head) for p in (self.q_proj, self.k_proj, self.v_proj))
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.d_head), dim=-1)
        self.last_weights = weights.detach()
        return self.out_proj((weights @ v).reshape(B, T, D))


def ideal_keys_upside_down(T):  # 5.1: i - (T - 1), the sign flipped
    return torch.arange(T) + 1 - T


def chunked_returns_inside_query_loop(q, k, v, block):  # 6.2: return indented into the loop
    out = torch.zeros_like(q)
    for i in range(q.shape[-2]):
        out[:, i] = ref.chunked_attention(q[:, i : i + 1], k, v, block)[:, 0]
        return out


def attention_with_sigmoid_weights(q, k, v):  # 2.5: each weight squashed alone
    return torch.sigmoid(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])) @ v


class HeadsSizesSwapped(HeadsUnusedValueLayer):  # 4.3: d_head heads of num_heads numbers
    def forward(self, X, mask=None):
        q, k, v = (ref.split_heads(p(X), self.d_head) for p in (self.q_proj, self.k_proj, self.v_proj))
        weights = ref.masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(self.d_head), ref.heads_mask(mask))
        self.last_weights = weights.detach()
        return self.out_proj(ref.merge_heads(weights @ v))


# (exercise, the wrong answer, the key it is told, a phrase of what it is told)
# Answers for the general rules: input substitutions, slices kept, read orders, crashes read from the line.
def masked_attention_queries_as_values(q, k, v, mask):  # 3.4: the weights multiply q
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ q


class HeadValuesFromQueries(ref.SingleHeadAttention):  # 3.5: the value layer handed q
    def forward(self, X, mask=None):
        q = self.q_proj(X)
        k, v = self.k_proj(X), self.v_proj(q)
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])
        weights = ref.masked_softmax(scores, mask) if mask is not None else torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)


class HeadsKeysFromQueryLayer(ref.MultiHeadAttention):  # 4.3: the keys made by q_proj
    def forward(self, X, mask=None):
        B, T, D = X.shape
        q = ref.split_heads(self.q_proj(X), self.num_heads)
        k = ref.split_heads(self.q_proj(X), self.num_heads)
        v = ref.split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None:
            scores = scores.masked_fill(~(mask.unsqueeze(1) if mask.dim() == 3 else mask), float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return self.out_proj(ref.merge_heads(weights @ v))


class HeadScalesValues(ref.SingleHeadAttention):  # 3.5: 1/√D on v, not on the scores
    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X) / math.sqrt(X.shape[-1])
        scores = q @ k.transpose(-2, -1)
        weights = ref.masked_softmax(scores, mask) if mask is not None else torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)


def masked_attention_flat_weights(q, k, v, mask):  # 3.4: the softmax handed zeros
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    blank = torch.zeros_like(scores).masked_fill(~mask, float("-inf"))
    return torch.softmax(blank, dim=-1) @ v


class HeadsOnePatternRepeated(ref.MultiHeadAttention):  # 4.3: full-width scores repeated per head
    def forward(self, X, mask=None):
        q, k = self.q_proj(X), self.k_proj(X)
        v = ref.split_heads(self.v_proj(X), self.num_heads)
        scores = (q @ k.transpose(-2, -1) / math.sqrt(self.d_head)).unsqueeze(1).repeat(1, self.num_heads, 1, 1)
        if mask is not None:
            scores = scores.masked_fill(~(mask.unsqueeze(1) if mask.dim() == 3 else mask), float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return self.out_proj(ref.merge_heads(weights @ v))


def weights_shares_of_row_sum(X):  # 1.3: each score over its row's sum, no exp
    scores = X @ X.transpose(-2, -1)
    return scores / torch.sum(scores, dim=-1, keepdim=True)


def softmax_from_the_minimum(scores):  # 1.2: exp(min - x), stable but reversed
    e = torch.exp(scores.amin(dim=-1, keepdim=True) - scores)
    return e / e.sum(dim=-1, keepdim=True)


def masked_attention_plus_infinity(q, k, v, mask):  # 3.4: math.inf as the fill
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~mask, math.inf)
    return torch.softmax(scores, dim=-1) @ v


class HeadRenormalisedBySoftmax(ref.SingleHeadAttention):  # 3.5: masked after, then softmaxed again
    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1]), dim=-1)
        if mask is not None:
            weights = torch.softmax(weights.masked_fill(~mask, 0.0), dim=-1)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)


def masked_softmax_keeps_the_hidden(scores, mask):  # 3.3: zeroes the allowed keys after the softmax
    return F.softmax(scores, dim=-1) * (~mask)


def scaled_scores_last_sentence(q, k):  # 2.6: a loop over the batch that keeps its last pass
    for b in range(q.shape[0]):
        scores = q[b] @ k[b].T / math.sqrt(q.shape[-1])
    return scores


def attention_batch_averaged(X):  # 1.4: the sentences averaged together
    return (torch.softmax(X @ X.transpose(1, 2), dim=-1) @ X).mean(dim=0)


def scores_column_written_whole(X):  # 1.1: a whole column written on every pass
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[:, j] = torch.dot(X[i], X[j])
    return scores


def merge_tokens_before_batch(x):  # 4.2: permute puts the tokens first
    B, H, T, d = x.shape
    return x.permute(2, 0, 1, 3).reshape(B, T, H * d)


def masked_attention_mask_given_middle_axis(q, k, v, mask):  # 3.4: unsqueeze(-2) on every mask
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    return torch.softmax(scores.masked_fill(~mask.unsqueeze(-2), float("-inf")), dim=-1) @ v


class HeadsMaskRequired(ref.MultiHeadAttention):  # 4.3: forward without a default mask
    def forward(self, X, mask):
        return super().forward(X, mask)


class HeadSizeReadBackwards(nn.Module):  # 3.5: embed_size = self.embed_size in __init__
    def __init__(self, embed_size):
        super().__init__()
        embed_size = self.embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)


class SelfAttentionReadsUnsetWidth(ref.MySelfAttention):  # 2.4: forward reads self.width, never set
    def forward(self, X):
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.width), dim=-1)
        self.last_weights = weights.detach()
        return weights @ v


def masked_softmax_negated_mask(scores, mask):  # 3.3: -mask where ~mask is meant
    return torch.softmax(scores.masked_fill(-mask, float("-inf")), dim=-1)


UNCATALOGUED = [
    ("1.1", scores_rows_reversed, "flipped", "in reverse order along"),
    ("1.2", softmax_in_half, "dtype-changed", "got torch.float16"),
    ("1.3", weights_keys_reversed, "flipped", "in reverse order along"),
    ("1.4", attention_plus_batch_mean, "sentences-mix", "changed the output of sentence 0"),
    ("2.4", ValuesDetached, "no-gradient", "linear_v.weight, linear_v.bias received no gradient"),
    ("2.4", RandomAttention, "random", "gave different outputs"),
    ("2.1", entropy_mean, "mean-not-sum", "divided by 5, the size of the last axis"),
    ("2.5", attention_softmax_over_sentences, "found-softmax-axis", "over dim 0 (the sentences)"),
    ("2.6", scores_floor_divided, "whole-numbers", "a whole number"),
    ("3.1", causal_two_back, "mask-off-by-n", "diagonal moved by -2"),
    ("3.2", padding_one_short, "mask-off-by-n", "1 key fewer per row"),
    ("3.3", masked_softmax_small_fill, "masked-keys-weighted", "masked keys with weight"),
    ("3.4", masked_attention_future_mixed, "sees-future", "an earlier token saw a later one"),
    ("3.5", HeadSharedAcrossInstances, "shared-state", "changed what the first one outputs"),
    ("3.5", HeadWeightsKeptBeforeMask, "last-weights-not-used", "they equal the right weights with the mask left out"),
    ("4.1", split_heads_with_batch_mean, "sentences-mix", "changed the output of sentence 0"),
    ("4.2", merge_heads_in_half, "dtype-changed", "got torch.float16"),
    ("4.3", HeadsUnusedValueLayer, "no-gradient", "v_proj.weight, v_proj.bias received no gradient"),
    ("4.5", to_torch_mha_with_dropout, "random", "gave different outputs"),
    ("5.3", ReversalPositionsDetached, "no-gradient", "pos.weight received no gradient"),
    ("5.1", ideal_keys_negative, "offset", "minus 6 = -T"),
    ("6.1", online_softmax_transposed, "flipped", "in reverse order along"),
    ("6.2", chunked_last_query_missing, "left-at-zero", "rows of your output are all exactly 0"),
    ("8.1", rope_in_half_precision, "dtype-changed", "got torch.float16"),
    ("8.2", rope_attention_sees_next, "sees-future", "an earlier token saw a later one"),
    ("8.3", repeat_kv_heads_counted_down, "flipped", "in reverse order along H"),
    ("8.4", GroupedValuesFromKeys, "no-gradient", "v_proj.weight, v_proj.bias received no gradient"),
    ("8.4", GroupedKeepsUnmaskedWeights, "last-weights-not-used", "are not the weights forward used"),
    ("8.5", cache_one_token_short, "offset", "the right one minus"),
    ("8.6", window_keys_reversed, "flipped", "in reverse order along T"),
    ("1.2", softmax_returned_as_logs, "log-of-weights", "exp of your result gives the right weights"),
    ("1.2", softmax_of_rounded_scores, "zero-gradient", "received a gradient of exactly 0"),
    ("1.3", weights_one_softmax_per_sentence, "softmax-over-matrix", "one softmax over all the scores of a matrix"),
    ("1.3", weights_last_query_blanked, "left-at-zero", "or a value written over them"),
    ("1.4", attention_out_made_per_sentence, "left-at-zero", "each pass starts again from a new tensor of zeros"),
    ("2.1", entropy_of_resoftmaxed, "softmax-of-weights", "computed from softmax(weights)"),
    ("2.4", ForwardScalesInputInPlace, "input-scaled-in-place", "the right computation on X × 1/√8"),
    ("3.2", padding_real_tokens_last, "real-tokens-at-end", "the right mask reversed along the keys"),
    ("3.3", masked_softmax_empty_test_with_all, "all-not-any", "some keys are masked and others may be attended"),
    ("3.4", masked_attention_mask_transposed, "found-mask", "the mask transposed, read as (key, query)"),
    ("3.5", HeadThroughReLU, "extra-relu", "a ReLU applied to the output"),
    ("3.5", HeadWithResidual, "extra-residual", "the input X added to the output"),
    ("4.3", HeadsViewedNotTransposed, "found-split", "without transpose(1, 2)"),
    ("5.1", ideal_keys_upside_down, "sign-flipped", "with its sign flipped"),
    ("6.2", chunked_returns_inside_query_loop, "left-at-zero", "returns during the loop's first pass"),
    ("2.5", attention_with_sigmoid_weights, "found-normalise", "a sigmoid in place of the softmax"),
    ("4.3", HeadsSizesSwapped, "found-split", "the two sizes swapped"),
    # The general rules (helpers/knob_words.py, lessons/layouts.py, lessons/crashes.py): new variations.
    ("3.4", masked_attention_queries_as_values, "found-v-from-q", "multiplies the weights by q, the queries"),
    ("3.5", HeadValuesFromQueries, "found-v-from-v-q", "hands v_proj the queries"),
    ("4.3", HeadsKeysFromQueryLayer, "found-k-from-q", "the keys taken from the queries' layer, q_proj"),
    ("3.5", HeadScalesValues, "found-scaled-values", "the values multiplied by 1/√8 = 1/√D instead of the scores"),
    ("3.4", masked_attention_flat_weights, "found-scores-uniform", "`return torch.softmax(blank, dim=-1) @ v` gives"),
    ("4.3", HeadsOnePatternRepeated, "found-heads-shared", "one pattern of weights for every head"),
    ("1.3", weights_shares_of_row_sum, "found-normalise-row-sum", "divided by their row's sum, with no exp"),
    ("1.2", softmax_from_the_minimum, "found-normalise-negated", "exp(m - x) = exp(-(x - m))"),
    ("3.4", masked_attention_plus_infinity, "found-mask-plus-inf", "masked_fill(~mask, math.inf)` fills"),
    ("3.5", HeadRenormalisedBySoftmax, "found-mask-after-softmax-again", "put through a softmax again"),
    ("3.3", masked_softmax_keeps_the_hidden, "found-mask-after-inverted", "after the softmax and the wrong way round"),
    ("2.6", scaled_scores_last_sentence, "one-slice-kept", "the right one's last sentence alone"),
    ("1.4", attention_batch_averaged, "averaged-over-axis", "the mean of the right one over its sentences"),
    ("1.1", scores_column_written_whole, "slice-overwritten", "`scores[:, j] = torch.dot(X[i], X[j])` writes a whole"),
    ("4.2", merge_tokens_before_batch, "misplaced", "as (T, B, H, d_head) before the last reshape"),
    (
        "3.4",
        masked_attention_mask_given_middle_axis,
        "mask-reshaped",
        "`mask.unsqueeze(-2)` makes mask, (5, 5) = (T, T)",
    ),
    ("4.3", HeadsMaskRequired, "needs-default", "def forward(self, X, mask=None):"),
    ("3.5", HeadSizeReadBackwards, "read-before-set", "turn it round: self.embed_size = embed_size"),
    ("2.4", SelfAttentionReadsUnsetWidth, "read-before-set", "reads self.width, and no line of your class sets it"),
    ("3.3", masked_softmax_negated_mask, "torch-says", "If you are trying to invert a mask, use the `~`"),
]


# --------------------------------------------------------------------------------------
# Answers whose numbers another mistake also gives, on some input: the check must say what the
# evidence shows, and neither name that other mistake nor advise a line the code already has
# (the fifth independent set's six misleading messages and its false credit, in other words).


def weights_column_softmax_rescaled(X):  # 1.3: softmax over the queries, then each row made to sum to 1
    w = torch.softmax(X @ X.mT, dim=-2)
    return w / w.sum(dim=-1, keepdim=True)


def entropy_over_log_width(weights):  # 2.1: the entropy divided by log S, between 0 and 1
    h = -torch.xlogy(weights, weights).sum(dim=-1)
    return h / math.log(weights.shape[-1])


class HiddenSizeAsParameter(nn.Module):  # 2.2: the size kept as a trainable number
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = nn.Parameter(torch.full((), float(hidden_size)))

    def forward(self, X):
        return X


def scores_over_their_mean_size(q, k):  # 2.6: divided by a spread measured over the whole batch
    scores = q @ k.mT
    return scores / scores.abs().mean()


class HeadsWeightsFolded(HeadsUnusedValueLayer):  # 4.3: (B·H, T, T) kept where (B, H, T, T) is asked
    def forward(self, X, mask=None):
        B, T, D = X.shape
        H, d = self.num_heads, self.d_head
        q, k, v = (ref.split_heads(p(X), H).reshape(B * H, T, d) for p in (self.q_proj, self.k_proj, self.v_proj))
        heads_mask = ref.heads_mask(mask)
        if heads_mask is not None:
            heads_mask = heads_mask.expand(B, H, T, T).reshape(B * H, T, T)
        weights = ref.masked_softmax(q @ k.mT / math.sqrt(d), heads_mask)
        self.last_weights = weights.detach()
        return self.out_proj(ref.merge_heads((weights @ v).reshape(B, H, T, d)))


def independent_shifts_every_sentence(attention, X):  # 4.4: the copy moved as a whole
    changed = X.clone()
    changed += 0.5
    rest = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[rest], attention(X)[rest])


def online_softmax_sum_restarted(scores, block):  # 6.1: the running sum replaced in every block
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        piece = scores[..., start : start + block]
        m_new = torch.maximum(m, piece.amax(dim=-1, keepdim=True))
        s = (piece - m_new).exp().sum(dim=-1, keepdim=True)
        m = m_new
    return (scores - m).exp() / s


def chunked_sums_restarted(q, k, v, block):  # 6.2: running sum and output replaced in every block
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].mT
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        e = torch.exp(scores - m_new)
        s = e.sum(dim=-1, keepdim=True)
        out = e @ v[..., start : start + block, :]
        m = m_new
    return out / s


class WeightsOfLastSentence(ValuesDetached):  # 2.4: one sentence's weights kept, with the line that keeps them
    def forward(self, X):
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        weights = torch.softmax(q @ k.mT * self.scale, dim=-1)
        self.last_weights = weights[-1].detach()
        return weights @ v


class NumHeadsAsTensor(HeadsUnusedValueLayer):  # 4.3: the number of heads kept as a tensor
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.num_heads = torch.tensor(num_heads)

    def forward(self, X, mask=None):
        heads = int(self.num_heads)
        q, k, v = (ref.split_heads(p(X), heads) for p in (self.q_proj, self.k_proj, self.v_proj))
        weights = ref.masked_softmax(q @ k.mT / math.sqrt(self.d_head), ref.heads_mask(mask))
        self.last_weights = weights.detach()
        return self.out_proj(ref.merge_heads(weights @ v))


def entropy_as_spare_weight(weights):  # 2.1: 1 - the largest weight, a fixed share of H on uniform rows only
    return 1 - weights.amax(dim=-1)


def entropy_from_smallest_weight(weights):  # 2.1: S·min·log S, which is H / S on uniform rows only
    S = weights.shape[-1]
    return weights.amin(dim=-1) * math.log(S)


def entropy_sum_over_width(weights):  # 2.1: the entropy divided by S, written as a division
    return torch.special.entr(weights).sum(dim=-1) / weights.shape[-1]


def softmax_rows_guarded(scores):  # 1.2: a row-max shift, then a division by 0 for rows far below zero
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    return e / (e.sum(dim=-1, keepdim=True) * (scores.amax(dim=-1, keepdim=True) > -80))


def masked_attention_fill_dropped(q, k, v, mask):  # 3.4: masked_fill's result thrown away
    scores = q @ k.mT / math.sqrt(q.shape[-1])
    scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def masked_attention_mask_flipped_early(q, k, v, mask):  # 3.4: the mask turned around, then used as usual
    hide = ~mask
    scores = (q @ k.mT / math.sqrt(q.shape[-1])).masked_fill(~hide, float("-inf"))
    return torch.softmax(scores, dim=-1).nan_to_num(0.0) @ v


def attention_softmax_of_transposed(q, k, v):  # 2.5: dim=-1, of the scores turned around
    scores = q @ k.mT / math.sqrt(q.shape[-1])
    return torch.softmax(scores.mT, dim=-1).mT @ v


def masked_softmax_empty_by_max(scores, mask):  # 3.3: empty rows looked for in the weights, which are NaN there
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(weights.amax(dim=-1, keepdim=True) == 0, 0.0)


class WeightsKeptAsArray(ValuesDetached):  # 2.4: the weights kept, but as a NumPy array
    def forward(self, X):
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        weights = torch.softmax(q @ k.mT * self.scale, dim=-1)
        self.last_weights = weights.detach().numpy()
        return weights @ v


def independent_change_lost(attention, X):  # 4.4: add() returns a new tensor, thrown away
    changed = X.clone()
    changed[1].add(1.0)
    rest = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[rest], attention(X)[rest])


def equivariant_permuted_twice(model, tokens, perm):  # 5.2: the left side permuted twice
    return torch.allclose(model(tokens[:, perm])[:, perm], model(tokens)[:, perm], atol=1e-5)


def attention_scaled_on_two_lines(q, k, v):  # 2.5: the scale written twice, once per line
    scores = q @ k.mT * q.shape[-1] ** -0.5
    return torch.softmax(scores * q.shape[-1] ** -0.5, dim=-1) @ v


class HeadScaledWithoutMaskOnly(HeadWeightsKeptBeforeMask):  # 3.5: the scale on one path of two
    def forward(self, X, mask=None):
        scores = self.q_proj(X) @ self.k_proj(X).mT
        if mask is None:
            weights = torch.softmax(scores / math.sqrt(self.embed_size), dim=-1)
        else:
            weights = ref.masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ self.v_proj(X))


# (exercise, the answer, the key it is told, a phrase of what it is told, a phrase it must not be told)
class HeadsQueriesShareKeysLayer(nn.Module):  # 4.3: q_proj and k_proj made one layer by a chained assignment
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.embed_size, self.num_heads, self.d_head = embed_size, num_heads, embed_size // num_heads
        self.k_proj = self.q_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        B, T, _ = X.shape
        H, d = self.num_heads, self.d_head
        q = self.q_proj(X).view(B, T, H, d).transpose(1, 2)
        k = self.k_proj(X).view(B, T, H, d).transpose(1, 2)
        v = self.v_proj(X).view(B, T, H, d).transpose(1, 2)
        s = q @ k.transpose(-2, -1) / d**0.5
        if mask is not None:
            s = s.masked_fill(~mask, float("-inf"))
        w = torch.softmax(s, dim=-1)
        self.last_weights = w.detach()
        return self.out_proj((w @ v).transpose(1, 2).reshape(B, T, H * d))


NOT_MISLED = [
    ("2.5", attention_scaled_on_two_lines, "scale-by-d", "scales by √D twice", "is what brings it back to about 1"),
    ("3.5", HeadScaledWithoutMaskOnly, "no-scaling", "on every path (with a mask and without)", "Divide q kᵀ by"),
    (
        "1.3",
        weights_column_softmax_rescaled,
        "found-softmax-axis-renormalised",
        "each row then divided by its sum",
        "overflows",
    ),
    ("2.1", entropy_over_log_width, "proportional", "= 1 / ln 5, here and on the same input", "Something rounds"),
    ("2.2", HiddenSizeAsParameter, "size-not-int", "expected self.hidden_size to be the int 8", "passed"),
    ("4.3", HeadsQueriesShareKeysLayer, "found-q-from-k", "one layer under two names", "q = self.q_proj(X)"),
    (
        "2.6",
        scores_over_their_mean_size,
        "sentences-mix",
        "takes mean() over the whole tensor",
        "(transpose(-2, -1), dim=-1)",
    ),
    ("4.3", HeadsWeightsFolded, "last-weights", "with the axes B, H merged into one", "Assign them there"),
    (
        "4.4",
        independent_shifts_every_sentence,
        "changed-whole-batch",
        "differs from X in every sentence",
        "!= 1 selects",
    ),
    ("6.1", online_softmax_sum_restarted, "running-sum-replaced", "sets s anew in every block", "is never given"),
    ("6.2", chunked_sums_restarted, "running-sum-replaced", "left in the running sum and output", "is never given"),
    ("2.4", WeightsOfLastSentence, "last-weights", "but sentence 1's alone", "self.last_weights = weights.detach()"),
    ("4.3", NumHeadsAsTensor, "size-not-int", "expected self.num_heads to be the int 4", "passed"),
    ("2.1", entropy_sum_over_width, "mean-not-sum", "Something divides by 5", ".mean(dim=-1) gives"),
    (
        "3.4",
        masked_attention_fill_dropped,
        "mask-ignored",
        "makes a new tensor and throws it away",
        "before the softmax: scores",
    ),
    (
        "3.4",
        masked_attention_mask_flipped_early,
        "inverted-mask",
        "turned around on the way",
        "so fill where the mask is",
    ),
    (
        "2.5",
        attention_softmax_of_transposed,
        "found-softmax-axis",
        "takes dim=-1, but of a tensor",
        "softmax(..., dim=-1)",
    ),
    ("3.3", masked_softmax_empty_by_max, "fully-masked-nan", "is there to give such rows zeros", "Give such rows"),
    ("2.4", WeightsKeptAsArray, "no-last-weights", "held no tensor", "self.last_weights = weights.detach(), right"),
    ("4.4", independent_change_lost, "change-never-reached", "every batch it ran them on was X itself", "!= 1 selects"),
    (
        "5.2",
        equivariant_permuted_twice,
        "always-false",
        "neither side is permuted twice",
        "the same permutation on both sides, along",
    ),
]

# (exercise, the answer, a key it must not be told, a phrase it must not be told): a mistake
# that the numbers of one input suggest, and the evidence does not bear out
NOT_NAMED = [
    ("2.1", entropy_as_spare_weight, "proportional", "times the right one"),
    ("2.1", entropy_from_smallest_weight, "mean-not-sum", "divided by 5"),
    ("1.2", softmax_rows_guarded, "global-max", "each row's own maximum"),
    ("1.3", weights_column_softmax_rescaled, "overflow", "Subtract each row's maximum"),
]

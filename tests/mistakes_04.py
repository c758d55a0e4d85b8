"""Wrong answers to lesson 04's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message)."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from helpers.attention import MultiHeadAttention, masked_softmax


def split_view_only(x, num_heads):  # the bug handed out in 4.1
    B, T, D = x.shape
    return x.view(B, num_heads, T, D // num_heads)


def split_two_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, 2, D // 2).transpose(1, 2)


def split_keeps_tokens_first(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads)  # forgot to bring the heads forward


def split_interleaved(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, D // num_heads, num_heads).permute(0, 3, 1, 2)


def split_heads_into_batch(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).transpose(1, 2).reshape(B * num_heads, T, D // num_heads)


def split_by_split_size(x, num_heads):
    return torch.stack(x.split(num_heads, dim=-1), dim=1)  # pieces of num_heads numbers, not num_heads pieces


def split_float_width(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, num_heads, D / num_heads).transpose(1, 2)


def split_wrong_permute(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).permute(0, 2, 3, 1)


def split_transpose_last_two(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).transpose(2, 3)


def split_width_as_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, -1, num_heads).transpose(1, 2)  # D // num_heads "heads" of num_heads numbers


def split_view_after_transpose(x, num_heads):
    B, T, D = x.shape
    return x.transpose(1, 2).view(B, num_heads, D // num_heads, T).transpose(2, 3)


def split_returns_list(x, num_heads):
    B, T, D = x.shape
    return list(x.view(B, T, num_heads, D // num_heads).transpose(1, 2).unbind(1))


def split_chunk_tokens(x, num_heads):
    return torch.stack(x.chunk(num_heads, dim=1), dim=1)  # chunks of tokens, not of features


def split_right_by_chunk(x, num_heads):
    return torch.stack(x.chunk(num_heads, dim=-1), dim=1)


def merge_reshape_only(x):
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)


def merge_view_after_transpose(x):
    B, H, T, d = x.shape
    return x.transpose(1, 2).view(B, T, H * d)


def merge_forgets_flatten(x):
    return x.transpose(1, 2)


def merge_sums_heads(x):
    return x.sum(dim=1)


def merge_wrong_permute(x):
    B, H, T, d = x.shape
    return x.permute(0, 2, 3, 1).reshape(B, T, H * d)  # each token's numbers interleaved across heads


def merge_right_by_cat(x):
    return torch.cat(x.unbind(dim=1), dim=-1)


class Heads(nn.Module):
    """A right MultiHeadAttention; each subclass below breaks one piece of it."""

    def __init__(self, embed_size, num_heads):
        super().__init__()
        self.num_heads, self.d_head = num_heads, embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def split(self, x):
        B, T, D = x.shape
        return x.view(B, T, self.num_heads, self.d_head).transpose(1, 2)

    def merge(self, x):
        B, H, T, d = x.shape
        return x.transpose(1, 2).reshape(B, T, H * d)

    def scale(self):
        return 1 / math.sqrt(self.d_head)

    def head_mask(self, mask):
        return mask if mask is None or mask.dim() == 2 else mask.unsqueeze(1)

    def finish(self, merged):
        return self.out_proj(merged)

    def forward(self, X, mask=None):
        q, k, v = self.split(self.q_proj(X)), self.split(self.k_proj(X)), self.split(self.v_proj(X))
        weights = masked_softmax(q @ k.transpose(-2, -1) * self.scale(), self.head_mask(mask))
        self.last_weights = weights.detach()
        return self.finish(self.merge(weights @ v))


class HeadsViewNoTranspose(Heads):
    def split(self, x):
        B, T, D = x.shape
        return x.view(B, self.num_heads, T, self.d_head)


class HeadsMergeNoTranspose(Heads):
    def merge(self, x):
        B, H, T, d = x.shape
        return x.reshape(B, T, H * d)


class HeadsScaleByD(Heads):
    def scale(self):
        return 1 / math.sqrt(self.num_heads * self.d_head)


class HeadsSequenceFirst(Heads):
    """The layout mix-up: treats its (B, T, D) input as (T, B, D)."""

    def forward(self, X, mask=None):
        return super().forward(X.transpose(0, 1), mask).transpose(0, 1)


class HeadsNoOutProj(Heads):
    def finish(self, merged):
        return merged


class HeadsMaskNotBroadcast(Heads):
    def head_mask(self, mask):
        return mask


class HeadsMaskInFront(Heads):
    def head_mask(self, mask):
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(0)  # (1, B, 1, T)
        return mask


class HeadsMaskIgnored(Heads):
    def head_mask(self, mask):
        return None


class HeadsNoScaling(Heads):
    def scale(self):
        return 1.0


class HeadsKeepsScores(Heads):
    def forward(self, X, mask=None):
        q, k, v = self.split(self.q_proj(X)), self.split(self.k_proj(X)), self.split(self.v_proj(X))
        scores = q @ k.transpose(-2, -1) * self.scale()
        self.last_weights = scores  # the scores, not the weights
        return self.finish(self.merge(masked_softmax(scores, self.head_mask(mask)) @ v))


class HeadsAveragesWeights(Heads):
    def forward(self, X, mask=None):
        out = super().forward(X, mask)
        self.last_weights = self.last_weights.mean(dim=1)  # (B, T, T), for one heatmap
        return out


class HeadsOwnSoftmax(Heads):
    """Writes the masked softmax inline, without lesson 03's fix for fully masked rows."""

    def forward(self, X, mask=None):
        q, k, v = self.split(self.q_proj(X)), self.split(self.k_proj(X)), self.split(self.v_proj(X))
        scores = q @ k.transpose(-2, -1) * self.scale()
        if mask is not None:
            scores = scores.masked_fill(~self.head_mask(mask), float("-inf"))
        self.last_weights = torch.softmax(scores, dim=-1)
        return self.finish(self.merge(self.last_weights @ v))


class HeadsAsserts(Heads):
    def __init__(self, embed_size, num_heads):
        assert embed_size % num_heads == 0, "embed_size must be divisible by num_heads"
        super().__init__(embed_size, num_heads)


class HeadsErrorWithoutNumbers(Heads):
    def __init__(self, embed_size, num_heads):
        if embed_size % num_heads != 0:
            raise ValueError("embed_size must be divisible by num_heads")
        super().__init__(embed_size, num_heads)


class HeadsRefuseNothing(Heads):
    pass  # no check at all: Heads itself never refuses


class HeadsRight(Heads):
    def __init__(self, embed_size, num_heads):
        if embed_size % num_heads:
            raise ValueError(f"cannot split {embed_size} numbers into {num_heads} heads")
        super().__init__(embed_size, num_heads)


class HeadsFloatWidth(HeadsRight):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.d_head = embed_size / num_heads


class HeadsMaskInverted(HeadsRight):
    def head_mask(self, mask):
        return None if mask is None else ~super().head_mask(mask)


class HeadsKeysAsValues(HeadsRight):
    def forward(self, X, mask=None):
        q, k = self.split(self.q_proj(X)), self.split(self.k_proj(X))
        self.last_weights = masked_softmax(q @ k.transpose(-2, -1) * self.scale(), self.head_mask(mask))
        return self.finish(self.merge(self.last_weights @ k))


class HeadsScaleByDHead(HeadsRight):
    def scale(self):
        return 1 / self.d_head


class HeadsMaskAtAxis2(HeadsRight):
    def head_mask(self, mask):
        return mask if mask is None or mask.dim() == 2 else mask.unsqueeze(2)


class HeadsMaskAlwaysUnsqueezed(HeadsRight):
    def head_mask(self, mask):
        return None if mask is None else mask.unsqueeze(1)  # a (T, T) mask too: (T, 1, T)


class HeadsNotDetached(HeadsRight):
    def forward(self, X, mask=None):
        q, k, v = self.split(self.q_proj(X)), self.split(self.k_proj(X)), self.split(self.v_proj(X))
        self.last_weights = masked_softmax(q @ k.transpose(-2, -1) * self.scale(), self.head_mask(mask))  # no detach
        return self.finish(self.merge(self.last_weights @ v))


class HeadsValuesNotSplit(HeadsRight):
    def forward(self, X, mask=None):
        q, k = self.split(self.q_proj(X)), self.split(self.k_proj(X))
        self.last_weights = masked_softmax(q @ k.transpose(-2, -1) * self.scale(), self.head_mask(mask))
        return self.finish(self.merge(self.last_weights @ self.v_proj(X)))


class HeadsKeepsFirstSentence(HeadsRight):
    def forward(self, X, mask=None):
        out = super().forward(X, mask)
        self.last_weights = self.last_weights[0]  # one sentence's heads, for the plot
        return out


class HeadsFusedWithoutWeights(HeadsRight):
    def forward(self, X, mask=None):
        q, k, v = self.split(self.q_proj(X)), self.split(self.k_proj(X)), self.split(self.v_proj(X))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=self.head_mask(mask))
        return self.finish(self.merge(out))


def independent_always(attention, X):
    return attention(X).shape == X.shape  # checks shapes only


def independent_never(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    return bool((attention(changed) == out).all())  # compares the changed sentence too


def independent_returns_none(attention, X):
    attention(X)


def independent_token_one(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[:, 1] += 1  # token 1 of every sentence, not sentence 1
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=1e-5)


def independent_loose(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=0.2)  # far above float noise


def independent_sums(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others].sum(dim=-1), out[others].sum(dim=-1), atol=1e-4)


def independent_whole_batch(attention, X):
    out = attention(X)
    changed = X * 2
    return torch.allclose(attention(changed)[1:], out[1:])


def independent_one_sentence(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    return torch.allclose(attention(changed)[0], out[0], atol=1e-5)  # looks at sentence 0 only


def independent_changes_sentence_zero(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[0] += 1
    return torch.allclose(attention(changed)[1:], out[1:], atol=1e-5)


def independent_in_place(attention, X):
    out = attention(X)
    changed = X  # not a copy
    changed[1] += 1
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=1e-5)


def independent_changes_X_itself(attention, X):
    out = attention(X)
    X[1] += 1
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(X)[others], out[others], atol=1e-5)


calls = []


def independent_alternating(attention, X):
    calls.append(1)
    return len(calls) % 2 == 1


def independent_inverted(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    others = torch.arange(X.shape[0]) != 1
    return not torch.allclose(attention(changed)[others], out[others], atol=1e-5)


def independent_by_type(attention, X):
    return isinstance(attention, nn.MultiheadAttention)


def independent_compares_all(attention, X):
    changed = X.clone()
    changed[1] += 1
    return torch.allclose(attention(changed), attention(X), atol=1e-5)  # sentence 1 included


def independent_prints(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    print(torch.allclose(attention(changed)[0], out[0]))


def independent_exact(attention, X):
    """Wrong: == wants every bit equal, and floats computed in another order differ in their last digits."""
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    others = torch.arange(X.shape[0]) != 1
    return bool((attention(changed)[others] == out[others]).all())


def independent_alone(attention, X):
    """Another right test: each sentence alone gives what it gives in the batch."""
    out = attention(X)
    return all(torch.allclose(attention(X[b : b + 1])[0], out[b], atol=1e-5) for b in range(X.shape[0]))


def convert_sequence_first(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.load_state_dict(ours.out_proj.state_dict())
    return theirs


def convert_k_q_v(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.k_proj.weight, ours.q_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.k_proj.bias, ours.q_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.load_state_dict(ours.out_proj.state_dict())
    return theirs


def convert_forgets_out_proj(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    return theirs


def convert_returns_ours(ours):
    return ours


def _mha(ours, **kwargs):
    return nn.MultiheadAttention(ours.embed_size, kwargs.pop("heads", ours.num_heads), batch_first=True, **kwargs)


def convert_no_return(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))


def convert_forgets_biases(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs


def convert_forgets_out_bias(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
    return theirs


def convert_transposed(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight.T, ours.k_proj.weight.T, ours.v_proj.weight.T]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight.T)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs


def convert_cat_side_by_side(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight], dim=1))
    return theirs


def convert_stack(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.stack([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
    return theirs


def convert_without_no_grad(ours):
    theirs = _mha(ours)
    theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
    return theirs


def convert_assigns(ours):
    theirs = _mha(ours)
    theirs.in_proj_weight = torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight])
    return theirs


def convert_separate_weights(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.q_proj_weight.copy_(ours.q_proj.weight)
    return theirs


def convert_one_head(ours):
    theirs = _mha(ours, heads=1)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.load_state_dict(ours.out_proj.state_dict())
    return theirs


def convert_d_head_heads(ours):
    theirs = _mha(ours, heads=ours.d_head)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.load_state_dict(ours.out_proj.state_dict())
    return theirs


def convert_forgets_out_weight(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs


def convert_load_state_dict(ours):
    theirs = _mha(ours)
    theirs.load_state_dict(ours.state_dict())
    return theirs


def convert_no_bias(ours):
    theirs = _mha(ours, bias=False)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
    return theirs


def convert_weights_only(ours):  # default bias=True, but only the weights copied
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
    return theirs


def convert_transposed_after_cat(ours):
    theirs = _mha(ours)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]).T)
    return theirs


def convert_by_data(ours):
    """Right, another way: assigning .data."""
    theirs = _mha(ours)
    theirs.in_proj_weight.data = torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]).detach()
    theirs.in_proj_bias.data = torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]).detach()
    theirs.out_proj.weight.data = ours.out_proj.weight.detach().clone()
    theirs.out_proj.bias.data = ours.out_proj.bias.detach().clone()
    return theirs


# --- named from their outcomes (issue 11's second round)


def independent_tensor_verdict(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    others = torch.arange(X.shape[0]) != 1
    return (attention(changed)[others] - out[others]).abs().max() < 1e-5


def convert_v_k_q(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.v_proj.weight, ours.k_proj.weight, ours.q_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.v_proj.bias, ours.k_proj.bias, ours.q_proj.bias]))
        theirs.out_proj.load_state_dict(ours.out_proj.state_dict())
    return theirs


def split_transpose_then_view(x, num_heads):
    B, T, D = x.shape
    return x.transpose(1, 2).view(B, num_heads, T, D // num_heads)


# --- 4.6 attention_with_dropout(q, k, v, p, training)


def _weights(q, k):
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)


def dropout_not_rescaled(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        weights = weights * (torch.rand_like(weights) >= p)
    return weights @ v


def dropout_divided_by_p(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        weights = weights * (torch.rand_like(weights) >= p) / p
    return weights @ v


def dropout_times_p(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        weights = weights * (torch.rand_like(weights) >= p) * p
    return weights @ v


def dropout_times_keep(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        weights = weights * (torch.rand_like(weights) >= p) * (1 - p)
    return weights @ v


def dropout_always(q, k, v, p, training):
    weights = F.dropout(_weights(q, k), p)  # F.dropout's training=True by default
    return weights @ v


def dropout_module_made_inside(q, k, v, p, training):
    weights = nn.Dropout(p)(_weights(q, k))  # a new nn.Dropout is in training mode
    return weights @ v


def dropout_on_output(q, k, v, p, training):
    return F.dropout(_weights(q, k) @ v, p, training)


def dropout_before_softmax(q, k, v, p, training):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    scores = F.dropout(scores, p, training)
    return torch.softmax(scores, dim=-1) @ v


def dropout_on_values(q, k, v, p, training):
    return _weights(q, k) @ F.dropout(v, p, training)


def dropout_keeps_with_p(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        keep = torch.rand_like(weights) < p  # keeps with probability p
        weights = weights * keep / (1 - p)
    return weights @ v


def dropout_renormalised(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        weights = weights * (torch.rand_like(weights) >= p)
        weights = weights / weights.sum(dim=-1, keepdim=True)
    return weights @ v


def dropout_seeded_inside(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        gen = torch.Generator().manual_seed(0)
        keep = torch.rand(weights.shape, generator=gen) >= p
        weights = weights * keep / (1 - p)
    return weights @ v


def dropout_ignores_training(q, k, v, p, training):
    return _weights(q, k) @ v


def dropout_test_inverted(q, k, v, p, training):
    weights = _weights(q, k)
    if not training:
        weights = F.dropout(weights, p)
    return weights @ v


def dropout_rescaled_in_eval(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        weights = weights * (torch.rand_like(weights) >= p)
    return weights / (1 - p) @ v


def dropout_returns_weights(q, k, v, p, training):
    return F.dropout(_weights(q, k), p, training)


def dropout_as_a_mask(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        weights = weights.masked_fill(torch.rand_like(weights) < p, float("-inf")) / (1 - p)
    return weights @ v


def dropout_one_mask_for_the_batch(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        T = weights.shape[-1]
        weights = weights * (torch.rand(T, T) >= p) / (1 - p)  # (T, T), broadcast over sentences and heads
    return weights @ v


def dropout_same_mask_per_row(q, k, v, p, training):
    weights = _weights(q, k)
    if training:
        keep = torch.rand_like(weights[..., :1]) >= p  # one draw per query: whole rows dropped
        weights = weights * keep / (1 - p)
    return weights @ v


def dropout_twice(q, k, v, p, training):
    weights = F.dropout(_weights(q, k), p, training)
    return F.dropout(weights, p, training) @ v  # once more, "for the output"


def dropout_unscaled_scores(q, k, v, p, training):
    return F.dropout(torch.softmax(q @ k.transpose(-2, -1), dim=-1), p, training) @ v


def dropout_right_by_bernoulli(q, k, v, p, training):
    weights = _weights(q, k)
    if training and p > 0:
        weights = weights * torch.bernoulli(torch.full_like(weights, 1 - p)) / (1 - p)
    return weights @ v


def dropout_right_by_sdpa(q, k, v, p, training):
    return F.scaled_dot_product_attention(q, k, v, dropout_p=p if training else 0.0)


# --- named from the fourth independent set (a development set): each class of mistake in code of our own


def merge_names_in_merged_order(x):
    B, T, H, d = x.shape  # the order after merging, not x's own
    return x.transpose(1, 2).reshape(B, T, H * d)


def merge_heads_after_one_another(x):
    return torch.cat(list(x.unbind(dim=1)), dim=1)


class HeadsOtherAttributeNames(Heads):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.heads, self.head_width = self.num_heads, self.d_head
        del self.num_heads, self.d_head

    def split(self, x):
        B, T, D = x.shape
        return x.view(B, T, self.heads, self.head_width).transpose(1, 2)

    def scale(self):
        return 1 / math.sqrt(self.head_width)


class HeadsRefuseDivisibleSizes(Heads):
    def __init__(self, embed_size, num_heads):
        if embed_size % num_heads == 0:
            raise ValueError(f"{embed_size} and {num_heads} do not fit")
        super().__init__(embed_size, num_heads)


class HeadsMaskDimWithoutNone(Heads):
    def head_mask(self, mask):
        return mask.unsqueeze(1) if mask.dim() == 3 else mask


def independent_changes_discarded(attention, X):
    before = attention(X)
    other = X.clone()
    other[1] * 2.0
    after = attention(other)
    return torch.allclose(before[[0, 2]], after[[0, 2]])


def independent_changes_last_compares_first(attention, X):
    before = attention(X)
    other = X.clone()
    other[-1] -= 1.0
    rest = torch.arange(X.shape[0]) != 0
    return torch.allclose(before[rest], attention(other)[rest])


def convert_with_example_sizes(ours):
    theirs = nn.MultiheadAttention(8, 2, batch_first=True)  # the sizes of the notebook's example
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs


MISTAKES = [
    ("4.1", split_transpose_then_view, "transpose-before-split", "so .reshape would run and still be wrong"),
    ("4.1", split_two_heads, "hard-coded-heads", "splits D into 2 heads, a number written in the code"),
    ("4.1", split_view_only, "view-no-transpose", "View as (B, T, H, d_head) first"),
    ("4.1", split_keeps_tokens_first, "split-no-transpose", "swap T and H with .transpose(1, 2)"),
    ("4.1", split_interleaved, "interleaved", "every H-th number of a token"),
    ("4.1", split_heads_into_batch, "heads-in-batch", "folded the heads into the batch axis"),
    ("4.1", split_by_split_size, "sizes-swapped", "x.split(n) cuts pieces of n numbers"),
    ("4.1", split_float_width, "float-size", "Use integer division: D // num_heads"),
    ("4.1", split_wrong_permute, "wrong-axes", "you have (B, H, d_head, T)"),
    ("4.1", split_transpose_last_two, "wrong-axes", "you have (B, T, d_head, H)"),
    ("4.1", split_width_as_heads, "sizes-swapped", "the two sizes are swapped"),
    ("4.1", split_returns_list, "not-a-tensor", "got a list"),
    ("4.1", split_chunk_tokens, "chunk-wrong-dim", "cut along the last dimension"),
    ("4.2", merge_reshape_only, "merge-no-transpose", "Swap H and T back first"),
    ("4.2", merge_view_after_transpose, "not-contiguous", "not contiguous in memory"),
    ("4.2", merge_forgets_flatten, "merge-not-flattened", "finish with .reshape(B, T, H * d_head)"),
    ("4.2", merge_sums_heads, "heads-combined", "You added up the heads"),
    ("4.2", merge_wrong_permute, "misplaced", "head 0's d_head numbers, then head 1's"),
    ("4.3", HeadsViewNoTranspose, "view-no-transpose", "View as (B, T, H, d_head) first"),
    ("4.3", HeadsMergeNoTranspose, "merge-no-transpose", "Swap H and T back first"),
    ("4.3", HeadsScaleByD, "scale-by-sqrt-D", "divide by √d_head"),
    ("4.3", HeadsSequenceFirst, "across-batch", "mixes the sentences of a batch"),
    ("4.3", HeadsNoOutProj, "no-out-proj", "skips out_proj"),
    ("4.3", HeadsMaskInFront, "mask-not-broadcast", "adds the head axis in front of the batch"),
    ("4.3", HeadsMaskNotBroadcast, "mask-not-broadcast", "sentence b's mask lands on head b"),
    ("4.3", HeadsMaskIgnored, "mask-ignored", "The mask made no difference"),
    ("4.3", HeadsNoScaling, "no-scaling", "divide them by √d_head"),
    ("4.3", HeadsKeepsScores, "weights-are-scores", "self.last_weights holds the scores"),
    ("4.3", HeadsNotDetached, "not-detached", "they still require grad"),
    ("4.3", HeadsAveragesWeights, "heads-averaged", "(B, H, T, T): head_grid and the explorer"),
    ("4.3", HeadsOwnSoftmax, "fully-masked-nan", "may attend no key at all came out as NaN"),
    ("4.3", HeadsAsserts, "init-assert", "An assert is not the check asked for"),
    ("4.3", HeadsErrorWithoutNumbers, "init-error-without-numbers", "Say both numbers"),
    ("4.3", HeadsRefuseNothing, "init-no-error", "but it was built without an error"),
    ("4.3", HeadsFloatWidth, "float-size", "Use integer division: embed_size // num_heads"),
    ("4.3", HeadsMaskInverted, "inverted-mask", "works the wrong way round"),
    ("4.3", HeadsKeysAsValues, "keys-as-values", "weights @ v"),
    ("4.4", independent_always, "always-true", "passed modules that mix the sentences"),
    ("4.4", independent_never, "always-false", "failed modules that keep sentences apart"),
    ("4.4", independent_returns_none, "not-a-verdict", "should return True or False, got a NoneType"),
    ("4.4", independent_token_one, "changed-every-sentence", "X[:, 1] is token 1 of every sentence"),
    ("4.4", independent_one_sentence, "missed-leak", "changing sentence 1 moves sentence 2 only"),
    ("4.4", independent_changes_sentence_zero, "missed-leak", "changing sentence 1 moves sentence 0 only"),
    ("4.4", independent_in_place, "in-place", "does not copy, it gives the caller's X another name"),
    ("4.4", independent_changes_X_itself, "in-place", "Change a copy instead: changed = X.clone()"),
    ("4.4", independent_alternating, "stateful", "depends on something besides the model it is given"),
    ("4.4", independent_inverted, "inverted", "answers the opposite question"),
    ("4.4", independent_by_type, "always-false", "Compare only the sentences you did not change"),
    ("4.4", independent_compares_all, "always-false", "failed modules that keep sentences apart"),
    ("4.4", independent_prints, "not-a-verdict", "not print it"),
    ("4.5", convert_sequence_first, "not-batch-first", "batch_first=True"),
    ("4.5", convert_k_q_v, "qkv-order", "in the order q, k, v"),
    ("4.5", convert_forgets_out_proj, "out-proj-not-copied", "copy out_proj.weight and out_proj.bias"),
    ("4.5", convert_returns_ours, "not-mha", "should return an nn.MultiheadAttention, got a MultiHeadAttention"),
    ("4.5", convert_no_return, "not-mha", "did you forget `return theirs`?"),
    ("4.5", convert_forgets_biases, "biases-not-copied", "in_proj_bias was not copied"),
    ("4.5", convert_forgets_out_bias, "out-proj-not-copied", "out_proj.bias was not copied"),
    ("4.5", convert_forgets_out_weight, "out-proj-not-copied", "out_proj.weight was not copied"),
    ("4.5", convert_transposed, "weights-transposed", "copy them without transposing"),
    ("4.5", convert_cat_side_by_side, "cat-wrong-dim", "torch.cat([...], dim=0)"),
    ("4.5", convert_stack, "stack-not-cat", "join them with torch.cat"),
    ("4.5", convert_without_no_grad, "copy-needs-no-grad", "with torch.no_grad():"),
    ("4.5", convert_assigns, "assign-not-copy", "A parameter cannot be replaced by a plain tensor"),
    ("4.5", convert_separate_weights, "separate-proj-weights", "theirs.q_proj_weight is None"),
    ("4.5", convert_one_head, "wrong-num-heads", "pass ours.num_heads"),
    ("4.5", convert_d_head_heads, "wrong-num-heads", "pass ours.num_heads"),
    ("4.5", convert_load_state_dict, "state-dict-names", "names its parameters in_proj_weight"),
    ("4.5", convert_no_bias, "no-bias", "or it was created with bias=False"),
    ("4.5", convert_weights_only, "no-bias", "either ours' biases were never copied"),
    ("4.5", convert_transposed_after_cat, "cat-wrong-dim", "is already (3D, D)"),
    ("4.3", HeadsScaleByDHead, "scale-by-d", "divided by d_head, not by √d_head"),
    ("4.3", HeadsMaskAtAxis2, "heads-against-tokens", "4 is T, the tokens or d_head; 3 is B, the sentences or H"),
    ("4.3", HeadsMaskAlwaysUnsqueezed, "heads-against-tokens", "A (T, T) mask needs no head axis"),
    ("4.3", HeadsValuesNotSplit, "heads-against-tokens", "4 is H, the heads; 3 is B, the sentences"),
    ("4.3", HeadsKeepsFirstSentence, "last-weights", "expected self.last_weights of shape (2, 2, 5, 5)"),
    ("4.3", HeadsFusedWithoutWeights, "no-last-weights", "forward must keep the attention weights"),
    ("4.4", independent_exact, "exact-equality", "Compare with torch.allclose"),
    ("4.4", independent_tensor_verdict, "tensor-verdict", "returned a one-element tensor"),
    ("4.4", independent_loose, "loose-tolerance", "atol=0.2 is far too loose"),
    ("4.4", independent_sums, "compares-sums", "keeps every sum"),
    ("4.4", independent_whole_batch, "changed-whole-batch", "`changed = X * 2` changes the whole batch"),
    ("4.5", convert_v_k_q, "qkv-order", "in the order v, k, q"),
    ("4.6", dropout_not_rescaled, "no-rescaling", "The kept weights were not rescaled"),
    ("4.6", dropout_divided_by_p, "rescaled-by-p", "divided by p: divide by 1 - p"),
    ("4.6", dropout_times_p, "rescaled-by-p", "multiplied by p: divide by 1 - p"),
    ("4.6", dropout_times_keep, "multiplied-by-keep", "multiplied by 1 - p: DIVIDE by it"),
    ("4.6", dropout_always, "dropout-in-eval", "F.dropout(x, p) is in training mode unless given training=training"),
    ("4.6", dropout_module_made_inside, "dropout-in-eval", "a new nn.Dropout(p) is in training mode until .eval()"),
    ("4.6", dropout_on_output, "dropout-on-output", "Dropout was applied to the output, weights @ v"),
    ("4.6", dropout_before_softmax, "before-softmax", "Dropout came before the softmax"),
    ("4.6", dropout_on_values, "dropout-on-v", "as dropout on v (or on k) gives"),
    ("4.6", dropout_keeps_with_p, "keep-probability", "p is the probability of DROPPING a weight"),
    ("4.6", dropout_renormalised, "renormalised", "You renormalised the rows after dropout"),
    ("4.6", dropout_seeded_inside, "same-mask-every-call", "drops the same weights on every call"),
    ("4.6", dropout_ignores_training, "no-dropout-in-training", "Is `training` ignored, or p never used?"),
    ("4.6", dropout_test_inverted, "dropout-in-eval", "`if not training:` drops in evaluation and not in training"),
    ("4.6", dropout_rescaled_in_eval, "rescaled-in-eval", "nothing is dropped, so nothing is rescaled either"),
    ("4.6", dropout_returns_weights, "shape", "Return weights @ v, not the weights"),
    ("4.6", dropout_as_a_mask, "non-finite", "A dropped weight is 0; -inf belongs to scores"),
    ("4.6", dropout_same_mask_per_row, "whole-rows", "Whole queries were dropped"),
    ("4.6", dropout_twice, "dropout", "of the weights set to 0, not about 25%"),
    ("4.6", dropout_unscaled_scores, "no-scaling", "The scores were not scaled"),
    ("4.6", dropout_one_mask_for_the_batch, "same-mask-every-matrix", "One (T, T) mask was drawn and broadcast"),
    ("4.2", merge_names_in_merged_order, "shape-names", "your T holds H = 3, your H holds T = 5"),
    ("4.2", merge_heads_after_one_another, "heads-along-tokens", "one after another along the tokens' axis"),
    ("4.3", HeadsOtherAttributeNames, "head-sizes-named", "Yours stores self.heads, self.head_width instead"),
    ("4.3", HeadsRefuseDivisibleSizes, "refuses-right-sizes", "is the wrong way round"),
    ("4.3", HeadsMaskDimWithoutNone, "none-attribute", "reads mask.dim, but mask is None here"),
    ("4.4", independent_changes_discarded, "change-thrown-away", "Store the change: other[1] *= 2.0"),
    ("4.4", independent_changes_last_compares_first, "changed-another-sentence", "leaves sentence 0 out of"),
    ("4.5", convert_with_example_sizes, "sizes-written-in", "writes sizes into the code (8, 2)"),
]

RIGHT = [
    ("4.3", MultiHeadAttention),
    ("4.3", HeadsRight),
    ("4.1", split_right_by_chunk),
    ("4.1", split_view_after_transpose),
    ("4.2", merge_right_by_cat),
    ("4.4", independent_alone),
    ("4.5", convert_by_data),
    ("4.6", dropout_right_by_bernoulli),
    ("4.6", dropout_right_by_sdpa),
]

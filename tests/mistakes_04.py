"""Wrong answers to lesson 04's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message)."""

import math

import torch
from torch import nn

from helpers.attention import MultiHeadAttention, masked_softmax


def split_view_only(x, num_heads):  # the bug handed out in 4.1
    B, T, D = x.shape
    return x.view(B, num_heads, T, D // num_heads)


def merge_reshape_only(x):
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)


def merge_view_after_transpose(x):
    B, H, T, d = x.shape
    return x.transpose(1, 2).view(B, T, H * d)


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
        self.last_weights = masked_softmax(q @ k.transpose(-2, -1) * self.scale(), self.head_mask(mask))
        return self.finish(self.merge(self.last_weights @ v))


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


class HeadsMaskIgnored(Heads):
    def head_mask(self, mask):
        return None


def independent_always(attention, X):
    return attention(X).shape == X.shape  # checks shapes only


def independent_never(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    return bool((attention(changed) == out).all())  # compares the changed sentence too


def independent_returns_none(attention, X):
    attention(X)


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


MISTAKES = [
    ("4.1", split_view_only, "view-no-transpose", "View as (B, T, H, d_head) first"),
    ("4.2", merge_reshape_only, "merge-no-transpose", "Swap H and T back first"),
    ("4.2", merge_view_after_transpose, "not-contiguous", "not contiguous in memory"),
    ("4.3", HeadsViewNoTranspose, "view-no-transpose", "View as (B, T, H, d_head) first"),
    ("4.3", HeadsMergeNoTranspose, "merge-no-transpose", "Swap H and T back first"),
    ("4.3", HeadsScaleByD, "scale-by-sqrt-D", "divide by √d_head"),
    ("4.3", HeadsSequenceFirst, "across-batch", "mixes the sentences of a batch"),
    ("4.3", HeadsNoOutProj, "no-out-proj", "skips out_proj"),
    ("4.3", HeadsMaskNotBroadcast, "mask-not-broadcast", "sentence b's mask lands on head b"),
    ("4.3", HeadsMaskIgnored, "mask-ignored", "The mask made no difference"),
    ("4.4", independent_always, "always-true", "passed modules that mix the sentences"),
    ("4.4", independent_never, "always-false", "failed modules that keep sentences apart"),
    ("4.4", independent_returns_none, "raised", "should return True or False, got a NoneType"),
    ("4.5", convert_sequence_first, "not-batch-first", "batch_first=True"),
    ("4.5", convert_k_q_v, "qkv-order", "in the order q, k, v"),
    ("4.5", convert_forgets_out_proj, "out-proj-not-copied", "copy out_proj.weight and out_proj.bias"),
    ("4.5", convert_returns_ours, "raised", "should return an nn.MultiheadAttention, got a MultiHeadAttention"),
]

RIGHT = [("4.3", Heads), ("4.3", MultiHeadAttention)]

"""Verify the answers of sixth_set.py and sixth_set_0708.py against references written from the notebooks' text.

A 'wrong' answer is confirmed when it differs from the reference on at least one allowed input (a different value,
shape or dtype, an exception, a changed input, a missing gradient, state shared between instances, a wrong verdict of a
test, a wrong statistic of dropout). A 'right' answer is confirmed when it shows no difference at all (values to 1e-5).

Nothing here imports or reads the course's helpers: every reference below was written from the notebooks' text.
Run: python verify_sixth.py [--verbose]
"""

import copy
import math
import os
import sys
import traceback

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
VERBOSE = "--verbose" in sys.argv


# ============================================================ references (from the notebooks' text)

def r_pairwise_scores(X):
    return X @ X.T


def r_stable_softmax(scores):
    m = scores.amax(dim=-1, keepdim=True)
    e = torch.exp(scores - m)
    return e / e.sum(dim=-1, keepdim=True)


def r_attention_weights(X):
    return torch.softmax(X @ X.transpose(-2, -1), dim=-1)


def r_simple_self_attention(X):
    return r_attention_weights(X) @ X


def r_row_entropy(w):
    return torch.special.entr(w).sum(dim=-1)


class RefMySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5
        self.last_weights = None

    def forward(self, X):
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)
        self.last_weights = weights.detach()
        return weights @ v


def r_attention_from_qkv(q, k, v):
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v


def r_scaled_scores(q, k):
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])


def r_causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).tril()


def r_padding_mask(lengths, T):
    return (torch.arange(T)[None, :] < lengths[:, None])[:, None, :]


def r_masked_softmax(scores, mask=None):
    if mask is None:
        return torch.softmax(scores, dim=-1)
    w = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return w.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)


def r_masked_attention(q, k, v, mask):
    return r_masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), mask) @ v


class RefSingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        weights = r_masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)


def r_split_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).transpose(1, 2)


def r_merge_heads(x):
    B, H, T, d = x.shape
    return x.transpose(1, 2).reshape(B, T, H * d)


class RefMultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        q = r_split_heads(self.q_proj(X), self.num_heads) / math.sqrt(self.d_head)
        k = r_split_heads(self.k_proj(X), self.num_heads)
        v = r_split_heads(self.v_proj(X), self.num_heads)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = r_masked_softmax(q @ k.transpose(-2, -1), mask)
        self.last_weights = weights.detach()
        return self.out_proj(r_merge_heads(weights @ v))


def r_sentences_truth(module_kind):
    return module_kind  # truths are given with the test modules below


def r_to_torch_mha(ours):
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha


def r_attention_nodrop(q, k, v):
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v


def r_ideal_keys(T):
    return torch.arange(T - 1, -1, -1)


class MockBagOfTokens(nn.Module):
    """The structure lesson 05 prints: tok (Embedding), attention (MultiHeadAttention), readout (Linear)."""

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, embed_size)
        self.attention = RefMultiHeadAttention(embed_size, num_heads)
        self.readout = nn.Linear(embed_size, vocab_size)

    def forward(self, tokens):
        return self.readout(self.attention(self.tok(tokens)))


class RefReversalModel(MockBagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):
        x = self.tok(tokens) + self.pos(torch.arange(tokens.shape[1]))
        return self.readout(self.attention(x))


def r_online_softmax(scores, block):
    return r_stable_softmax(scores)


def r_chunked_attention(q, k, v, block):
    return r_attention_from_qkv(q, k, v)


# ----- lessons 07 and 08

def r_append_to_cache(cache, new):
    return new if cache is None else torch.cat([cache, new], dim=-2)


def r_attend_with_cache(q, k, v):
    T_new, T_all = q.shape[-2], k.shape[-2]
    mask = torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new)
    return r_masked_attention(q, k, v, mask)


def r_positions_after(cache, num_new):
    start = 0 if cache is None else cache.shape[-2]
    return torch.arange(start, start + num_new)


class RefCachedSelfAttention(RefMultiHeadAttention):
    def __init__(self, embed_size, num_heads):
        super().__init__(embed_size, num_heads)
        self.reset_cache()

    def reset_cache(self):
        self.cache_k = None
        self.cache_v = None

    def forward(self, X):
        q = r_split_heads(self.q_proj(X), self.num_heads)
        k = r_split_heads(self.k_proj(X), self.num_heads)
        v = r_split_heads(self.v_proj(X), self.num_heads)
        self.cache_k = r_append_to_cache(self.cache_k, k)
        self.cache_v = r_append_to_cache(self.cache_v, v)
        return self.out_proj(r_merge_heads(r_attend_with_cache(q, self.cache_k, self.cache_v)))


class MockCausalSelfAttention(RefMultiHeadAttention):
    def forward(self, X):
        return super().forward(X, r_causal_mask(X.shape[1]))


class MockBlock(nn.Module):
    def __init__(self, D, H, attention):
        super().__init__()
        self.norm1 = nn.LayerNorm(D)
        self.attention = attention(D, H)
        self.norm2 = nn.LayerNorm(D)
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class MockTinyCausalLM(nn.Module):
    """The interface lesson 07 shows: tok, pos, blocks[i].attention, logits(x); attention= a class."""

    def __init__(self, vocab_size, max_len, embed_size, num_heads, num_layers=2, attention=MockCausalSelfAttention):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, embed_size)
        self.pos = nn.Embedding(max_len, embed_size)
        self.blocks = nn.ModuleList(MockBlock(embed_size, num_heads, attention) for _ in range(num_layers))
        self.norm = nn.LayerNorm(embed_size)
        self.readout = nn.Linear(embed_size, vocab_size)

    def logits(self, x):
        for block in self.blocks:
            x = block(x)
        return self.readout(self.norm(x))

    def forward(self, tokens):
        return self.logits(self.tok(tokens) + self.pos(torch.arange(tokens.shape[1])))


def r_generate_logits(model, prompt, steps):
    tokens, out = prompt, []
    with torch.no_grad():
        for _ in range(steps):
            logits = model(tokens)[:, -1]
            out.append(logits)
            tokens = torch.cat([tokens, logits.argmax(dim=-1, keepdim=True)], dim=1)
    return torch.stack(out, dim=1)


def r_apply_rope(x, positions, base=10000.0):
    d = x.shape[-1]
    freqs = base ** (-torch.arange(0, d, 2, dtype=torch.float32) / d)
    ang = positions.to(torch.float32)[:, None] * freqs
    cos, sin = torch.cos(ang), torch.sin(ang)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def r_rope_attention(q, k, v, positions):
    return F.scaled_dot_product_attention(r_apply_rope(q, positions), r_apply_rope(k, positions), v, is_causal=True)


def r_repeat_kv(x, groups):
    return x.repeat_interleave(groups, dim=1)


class RefGroupedQueryAttention(nn.Module):
    def __init__(self, embed_size, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads, self.num_kv_heads = num_heads, num_kv_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.v_proj = nn.Linear(embed_size, num_kv_heads * self.d_head)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        g = self.num_heads // self.num_kv_heads
        q = r_split_heads(self.q_proj(X), self.num_heads)
        k = r_repeat_kv(r_split_heads(self.k_proj(X), self.num_kv_heads), g)
        v = r_repeat_kv(r_split_heads(self.v_proj(X), self.num_kv_heads), g)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        w = r_masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(self.d_head), mask)
        self.last_weights = w.detach()
        return self.out_proj(r_merge_heads(w @ v))


def r_kv_cache_gib(T, num_layers, num_kv_heads, d_head, bytes_per_number):
    return 2 * T * num_layers * num_kv_heads * d_head * bytes_per_number / 2 ** 30


def r_sliding_window_mask(T, window):
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    return (j <= i) & (j > i - window)


# ============================================================ what each lesson hands its students

BASE = {"torch": torch, "nn": nn, "F": F, "math": math}
GIVEN = {
    "01": {"stable_softmax": r_stable_softmax},
    "02": {"simple_self_attention": r_simple_self_attention, "D": 256, "T": 16},
    "03": {"causal_mask": r_causal_mask, "padding_mask": r_padding_mask, "masked_softmax": r_masked_softmax,
           "PAD": "<pad>"},
    "04": {"SingleHeadAttention": RefSingleHeadAttention, "causal_mask": r_causal_mask, "padding_mask": r_padding_mask,
           "masked_softmax": r_masked_softmax, "split_heads": r_split_heads, "merge_heads": r_merge_heads,
           "D": 64, "H": 8},
    "05": {"BagOfTokens": MockBagOfTokens, "MultiHeadAttention": RefMultiHeadAttention},
    "06": {"attention_from_qkv": r_attention_from_qkv},
    "07": {"MultiHeadAttention": RefMultiHeadAttention, "TinyCausalLM": MockTinyCausalLM, "causal_mask": r_causal_mask,
           "masked_attention": r_masked_attention, "merge_heads": r_merge_heads, "split_heads": r_split_heads,
           "append_to_cache": r_append_to_cache, "attend_with_cache": r_attend_with_cache,
           "positions_after": r_positions_after, "CachedSelfAttention": RefCachedSelfAttention},
    "08": {"MultiHeadAttention": RefMultiHeadAttention, "masked_softmax": r_masked_softmax,
           "merge_heads": r_merge_heads, "split_heads": r_split_heads, "apply_rope": r_apply_rope,
           "repeat_kv": r_repeat_kv},
}
NAME = {"1.1": "pairwise_scores", "1.2": "stable_softmax", "1.3": "attention_weights", "1.4": "simple_self_attention",
        "2.1": "row_entropy", "2.2": "MySelfAttention", "2.3": "MySelfAttention", "2.4": "MySelfAttention",
        "2.5": "attention_from_qkv", "2.6": "scaled_scores", "3.1": "causal_mask", "3.2": "padding_mask",
        "3.3": "masked_softmax", "3.4": "masked_attention", "3.5": "SingleHeadAttention", "4.1": "split_heads",
        "4.2": "merge_heads", "4.3": "MultiHeadAttention", "4.4": "sentences_independent", "4.5": "to_torch_mha",
        "4.6": "attention_with_dropout", "5.1": "ideal_keys", "5.2": "is_permutation_equivariant",
        "5.3": "ReversalModel", "6.1": "online_softmax", "6.2": "chunked_attention",
        "7.1": "append_to_cache", "7.2": "attend_with_cache", "7.3": "CachedSelfAttention", "7.4": "positions_after",
        "7.5": "CachedCausalLM", "8.1": "apply_rope", "8.2": "rope_attention", "8.3": "repeat_kv",
        "8.4": "GroupedQueryAttention", "8.5": "kv_cache_gib", "8.6": "sliding_window_mask"}


def build(entry):
    lesson = "0" + entry["ex"].split(".")[0]
    ns = dict(BASE)
    ns.update(GIVEN[lesson])
    exec(compile(entry["code"], f"<{entry['ex']} {entry['id']}>", "exec"), ns)
    return ns[NAME[entry["ex"]]]


# ============================================================ comparison helpers

def g(seed):
    return torch.Generator().manual_seed(seed)


def randn(seed, *shape, scale=1.0):
    return torch.randn(*shape, generator=g(seed)) * scale


def clone(x):
    if torch.is_tensor(x):
        return x.clone()
    if isinstance(x, (list, tuple)):
        return type(x)(clone(i) for i in x)
    return x


def same_tensor(a, b, atol=1e-5, rtol=1e-5):
    if not torch.is_tensor(a):
        return f"not a tensor but {type(a).__name__}"
    if tuple(a.shape) != tuple(b.shape):
        return f"shape {tuple(a.shape)} instead of {tuple(b.shape)}"
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} instead of {b.dtype}"
    if a.dtype == torch.bool or not a.is_floating_point():
        return None if torch.equal(a, b) else "different values"
    if not torch.allclose(a, b, atol=atol, rtol=rtol, equal_nan=True):
        diff = (a - b).abs()
        bad = torch.isnan(a) != torch.isnan(b)
        return f"values differ (max |diff| {diff[~torch.isnan(diff)].max().item() if (~torch.isnan(diff)).any() else 'nan'}, NaN mismatch {bad.sum().item()})"
    return None


def call(fn, *args):
    try:
        return fn(*args), None
    except Exception as e:  # noqa: BLE001
        return None, f"raised {type(e).__name__}: {str(e)[:100]}"


def compare_function(fn, ref, cases, atol=1e-5):
    """cases: (label, args). Returns the problems found."""
    problems = []
    for label, args in cases:
        expected = ref(*clone(args))
        given = clone(args)
        got, err = call(fn, *given)
        if err:
            problems.append(f"{label}: {err}")
            continue
        for a, b in zip(given, args):
            if torch.is_tensor(a) and not torch.equal(torch.nan_to_num(a), torch.nan_to_num(b)):
                problems.append(f"{label}: input changed in place")
                break
        bad = same_tensor(got, expected, atol=atol, rtol=atol)
        if bad:
            problems.append(f"{label}: {bad}")
    return problems


def as_bool(result):
    if isinstance(result, bool):
        return result
    if torch.is_tensor(result) and result.numel() == 1 and result.dtype == torch.bool and result.dim() == 0:
        return bool(result)
    raise TypeError(f"returned {type(result).__name__} {getattr(result, 'shape', '')}, not True/False")


# ============================================================ judges: lesson 01

def judge_1_1(fn):
    cases = [(f"X {s}", (randn(i, *s),)) for i, s in enumerate([(5, 3), (4, 7), (6, 4), (1, 2), (3, 3)])]
    cases.append(("X with a zero token", (torch.cat([torch.zeros(1, 4), randn(9, 3, 4)]),)))
    return compare_function(fn, r_pairwise_scores, cases)


SOFTMAX_CASES = [
    ("scores (3, 4)", (randn(1, 3, 4),)),
    ("scores (3, 4) around 1000", (randn(2, 3, 4) + 1000,)),
    ("scores (2, 3, 5) x 50", (randn(3, 2, 3, 5, scale=50),)),
    ("scores (7,)", (randn(4, 7),)),
    ("scores (4, 4)", (randn(5, 4, 4),)),
    ("rows far apart", (torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -999.0, -1001.0]]),)),
    ("wide rows (3, 6) x 100", (randn(6, 3, 6, scale=100),)),
    ("negative rows (2, 5)", (-randn(7, 2, 5).abs() - 3,)),
]


def judge_1_2(fn):
    return compare_function(fn, r_stable_softmax, SOFTMAX_CASES)


BATCH_CASES = [(f"X {s}", (randn(10 + i, *s),)) for i, s in enumerate([(2, 5, 3), (3, 4, 6), (1, 3, 3), (2, 4, 4), (4, 2, 5)])]


def judge_1_3(fn):
    return compare_function(fn, r_attention_weights, BATCH_CASES)


def judge_1_4(fn):
    return compare_function(fn, r_simple_self_attention, BATCH_CASES)


# ============================================================ judges: lesson 02

def entropy_cases():
    w1 = torch.softmax(randn(20, 3, 5), -1)
    w2 = r_masked_softmax(randn(21, 2, 4, 4), r_causal_mask(4))
    onehot = F.one_hot(torch.tensor([0, 2, 1]), 3).float()
    w4 = torch.softmax(randn(22, 6), -1)
    w5 = torch.softmax(randn(23, 2, 2, 3, 4), -1)
    return [("weights (3, 5)", (w1,)), ("weights (2, 3, 4) with zeros", (w2,)), ("one-hot rows", (onehot,)),
            ("weights (6,)", (w4,)), ("weights (2, 2, 3, 4)", (w5,))]


def judge_2_1(fn):
    return compare_function(fn, r_row_entropy, entropy_cases())


def judge_2_2(cls):
    problems = []
    try:
        m = cls(8)
    except Exception as e:  # noqa: BLE001
        return [f"MySelfAttention(8) raised {type(e).__name__}: {e}"]
    if not isinstance(m, nn.Module):
        problems.append("not an nn.Module")
    if getattr(m, "hidden_size", None) != 8:
        problems.append(f"hidden_size is {getattr(m, 'hidden_size', 'missing')!r}")
    X = randn(30, 2, 3, 8)
    out, err = call(m, X)
    if err:
        problems.append(f"calling it: {err}")
    elif not torch.equal(out, X):
        problems.append("placeholder forward does not hand X back")
    _, err = call(lambda: list(m.parameters()))
    if err:
        problems.append(f"parameters(): {err}")
    return problems


def judge_2_3(cls):
    problems = []
    for hs in (8, 5, 64):
        try:
            m = cls(hs)
        except Exception as e:  # noqa: BLE001
            problems.append(f"MySelfAttention({hs}) raised {type(e).__name__}: {e}")
            continue
        layers = []
        for name in ("linear_q", "linear_k", "linear_v"):
            layer = getattr(m, name, None)
            if not isinstance(layer, nn.Linear):
                problems.append(f"{hs}: {name} missing")
                continue
            layers.append(layer)
            if (layer.in_features, layer.out_features) != (hs, hs):
                problems.append(f"{hs}: {name} is {layer.in_features}->{layer.out_features}")
            if layer.bias is None:
                problems.append(f"{hs}: {name} has no bias")
        if len({id(x) for x in layers}) != len(layers):
            problems.append(f"{hs}: layers shared")
        n = sum(p.numel() for p in m.parameters())
        if n != 3 * (hs * hs + hs):
            problems.append(f"{hs}: {n} parameters instead of {3 * (hs * hs + hs)}")
        scale = getattr(m, "scale", None)
        if not isinstance(scale, (int, float)) or abs(scale - hs ** -0.5) > 1e-7:
            problems.append(f"{hs}: scale {scale!r} instead of {hs ** -0.5}")
    return problems


def compare_modules(cls, ref_cls, ctor_args, calls, weights_attr="last_weights", seeds=(100, 101)):
    """calls: list of (label, args). Loads the reference's parameters into the student's module by name."""
    problems = []
    for ctor in ctor_args:
        torch.manual_seed(seeds[0])
        ref = ref_cls(*ctor)
        with torch.no_grad():
            for p in ref.parameters():
                p.add_(torch.randn(p.shape) * 0.3)     # biases far from 0
        try:
            torch.manual_seed(seeds[1])
            mine = cls(*ctor)
            mine.load_state_dict(ref.state_dict())
        except Exception as e:  # noqa: BLE001
            problems.append(f"{ctor}: building/loading raised {type(e).__name__}: {str(e)[:100]}")
            continue
        n_ref, n_mine = sum(p.numel() for p in ref.parameters()), sum(p.numel() for p in mine.parameters())
        if n_ref != n_mine:
            problems.append(f"{ctor}: {n_mine} parameters instead of {n_ref}")
        for label, args in calls(ctor):
            ref.zero_grad()
            mine.zero_grad()
            expected = ref(*clone(args))
            given = clone(args)
            got, err = call(mine, *given)
            if err:
                problems.append(f"{ctor} {label}: {err}")
                continue
            bad = same_tensor(got, expected)
            if bad:
                problems.append(f"{ctor} {label}: output {bad}")
                continue
            for a, b in zip(given, args):
                if torch.is_tensor(a) and not torch.equal(a, b):
                    problems.append(f"{ctor} {label}: input changed")
            if weights_attr:
                lw = getattr(mine, weights_attr, None)
                bad = same_tensor(lw, getattr(ref, weights_attr)) if lw is not None else "missing"
                if bad:
                    problems.append(f"{ctor} {label}: {weights_attr} {bad}")
            R = randn(77, *expected.shape)
            (expected * R).sum().backward()
            try:
                (got * R).sum().backward()
            except Exception as e:  # noqa: BLE001
                problems.append(f"{ctor} {label}: backward raised {type(e).__name__}")
                continue
            mine_params = dict(mine.named_parameters())
            for name, p in ref.named_parameters():
                q = mine_params.get(name)
                if q is None:
                    continue
                if p.grad is None:
                    continue
                if q.grad is None:
                    problems.append(f"{ctor} {label}: {name} gets no gradient")
                elif not torch.allclose(q.grad, p.grad, atol=1e-4, rtol=1e-4):
                    problems.append(f"{ctor} {label}: {name} gradient differs")
        # a second instance must not change the first one
        try:
            label, args = calls(ctor)[0]
            with torch.no_grad():
                before = mine(*clone(args))
                torch.manual_seed(seeds[1] + 7)
                other = ref_cls(*ctor)
                mine2 = cls(*ctor)
                mine2.load_state_dict(other.state_dict())
                after = mine(*clone(args))
            if not torch.allclose(before, after, atol=1e-6, equal_nan=True):
                problems.append(f"{ctor}: a second instance changed the first one's output")
        except Exception:  # noqa: BLE001
            pass
    return problems


def judge_2_4(cls):
    calls = lambda c: [("X (2, 5, D)", (randn(40, 2, 5, c[0]),)), ("X (1, 3, D)", (randn(41, 1, 3, c[0]),)),
                       ("X (3, 4, D)", (randn(42, 3, 4, c[0], scale=2),))]
    return compare_modules(cls, RefMySelfAttention, [(4,), (6,)], calls)


QKV_CASES = [(f"q, k, v {s}", tuple(randn(50 + 3 * i + j, *s) for j in range(3)))
             for i, s in enumerate([(2, 5, 3), (3, 4, 6), (1, 6, 8)])]


def judge_2_5(fn):
    return compare_function(fn, r_attention_from_qkv, QKV_CASES)


def judge_2_6(fn):
    return compare_function(fn, r_scaled_scores, [(l, a[:2]) for l, a in QKV_CASES])


# ============================================================ judges: lesson 03

def judge_3_1(fn):
    return compare_function(fn, r_causal_mask, [(f"T={T}", (T,)) for T in (1, 2, 3, 5, 7)])


def judge_3_2(fn):
    cases = [("lengths [3, 6], T=6", (torch.tensor([3, 6]), 6)), ("lengths [1, 4, 2], T=5", (torch.tensor([1, 4, 2]), 5)),
             ("lengths [2, 2], T=4", (torch.tensor([2, 2]), 4)), ("lengths [3, 1, 2, 4], T=4", (torch.tensor([3, 1, 2, 4]), 4)),
             ("lengths [5], T=7", (torch.tensor([5]), 7))]
    return compare_function(fn, r_padding_mask, cases)


def masked_softmax_cases():
    B, T = 2, 4
    m_full = torch.tensor([[[1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 1, 0]],
                           [[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]]], dtype=torch.bool)
    pad = r_padding_mask(torch.tensor([4, 2]), 4)
    pad0 = r_padding_mask(torch.tensor([3, 0]), 4)
    s = randn(60, B, T, T)
    return [("causal (T, T)", (s, r_causal_mask(T))), ("padding (B, 1, T)", (randn(61, B, T, T), pad)),
            ("(B, T, T) with empty rows", (randn(62, B, T, T), m_full)),
            ("padding with an empty sentence", (randn(63, B, T, T), pad0)),
            ("masked keys 200 above", (randn(64, B, T, T) + 200.0 * ~pad, pad)),
            ("padding + causal (3, 5, 5)", (randn(65, 3, 5, 5), r_padding_mask(torch.tensor([5, 3, 1]), 5) & r_causal_mask(5)))]


def judge_3_3(fn):
    return compare_function(fn, r_masked_softmax, masked_softmax_cases())


def judge_3_4(fn):
    cases = []
    for i, (B, T, d) in enumerate([(2, 4, 3), (3, 5, 2)]):
        q, k, v = (randn(70 + 3 * i + j, B, T, d) for j in range(3))
        lengths = torch.tensor([T] + [max(1, T - 2 - b) for b in range(B - 1)])
        rnd = torch.rand(B, T, T, generator=g(80 + i)) > 0.5
        rnd |= torch.eye(T, dtype=torch.bool)
        cases += [(f"causal ({T}, {T})", (q, k, v, r_causal_mask(T))),
                  (f"padding ({B}, 1, {T})", (q, k, v, r_padding_mask(lengths, T))),
                  (f"random ({B}, {T}, {T})", (q, k, v, rnd))]
    return compare_function(fn, r_masked_attention, cases)


def sha_calls(c):
    D = c[0]
    X = randn(90, 2, 4, D)
    X3 = randn(91, 3, 5, D)
    m_full = torch.ones(2, 4, 4, dtype=torch.bool).tril()
    m_full[1, 2] = False
    return [("no mask", (X,)), ("causal (T, T)", (X, r_causal_mask(4))),
            ("padding (B, 1, T)", (X3, r_padding_mask(torch.tensor([5, 3, 2]), 5))),
            ("padding & causal (B, T, T)", (X3, r_padding_mask(torch.tensor([5, 3, 2]), 5) & r_causal_mask(5))),
            ("(B, T, T) with an empty row", (X, m_full))]


def judge_3_5(cls):
    return compare_modules(cls, RefSingleHeadAttention, [(4,), (6,)], sha_calls)


# ============================================================ judges: lesson 04

def judge_4_1(fn):
    cases = [("x (2, 5, 12), H=3", (randn(100, 2, 5, 12), 3)), ("x (1, 3, 6), H=2", (randn(101, 1, 3, 6), 2)),
             ("x (3, 4, 8), H=4", (randn(102, 3, 4, 8), 4)), ("x (2, 6, 4), H=1", (randn(103, 2, 6, 4), 1))]
    return compare_function(fn, r_split_heads, cases)


def judge_4_2(fn):
    cases = [(f"x {s}", (randn(110 + i, *s),)) for i, s in enumerate([(2, 3, 5, 4), (1, 2, 3, 3), (3, 4, 6, 2), (2, 1, 4, 3)])]
    return compare_function(fn, r_merge_heads, cases)


def mha_calls(c):
    D = c[0]
    X = randn(120, 2, 5, D)
    X3 = randn(121, 3, 6, D)
    m_full = torch.ones(2, 5, 5, dtype=torch.bool).tril()
    m_full[0, 3] = False
    return [("no mask", (X,)), ("causal (T, T)", (X, r_causal_mask(5))),
            ("padding (B, 1, T)", (X3, r_padding_mask(torch.tensor([6, 4, 2]), 6))),
            ("padding & causal (B, T, T)", (X3, r_padding_mask(torch.tensor([6, 4, 2]), 6) & r_causal_mask(6))),
            ("(B, T, T) with an empty row", (X, m_full))]


def judge_4_3(cls):
    problems = []
    try:
        cls(10, 3)
        problems.append("MultiHeadAttention(10, 3) raised nothing")
    except ValueError as e:
        if "10" not in str(e) or "3" not in str(e):
            problems.append(f"ValueError without both numbers: {e}")
    except Exception as e:  # noqa: BLE001
        problems.append(f"MultiHeadAttention(10, 3) raised {type(e).__name__}, not ValueError")
    problems += compare_modules(cls, RefMultiHeadAttention, [(12, 3), (8, 2), (16, 8)], mha_calls)
    return problems


class ReadsSequenceFirst(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(5)
        self.attention = RefMultiHeadAttention(6, 2)

    def forward(self, X):
        return self.attention(X.transpose(0, 1)).transpose(0, 1)


def leak_1_into_2(X):
    out = X * 2
    out[2] = out[2] + X[1].sum(0)
    return out


def test_modules():
    torch.manual_seed(3)
    mha = RefMultiHeadAttention(6, 2)
    return [("MultiHeadAttention", mha, True), ("ReadsSequenceFirst", ReadsSequenceFirst(), False),
            ("leaks sentence 1 into 2", leak_1_into_2, False),
            ("weak mixing (0.001 x batch mean)", lambda X: X + 0.001 * X.mean(0, keepdim=True), False),
            ("adds the batch mean", lambda X: X + X.mean(0, keepdim=True), False),
            ("tanh, pointwise", torch.tanh, True),
            ("per-sentence softmax attention", lambda X: r_simple_self_attention(X), True)]


def judge_4_4(fn):
    problems = []
    for X in (randn(130, 3, 4, 6), randn(131, 4, 5, 6)):
        for name, module, truth in test_modules():
            given = X.clone()
            with torch.no_grad():
                got, err = call(fn, module, given)
            if err:
                problems.append(f"{name} B={X.shape[0]}: {err}")
                continue
            if not torch.equal(given, X):
                problems.append(f"{name}: X changed")
            try:
                verdict = as_bool(got)
            except TypeError as e:
                problems.append(f"{name}: {e}")
                continue
            if verdict != truth:
                problems.append(f"{name} B={X.shape[0]}: said {verdict}, truth {truth}")
    return problems


def judge_4_5(fn):
    problems = []
    for E, H in ((16, 4), (12, 3), (8, 2), (6, 1)):
        torch.manual_seed(E * 10 + H)
        ours = RefMultiHeadAttention(E, H)
        with torch.no_grad():
            for p in ours.parameters():
                p.add_(torch.randn(p.shape) * 0.3)
        theirs, err = call(fn, ours)
        if err:
            problems.append(f"({E}, {H}): {err}")
            continue
        if not isinstance(theirs, nn.MultiheadAttention):
            problems.append(f"({E}, {H}): not an nn.MultiheadAttention")
            continue
        X = randn(140, 3, 5, E)
        pad = r_padding_mask(torch.tensor([5, 3, 2]), 5)
        with torch.no_grad():
            for label, ref_out, kwargs in (("no mask", ours(X), {}),
                                           ("padding", ours(X, pad), {"key_padding_mask": ~pad[:, 0, :]})):
                got, err = call(lambda: theirs(X, X, X, need_weights=False, **kwargs)[0])
                if err:
                    problems.append(f"({E}, {H}) {label}: {err}")
                    continue
                bad = same_tensor(got, ref_out)
                if bad:
                    problems.append(f"({E}, {H}) {label}: {bad}")
    return problems


def judge_4_6(fn):
    problems = []
    T, d = 6, 4
    q, k = randn(150, 300, 2, T, d), randn(151, 300, 2, T, d)
    v = torch.cat([torch.eye(T), torch.ones(T, 1)], dim=-1).expand(300, 2, T, T + 1)   # d_v = T + 1 != d
    plain = r_attention_nodrop(q, k, v)
    # evaluation
    got, err = call(fn, q, k, v, 0.3, False)
    if err:
        return [f"eval: {err}"]
    bad = same_tensor(got, plain)
    if bad:
        problems.append(f"eval: {bad}")
    got, err = call(fn, q, k, v, 0.0, True)
    if err:
        problems.append(f"p=0 training: {err}")
    elif same_tensor(got, plain):
        problems.append(f"p=0 training: {same_tensor(got, plain)}")
    # training
    torch.manual_seed(1234)
    first, err = call(fn, q, k, v, 0.3, True)
    if err:
        return problems + [f"training: {err}"]
    second, _ = call(fn, q, k, v, 0.3, True)
    if not torch.is_tensor(first) or first.shape != plain.shape:
        return problems + ["training: wrong output"]
    if torch.isnan(first).any():
        problems.append("training: NaN in the output")
    w_plain, w = plain[..., :T], first[..., :T]
    dropped = (w == 0).float().mean().item()
    if abs(dropped - 0.3) > 0.03:
        problems.append(f"training: dropped {dropped:.3f} of the weights instead of 0.3")
    kept = w != 0
    if kept.any():
        ratio = w[kept] / w_plain[kept]
        ratio = ratio[~torch.isnan(ratio)]
        if (ratio - 1 / 0.7).abs().max() > 1e-3:
            problems.append(f"training: kept weights multiplied by {ratio.mean():.4f} (spread {ratio.std():.4f}), not {1 / 0.7:.4f}")
    if second is not None and torch.equal(first, second):
        problems.append("training: two calls dropped the same weights")
    pattern = (w == 0)
    if torch.equal(pattern, pattern[:1, :1, :1].expand_as(pattern)):
        problems.append("training: every row dropped the same keys")
    mean = torch.stack([fn(q[:20], k[:20], v[:20], 0.3, True) for _ in range(100)]).mean(0)
    if (mean - plain[:20]).abs().mean() > 0.02:
        problems.append(f"training: mean of draws is off the plain output by {(mean - plain[:20]).abs().mean():.3f}")
    return problems


# ============================================================ judges: lesson 05

def judge_5_1(fn):
    return compare_function(fn, r_ideal_keys, [(f"T={T}", (T,)) for T in (1, 2, 5, 8, 9)])


def judge_5_2(fn):
    problems = []
    V, T = 10, 8
    torch.manual_seed(4)
    bag = MockBagOfTokens(V, T, 16, 2)
    torch.manual_seed(5)
    rev = RefReversalModel(V, T, 16, 2)
    emb = nn.Embedding(V, 5)
    slight = lambda t: bag(t) + 1e-4 * torch.arange(t.shape[1])[:, None]
    models = [("BagOfTokens", bag, True), ("ReversalModel", rev, False), ("embedding only", emb, True),
              ("BagOfTokens + 1e-4 x position", slight, False)]
    perm = torch.tensor([1, 2, 3, 4, 5, 6, 7, 0])            # a cycle: not its own inverse
    for tokens in (torch.randint(0, V, (5, T), generator=g(160)), torch.randint(0, V, (3, T), generator=g(161))):
        for name, model, truth in models:
            t, p = tokens.clone(), perm.clone()
            with torch.no_grad():
                got, err = call(fn, model, t, p)
            if err:
                problems.append(f"{name} B={tokens.shape[0]}: {err}")
                continue
            if not torch.equal(t, tokens) or not torch.equal(p, perm):
                problems.append(f"{name}: tokens or perm changed")
            try:
                verdict = as_bool(got)
            except TypeError as e:
                problems.append(f"{name}: {e}")
                continue
            if verdict != truth:
                problems.append(f"{name} B={tokens.shape[0]}: said {verdict}, truth {truth}")
    return problems


def judge_5_3(cls):
    calls = lambda c: [("tokens (4, 8)", (torch.randint(0, 10, (4, 8), generator=g(170)),)),
                       ("tokens (3, 5), shorter", (torch.randint(0, 10, (3, 5), generator=g(171)),)),
                       ("tokens (2, 8)", (torch.randint(0, 10, (2, 8), generator=g(172)),))]
    return compare_modules(cls, RefReversalModel, [(10, 8, 16, 2)], calls, weights_attr=None)


# ============================================================ judges: lesson 06

def judge_6_1(fn):
    cases = [("(3, 10), block 4", (randn(180, 3, 10), 4)), ("(2, 3, 7), block 3", (randn(181, 2, 3, 7), 3)),
             ("(5,), block 2", (randn(182, 5), 2)), ("(4, 4), block 4", (randn(183, 4, 4), 4)),
             ("(4, 4), block 3", (randn(188, 4, 4), 3)),
             ("(3, 8) x 1000, block 3", (randn(184, 3, 8, scale=1000), 3)),
             ("rows far apart, block 2", (torch.tensor([[1000.0, 1001, 999, 998], [-1000.0, -999, -998, -1001]]), 2)),
             ("first block far above the rest", (torch.tensor([[1000.0, 999, 0, 1, 2]]), 2)),
             ("rows around -1000, block 3", (randn(185, 2, 7) - 1000, 3))]
    return compare_function(fn, r_online_softmax, cases)


def judge_6_2(fn):
    cases = []
    for i, (B, T, d, blk) in enumerate([(2, 10, 4, 3), (1, 7, 8, 7), (3, 9, 5, 4), (1, 16, 4, 16), (2, 12, 6, 5)]):
        q, k, v = (randn(190 + 3 * i + j, B, T, d) for j in range(3))
        cases.append((f"({B}, {T}, {d}), block {blk}", (q, k, v, blk)))
    q, k, v = (randn(200 + j, 2, 6, 4) for j in range(3))
    q[0, 0] *= 1000.0
    cases.append(("one query 1000 times larger, block 2", (q, k, v, 2)))
    q, k, v = (randn(210 + j, 1, 8, 4) for j in range(3))
    k[:, :2] *= 300.0
    cases.append(("first keys far larger, block 2", (q, k, v, 2)))
    return compare_function(fn, r_chunked_attention, cases, atol=1e-5)


# ============================================================ judges: lessons 07 and 08

def judge_7_1(fn):
    cases = []
    for i, (B, H, Tp, Tn, d) in enumerate([(2, 3, 4, 1, 5), (1, 2, 3, 2, 4), (3, 2, 1, 3, 2), (1, 1, 1, 1, 4)]):
        cases.append((f"cache {(B, H, Tp, d)} + new {(B, H, Tn, d)}", (randn(220 + i, B, H, Tp, d), randn(230 + i, B, H, Tn, d))))
    cases.append(("no cache yet", (None, randn(240, 2, 2, 3, 4))))
    return compare_function(fn, r_append_to_cache, cases)


def judge_7_2(fn):
    cases = []
    for i, (B, H, Tn, Ta, d) in enumerate([(2, 2, 1, 6, 4), (1, 3, 3, 8, 4), (2, 1, 4, 4, 3), (1, 2, 2, 5, 8), (2, 2, 3, 3, 4)]):
        q, k, v = randn(250 + i, B, H, Tn, d), randn(260 + i, B, H, Ta, d), randn(270 + i, B, H, Ta, d)
        cases.append((f"T_new={Tn}, T_all={Ta}", (q, k, v)))
    return compare_function(fn, r_attend_with_cache, cases)


def judge_7_3(cls):
    problems = []
    for E, H, pieces in ((8, 2, [3, 1, 1, 1]), (12, 3, [1, 1, 1, 1, 1]), (6, 1, [2, 2, 1])):
        torch.manual_seed(E + H)
        whole_ref = RefMultiHeadAttention(E, H)
        with torch.no_grad():
            for p in whole_ref.parameters():
                p.add_(torch.randn(p.shape) * 0.3)
        try:
            torch.manual_seed(1)
            mine = cls(E, H)
            mine.load_state_dict(whole_ref.state_dict())
        except Exception as e:  # noqa: BLE001
            problems.append(f"({E}, {H}): building raised {type(e).__name__}: {e}")
            continue
        for s, B in enumerate((2, 1)):
            T = sum(pieces)
            X = randn(280 + s + E, B, T, E)
            with torch.no_grad():
                expected = whole_ref(X, r_causal_mask(T))
                try:
                    mine.reset_cache()
                    outs, start = [], 0
                    for n in pieces:
                        outs.append(mine(X[:, start:start + n]))
                        start += n
                    got = torch.cat(outs, dim=1)
                except Exception as e:  # noqa: BLE001
                    problems.append(f"({E}, {H}) sequence {s}: raised {type(e).__name__}: {str(e)[:80]}")
                    continue
            bad = same_tensor(got, expected)
            if bad:
                problems.append(f"({E}, {H}) sequence {s}: {bad}")
            ck = getattr(mine, "cache_k", None)
            if not torch.is_tensor(ck) or tuple(ck.shape) != (B, H, T, E // H):
                problems.append(f"({E}, {H}) sequence {s}: cache_k shape {getattr(ck, 'shape', ck)}")
        try:
            mine.reset_cache()
            if mine.cache_k is not None or mine.cache_v is not None:
                problems.append(f"({E}, {H}): reset_cache leaves a cache")
        except Exception as e:  # noqa: BLE001
            problems.append(f"reset_cache raised {type(e).__name__}")
        # two instances must keep separate caches
        try:
            with torch.no_grad():
                other = cls(E, H)
                mine.reset_cache()
                other.reset_cache()
                mine(randn(290, 1, 2, E))
                other(randn(291, 1, 3, E))
                if mine.cache_k.shape[-2] != 2:
                    problems.append(f"({E}, {H}): a second instance changed the first one's cache")
        except Exception as e:  # noqa: BLE001
            problems.append(f"({E}, {H}) two instances: {type(e).__name__}: {str(e)[:80]}")
    return problems


def judge_7_4(fn):
    cases = [("no cache, 3 new", (None, 3)), ("cache of 5, 1 new", (randn(300, 2, 3, 5, 4), 1)),
             ("cache of 4, 3 new (B=1, H=4, d=4)", (randn(301, 1, 4, 4, 4), 3)),
             ("cache of 1, 2 new", (randn(302, 3, 2, 1, 6), 2))]
    return compare_function(fn, r_positions_after, cases)


def judge_7_5(cls):
    problems = []
    V, max_len, D, H, L = 11, 40, 12, 3, 2
    torch.manual_seed(7)
    plain = MockTinyCausalLM(V, max_len, D, H, L)
    with torch.no_grad():
        for p in plain.parameters():
            p.add_(torch.randn(p.shape) * 0.5)
    try:
        cached = cls(V, max_len, D, H, L)
        cached.load_state_dict(plain.state_dict())
    except Exception as e:  # noqa: BLE001
        return [f"building raised {type(e).__name__}: {e}"]
    prompts = [torch.randint(0, V, (2, 5), generator=g(310)), torch.randint(0, V, (1, 3), generator=g(311)),
               torch.randint(0, V, (2, 1), generator=g(312))]
    for i, (prompt, steps) in enumerate(zip(prompts, (6, 9, 4))):
        expected = r_generate_logits(plain, prompt, steps)
        with torch.no_grad():
            got, err = call(cached.greedy, prompt.clone(), steps)
        if err:
            problems.append(f"prompt {i}: {err}")
            continue
        bad = same_tensor(got, expected, atol=1e-5)
        if bad:
            problems.append(f"prompt {i} {tuple(prompt.shape)}, {steps} steps: {bad}")
    return problems


def judge_8_1(fn):
    cases = [("(2, 3, 5, 8), positions 0..4", (randn(320, 2, 3, 5, 8), torch.arange(5))),
             ("(4, 6), positions 40..43", (randn(321, 4, 6), torch.arange(40, 44))),
             ("(1, 2, 3, 4), positions [7, 2, 9]", (randn(322, 1, 2, 3, 4), torch.tensor([7, 2, 9]))),
             ("(2, 4, 16), positions 100..103", (randn(323, 2, 4, 16), torch.arange(100, 104)))]
    problems = compare_function(fn, r_apply_rope, cases, atol=1e-5)
    x, pos = randn(324, 3, 8), torch.arange(3)
    got, err = call(fn, x, pos, 500000.0)
    if err:
        problems.append(f"base 500000: {err}")
    else:
        bad = same_tensor(got, r_apply_rope(x, pos, 500000.0), atol=1e-5)
        if bad:
            problems.append(f"base 500000: {bad}")
    return problems


def judge_8_2(fn):
    cases = []
    for i, (B, H, T, d) in enumerate([(1, 2, 6, 8), (2, 1, 5, 4)]):
        q, k, v = (randn(330 + 3 * i + j, B, H, T, d) for j in range(3))
        cases.append((f"({B}, {H}, {T}, {d}) at 0..", (q, k, v, torch.arange(T))))
        cases.append((f"({B}, {H}, {T}, {d}) at 100..", (q, k, v, torch.arange(T) + 100)))
    return compare_function(fn, r_rope_attention, cases, atol=1e-5)


def judge_8_3(fn):
    cases = [("(1, 2, 3, 4), groups 4", (randn(340, 1, 2, 3, 4), 4)), ("(2, 3, 2, 2), groups 2", (randn(341, 2, 3, 2, 2), 2)),
             ("(1, 1, 3, 4), groups 3", (randn(342, 1, 1, 3, 4), 3)), ("(2, 4, 5, 3), groups 1", (randn(343, 2, 4, 5, 3), 1)),
             ("(2, 2, 2, 2), groups 2", (randn(344, 2, 2, 2, 2), 2))]
    return compare_function(fn, r_repeat_kv, cases)


def gqa_calls(c):
    D = c[0]
    X = randn(350, 2, 5, D)
    X3 = randn(351, 3, 6, D)
    return [("no mask", (X,)), ("causal (T, T)", (X, r_causal_mask(5))),
            ("padding (B, 1, T)", (X3, r_padding_mask(torch.tensor([6, 4, 2]), 6))),
            ("padding & causal", (X3, r_padding_mask(torch.tensor([6, 4, 2]), 6) & r_causal_mask(6)))]


def judge_8_4(cls):
    return compare_modules(cls, RefGroupedQueryAttention, [(16, 8, 2), (16, 4, 4), (12, 6, 3), (8, 4, 1), (12, 4, 2)], gqa_calls)


def judge_8_5(fn):
    cases = [("Llama 3 8B shape", (torch.tensor([1024, 8192, 131072]), 32, 8, 128, 2)),
             ("one layer, 1000 tokens, float32", (torch.tensor([1000]), 1, 2, 8, 4)),
             ("small", (torch.tensor([1, 2, 3]), 2, 1, 4, 2))]
    return compare_function(fn, r_kv_cache_gib, cases, atol=1e-9)


def judge_8_6(fn):
    cases = [(f"T={T}, window={w}", (T, w)) for T, w in ((10, 3), (6, 1), (5, 5), (4, 9), (7, 2))]
    return compare_function(fn, r_sliding_window_mask, cases)


JUDGES = {name.replace("judge_", "").replace("_", "."): fn for name, fn in globals().items() if name.startswith("judge_")}


# ============================================================ run

def verify(path):
    ns = {}
    exec(open(path).read(), ns)
    rows = []
    for entry in ns["A"]:
        try:
            obj = build(entry)
            problems = JUDGES[entry["ex"]](obj)
        except Exception as e:  # noqa: BLE001
            problems = [f"defining the answer raised {type(e).__name__}: {e}"]
            if VERBOSE:
                traceback.print_exc()
        if entry["kind"] == "wrong":
            ok = bool(problems)
        else:
            ok = not problems
        rows.append((entry, ok, problems))
    return rows


def main():
    total_ok = total = 0
    for fname in ("sixth_set.py", "sixth_set_0708.py"):
        path = os.path.join(HERE, fname)
        if not os.path.exists(path):
            continue
        rows = verify(path)
        ok = sum(r[1] for r in rows)
        print(f"{fname}: {ok} of {len(rows)} confirmed")
        for entry, good, problems in rows:
            if not good or VERBOSE:
                flag = "ok " if good else "NOT CONFIRMED"
                print(f"  {flag} {entry['ex']} {entry['id']} ({entry['kind']}): {problems[:3]}")
        total_ok += ok
        total += len(rows)
    print(f"total: {total_ok} of {total} confirmed")


if __name__ == "__main__":
    main()

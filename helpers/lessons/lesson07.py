"""Lesson 07."""

from __future__ import annotations

import re
from typing import Callable

import torch
from torch import Tensor

from helpers import attention as ref
from helpers.lessons.lesson03 import HEAD
from helpers.lessons.records import Exercise, Finding, Lesson, Mistake
from helpers.lessons.scaling import SCALE_QKV, linear_params, project, scale_mistakes, width_of_q
from helpers.lessons.toolkit import matches, raised, randn, source_line, without_comment
from helpers.lessons.whole_module import gradient_case
from helpers.running import GRADIENT_NORMS, IN_TURN, Case, Outcome, cache_in_pieces, fresh, greedy_twice, load_params
from helpers.tolerances import close

# --------------------------------------------------------------------------------------
# 7.1 Appending to the cache

AXES = {0: "B, the batch", 1: "H, the heads", 2: "T, the tokens", 3: "d_head, each token's numbers"}


def cache_cases(gen: torch.Generator) -> list[Case]:
    """A cache and new keys with B, H, T and d_head all different; one case where the new
    tokens are as many as the cached ones, so that joining on another axis raises nothing."""
    return [
        Case(
            "a cache of 5 tokens (B=2, H=3, d_head=4) and 1 new token", (randn(gen, 2, 3, 5, 4), randn(gen, 2, 3, 1, 4))
        ),
        Case(
            "a cache of 3 tokens (B=1, H=2, d_head=6) and 3 new tokens",
            (randn(gen, 1, 2, 3, 6), randn(gen, 1, 2, 3, 6)),
        ),
        Case("no cache yet (None) and a prompt of 3 tokens (B=2, H=4, d_head=5)", (None, randn(gen, 2, 4, 3, 5))),
        Case(
            "a cache of 4 tokens (B=3, H=2, d_head=8) and 2 new tokens",
            (randn(gen, 3, 2, 4, 8), randn(gen, 3, 2, 2, 8)),
        ),
    ]


_CAT = r"torch\.cat\(|\bcat\("


def _axis_message(axis: int, out: Outcome) -> str:
    cat = source_line(out, _CAT).split("#", 1)[0].rstrip()
    if axis == 0 and cat and not re.search(r"\bdim\s*=|,\s*-?\d\s*\)", cat):
        start = (
            f"`{cat}` gives torch.cat no dim, so it joins along dim=0, and dim 0 of a cache is B, the batch: as if "
            "the new tokens were extra sentences."
        )
    else:
        start = {
            0: "You joined along dim 0, B, the batch: as if the new tokens were extra sentences.",
            1: "You joined along dim 1, H, the heads: as if the new tokens were extra heads.",
            3: "You joined along the last axis, d_head: as if the new token's numbers belonged to each cached token.",
        }[axis]
    return (
        f"{start} A cache is (B, H, T, d_head), and the tokens are on the second-to-last axis: "
        "torch.cat([cache, new], dim=-2)."
    )


def wrong_axis(axis: int, key: str) -> tuple[Mistake, Mistake]:
    """torch.cat along `axis` instead of the tokens': told by the error it raised when the
    other sizes differ, or by the shape and numbers of what it returned when they match."""

    def by_error(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        found = re.search(r"Sizes of tensors must match except in dimension (\d)", out.error or "")
        if not found or int(found.group(1)) != axis:
            return None
        return f"your code raised {out.error}", _axis_message(axis, out)

    def by_shape(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        cache, new = fresh(case.inputs)
        if cache is None or tuple(out.output.shape) == tuple(expected.shape):
            return None
        try:
            joined = torch.cat([cache, new], dim=axis)
        except RuntimeError:
            return None
        if not close(out.output, joined):
            return None
        return (
            f"expected shape {tuple(expected.shape)}, got {tuple(out.output.shape)}: the new tokens joined on "
            f"axis {axis}, {AXES[axis]}",
            _axis_message(axis, out),
        )

    return Mistake(key, by_error, on_error=True), Mistake(key, by_shape)


CACHE_MISTAKES = (
    *wrong_axis(0, "cache-on-batch-axis"),
    *wrong_axis(1, "cache-on-heads-axis"),
    *wrong_axis(3, "cache-on-feature-axis"),
    raised(
        "none-not-handled",
        "On the first call nothing is cached yet: cache is None, and torch.cat cannot join None. Return new as it "
        "is then: if cache is None: return new.",
        error=r"expected Tensor as element 0 in argument 0, but got NoneType|'NoneType' object has no attribute",
    ),
    raised(
        "stacked",
        "torch.stack puts tensors side by side on a new axis, and only tensors of one size; torch.cat joins "
        "them along an axis they have: torch.cat([cache, new], dim=-2).",
        error=r"stack expects each tensor to be equal size",
    ),
    matches(
        "new-first",
        "The new tokens went in front of the cached ones. Position t of the cache must hold token t, so "
        "the newest tokens go last: torch.cat([cache, new], dim=-2).",
        lambda cache, new: torch.cat([new, cache], dim=-2) if cache is not None else new,
        "the new tokens joined before the cache",
    ),
    matches(
        "cache-forgets",
        "You returned only the new tokens' keys: the cache forgets every token before them, and each new "
        "token would attend to itself alone. Append them: torch.cat([cache, new], dim=-2).",
        lambda cache, new: new,
        "the new tokens alone",
    ),
    matches(
        "new-not-added",
        "You returned the cache as it was: the new tokens' keys are missing, so the newest token could not "
        "attend to itself. Append them: torch.cat([cache, new], dim=-2).",
        lambda cache, new: cache if cache is not None else new,
        "the cache without the new tokens",
    ),
)


# --------------------------------------------------------------------------------------
# 7.2 Attention for the new queries: the mask, or none


def _qkv(gen: torch.Generator, B: int, H: int, T_new: int, T_all: int, d: int, scale: float = 1.0) -> tuple:
    q = randn(gen, B, H, T_new, d, scale=scale)
    return q, randn(gen, B, H, T_all, d, scale=scale), randn(gen, B, H, T_all, d)


def new_query_cases(gen: torch.Generator) -> list[Case]:
    """One new query (where no mask is right), several (where the mask must be shifted),
    a prompt with nothing cached (lesson 03's square mask), the very first token, large scores;
    then the gradients reaching q, k and v (a cached layer reading a prompt must train)."""
    cases = [
        Case("one new query (B=2, H=3, d_head=4) after 5 cached tokens: 6 keys", _qkv(gen, 2, 3, 1, 6, 4)),
        Case("3 new queries (B=1, H=2, d_head=5) after 5 cached tokens: 8 keys", _qkv(gen, 1, 2, 3, 8, 5)),
        Case("a prompt of 5 queries with nothing cached (B=2, H=2, d_head=3): 5 keys", _qkv(gen, 2, 2, 5, 5, 3)),
        Case("the very first token: one query, one key (B=3, H=2, d_head=4)", _qkv(gen, 3, 2, 1, 1, 4)),
        Case(
            "2 new queries after 4 cached tokens, with large scores (B=2, H=3, d_head=8): 6 keys",
            _qkv(gen, 2, 3, 2, 6, 8, scale=3.0),
        ),
    ]
    return cases + [gradient_case(cases[1])]


def _new_query_mask(T_new: int, T_all: int, kind: str) -> Tensor | None:
    """(T_new, T_all) booleans, True = may attend: the right mask, or one of the mistakes."""
    rows, cols = torch.arange(T_new)[:, None], torch.arange(T_all)[None, :]
    offset = T_all - T_new
    return {
        "right": cols <= rows + offset,
        "top-left": cols <= rows,  # tril of (T_new, T_all); also F.scaled_dot_product_attention's is_causal
        "future": cols >= rows,  # triu of (T_new, T_all)
        "new-only": (cols >= offset) & (cols <= rows + offset),  # the cached keys hidden
        "full-square": torch.ones(T_all, T_all, dtype=torch.bool).tril(),  # broadcast over the T_new rows
        "one-short": cols <= rows + offset - 1,  # tril(diagonal=T_all - T_new - 1): each query's own key hidden
        "inverted": cols > rows + offset,  # ~ of the right mask
        "none": None,
    }[kind]


def _attend(q, k, v, *, mask="right", scale=None, dim=-1, after=False) -> Tensor:
    """attend_with_cache with one thing changed for a mistake (scale: what the scores are
    multiplied by, 1/√d unless given)."""
    allowed = _new_query_mask(q.shape[-2], k.shape[-2], mask)
    scores = q @ k.mT * (q.shape[-1] ** -0.5 if scale is None else scale)  # (..., T_new, T_all)
    if after:
        return torch.softmax(scores, dim=-1).masked_fill(~allowed, 0.0) @ v
    if dim != -1:
        filled = scores if allowed is None else scores.masked_fill(~allowed, float("-inf"))
        return torch.softmax(filled, dim=dim).nan_to_num(0.0) @ v
    return ref.masked_softmax(scores, allowed) @ v


def _mask_sizes(case: Case, out: Outcome, square: str) -> Finding | None:
    """A mask that did not fit the (T_new, T_all) scores: square "new" is (T_new, T_new),
    which meets T_all on the keys' axis; "all" is (T_all, T_all), which meets T_new on the queries'."""
    found = re.search(
        r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d)",
        out.error or "",
    )
    q, k, _ = case.inputs
    T_new, T_all = q.shape[-2], k.shape[-2]
    if not found or T_new == T_all or {int(found.group(1)), int(found.group(2))} != {T_new, T_all}:
        return None
    on_keys = int(found.group(3)) == q.dim() - 1
    if on_keys != (square == "new"):
        return None
    evidence = f"your code raised {out.error}: {T_new} is T_new, {T_all} is T_all"
    if square == "new":
        return evidence, (
            f"Your mask is ({T_new}, {T_new}), one column per new token, but the scores are (T_new, T_all) = "
            f"({T_new}, {T_all}): the new queries attend the cached keys too. The mask needs a column for every "
            f"key: torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new)."
        )
    return evidence, MASK_MESSAGES["full-square"]


MASK_MESSAGES = {
    "future": "Your mask lets each new query see the keys from its own column on, the later ones, instead of "
    "those before it (triu where tril belongs). New query i may attend the keys up to position T_all - T_new + i: "
    "torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new).",
    "new-only": "Your mask hides the cached keys: the new queries attend only to one another. The cache is there "
    "to be attended: new query i may see every key up to position T_all - T_new + i, the cached ones included.",
    "full-square": "You masked with the whole (T_all, T_all) causal mask, which stretched the T_new rows of "
    "scores to T_all rows. Keep only its last T_new rows, those of the new tokens: causal_mask(T_all)[-T_new:], "
    "or build them as torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new).",
    "none": "You applied no mask. With one new token that is right, since it may see every key. But the tokens of "
    "a prompt arrive together, and each must still not see the ones after it: when T_new > 1, mask with "
    "torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new).",
}


def _top_left(out: Outcome, one_query: bool) -> str:
    """A top-left mask's message; what it hides said as the case showed it, for one new
    query or for several."""
    if one_query:
        hides = "For one new token it hides every key but the very first, although the newest token may see them all."
    else:
        hides = "New query 0 sees key 0 alone, although it comes after every cached token."
    line = source_line(out, r"is_causal\s*=\s*True")
    if line:
        return (
            f"`{line}`: the causal mask of F.scaled_dot_product_attention's is_causal=True is aligned to the top "
            f"left, right only when there are as many queries as keys. {hides} Pass your own mask instead, "
            "attn_mask=torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new), or none when "
            "T_new is 1."
        )
    return (
        "Your mask lines its diagonal up with the first key, as a square (T, T) mask does when the queries are the "
        "whole sequence. Here the T_new queries are the newest tokens, the last T_new positions: new query i sits "
        f"at position T_all - T_new + i. {hides} Shift the diagonal: "
        "torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new)."
    )


def top_left(formula, one_query: Callable[[Case], bool], with_init: bool = False) -> Mistake:
    """The top-left mask, recognised by formula(*args, mask="top-left"); one_query(case)
    says whether the case shows single new queries."""
    base = matches("mask-top-left", "", lambda *a: formula(*a, mask="top-left"), "a top-left mask", with_init=with_init)

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        finding = base.found(case, out, expected)
        return None if finding is None else (finding[0], _top_left(out, one_query(case)))

    return Mistake("mask-top-left", found)


def mask_mistakes(formula) -> tuple[Mistake, ...]:
    """The mask's mistakes for formula(q, k, v, mask=kind)."""
    return (
        top_left(formula, lambda case: case.inputs[0].shape[-2] == 1),
        matches(
            "mask-full-square",
            MASK_MESSAGES["full-square"],
            lambda *a: formula(*a, mask="full-square"),
            "the (T_all, T_all) mask",
        ),
        matches(
            "cache-hidden", MASK_MESSAGES["new-only"], lambda *a: formula(*a, mask="new-only"), "the cached keys hidden"
        ),
        matches("mask-future", MASK_MESSAGES["future"], lambda *a: formula(*a, mask="future"), "a triu mask"),
        matches("no-mask-for-several", MASK_MESSAGES["none"], lambda *a: formula(*a, mask="none"), "no mask"),
    )


def _all_keys_hidden(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """An output of zeros where the right one is not, from code that builds a mask: every key
    hidden, as masked_attention answers a query that may attend nothing."""
    got = out.output
    if tuple(got.shape) != tuple(expected.shape) or got.any() or not expected.any():
        return None
    if not source_line(out, r"mask|tril|triu|~"):
        return None
    inverted = source_line(out, r"~")
    hides = (
        "Your mask hides every key from the new queries. A single new token is the last of all and may see every key"
    )
    return (
        f"every number of your output is 0 ({got.numel()} of {got.numel()}), as masked attention gives to a query "
        "that may attend no key at all",
        f"{hides}: its row is all True. `{inverted}` inverts the mask: True must mark the keys a query MAY attend."
        if inverted
        else f"{hides}: its row is all True. Check the diagonal: new query i reaches key T_all - T_new + i, so "
        "tril(diagonal=T_all - T_new).",
    )


NEW_QUERY_MISTAKES = (
    Mistake("mask-new-square", lambda case, out, expected: _mask_sizes(case, out, "new"), on_error=True),
    Mistake("mask-full-square", lambda case, out, expected: _mask_sizes(case, out, "all"), on_error=True),
    *mask_mistakes(_attend),
    Mistake("all-keys-hidden", _all_keys_hidden),
    matches(
        "mask-hides-itself",
        "Your diagonal is one short: each new query is kept from its own key, and a single new token sees every "
        "key but itself. New query i sits at position T_all - T_new + i and may attend up to and including it: "
        "tril(diagonal=T_all - T_new), not T_all - T_new - 1.",
        lambda *a: _attend(*a, mask="one-short"),
        "a mask whose diagonal is one short",
    ),
    matches(
        "inverted-mask",
        "Your mask is the wrong way round: True must mark the keys a query MAY attend (masked_attention and "
        "F.scaled_dot_product_attention read it so), and yours marks the later keys, the ones hidden. Drop the ~, "
        "or build it with tril: torch.ones(T_new, T_all, dtype=torch.bool).tril(diagonal=T_all - T_new).",
        lambda *a: _attend(*a, mask="inverted"),
        "the mask inverted",
    ),
    matches(
        "mask-after-softmax",
        "The mask was applied after the softmax: the weights left no longer sum to 1. Mask the scores, with "
        "-inf (masked_softmax does it), and let the softmax share each row among the allowed keys.",
        lambda *a: _attend(*a, after=True),
        "the weights masked after the softmax",
    ),
    matches(
        "softmax-over-queries",
        "The softmax ran over dim=-2, the queries. Each query's weights over the keys must sum to 1: dim=-1.",
        lambda *a: _attend(*a, dim=-2),
        "a softmax over the queries",
    ),
    *scale_mistakes(lambda q, k, v, scale: _attend(q, k, v, scale=scale), width_of_q, SCALE_QKV),
)


# --------------------------------------------------------------------------------------
# 7.3 An attention layer with a cache


def cached_layer_cases(gen: torch.Generator) -> list[Case]:
    """Two sequences each, read after reset_cache() in pieces: a prompt then one token at a
    time, one token at a time from the start, chunks of several tokens. Then the layer as a
    whole, from the first case's sequences: the gradient each parameter gets when each is read
    as one prompt (a prompt read from an empty cache is causal MultiHeadAttention, and must
    train like it; what a call keeps for later calls may be detached, as Transformer-XL's
    memory is), and two instances reading them in turn, as the layers of a model are called."""
    cases = []
    for B, D, H, pieces_a, pieces_b in (
        (2, 12, 3, (3, 1, 1, 1), (2, 1, 1)),
        (3, 8, 2, (1, 1, 1, 1, 1), (4, 1)),
        (1, 16, 4, (4, 3), (1, 2)),
    ):
        T_a, T_b = sum(pieces_a), sum(pieces_b)
        X_a, X_b = randn(gen, B, T_a, D), randn(gen, B, T_b, D)
        pieces = lambda p: ", ".join(str(n) for n in p)  # noqa: E731
        cases.append(
            Case(
                f"CachedSelfAttention({D}, {H}): a sequence (B={B}, T={T_a}, D={D}) read in pieces of "
                f"{pieces(pieces_a)} tokens, then after reset_cache() another (T={T_b}) in pieces of {pieces(pieces_b)}",
                (X_a, X_b, pieces_a, pieces_b),
                init=(D, H),
                params=linear_params(gen, D, HEAD),
            )
        )
    first = cases[0]
    X_a, X_b, pieces_a, pieces_b = first.inputs
    (D, H), (B, T_a, _), T_b = first.init, X_a.shape, X_b.shape[1]
    cases.append(
        Case(
            f"the gradients from a loss on the output of CachedSelfAttention({D}, {H}) reading a prompt (B={B}, "
            f"T={T_a}) at once, then after reset_cache() another (T={T_b})",
            (X_a, X_b, (T_a,), (T_b,), GRADIENT_NORMS),
            frozenset({GRADIENT_NORMS}),
            init=first.init,
            params=first.params,
        )
    )
    cases.append(
        Case(
            f"two CachedSelfAttention({D}, {H}) used in turn, as the layers of a model are: one reads the first "
            "sequence, the other the second, a piece each",
            (X_a, X_b, pieces_a, pieces_b, IN_TURN),
            frozenset({IN_TURN}),
            init=first.init,
            params=first.params,
        )
    )
    return cases


def _cached(
    init, p, X_a, X_b, pieces_a, pieces_b, *, keys=True, values=True, reset=True, keep=True, mask="right", out_proj=True
):
    """CachedSelfAttention read as cache_in_pieces reads it, with one thing changed for a
    mistake: keys or values cached before their projection, no reset between the sequences,
    the cache replaced instead of appended to, another mask, no output projection."""
    H = init[1]
    outputs, cache_k, cache_v = [], None, None
    for X, pieces in ((X_a, pieces_a), (X_b, pieces_b)):
        if reset:
            cache_k = cache_v = None
        start = 0
        for n in pieces:
            x = X[:, start : start + n]
            start += n
            q, k, v = (
                ref.split_heads(project(p, name, x) if use else x, H)
                for name, use in (("q_proj", True), ("k_proj", keys), ("v_proj", values))
            )
            cache_k = k if cache_k is None or not keep else torch.cat([cache_k, k], dim=-2)
            cache_v = v if cache_v is None or not keep else torch.cat([cache_v, v], dim=-2)
            out = ref.merge_heads(_attend(q, cache_k, cache_v, mask=mask))
            outputs.append(project(p, "out_proj", out) if out_proj else out)
    return torch.cat(outputs, dim=1)


_REPLACED = r"self\.cache_[kv]\s*=\s*(?!.*\b(cat|append\w*)\()(?!\s*None\b)"


def _sees_only_new(out: Outcome) -> str:
    line = source_line(out, _REPLACED)
    if line:
        return (
            f"`{line}` replaces the cache with the newest keys or values instead of appending them, so each "
            "piece attends only to its own tokens: self.cache_k = append_to_cache(self.cache_k, k), and the same "
            "for v."
        )
    return (
        "Each piece attended only to its own tokens: the cached keys and values were replaced instead of "
        "appended to, or hidden by the mask. Append with append_to_cache, and attend with attend_with_cache."
    )


def _holds_last_piece(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """The cache, after a sequence read in pieces, holds as many tokens as the last piece only."""
    found = re.search(r"^CacheNotKept: .* self\.cache_[kv] has shape \(([\d, ]+)\)", out.error or "")
    pieces = case.inputs[2]
    if not found or len(pieces) < 2:
        return None
    shape = [int(n) for n in found.group(1).split(",") if n.strip()]
    if len(shape) < 3 or shape[-2] != pieces[-1]:
        return None
    return f"your code raised {out.error}: {pieces[-1]} is the length of the last piece read", _sees_only_new(out)


def _method_body(source: str, name: str) -> str:
    """The code of method `name` in a class's source, comments dropped; "" if it has none."""
    lines = source.splitlines()
    for index, line in enumerate(lines):
        if re.match(rf"\s*def {name}\(", line):
            indent = len(line) - len(line.lstrip())
            body = []
            for following in lines[index + 1 :]:
                if following.strip() and len(following) - len(following.lstrip()) <= indent:
                    break
                body.append(following.split("#", 1)[0])
            return "\n".join(body)
    return ""


def _half_reset(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Sizes that did not fit, and a reset_cache that empties one of the two caches only."""
    if not re.search(
        r"must match the size|Expected size for first two dimensions|shapes cannot be multiplied", out.error or ""
    ):
        return None
    code = _method_body(out.source, "reset_cache")
    emptied = {name for name in ("cache_k", "cache_v") if re.search(rf"self\.{name}\b", code)}
    if len(emptied) != 1:
        return None
    (only,) = emptied
    other = "cache_v" if only == "cache_k" else "cache_k"
    return (
        f"your code raised {out.error}",
        f"reset_cache() empties self.{only} but not self.{other}: on the second sequence self.{other} still holds "
        "the first one's tokens, and the keys and values no longer pair up. Empty both: self.cache_k = None and "
        "self.cache_v = None.",
    )


_SHARED = (
    r"^SharedCache: used in turn with instance (\w), which had read (\d+) tokens, instance (\w)'s call (\d+) "
    r"\((\d+) tokens\) saw (\d+) cached positions where it had read (\d+): its cache_k holds (\d+)"
)
# Where a cache is put that every instance reads: on the class, or in a module-level variable.
_ON_CLASS = r"^(?!.*=\s*None\s*$).*(\btype\(self\)|\bself\.__class__|\b[A-Z]\w*)\.cache_[kv]\s*=|^\s*global\s"


def _shared_cache(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """Two instances used in turn: a call left one instance's cache holding the other's tokens."""
    found = re.search(_SHARED, out.error or "")
    if not found:
        return None
    other, other_read, name, call, n, saw, had, holds = found.groups()
    line = source_line(out, _ON_CLASS)
    where = (
        f"`{line}` puts the cache where every instance reads it"
        if line
        else "Your cache is kept where every instance reads it (on the class, in a module-level variable or dict, "
        "or in a default argument), not in each instance"
    )
    return (
        f"two instances share one cache: after instance {other} had read {other_read} tokens, instance {name}'s "
        f"call {call} ({n} tokens) already saw {saw} cached positions, though {name} had read {had} since its "
        f"reset_cache() (its cache_k held {holds} tokens after that call)",
        f"{where}. In a model every layer is a CachedSelfAttention of its own, called in turn, and each must keep "
        "its own keys and values: shared, the second layer attends to the first one's. Keep them on the instance: "
        "self.cache_k = append_to_cache(self.cache_k, k) in forward, self.cache_k = None in reset_cache(), and the "
        "same for v.",
    )


CACHED_LAYER_MISTAKES = (
    Mistake("shared-cache", _shared_cache, on_error=True),
    raised(
        "reset-not-none",
        "reset_cache() must set self.cache_k and self.cache_v to None, as the exercise asks: the model's forward "
        "hands self.cache_k to positions_after, which counts None as no token cached (an empty tensor has no "
        "tokens' axis to count), and append_to_cache starts a cache from None. Write self.cache_k = None and "
        "self.cache_v = None.",
        error=r"^CacheNotEmptied",
    ),
    Mistake("sees-only-new", _holds_last_piece, on_error=True),
    *(
        wrong_axis(axis, key)[0]
        for axis, key in ((0, "cache-on-batch-axis"), (1, "cache-on-heads-axis"), (3, "cache-on-feature-axis"))
    ),
    raised(
        "cache-not-kept",
        "self.cache_k and self.cache_v must hold the keys and values of every token read since reset_cache(), "
        "(B, H, T, d_head), with the tokens on the second-to-last axis: append the new ones there with "
        "append_to_cache.",
        error=r"^CacheNotKept",
    ),
    raised(
        "no-cache-attribute",
        "Keep the cache in self.cache_k and self.cache_v, the names the model's code reads: set both to None in "
        "reset_cache(), and append to them in forward.",
        error=r"^MissingAttribute: after reading a prompt",
    ),
    Mistake("half-reset", _half_reset, on_error=True),
    matches(
        "values-before-projection",
        "Your cache holds the values before their projection: the keys went through self.k_proj, but the values "
        "are X itself, split into heads. Project the new tokens first, v = split_heads(self.v_proj(X), "
        "self.num_heads), and cache that: the cache holds exactly the k and v that attention would use.",
        lambda *a: _cached(*a, values=False),
        "values cached before their projection",
        with_init=True,
    ),
    matches(
        "keys-before-projection",
        "Your cache holds the keys before their projection: the values went through self.v_proj, but the keys "
        "are X itself, split into heads. Project the new tokens first, k = split_heads(self.k_proj(X), "
        "self.num_heads), and cache that.",
        lambda *a: _cached(*a, keys=False),
        "keys cached before their projection",
        with_init=True,
    ),
    matches(
        "stale-cache",
        "The second sequence was read with the first one's keys and values still in the cache: reset_cache() "
        "left them there. It must empty both, self.cache_k = None and self.cache_v = None (with self.: a plain "
        "cache_k = None only names a variable of the method, forgotten when it returns).",
        lambda *a: _cached(*a, reset=False),
        "the second sequence read with the first one still cached",
        with_init=True,
    ),
    matches(
        "sees-only-new",
        _sees_only_new,
        lambda *a: _cached(*a, keep=False),
        "each piece attending to its own tokens only",
        with_init=True,
    ),
    top_left(
        lambda *a, mask: _cached(*a, mask=mask),
        lambda case: any(n == 1 for pieces in case.inputs[2:] for n in pieces[1:]),
        with_init=True,
    ),
    matches(
        "no-mask-for-several", MASK_MESSAGES["none"], lambda *a: _cached(*a, mask="none"), "no mask", with_init=True
    ),
    matches(
        "no-out-proj",
        "The output projection is missing: after merging the heads, pass the result through self.out_proj, as "
        "MultiHeadAttention does.",
        lambda *a: _cached(*a, out_proj=False),
        "the merged heads without out_proj",
        with_init=True,
    ),
)


# --------------------------------------------------------------------------------------
# 7.4 Positions after the cache


def position_cases(gen: torch.Generator) -> list[Case]:
    """Caches with B, H, T_past and d_head all different, so that a count read from the
    wrong axis shows which; and no cache at all."""
    return [
        Case("a cache of 5 tokens (B=2, H=3, d_head=4) and 1 new token", (randn(gen, 2, 3, 5, 4), 1)),
        Case("a cache of 7 tokens (B=1, H=2, d_head=6) and 3 new tokens", (randn(gen, 1, 2, 7, 6), 3)),
        Case("no cache yet (None) and a prompt of 4 tokens", (None, 4)),
        Case("a cache of 2 tokens (B=3, H=4, d_head=6) and 2 new tokens", (randn(gen, 3, 4, 2, 6), 2)),
    ]


def _past_from_axis(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    cache, num_new = case.inputs
    if cache is None or out.output.dim() != 1:
        return None
    for axis in (0, 1, 3):
        n = cache.shape[axis]
        if n != cache.shape[2] and torch.equal(out.output.long(), torch.arange(n, n + num_new)):
            line = source_line(out, r"\.shape\[|\.size\(")
            quoted = f"`{line}` reads" if line else "Your code reads"
            return (
                f"expected {expected.tolist()}, got {out.output.tolist()}: they start at {n}, the size of axis "
                f"{axis}, {AXES[axis]}",
                f"{quoted} the number of cached tokens from axis {axis}, {AXES[axis]}. A cache is (B, H, T_past, "
                "d_head): count its tokens on the second-to-last axis, cache.shape[-2].",
            )
    return None


POSITION_MISTAKES = (
    raised(
        "none-not-handled",
        "Before the first call nothing is cached: cache is None, and None has no shape. Count 0 cached tokens "
        "then: past = 0 if cache is None else cache.shape[-2].",
        error=r"'NoneType' object (has no attribute|is not subscriptable)",
    ),
    matches(
        "positions-restart-at-0",
        "Your positions restart at 0 on every call. That was right in lesson 05, where the model read whole "
        "sequences; with a cache, after T_past cached tokens the next one is at position T_past. Restarted at 0, "
        "every new token looks to the model like the first of its text, and cached generation drifts away from "
        "recomputation. Start after the cache: past = cache.shape[-2], then torch.arange(past, past + num_new).",
        lambda cache, n: torch.arange(n),
        "positions 0, 1, ... as if nothing were cached",
    ),
    Mistake("past-from-wrong-axis", _past_from_axis),
    matches(
        "positions-off-by-one",
        "Off by one: the cached tokens hold positions 0 to T_past - 1, so the first new token is at T_past: "
        "torch.arange(past, past + num_new).",
        lambda cache, n: torch.arange(1, n + 1) + (0 if cache is None else cache.shape[-2]),
        "positions starting one after T_past",
    ),
    matches(
        "every-position",
        "You returned the positions of every token, the cached ones too: the model needs those of the new "
        "tokens only, which the cached ones precede: torch.arange(past, past + num_new).",
        lambda cache, n: torch.arange(n + (0 if cache is None else cache.shape[-2])),
        "positions 0 to T_past + num_new - 1",
    ),
)


# --------------------------------------------------------------------------------------
# 7.5 Generating with the cache


def model_params(gen: torch.Generator, V: int, max_len: int, D: int, H: int, L: int) -> dict[str, Tensor]:
    """Parameters of a TinyCausalLM, its read-out scaled up so that the most likely token
    leads the others by far more than rounding: every greedy path is the same to 1e-5."""
    params = {"tok.weight": randn(gen, V, D), "pos.weight": randn(gen, max_len, D)}
    for i in range(L):
        block = f"blocks.{i}."
        for norm in ("norm1", "norm2"):
            params[f"{block}{norm}.weight"] = randn(gen, D, scale=0.1, shift=1.0)
            params[f"{block}{norm}.bias"] = randn(gen, D, scale=0.1)
        params.update({f"{block}attention.{k}": v for k, v in linear_params(gen, D, HEAD).items()})
        params[f"{block}mlp.0.weight"] = randn(gen, 4 * D, D, scale=D**-0.5)
        params[f"{block}mlp.0.bias"] = randn(gen, 4 * D, scale=0.1)
        params[f"{block}mlp.2.weight"] = randn(gen, D, 4 * D, scale=(4 * D) ** -0.5)
        params[f"{block}mlp.2.bias"] = randn(gen, D, scale=0.1)
    params.update({"norm.weight": randn(gen, D, scale=0.1, shift=1.0), "norm.bias": randn(gen, D, scale=0.1)})
    params.update({"readout.weight": randn(gen, V, D), "readout.bias": randn(gen, V, scale=0.1)})
    return params


def greedy_cases(gen: torch.Generator) -> list[Case]:
    cases = []
    for B, V, max_len, D, H, L, T_a, T_b, steps in ((2, 11, 24, 12, 3, 2, 5, 3, 4), (3, 7, 20, 8, 2, 1, 1, 4, 5)):
        prompt_a, prompt_b = (torch.randint(0, V, (B, T), generator=gen) for T in (T_a, T_b))
        cases.append(
            Case(
                f"CachedCausalLM({V}, {max_len}, {D}, {H}, {L}): greedy(prompt, {steps}) for a prompt (B={B}, "
                f"T={T_a}), then on the same model for another (T={T_b})",
                (prompt_a, prompt_b, steps),
                init=(V, max_len, D, H, L),
                params=model_params(gen, V, max_len, D, H, L),
            )
        )
    first = cases[0]
    prompt_a, prompt_b, steps = first.inputs
    before = torch.randint(0, first.init[0], (prompt_a.shape[0], 3), generator=gen)
    cases.append(
        Case(
            f"{first.label}, after the model had read {before.shape[1]} other tokens (model(tokens), as the timing "
            "cells leave it)",
            (prompt_a, prompt_b, steps, before),
            init=first.init,
            params=first.params,
        )
    )
    return cases


def _greedy(init, p, prompt_a, prompt_b, steps, before=None, *, reset="first", position=-1):
    """CachedCausalLM.greedy as greedy_twice calls it (`before` read first), with one thing
    changed for a mistake: the cache emptied "first" (right), never (False), only "after" each
    prompt, or first and before "each" step; or the prompt's logits taken at another position."""
    model = ref.CachedCausalLM(*init)
    load_params(model, p)
    outputs = []
    with torch.no_grad():
        if before is not None:
            model(before)
        for prompt in (prompt_a, prompt_b):
            if reset in ("first", "each"):
                model.reset_cache()
            logits = model(prompt)[:, position]
            every = [logits]
            for _ in range(steps - 1):
                if reset == "each":
                    model.reset_cache()
                logits = model(logits.argmax(dim=-1, keepdim=True))[:, -1]
                every.append(logits)
            if reset == "after":
                model.reset_cache()
            outputs.append(torch.stack(every, dim=1))
    return torch.cat(outputs, dim=1)


def _steps_off(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Logits of the right kind for another number of steps, or with the prompt's positions too."""
    prompt_a, prompt_b, steps = case.inputs
    got = tuple(out.output.shape)
    B, V = expected.shape[0], expected.shape[-1]
    if len(got) != 3 or (got[0], got[2]) != (B, V):
        return None
    each = {2 * (steps + 1): steps + 1, 2 * (steps - 1): steps - 1}
    evidence = f"expected shape {tuple(expected.shape)}, (B, steps, V) for each of the two prompts, got {got}"
    if got[1] in each:
        return evidence, (
            f"Your greedy returns {each[got[1]]} steps of logits for steps = {steps}: one per generated token. The "
            f"prompt's last position gives the first; then steps - 1 more tokens go in, one at a time."
        )
    if got[1] == prompt_a.shape[1] + prompt_b.shape[1] + 2 * (steps - 1):
        return evidence, (
            "Your greedy returns the logits of the prompt's positions too. Keep, for each step, only the logits "
            "of the last position, [:, -1]: the scores of the next token."
        )
    return None


_FED = r"^FedTooMuch: .*the call that went over fed (\d+) tokens? at once"


def _fed_too_much(one_more: bool):
    """The model was fed more tokens than a cache needs: one call too many of one token
    (`one_more`), or a call that fed a whole sequence again."""

    def found(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
        call = re.search(_FED, out.error or "")
        if not call or (int(call.group(1)) == 1) != one_more:
            return None
        steps = case.inputs[2]
        if one_more:
            return f"your code raised {out.error}", (
                f"Your greedy runs the model once more than it needs: for steps = {steps}, the prompt's last "
                f"position gives the first token's logits, and steps - 1 = {steps - 1} calls of one token each give "
                "the others. Loop range(steps - 1) times after reading the prompt."
            )
        return f"your code raised {out.error}", (
            "Each step sent the whole sequence through the model again. With a cache the model has read every "
            "earlier token already: read the prompt once, then feed only the token just chosen, (B, 1). "
            "(Resetting the cache and feeding everything each step gives the right numbers, but that is "
            "recomputation: it costs what the cache is there to save.)"
        )

    return found


def _halves(case: Case, expected: Tensor) -> tuple[Tensor, Tensor]:
    """The right logits of greedy_twice's two calls, (B, steps, V) each."""
    first, second = expected.split(case.inputs[2], dim=1)
    return first, second


def _steps_on_dim_0(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Each call's right logits with the steps on dim 0: torch.stack(every) without dim=1."""
    first, second = _halves(case, expected)
    wrong = torch.cat([first.transpose(0, 1), second.transpose(0, 1)], dim=1)  # (steps, 2B, V), as greedy_twice joins
    if tuple(out.output.shape) != tuple(wrong.shape) or not close(out.output, wrong):
        return None
    line = source_line(out, r"torch\.stack\(")
    fix = "The logits go (B, steps, V), the steps on dim 1 as the tokens are: torch.stack(every, dim=1)."
    return (
        f"expected shape {tuple(expected.shape)}, (B, steps, V) for each prompt, got {tuple(out.output.shape)}: "
        "the right logits, with each call's steps on dim 0",
        f"`{line}` stacks the steps on dim 0, giving (steps, B, V). {fix}"
        if line
        else f"You stacked the steps on dim 0, giving (steps, B, V). {fix}",
    )


def _kept_between_calls(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """The second call returned the first call's logits before its own: a list that outlived the call."""
    first, second = _halves(case, expected)
    wrong = torch.cat([first, first, second], dim=1)
    if tuple(out.output.shape) != tuple(wrong.shape) or not close(out.output, wrong):
        return None
    return (
        f"expected shape {tuple(expected.shape)}, (B, steps, V) for each prompt, got {tuple(out.output.shape)}: the "
        f"second call returned the first call's {case.inputs[2]} steps of logits before its own",
        _outlives(out),
    )


def _default_list(out: Outcome) -> str:
    """The def line of a greedy whose default argument is a list (source_line skips def lines)."""
    for line in out.source.splitlines():
        code = without_comment(line).strip()
        if re.match(r"def greedy\(.*=\s*(\[\]|list\(\))", code):
            return code
    return ""


def _outlives(out: Outcome) -> str:
    line = _default_list(out) or source_line(out, r"self\.\w+\.(append|extend)\(")
    why = (
        "a default argument (every=[]) or a list kept on the class or the model is made once and grows with every "
        "call. Make a new list inside greedy, every = [], each time it is called."
    )
    if line:
        return f"`{line}`: the list your greedy keeps the logits in outlives the call: {why}"
    return f"The list your greedy keeps the logits in outlives the call: {why}"


def _grown_list(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """torch.stack refused logits of two sizes, from a greedy whose default list kept an earlier
    check's logits (the check run again, or another case's model)."""
    if not re.search(r"stack expects each tensor to be equal size", out.error or "") or not _default_list(out):
        return None
    return f"your code raised {out.error}", _outlives(out)


def _no_keepdim(out: Outcome) -> str:
    line = source_line(out, r"argmax\((?![^)]*keepdim\s*=\s*True)")
    why = (
        "and the model reads tokens as (B, T_new): tokens.shape[1] is out of range. Keep the axis: "
        "logits.argmax(dim=-1, keepdim=True), (B, 1)."
    )
    if line:
        return f"`{line}` gives one token per sequence, (B,), with no tokens' axis, {why}"
    return f"Your argmax gives one token per sequence, (B,), with no tokens' axis, {why}"


GREEDY_MISTAKES = (
    Mistake("fed-whole-sequence", _fed_too_much(one_more=False), on_error=True),
    Mistake("steps-off", _fed_too_much(one_more=True), on_error=True),
    raised(
        "no-keepdim",
        _no_keepdim,
        error=r"^IndexError: tuple index out of range",
        source=r"argmax\((?![^)]*keepdim\s*=\s*True)",
        both=True,
    ),
    matches(
        "stale-cache",
        "The second prompt was generated with the first one's tokens still in the cache. greedy must start from "
        "an empty cache, self.reset_cache(), before it reads a prompt: otherwise every prompt after the first "
        "continues the text before it, its positions starting after it.",
        lambda *a: _greedy(*a, reset=False),
        "the second prompt read after the first one's text",
        with_init=True,
    ),
    matches(
        "reset-at-end",
        "Your greedy empties the cache when it has finished, not before it reads the prompt. A model that has read "
        "anything before (a call of model(tokens), as this lesson's timing cells make, or a greedy stopped by an "
        "error) still holds it, and your first prompt continues that text, its positions after it. Call "
        "self.reset_cache() first, before reading the prompt.",
        lambda *a: _greedy(*a, reset="after"),
        "the first prompt read after the tokens the model had read before",
        with_init=True,
    ),
    matches(
        "reset-each-step",
        "Your greedy empties the cache before each new token, so the model reads that token alone, at position 0, "
        "as if it were the whole text: every step after the first forgets the prompt. Reset once, before reading "
        "the prompt, and keep the cache while generating.",
        lambda *a: _greedy(*a, reset="each"),
        "each new token read with an empty cache",
        with_init=True,
    ),
    matches(
        "probabilities-not-logits",
        "Your greedy returns probabilities, softmax of the logits. The exercise asks for the logits themselves, "
        "the scores each step chose its token from (the argmax of either picks the same token): append logits, "
        "not torch.softmax(logits, dim=-1).",
        lambda *a: torch.softmax(_greedy(*a), dim=-1),
        "the softmax of the right logits",
        with_init=True,
    ),
    Mistake("steps-on-dim-0", _steps_on_dim_0),
    Mistake("logits-kept-between-calls", _kept_between_calls),
    Mistake("logits-kept-between-calls", _grown_list, on_error=True),
    matches(
        "first-position",
        "After reading the prompt you kept the logits of its first position, [:, 0]: they predict the token "
        "after the prompt's first token. The token after the whole prompt is predicted at the last position: "
        "[:, -1].",
        lambda *a: _greedy(*a, position=0),
        "the first step taken from the prompt's first position",
        with_init=True,
    ),
    Mistake("steps-off", _steps_off),
)


EXERCISES_07 = [
    Exercise(
        id="7.1",
        notebook="07",
        name="append_to_cache",
        title="Spot the bug: appending to the cache",
        points=1,
        difficulty=1,
        minutes=10,
        signature="append_to_cache(cache, new)  # cache: (B, H, T_past, d_head) or None; new: (B, H, T_new, d_head)",
        returns="the cache with the new tokens after it, (B, H, T_past + T_new, d_head)",
        reference=ref.append_to_cache,
        make_cases=cache_cases,
        handed_out="return torch.cat([cache, new])",
        handed_out_mistake="cache-on-batch-axis",
        mistakes=CACHE_MISTAKES,
    ),
    Exercise(
        id="7.2",
        notebook="07",
        name="attend_with_cache",
        title="The mask for new queries",
        points=2,
        difficulty=2,
        minutes=20,
        signature="attend_with_cache(q, k, v)  # q: (B, H, T_new, d); k, v: (B, H, T_all, d)",
        returns="attention of the T_new newest tokens over every key up to each, (B, H, T_new, d)",
        reference=ref.attend_with_cache,
        make_cases=new_query_cases,
        mistakes=NEW_QUERY_MISTAKES,
    ),
    Exercise(
        id="7.3",
        notebook="07",
        name="CachedSelfAttention",
        title="An attention layer with a KV cache",
        points=3,
        difficulty=3,
        minutes=25,
        signature="class CachedSelfAttention(MultiHeadAttention) with reset_cache(self) and forward(self, X)",
        returns="for the new tokens X (B, T_new, D), their outputs (B, T_new, D), equal to causal attention over "
        "the whole sequence, with self.cache_k and self.cache_v holding every token read",
        reference=ref.CachedSelfAttention,
        make_cases=cached_layer_cases,
        module=True,
        probe=cache_in_pieces,
        mistakes=CACHED_LAYER_MISTAKES,
    ),
    Exercise(
        id="7.4",
        notebook="07",
        name="positions_after",
        title="Spot the bug: positions after the cache",
        points=1,
        difficulty=1,
        minutes=10,
        signature="positions_after(cache, num_new)  # cache: (B, H, T_past, d_head) or None",
        returns="the positions of the new tokens, T_past ... T_past + num_new - 1, (num_new,) integers",
        reference=ref.positions_after,
        make_cases=position_cases,
        handed_out="return torch.arange(num_new)",
        handed_out_mistake="positions-restart-at-0",
        mistakes=POSITION_MISTAKES,
    ),
    Exercise(
        id="7.5",
        notebook="07",
        name="CachedCausalLM",
        title="Generating with the cache",
        points=2,
        difficulty=2,
        minutes=15,
        signature="class CachedCausalLM(TinyCausalLM) with greedy(self, prompt, steps)",
        returns="from greedy(prompt, steps), the logits of each step (B, steps, V), equal to recomputation's",
        reference=ref.CachedCausalLM,
        make_cases=greedy_cases,
        module=True,
        probe=greedy_twice,
        mistakes=GREEDY_MISTAKES,
    ),
]


LESSON = Lesson(
    number="07",
    title="Attention that generates",
    notebook="07-attention-that-generates",
    # what its notebook imports from helpers.attention
    provides=(
        "MultiHeadAttention",
        "TinyCausalLM",
        "causal_mask",
        "generate",
        "masked_attention",
        "merge_heads",
        "split_heads",
    ),
    exercises=EXERCISES_07,
)

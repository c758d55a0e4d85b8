"""Lesson 03."""

from __future__ import annotations

import re
from typing import Callable

import torch
from torch import Tensor

from helpers import attention as ref
from helpers.lessons import reading, variants
from helpers.lessons.lesson01 import SOFTMAX_OVER_LAST, WRONG_AXIS_MESSAGE, dot_T_on_batch
from helpers.lessons.lesson02 import no_super_init
from helpers.lessons.records import Exercise, Finding, Lesson, Mistake, Produces
from helpers.lessons.scaling import (
    SCALE_EMBED,
    SCALE_QKV,
    linear_params,
    project,
    scale_mistakes,
    width_of_q,
    width_of_X,
)
from helpers.lessons.toolkit import last_weights_mistakes, matches, raised, randint, randn, source_line, weights_case
from helpers.lessons.whole_module import module_cases
from helpers.running import Case, Outcome, keeps_weights
from helpers.tolerances import close, first_difference, fmt_index, fmt_num


def size_cases(gen: torch.Generator) -> list[Case]:
    """A short and a longer sequence length, drawn, then T=1."""
    return [Case(f"T={T}", (T,)) for T in (randint(gen, 2, 9), randint(gen, 10, 30), 1)]


def length_cases(gen: torch.Generator) -> list[Case]:
    """Padded batches with B < T: one of three sentences with a full one and one of a single
    token, one of two, and one sentence without padding."""
    T = randint(gen, 5, 8)
    lengths = torch.tensor([randint(gen, 2, T - 1), T, 1])[torch.randperm(3, generator=gen)]
    T2 = randint(gen, 4, 9)
    lengths2 = torch.tensor([randint(gen, 1, T2 - 1), randint(gen, 1, T2 - 1)])
    T3 = randint(gen, 3, 6)

    def case(lengths: Tensor, T: int, note: str = "") -> Case:
        return Case(f"lengths {lengths.tolist()} padded to T={T}{note}", (lengths, T))

    return [case(lengths, T), case(lengths2, T2), case(torch.tensor([T3]), T3, " (no padding)")]


def _longest_not_T(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """A mask as wide as the longest sentence instead of T."""
    lengths, T = case.inputs
    longest = int(lengths.max())
    if longest == T or tuple(out.output.shape) != (len(lengths), 1, longest):
        return None
    if not close(out.output, expected[..., :longest]):
        return None
    return (
        f"expected shape {tuple(expected.shape)}, got {tuple(out.output.shape)}: a mask as wide as the longest "
        f"sentence, {longest}, not T = {T}",
        f"The batch is padded to T = {T}, which can be more than its longest sentence ({longest} here): the "
        "mask needs one column per position, torch.arange(T), not torch.arange(lengths.max()).",
    )


def _padding(lengths, T):
    return ref.padding_mask(torch.tensor(lengths), T)


def _fully_masked_row(B: int, T: int) -> Tensor:
    mask = ref.causal_mask(T).expand(B, T, T).clone()
    mask[0, 1] = False  # query 1 of sentence 0 may attend nothing at all
    return mask


def masked_score_cases(gen: torch.Generator) -> list[Case]:
    """Scores (B, T, T) with each mask shape the course uses, a fully masked row, large scores."""
    return [
        Case("scores (2, 4, 4) with a causal mask (4, 4)", (randn(gen, 2, 4, 4, scale=2), ref.causal_mask(4))),
        Case(
            "scores (3, 5, 5) with a padding mask (3, 1, 5), lengths [5, 3, 2]",
            (randn(gen, 3, 5, 5, scale=2), _padding([5, 3, 2], 5)),
        ),
        Case(
            "scores (2, 4, 4) with a mask (2, 4, 4) that hides every key from one query",
            (randn(gen, 2, 4, 4, scale=2), _fully_masked_row(2, 4)),
            frozenset({"fully-masked"}),
        ),
        Case(
            "large scores (1, 3, 3), around 500, with a causal mask",
            (randn(gen, 1, 3, 3, scale=50, shift=500), ref.causal_mask(3)),
            frozenset({"large"}),
        ),
        _masked_above_case(gen),
        Case("scores (2, 3, 3) with mask None: nothing masked, a plain softmax", (randn(gen, 2, 3, 3, scale=2), None)),
        Case(
            "scores (2, 3, 4, 4) with a head axis, (B, H, T, T), and a padding mask (2, 1, 1, 4), lengths [4, 2]",
            (randn(gen, 2, 3, 4, 4, scale=2), _padding([4, 2], 4)[:, None]),
            frozenset({HEADS}),
        ),
    ]


HEADS = "heads"


def _masked_above_case(gen: torch.Generator) -> Case:
    """Padding whose masked scores are 200 above the allowed ones: a softmax over every key
    gives the allowed ones weights that underflow to 0, which no renormalising brings back."""
    mask = _padding([2, 4], 4)
    scores = randn(gen, 2, 4, 4, scale=2) + 200.0 * (~mask).float()
    return Case(
        "scores (2, 4, 4) whose masked keys score 200 above the allowed ones, padding lengths [2, 4]",
        (scores, mask),
        frozenset({MASKED_ABOVE}),
    )


MASKED_ABOVE = "masked-above"


def _renormalised_after_softmax(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """On the case whose masked keys score far above the allowed ones: rows that should sum
    to 1 came out all 0 or NaN, as a softmax over every key, masked, then renormalised gives."""
    if MASKED_ABOVE not in case.tags:
        return None
    got = out.output
    if tuple(got.shape) != tuple(expected.shape):
        return None
    lost = ~torch.isfinite(got).all(dim=-1) | (got.abs().sum(dim=-1) < 1e-6)
    lost &= expected.sum(dim=-1) > 0.5
    if not lost.any():
        return None
    row = tuple(int(i) for i in lost.nonzero()[0])

    def numbers(t: Tensor) -> str:
        return "[" + ", ".join(fmt_num(float(x)) for x in t) + "]"

    return (
        f"row {fmt_index(row)} should be {numbers(expected[row])}, got {numbers(got[row])}",
        "Your weights came out 0 (or NaN) for every allowed key of a row whose masked keys score 200 above "
        "them: a softmax over ALL the keys gives the allowed ones exp(-200), which is 0 in float32, and "
        "zeroing the masked weights and renormalising cannot bring them back. Mask the scores with -inf "
        "BEFORE the softmax: torch.softmax(scores.masked_fill(~mask, float('-inf')), dim=-1).",
    )


def masked_qkv_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case(
            "q, k, v (2, 5, 4) with a causal mask (5, 5)",
            (*(randn(gen, 2, 5, 4) for _ in range(3)), ref.causal_mask(5)),
        ),
        Case(
            "q, k, v (3, 4, 6) with a padding mask, lengths [4, 2, 1]",
            (*(randn(gen, 3, 4, 6) for _ in range(3)), _padding([4, 2, 1], 4)),
        ),
        Case(
            "q, k, v (2, 4, 5) with a mask (2, 4, 4) that hides every key from one query",
            (*(randn(gen, 2, 4, 5) for _ in range(3)), _fully_masked_row(2, 4)),
            frozenset({"fully-masked"}),
        ),
    ]


HEAD = ("q_proj", "k_proj", "v_proj", "out_proj")


def head_cases(gen: torch.Generator) -> list[Case]:
    """SingleHeadAttention with B, T and D all different: no mask, causal, padding, and a
    (B, T, T) mask with a fully masked row."""
    cases = []
    for label, B, T, D, mask in (
        ("no mask", 2, 5, 8, None),
        ("a causal mask (5, 5)", 3, 5, 4, ref.causal_mask(5)),
        ("a padding mask (3, 1, 6), lengths [6, 4, 1]", 3, 6, 8, _padding([6, 4, 1], 6)),
        ("a mask (2, 4, 4) that hides every key from one query", 2, 4, 6, _fully_masked_row(2, 4)),
    ):
        X = randn(gen, B, T, D)
        inputs = (X,) if mask is None else (X, mask)
        cases.append(
            Case(
                f"SingleHeadAttention({D}) on (B={B}, T={T}, D={D}) with {label}",
                inputs,
                init=(D,),
                params=linear_params(gen, D, HEAD),
            )
        )
    B, T, D = 3, 5, 6
    cases.append(
        weights_case(
            f"SingleHeadAttention({D}) on (B={B}, T={T}, D={D}) with a padding mask (3, 1, 5), lengths [5, 3, 2]",
            (randn(gen, B, T, D), _padding([5, 3, 2], T)),
            (D,),
            linear_params(gen, D, HEAD),
        )
    )
    return cases + module_cases(cases[1])


def _head_scores(p, X, mask=None, *, masked=False):
    """SingleHeadAttention's scores q kᵀ / √D, with masked scores at -inf if `masked`."""
    scores = project(p, "q_proj", X) @ project(p, "k_proj", X).mT * X.shape[-1] ** -0.5
    return scores.masked_fill(~mask, float("-inf")) if masked and mask is not None else scores


def _head(p, X, mask=None, *, softmax=None, out=True, scale=None, values="v_proj", out_first=False):
    """SingleHeadAttention from parameters p, with one thing changed for a mistake."""
    q, k, v = project(p, "q_proj", X), project(p, "k_proj", X), project(p, values, X)
    scores = q @ k.mT * (X.shape[-1] ** -0.5 if scale is None else scale)
    weights = (softmax or ref.masked_softmax)(scores, mask)
    if out_first:
        return weights @ project(p, "out_proj", v)
    mixed = weights @ v
    return project(p, "out_proj", mixed) if out else mixed


def _masked_softmax_over_queries(scores, mask):
    """masked_softmax with the softmax over dim=-2, masked scores at -inf, NaN set to 0."""
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-2).nan_to_num(0.0)


def _softmax_ignoring_mask(scores, mask=None):
    return torch.softmax(scores, dim=-1)


def _softmax_inverted(scores, mask=None):
    return ref.masked_softmax(scores, None if mask is None else ~mask)


def _softmax_inverted_nan(scores, mask=None):
    """The mask used the wrong way round, and a row it leaves empty NaN, as masked_fill(mask, -inf) gives."""
    return _softmax_nan_rows(scores, None if mask is None else ~mask)


def _softmax_then_mask(scores, mask=None):
    weights = torch.softmax(scores, dim=-1)
    return weights if mask is None else weights.masked_fill(~mask, 0.0)


def _softmax_then_inf(scores, mask=None):
    weights = torch.softmax(scores, dim=-1)
    return weights if mask is None else weights.masked_fill(~mask, float("-inf"))


def _inf_after_softmax(out: Outcome) -> str:
    line = source_line(out, r"softmax\(.*\)\s*\.\s*masked_fill|weights\s*\.\s*masked_fill")
    where = f"`{line}` sets" if line else "You set"
    return (
        f"{where} the masked weights to -inf after the softmax, so weights @ v adds -inf × v (and 0 × -inf is "
        "NaN) for every query with a masked key: the result is NaN or inf. -inf belongs in the scores, before "
        "the softmax, which turns it into a weight of 0: weights = masked_softmax(scores, mask)."
    )


def _softmax_multiplied(scores, mask=None):
    return torch.softmax(scores if mask is None else scores * mask, dim=-1)


def _softmax_zero_times_inf(scores, mask=None):
    return torch.softmax(scores if mask is None else scores + (~mask).float() * float("-inf"), dim=-1)


def _softmax_nan_rows(scores, mask=None):
    return torch.softmax(scores if mask is None else scores.masked_fill(~mask, float("-inf")), dim=-1)


def _softmax_big_negative(scores, mask=None):
    return torch.softmax(scores if mask is None else scores.masked_fill(~mask, -1e9), dim=-1)


MASK_MESSAGES = {
    "mask-ignored": lambda out: reading.mask_not_used(out)
    or "The mask made no difference: masked keys still get weight. Fill the masked "
    "scores with -inf before the softmax: scores.masked_fill(~mask, float('-inf')).",
    "inverted-mask": lambda out: _inverted_use(out),
    "mask-after-softmax": "The mask was applied after the softmax: masked weights are 0 but the rest "
    "no longer sum to 1. Mask the scores with -inf BEFORE the softmax, so it normalises over "
    "the allowed keys only. (Dividing each row by its new sum afterwards gives the same weights too, "
    "except where a row has nothing left, 0 / 0, or float32 has already rounded the allowed weights to 0.)",
    "inf-after-softmax": lambda out: _inf_after_softmax(out),
    "mask-multiplied": lambda out: _masked_to_zero(out),
    "zero-times-inf": "NaN everywhere: multiplying the mask by -inf gives 0 × -inf = NaN for every "
    "allowed key. Use scores.masked_fill(~mask, float('-inf')) instead of arithmetic with inf.",
    "fully-masked-nan": lambda out: _fully_masked_nan(out),
    "big-negative": "A query that may attend no key got uniform weights over the masked keys: a large "
    "negative number (-1e9) instead of -inf keeps them in the softmax. Use -inf, and give fully "
    "masked rows zeros, as F.scaled_dot_product_attention does.",
}


INVERTED_USE = (
    "Your mask works the wrong way round: the course's mask is True where a query MAY attend (as in "
    "F.scaled_dot_product_attention), so fill where the mask is False: masked_fill(~mask, ...). "
    "(nn.MultiheadAttention's key_padding_mask is the opposite.)"
)


def _inverted_use(out: Outcome) -> str:
    """The message for a mask used the wrong way round, in the words of the line that did it."""
    handed = source_line(out, r"masked_softmax\([^)]*~\s*\(?\s*mask")
    if handed:
        return (
            f"Your mask works the wrong way round: `{handed}` hands masked_softmax ~mask, so only the forbidden "
            "keys take part. masked_softmax takes the course's mask as it is, True where a query MAY attend, "
            "and hides the keys where it is False itself: pass mask, not ~mask."
        )
    if source_line(out, r"masked_fill_?\(\s*~"):  # the fill this message would advise is there
        return (
            "Your mask works the wrong way round, although your code fills where ~mask is True, as it should: "
            "the mask it fills with was turned around on the way. Check each ~, == 0 or logical_not applied to "
            "the mask before that line: the course's mask is True where a query MAY attend."
        )
    filled = source_line(out, r"masked_fill_?\(\s*mask\b")
    if filled:
        return (
            f"Your mask works the wrong way round: `{filled}` fills where the mask is True, and True is where a "
            "query MAY attend (as in F.scaled_dot_product_attention). Fill where it is False: masked_fill(~mask, ...)."
        )
    return INVERTED_USE


def _fully_masked_nan(out: Outcome) -> str:
    """The message for NaN in a fully masked row: from softmax over -inf, or, when the code
    has no -inf and divides by a sum, from renormalising a row of zeros."""
    renormalised = source_line(out, r"/\s*\w+\.sum\(")
    if renormalised and not re.search(r"-\s*(math\.|torch\.)?inf|float\(\s*['\"]-inf", out.source):
        return (
            f"A query that may attend no key at all came out as NaN: its masked weights are all 0, and "
            f"`{renormalised}` divides them by their sum, 0: 0 / 0 is NaN. Give such rows all-zero weights, as "
            "F.scaled_dot_product_attention does, e.g. weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0) "
            "after dividing."
        )
    zeroing = source_line(out, r"masked_fill\((?!.*inf).*,\s*0(\.0*)?\s*\)|where\(.*zeros")
    if zeroing and re.search(r"any\(\s*(dim\s*=\s*)?-1", zeroing):
        return (
            f"A query that may attend no key at all came out as NaN: softmax over a row of -inf is 0 / 0. "
            f"`{zeroing}` tests the right rows, but its zeros do not reach what your function returns: masked_fill "
            "and torch.where make a new tensor; return that one."
        )
    if zeroing:
        return (
            f"A query that may attend no key at all came out as NaN: softmax over a row of -inf is 0 / 0. "
            f"`{zeroing}` is there to give such rows zeros, but misses them: the rows to zero are the queries with "
            "no key allowed, ~mask.any(dim=-1, keepdim=True), a test of the mask along its last axis (a test of the "
            "weights finds nothing: such a row is NaN, and so is its sum)."
        )
    return (
        "A query that may attend no key at all came out as NaN: softmax over a row of -inf is 0 / 0. Give such "
        "rows all-zero weights, as F.scaled_dot_product_attention does, e.g. "
        "weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)."
    )


def _inverted_build(where: str, fix: str) -> Callable[[Outcome], str]:
    """The message for a mask built the wrong way round (3.1, 3.2), quoting the line that
    inverts it: a ~, or a comparison that picks the forbidden keys."""

    def message(out: Outcome) -> str:
        line = source_line(out, r"~") or source_line(out, r">=?|\btriu\(")
        quoted = f" `{line}` builds the opposite." if line else ""
        how = "Drop the ~." if "~" in line else fix
        return (
            f"Your mask is the wrong way round: it is True where attending is forbidden, as nn.MultiheadAttention's "
            f"masks are. The course's mask, like F.scaled_dot_product_attention's, is True where a query MAY "
            f"attend: {where}.{quoted} {how}"
        )

    return message


def _hides_diagonal(out: Outcome) -> str:
    line = source_line(out, r"<(?!=)")
    if line:
        return (
            f"Your mask also hides the diagonal: a token may attend to itself (key j = query i), and `{line}` "
            "compares with <, which leaves out j = i. Use <=."
        )
    return (
        "Your mask also hides the diagonal: a token may attend to itself (key j = query i). Use tril(), not tril(-1)."
    )


def _masked_to_zero(out: Outcome) -> str:
    """The message for masked scores that became 0, in the words of the code that did it."""
    filled = source_line(
        out, r"masked_fill_?\([^,()]*mask[^,()]*,\s*0(\.0*)?\s*\)|where\([^,()]*mask[^,()]*,[^,]*,\s*0(\.0*)?\s*\)"
    )
    multiplied = source_line(out, r"\*\s*\(?~?\s*mask\b|\bmask\b[^,]*\)?\s*\*")
    if filled:
        how = f"You set the masked scores to 0 (`{filled}`)"
    elif multiplied:
        how = f"You multiplied the scores by the mask (`{multiplied}`)"
    else:
        how = "Your masked scores became 0"
    return (
        f"{how}: a masked score of 0, not -inf, still gets weight, since e⁰ = 1. Use "
        "scores.masked_fill(~mask, float('-inf'))."
    )


def mask_mistakes(formula: Callable[..., Tensor], with_init: bool = False) -> tuple[Mistake, ...]:
    """The masking mistakes for a formula(*inputs, softmax=...) that applies a masked softmax
    (see matches for with_init)."""
    variants = (
        ("mask-ignored", _softmax_ignoring_mask, "what you get with no mask"),
        ("inverted-mask", _softmax_inverted, "the result with the mask inverted"),
        ("inverted-mask", _softmax_inverted_nan, "the result with the mask inverted (NaN where it hides every key)"),
        ("mask-after-softmax", _softmax_then_mask, "softmax first, then the masked weights set to 0"),
        ("inf-after-softmax", _softmax_then_inf, "softmax first, then the masked weights set to -inf"),
        ("mask-multiplied", _softmax_multiplied, "the softmax with the masked scores at 0"),
        ("zero-times-inf", _softmax_zero_times_inf, "softmax(scores + (~mask) * -inf), NaN included"),
        ("fully-masked-nan", _softmax_nan_rows, "masked_fill(-inf) and softmax, with NaN in the fully masked row"),
        ("big-negative", _softmax_big_negative, "masked_fill(-1e9) and softmax"),
    )
    return tuple(
        matches(
            key,
            MASK_MESSAGES[key],
            (lambda sm: lambda *a: formula(*a, softmax=sm))(softmax),
            what,
            with_init=with_init,
            if_all_nan=INF_TIMES if key == "zero-times-inf" else "",
        )
        for key, softmax, what in variants
    )


# -inf in arithmetic with the mask: mask * -inf, (~mask).float() * float("-inf"), ...
INF_TIMES = r"\*\s*(float\(\s*['\"]-?inf|-?\s*(math|torch)\.inf)|(inf['\"]\s*\)|(math|torch)\.inf)\s*\*"


_MIDDLE_AXIS = r"\bmask\s*=\s*mask\s*(\.unsqueeze\(\s*(1|-2)\s*\)|\[\s*:\s*,\s*None\s*\])"


def _square_mask_given_middle_axis(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """A size error with a (T, T) mask among the inputs, and code that gives the mask an axis
    in the middle, as a padding mask's query axis: (T, 1, T) lines its rows up with the batch."""
    mask = next((x for x in case.inputs if isinstance(x, Tensor) and x.dtype == torch.bool), None)
    line = source_line(out, _MIDDLE_AXIS)
    if mask is None or mask.dim() != 2 or not line or "must match the size" not in (out.error or ""):
        return None
    T = mask.shape[-1]
    return (
        f"your code raised {out.error}",
        f"`{line}` gives this ({T}, {T}) mask an axis in the middle, ({T}, 1, {T}), as a padding mask's query axis: "
        f"its {T} rows then line up with the sentences of the (B, T, T) scores. A (T, T) mask needs no new axis "
        "(broadcasting puts one in front, (1, T, T)); only a (B, T) padding mask needs one in the middle.",
    )


SQUARE_MASK_MIDDLE_AXIS = Mistake("mask-axis-in-middle", _square_mask_given_middle_axis, on_error=True)

MASK_NONE_MESSAGE = (
    "masked_softmax is called with mask=None too: then nothing is masked, and it is a plain softmax over the last "
    "dimension (SingleHeadAttention's forward hands it its own mask, which is None by default). Begin with "
    "`if mask is None: return torch.softmax(scores, dim=-1)`."
)
MASK_NONE_WRONG_MESSAGE = (
    "With mask=None nothing is masked: masked_softmax is then a plain softmax over the last dimension, "
    "torch.softmax(scores, dim=-1), every row summing to 1."
)


def _mask_none(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """The case without a mask (mask=None) raised, or came out other than a plain softmax."""
    if len(case.inputs) < 2 or case.inputs[1] is not None:
        return None
    if out.error:
        return f"your code raised {out.error}", MASK_NONE_MESSAGE
    if expected is not None and not close(out.output, expected):
        return first_difference(expected, out.output), MASK_NONE_WRONG_MESSAGE
    return None


def _fixed_axes(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """Scores with a head axis, (B, H, T, T), met code that unpacks three axes."""
    if HEADS not in case.tags or not re.search(r"values to unpack \(expected 3", out.error or ""):
        return None
    line = source_line(out, r"=\s*\w+\.shape\b|=\s*\w+\.size\(\)")
    if line:
        return (
            f"your code raised {out.error}",
            f"`{line}` names three axes, and these scores have four, (B, H, T, T): lessons 04, 07 and 08 call "
            "masked_softmax on scores with a head axis. Nothing in it needs the sizes: masked_fill, the softmax over "
            "dim=-1 and mask.any(dim=-1, keepdim=True) work on any number of leading axes, and the mask broadcasts.",
        )
    return (
        f"your code raised {out.error}",
        "Your code expects scores with three axes, and these have four, (B, H, T, T): lessons 04, 07 and 08 call "
        "masked_softmax on scores with a head axis. Write it for any number of leading axes: masked_fill, the "
        "softmax over dim=-1 and mask.any(dim=-1, keepdim=True) need no sizes, and the mask broadcasts.",
    )


EXERCISES_03 = [
    Exercise(
        id="3.1",
        notebook="03",
        name="causal_mask",
        title="A causal mask",
        points=2,
        difficulty=1,
        minutes=10,
        signature="causal_mask(T)",
        returns="(T, T) booleans, True where key j <= query i",
        reference=ref.causal_mask,
        make_cases=size_cases,
        produces=Produces(what="mask", axes=("T", "T")),
        mistakes=(
            matches(
                "hides-diagonal", _hides_diagonal, lambda T: torch.ones(T, T, dtype=torch.bool).tril(-1), "tril(-1)"
            ),
            matches(
                "inverted-mask",
                _inverted_build(
                    "key j <= query i, the lower triangle", "Return torch.ones(T, T, dtype=torch.bool).tril()."
                ),
                lambda T: ~ref.causal_mask(T),
                "the causal mask inverted",
            ),
            matches(
                "sees-next",
                "Your mask lets each token see the next one as well: tril(diagonal=1). The "
                "last key a query may attend is itself: tril() with the default diagonal=0.",
                lambda T: torch.ones(T, T, dtype=torch.bool).tril(1),
                "tril(1)",
            ),
            matches(
                "future-not-past",
                "Your mask lets each token see the future and hides the past: "
                "query i may attend keys j <= i, the lower triangle (tril).",
                lambda T: torch.ones(T, T, dtype=torch.bool).triu(),
                "triu()",
            ),
        ),
    ),
    Exercise(
        id="3.2",
        notebook="03",
        name="padding_mask",
        title="A padding mask",
        points=2,
        difficulty=2,
        minutes=10,
        signature="padding_mask(lengths, T)  # lengths: (B,) integers",
        returns="(B, 1, T) booleans, True where key j < lengths[b]",
        reference=ref.padding_mask,
        make_cases=length_cases,
        produces=Produces(what="mask", axes=("B", "1", "T")),
        mistakes=(
            matches(
                "over-queries",
                "Your mask has shape (B, T, 1): it broadcasts over the keys, so it hides "
                "the padded QUERIES' rows instead of the padded KEYS. Padding hides keys: put the "
                "positions on the last axis, (B, 1, T).",
                lambda lengths, T: ref.padding_mask(lengths, T).mT,
                "the mask over queries (B, T, 1)",
            ),
            matches(
                "no-query-axis",
                "Your mask has shape (B, T): add the query axis, (B, 1, T), so that it "
                "broadcasts against (B, T, T) scores as one row per sentence (mask[:, None, :]).",
                lambda lengths, T: ref.padding_mask(lengths, T)[:, 0, :],
                "the mask without its query axis",
            ),
            matches(
                "inverted-mask",
                _inverted_build(
                    "key j is a real token, j < lengths[b]",
                    "Compare torch.arange(T) < lengths[:, None], and give it the query axis: [:, None, :].",
                ),
                lambda lengths, T: ~ref.padding_mask(lengths, T),
                "the padding mask inverted",
            ),
            raised(
                "lengths-not-column",
                "torch.arange(T) is (T,) and lengths is (B,): side by side they line up "
                "only when B = T. Give lengths an axis, lengths[:, None], (B, 1), so that the comparison "
                "broadcasts to (B, T).",
                error=r"size of tensor a \(\d+\) must match the size of tensor b "
                r"\(\d+\) at non-singleton dimension 0",
            ),
            matches(
                "off-by-one",
                "Off by one: a sentence of length n has real tokens at positions "
                "0 to n - 1, so key j is real when j < n, not j <= n.",
                lambda lengths, T: (torch.arange(T) <= lengths[:, None])[:, None, :],
                "positions j <= length",
            ),
            Mistake("longest-not-T", _longest_not_T),
        ),
    ),
    Exercise(
        id="3.3",
        notebook="03",
        name="masked_softmax",
        title="A masked softmax",
        points=3,
        difficulty=2,
        minutes=15,
        signature="masked_softmax(scores, mask=None)  # scores (..., T, T); mask None, (T, T), (B, 1, T) or (B, T, T)",
        returns="weights of the scores' shape: masked keys exactly 0, other rows summing to 1, fully masked rows all 0; "
        "a plain softmax when mask is None",
        reference=ref.masked_softmax,
        make_cases=masked_score_cases,
        produces=Produces(
            what="weights",
            batch=(0,),
            tokens={0: -1},
            mask=1,
            axes=("B", "T", "T"),
            family=variants.softmax_family(mask=1),
        ),
        mistakes=(
            Mistake("mask-none", _mask_none, on_error=True),
            Mistake("mask-none", _mask_none),
            Mistake("fixed-axes", _fixed_axes, on_error=True),
            SQUARE_MASK_MIDDLE_AXIS,
            Mistake("renormalised-after-softmax", _renormalised_after_softmax),
            *mask_mistakes(lambda scores, mask, softmax: softmax(scores, mask)),
            matches(
                "wrong-axis",
                "Your weights were normalised over the queries (dim=1 of (B, T, T), or "
                "dim=-2). " + WRONG_AXIS_MESSAGE,
                _masked_softmax_over_queries,
                "the masked softmax over dim=-2",
                unless=SOFTMAX_OVER_LAST,
            ),
        ),
    ),
    Exercise(
        id="3.4",
        notebook="03",
        name="masked_attention",
        title="Spot the bug: where the mask goes",
        points=1,
        difficulty=1,
        minutes=10,
        signature="masked_attention(q, k, v, mask)",
        returns="softmax of the masked, scaled scores, times v: shape (B, T, d)",
        reference=ref.masked_attention,
        make_cases=masked_qkv_cases,
        produces=Produces(
            batch=(0, 1, 2),
            tokens={0: -2, 1: -2, 2: -2},
            mask=3,
            axes=("B", "T", "d"),
            family=variants.attention_family(mask=3),
        ),
        handed_out="weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)",
        handed_out_mistake="mask-after-softmax",
        mistakes=(
            *mask_mistakes(lambda q, k, v, mask, softmax: softmax(ref.scaled_scores(q, k), mask) @ v),
            *scale_mistakes(
                lambda q, k, v, mask, scale: ref.masked_softmax(q @ k.mT * scale, mask) @ v, width_of_q, SCALE_QKV
            ),
        ),
    ),
    Exercise(
        id="3.5",
        notebook="03",
        name="SingleHeadAttention",
        title="SingleHeadAttention with a mask",
        points=3,
        difficulty=3,
        minutes=25,
        signature="class SingleHeadAttention(nn.Module) with __init__(self, embed_size) and forward(self, X, mask=None)",
        returns="out_proj(masked attention of q, k, v), shape (B, T, D), keeping self.last_weights",
        reference=ref.SingleHeadAttention,
        make_cases=head_cases,
        produces=Produces(
            batch=(0,),
            tokens={0: -2},
            mask=1,
            axes=("B", "T", "D"),
            family=variants.module_family("q_proj", "k_proj", "v_proj", "out_proj"),
            from_weights=variants.from_weights("v_proj", "out_proj"),
        ),
        module=True,
        probe=keeps_weights,
        mistakes=(
            no_super_init,
            dot_T_on_batch,
            matches(
                "unused-out-proj",
                "out_proj is defined but never used: your output skips it. Pass the "
                "weighted sum through self.out_proj. (To find such a layer: after out.sum().backward(), "
                "model.out_proj.weight.grad is still None.)",
                lambda p, *a: _head(p, *a, out=False),
                "the output without out_proj",
            ),
            *mask_mistakes(lambda p, *a, softmax: _head(p, *a, softmax=softmax)),
            *scale_mistakes(lambda p, *a, scale: _head(p, *a, scale=scale), width_of_X, SCALE_EMBED),
            matches(
                "keys-as-values",
                "You multiplied the weights by k; take the values: weights @ v.",
                lambda p, *a: _head(p, *a, values="k_proj"),
                "weights @ k",
            ),
            matches(
                "out-proj-first",
                "out_proj was applied to v, before the weights: it must come last, on the "
                "weighted sum, out_proj(weights @ v). The two agree while every row of weights sums to 1; a "
                "query that may attend nothing shows the difference: its output must be out_proj's bias.",
                lambda p, *a: _head(p, *a, out_first=True),
                "weights @ out_proj(v)",
            ),
            *last_weights_mistakes(_head_scores, "(B, T, T)"),
        ),
    ),
]


LESSON = Lesson(
    number="03",
    title="Masks",
    notebook="03-masks",
    provides=(),  # what its notebook imports from helpers.attention
    exercises=EXERCISES_03,
)

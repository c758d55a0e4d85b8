"""Lesson 01."""

from __future__ import annotations

import re
from typing import Callable

import torch
from torch import Tensor

from helpers import attention as ref
from helpers.lessons import variants
from helpers.lessons.reading import lost_passes
from helpers.lessons.records import Exercise, Finding, Lesson, Mistake, Produces
from helpers.lessons.toolkit import (
    Message,
    batch_cases,
    matches,
    non_finite_in_low_rows,
    non_finite_on_large,
    raised,
    rows_sum_to_one,
    score_cases,
    sentence_cases,
    source_line,
)
from helpers.running import Case, Outcome
from helpers.tolerances import ATOL, RTOL, close, first_difference, fmt_num

XT_X_MESSAGE = (
    "You computed Xᵀ X, which compares features with features (D × D). Scores compare "
    "tokens with tokens: X Xᵀ, one row and one column per token (T × T)."
)


DOT_T_MESSAGE = (
    "`.T` reverses every dimension of a 3-D tensor, so (B, T, D) becomes (D, T, B). "
    "Swap only the last two: X.transpose(-2, -1) (or X.mT)."
)


WRONG_AXIS_MESSAGE = (
    "Did you apply softmax over the wrong dimension? Each row holds one query's weights "
    "over all keys, so normalise over the last dimension: dim=-1."
)
# A softmax over the last dimension, written: the code has the fix WRONG_AXIS_MESSAGE advises, so
# weights over another axis come from what it is given or what is done after (Mistake.unless).
SOFTMAX_OVER_LAST = r"softmax\(.*dim\s*=\s*-1\b"


OVERFLOW_MESSAGE = (
    "Your softmax overflows on large scores: exp(1000) is inf in float32 and inf / inf is "
    "NaN. Subtract each row's maximum before exp; the result is mathematically the same."
)


def _over_dim_1(out: Outcome) -> str:
    """dim=1 written where the last axis is meant: right for 2-D scores only."""
    line = source_line(out, r"\bdim\s*=\s*1\b")
    if not line:
        return ""
    return (
        f"Rows do not sum to 1 but columns do: `{line}` works over dim=1, which is the last axis only when the "
        "scores are 2-D; for a batch of scores (B, T, S) it is T, the second-to-last. Count from the end: "
        "dim=-1 is the last axis, whatever the shape."
    )


def _dim_1(out: Outcome, what: str) -> str:
    """A reduction over dim=1 where the last axis is meant: the same axis only for 2-D inputs."""
    line = source_line(out, r"\bdim\s*=\s*1\b|\(\s*1\s*[,)]")
    quoted = f"`{line}` takes the {what}" if line else f"Your {what} is taken"
    effect = (
        "each number is shifted by its column's maximum instead of its row's"
        if what == "maximum"
        else "it adds up each column instead of each row"
    )
    return (
        f"{quoted} over dim=1, which is the last axis only of a 2-D input; for (B, T, S) it is T, so {effect}. "
        "Count from the end: dim=-1 is the last axis, whatever the shape."
    )


wrong_axis = rows_sum_to_one(
    "wrong-axis",
    {
        -2: lambda out: _over_dim_1(out)
        or "Rows do not sum to 1 but columns do: softmax ran over dim=-2 (the queries). " + WRONG_AXIS_MESSAGE,
        -3: "Rows do not sum to 1, but the values sum to 1 across the batch: softmax ran "
        "over dim=0 (the sentences). " + WRONG_AXIS_MESSAGE,
    },
    unless=SOFTMAX_OVER_LAST,
)


# X Xᵀ is symmetric, so softmax over dim=-2 equals the right weights transposed: the numbers show one or the other.
SYMMETRIC_AXIS_MESSAGE = (
    ", or the right weights were transposed afterwards (.transpose(-2, -1), .mT): X Xᵀ is symmetric, so both "
    "give exactly these numbers. Each row holds one query's weights over all keys: softmax over the last "
    "dimension, dim=-1, and use the weights as they come out."
)


wrong_axis_of_symmetric = rows_sum_to_one(
    "wrong-axis",
    {
        -2: "Rows do not sum to 1 but columns do: softmax ran over dim=-2 (the queries)" + SYMMETRIC_AXIS_MESSAGE,
        -3: "Rows do not sum to 1, but the values sum to 1 across the batch: softmax ran "
        "over dim=0 (the sentences). " + WRONG_AXIS_MESSAGE,
    },
)


not_normalised = rows_sum_to_one(
    "not-normalised",
    {},
    "These are not attention weights: each row must sum to 1. Divide the exponentials by "
    "their sum over the last dimension (keepdim=True).",
)


# Where torch warned about .T on a tensor that is not 2-D (it warns once a process), or where the
# code has .T and the error is about sizes: .T with any other error says nothing.
# The line that raised is in the error too: inspect cannot read a class defined in a notebook, but the line
# of its forward that failed is there, and .T on it is evidence enough.
_SIZE_ERRORS = r"must match the size|cannot be multiplied|size mismatch|expected .*shape|dimension"


_dot_T_by_source = raised(
    "dot-T-on-batch", DOT_T_MESSAGE, warning="`x.T`", source=r"\.T\b", both=True, error=_SIZE_ERRORS
)


_dot_T_by_line = raised("dot-T-on-batch", DOT_T_MESSAGE, error=rf"(?:{_SIZE_ERRORS}).*\(line \d+: .*\.T\b")


dot_T_on_batch = Mistake(
    "dot-T-on-batch",
    lambda case, out, expected: _dot_T_by_source.found(case, out, expected)
    or _dot_T_by_line.found(case, out, expected),
    on_error=True,
)


def _softmax_no_keepdim_max(s: Tensor) -> Tensor:
    e = (s - s.amax(dim=-1)).exp()
    return e / e.sum(dim=-1, keepdim=True)


def _softmax_no_keepdim_sum(s: Tensor) -> Tensor:
    e = (s - s.amax(dim=-1, keepdim=True)).exp()
    return e / e.sum(dim=-1)


def _softmax_shifted_by(s: Tensor, shift: Tensor) -> Tensor:
    e = (s - shift).exp()
    return e / e.sum(dim=-1, keepdim=True)


ROW_SHIFT_MESSAGE = (
    "Your softmax subtracts each row's {what}, not its maximum: exp(max - {what}) overflows float32 as soon as a "
    "row spans more than about 88, and inf / inf is NaN. Subtract the row's maximum, "
    "scores.amax(dim=-1, keepdim=True): then every exponent is at most 0."
)


NO_KEEPDIM = r"\b(max|amax|sum)\((?![^)]*keepdim\s*=\s*True)"


def _no_keepdim_message(reduction: str, use: str) -> Message:
    """The message for a `reduction` ("max" or "sum") that lost its dimension, quoting the
    student's line when it has one such reduction without keepdim=True."""

    def message(out: Outcome) -> str:
        line = source_line(out, NO_KEEPDIM.replace("max|amax|sum", "max|amax" if reduction == "max" else "sum"))
        where = f"`{line}` takes the {reduction}" if line else f"The row {reduction} is taken"
        return (
            f"A reduction lost its dimension: {where} without keepdim=True, so it has shape (..., ) not (..., 1), "
            f"and {use} it lines up with the columns instead of the rows. Add keepdim=True to that {reduction}."
        )

    return message


_CLAMPED = r"\b(clamp|clip)\(([^()]*)\)"


def _clamped(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """A softmax of the scores clamped at the bounds the code writes (clamp(max=80)) instead of
    shifted by the row's maximum: right while no score reaches the bound."""
    line = source_line(out, _CLAMPED)
    if not line:
        return None
    bounds = dict(re.findall(r"\b(min|max)\s*=\s*(-?[\d.]+(?:e-?\d+)?)", re.search(_CLAMPED, line).group(2)))
    if "max" not in bounds:
        return None
    try:
        low = float(bounds["min"]) if "min" in bounds else None
        wrong = torch.softmax(case.inputs[0].clamp(min=low, max=float(bounds["max"])), dim=-1)
    except ValueError:
        return None
    if not close(out.output, wrong) or close(wrong, expected):
        return None
    top = float(bounds["max"])
    lost = (
        f"on these scores, all above {fmt_num(top)}, every row's weights come out equal, whatever the scores were"
        if bool((case.inputs[0] > top).all())
        else "the scores above it lose their differences"
    )
    return (
        f"{first_difference(expected, out.output)}; your result equals the softmax of the scores capped at "
        f"{fmt_num(top)}",
        f"`{line}` caps the scores at {fmt_num(top)} instead of shifting them: every score above {fmt_num(top)} "
        f"becomes {fmt_num(top)}, so {lost}. Subtract each row's maximum instead, "
        "exp(scores - scores.amax(dim=-1, keepdim=True)): no exponent is then above 0, and the result is unchanged.",
    )


def _shifted_on_one_side(out: Outcome, top: bool) -> str:
    line = source_line(out, r"exp.*/.*exp|/.*\.sum\(")
    quoted = f"`{line}`: the" if line else "The"
    over, under = ("shifted", "unshifted") if top else ("unshifted", "shifted")
    return (
        f"{quoted} numerator takes exp of the {over} scores and the denominator sums exp of the {under} ones, so "
        f"the shift no longer cancels: each row comes out exp({'-' if top else ''}max) times the softmax, and exp "
        "of the unshifted scores overflows on large ones. Shift both the same way: e = torch.exp(scores - m), "
        "then e / e.sum(dim=-1, keepdim=True)."
    )


MAX_TUPLE_MESSAGE = (
    "scores.max(dim=-1, keepdim=True) returns a pair (values, indices), not a tensor, so it cannot be "
    "subtracted. Take its .values, or use scores.amax(dim=-1, keepdim=True), which returns the maxima alone."
)


def _entries_left_zero(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Every score is either right or exactly 0, and some that should not be are 0: the loops
    skipped some (i, j) pairs. Which ones they skipped names the loop."""
    got = out.output
    if tuple(got.shape) != tuple(expected.shape) or got.dim() != 2 or not torch.isfinite(got).all():
        return None
    zero = (got == 0) & ~torch.isclose(expected, torch.zeros_like(expected), atol=ATOL)
    right = torch.isclose(got.double(), expected.double(), rtol=RTOL, atol=ATOL)
    if not zero.any() or not (right | zero).all():
        return None
    T = got.shape[0]
    i, j = torch.meshgrid(torch.arange(T), torch.arange(T), indexing="ij")
    expect_nonzero = ~torch.isclose(expected, torch.zeros_like(expected), atol=ATOL)
    evidence = f"{int(zero.sum())} of {got.numel()} scores are 0 where X Xᵀ is not, and every other score is right"
    slip = lost_passes(out, zero.all(dim=1) & expect_nonzero.any(dim=1), ~zero.any(dim=1), "row")
    if slip:
        return f"{evidence}: {slip[0]}", slip[1]
    for where, region, message in (
        (
            f"row {T - 1} and column {T - 1}, the last token's",
            (i == T - 1) | (j == T - 1),
            f"Your loops stop one token early: range(T - 1) never reaches token T - 1 = {T - 1}. Loop over range(T).",
        ),
        (f"row {T - 1}, the last token's", i == T - 1, _stops_early(out, T)),
        (
            "every score below the diagonal (j < i)",
            j < i,
            "Your inner loop starts at i (range(i, T)), so scores[i, j] with j < i keeps its 0. X Xᵀ is symmetric, but "
            "every pair needs its score: loop j over range(T).",
        ),
        (
            "every score above the diagonal (j > i)",
            j > i,
            "Your inner loop stops at i (range(i + 1)), so scores[i, j] with j > i keeps its 0. X Xᵀ is symmetric, but "
            "every pair needs its score: loop j over range(T).",
        ),
    ):
        if torch.equal(zero, region & expect_nonzero):
            return f"{evidence}: the zeros are {where}", message
    return (
        evidence,
        "Some scores keep the 0 they started with: find the step that does not reach them (a loop that skips "
        "some pairs (i, j), a return inside a loop, or the tensor made again inside a loop). Every token i needs "
        "a score with every token j: for i in range(T), for j in range(T).",
    )


def _stops_early(out: Outcome, T: int) -> str:
    line = source_line(out, r"range\([^)]*-\s*1\s*\)")
    said = f"`{line}` stops one token early: it" if line else "Your outer loop"
    return f"{said} never reaches row T - 1 = {T - 1}, the last token's. Loop i over range(T)."


ENTRIES_LEFT_ZERO = Mistake("entries-left-zero", _entries_left_zero)


def _unscaled_too_early(formula: Callable[..., Tensor], what: str) -> tuple[Mistake, ...]:
    """Lesson 01's attention has no scale: scores divided by √D (or by D), as lesson 02 does.
    formula(X, c) is the exercise's result with the scores times c; `what` names it, {} for the divisor."""
    message = (
        "You scaled the scores, dividing X Xᵀ by {how}: lesson 02 adds that scale, for queries and keys. Here "
        "the weights are softmax(X Xᵀ) with nothing else."
    )
    return (
        matches("scaled", message.format(how="√D"), lambda X: formula(X, X.shape[-1] ** -0.5), what.format("√D")),
        matches("scaled", message.format(how="D"), lambda X: formula(X, 1 / X.shape[-1]), what.format("D")),
    )


def _summed_over_queries(out: Outcome) -> str:
    line = source_line(out, r"sum\(\s*(dim\s*=\s*)?(1|-3)\s*\)")
    quoted = f"`{line}` sums" if line else "Your sum runs"
    return (
        f"{quoted} weights[b, i, j] · X[b, j] over i, the queries (dim 1), where the weighted sum runs over j, the "
        "keys (dim 2 of the (B, T, T, D) products): so each output row is token j's own vector times the total "
        "weight it receives. Sum over the keys, dim=2, or write weights @ X, which does exactly that sum."
    )


def _across_sentences(X: Tensor) -> Tensor:
    """Simple self-attention over every token of the batch at once: (B·T) tokens, flattened."""
    B, T, D = X.shape
    flat = X.reshape(B * T, D)
    return (torch.softmax(flat @ flat.T, dim=-1) @ flat).reshape(B, T, D)


EXERCISES_01 = [
    Exercise(
        id="1.1",
        notebook="01",
        name="pairwise_scores",
        title="Pairwise scores",
        points=2,
        difficulty=1,
        minutes=10,
        signature="pairwise_scores(X)  # X: (T, D)",
        returns="the scores X Xᵀ, shape (T, T)",
        reference=ref.pairwise_scores,
        make_cases=sentence_cases,
        produces=Produces(what="scores", axes=("T", "T")),
        mistakes=(
            raised(
                "missing-transpose",
                "X @ X multiplies (T, D) by (T, D), which do not fit together. Transpose "
                "the second: X @ X.T, (T, D) x (D, T) -> (T, T).",
                error=r"shapes cannot be multiplied \((\d+)x(\d+) and \1x\2\)",
            ),
            matches(
                "diagonal-only",
                "You paired each token with itself only: that is the diagonal of the scores. "
                "Scores pair every token i with every token j, scores[i, j] = X[i] · X[j]: X @ X.T.",
                lambda X: (X * X).sum(dim=-1),
                "each token's dot product with itself",
            ),
            matches("xt-x", XT_X_MESSAGE, lambda X: X.T @ X, "Xᵀ X"),
            matches(
                "cosine",
                "You divided by the vectors' lengths (cosine similarity). Attention scores "
                "are plain dot products: longer vectors give bigger scores.",
                lambda X: torch.nn.functional.normalize(X, dim=-1) @ torch.nn.functional.normalize(X, dim=-1).T,
                "the cosine similarities",
            ),
            matches(
                "same-token",
                "scores[i, j] holds X[i] · X[i] for every j: the second vector should be token "
                "j's, scores[i, j] = X[i] · X[j].",
                lambda X: (X * X).sum(dim=-1)[:, None].expand(-1, X.shape[0]),
                "each row filled with X[i] · X[i]",
            ),
            matches(
                "same-token",
                "scores[i, j] holds X[j] · X[j] for every i: the first vector should be token "
                "i's, scores[i, j] = X[i] · X[j].",
                lambda X: (X * X).sum(dim=-1)[None, :].expand(X.shape[0], -1),
                "each column filled with X[j] · X[j]",
            ),
            matches(
                "distance",
                "You computed the squared distances between tokens, |X[i] - X[j]|². Scores are dot "
                "products, scores[i, j] = X[i] · X[j]: similar tokens get a LARGE score, not a small one.",
                lambda X: ((X[:, None, :] - X[None, :, :]) ** 2).sum(dim=-1),
                "the squared distances",
            ),
            matches(
                "distance",
                "You computed the distances between tokens, |X[i] - X[j]|. Scores are dot products, "
                "scores[i, j] = X[i] · X[j]: similar tokens get a LARGE score, not a small one.",
                lambda X: ((X[:, None, :] - X[None, :, :]) ** 2).sum(dim=-1).sqrt(),
                "the distances",
            ),
            matches(
                "softmaxed",
                "You returned attention weights, softmax(X Xᵀ): this exercise asks for the scores "
                "before any softmax, X Xᵀ itself. The softmax comes next, in exercise 1.2.",
                lambda X: torch.softmax(X @ X.T, dim=-1),
                "softmax(X Xᵀ)",
            ),
            ENTRIES_LEFT_ZERO,
        ),
    ),
    Exercise(
        id="1.2",
        notebook="01",
        name="stable_softmax",
        title="A numerically stable softmax",
        points=3,
        difficulty=2,
        minutes=15,
        signature="stable_softmax(scores)  # scores: (..., S)",
        returns="softmax over the last dimension, same shape as scores",
        reference=ref.stable_softmax,
        make_cases=score_cases,
        produces=Produces(what="weights", family=variants.softmax_family()),
        mistakes=(
            matches(
                "no-keepdim",
                _no_keepdim_message("max", "subtracting"),
                _softmax_no_keepdim_max,
                "a softmax whose max lost keepdim",
            ),
            matches(
                "no-keepdim",
                _no_keepdim_message("sum", "dividing by"),
                _softmax_no_keepdim_sum,
                "a softmax whose sum lost keepdim",
            ),
            raised("max-tuple", MAX_TUPLE_MESSAGE, error=r"torch\.return_types\.max"),
            raised(
                "no-keepdim",
                _no_keepdim_message("max", "subtracting or dividing by"),
                error=r"must match the size of tensor|broadcast",
                source=NO_KEEPDIM,
                both=True,
            ),
            matches(
                "dim-1-not-last",
                lambda out: _dim_1(out, "maximum"),
                lambda s: _softmax_shifted_by(s, s.amax(dim=1, keepdim=True)) if s.dim() > 2 else s[:0],
                "a softmax shifted by the maximum over dim=1",
            ),
            matches(
                "row-min",
                ROW_SHIFT_MESSAGE.format(what="minimum"),
                lambda s: _softmax_shifted_by(s, s.amin(dim=-1, keepdim=True)),
                "a softmax shifted by each row's minimum",
            ),
            matches(
                "row-mean",
                ROW_SHIFT_MESSAGE.format(what="mean"),
                lambda s: _softmax_shifted_by(s, s.mean(dim=-1, keepdim=True)),
                "a softmax shifted by each row's mean",
            ),
            matches(
                "divided-by-max",
                "Your softmax divides each row by its maximum before exp: the stable softmax "
                "SUBTRACTS it, exp(scores - max), which leaves the result unchanged; exp(scores / max) changes it.",
                lambda s: torch.softmax(s / s.amax(dim=-1, keepdim=True), dim=-1),
                "softmax(scores / each row's maximum)",
            ),
            wrong_axis,
            Mistake("clamped", _clamped),
            matches(
                "shifted-on-one-side",
                lambda out: _shifted_on_one_side(out, top=True),
                lambda s: (s - s.amax(dim=-1, keepdim=True)).exp() / s.exp().sum(dim=-1, keepdim=True),
                "exp(scores - max) / Σ exp(scores)",
            ),
            matches(
                "shifted-on-one-side",
                lambda out: _shifted_on_one_side(out, top=False),
                lambda s: s.exp() / (s - s.amax(dim=-1, keepdim=True)).exp().sum(dim=-1, keepdim=True),
                "exp(scores) / Σ exp(scores - max)",
            ),
            non_finite_on_large("overflow", OVERFLOW_MESSAGE),
            non_finite_in_low_rows(
                "global-max",
                "Rows far below the largest score came out NaN: exp of a very negative number "
                "is 0, and 0 / 0 is NaN. Subtract each row's own maximum "
                "(amax(dim=-1, keepdim=True)), not one maximum for the whole tensor.",
            ),
            not_normalised,
        ),
    ),
    Exercise(
        id="1.3",
        notebook="01",
        name="attention_weights",
        title="Spot the bug: attention weights for a batch",
        points=2,
        difficulty=1,
        minutes=10,
        signature="attention_weights(X)  # X: (B, T, D)",
        returns="softmax(X Xᵀ) over each row, shape (B, T, T)",
        reference=ref.attention_weights,
        make_cases=batch_cases,
        produces=Produces(
            what="weights", batch=(0,), axes=("B", "T", "T"), family=variants.softmax_family(of=lambda X: X @ X.mT)
        ),
        handed_out="weights = torch.softmax(scores, dim=1)",
        handed_out_mistake="wrong-axis",
        mistakes=(
            dot_T_on_batch,
            wrong_axis_of_symmetric,
            matches("xt-x", XT_X_MESSAGE, lambda X: torch.softmax(X.mT @ X, dim=-1), "softmax(Xᵀ X)"),
            matches(
                "no-softmax",
                "These are the raw scores X Xᵀ: the softmax that turns them into weights is missing.",
                ref.pairwise_scores,
                "X Xᵀ without softmax",
            ),
            matches(
                "returned-output",
                "You returned the output, weights @ X (B, T, D): this function stops at the "
                "weights, softmax(X Xᵀ), shape (B, T, T).",
                ref.simple_self_attention,
                "softmax(X Xᵀ) X",
            ),
            *_unscaled_too_early(lambda X, c: torch.softmax(X @ X.mT * c, dim=-1), "softmax(X Xᵀ / {})"),
            non_finite_on_large("overflow", OVERFLOW_MESSAGE),
            not_normalised,
        ),
    ),
    Exercise(
        id="1.4",
        notebook="01",
        name="simple_self_attention",
        title="Batched simple self-attention",
        points=3,
        difficulty=2,
        minutes=15,
        signature="simple_self_attention(X)  # X: (B, T, D)",
        returns="softmax(X Xᵀ) X, shape (B, T, D)",
        reference=ref.simple_self_attention,
        make_cases=batch_cases,
        produces=Produces(batch=(0,), axes=("B", "T", "D"), family=variants.attention_family(0, 0, 0, scale=None)),
        mistakes=(
            dot_T_on_batch,
            matches(
                "returned-weights",
                "You returned the attention weights (B, T, T). The output is the weighted sum "
                "of the token vectors: weights @ X, shape (B, T, D).",
                ref.attention_weights,
                "the attention weights",
            ),
            matches(
                "no-softmax",
                "Your output is X Xᵀ X: did you forget the softmax? Without it the weights are "
                "raw scores, not a weighted average.",
                lambda X: ref.pairwise_scores(X) @ X,
                "X Xᵀ X",
            ),
            matches(
                "wrong-axis",
                "Your weights' columns sum to 1, not their rows: softmax ran over dim=-2 (the queries)"
                + SYMMETRIC_AXIS_MESSAGE,
                lambda X: torch.softmax(ref.pairwise_scores(X), dim=-2) @ X,
                "softmax over dim=-2 (or the weights transposed), times X",
            ),
            matches(
                "wrong-axis",
                "Your weights were normalised across the batch (dim=0). " + WRONG_AXIS_MESSAGE,
                lambda X: torch.softmax(ref.pairwise_scores(X), dim=0) @ X,
                "softmax over dim=0, times X",
                unless=SOFTMAX_OVER_LAST,
            ),
            matches("xt-x", XT_X_MESSAGE, lambda X: X @ torch.softmax(X.mT @ X, dim=-1), "X softmax(Xᵀ X)"),
            *_unscaled_too_early(lambda X, c: torch.softmax(X @ X.mT * c, dim=-1) @ X, "softmax(X Xᵀ / {}) X"),
            matches(
                "summed-over-queries",
                lambda out: _summed_over_queries(out),
                lambda X: torch.softmax(X @ X.mT, dim=-1).sum(dim=-2).unsqueeze(-1) * X,
                "each token's vector times the total weight it receives (a sum over the queries)",
            ),
            matches(
                "across-batch",
                "Every token attended to every token of the whole batch, B·T of them, not only to "
                "those of its own sentence: X was flattened to (B·T, D). Keep the batch axis: "
                "X @ X.transpose(-2, -1) gives (B, T, T), one matrix per sentence.",
                _across_sentences,
                "attention over the whole batch flattened",
            ),
            non_finite_on_large("overflow", OVERFLOW_MESSAGE),
        ),
    ),
]


LESSON = Lesson(
    number="01",
    title="Attention is a weighted sum",
    notebook="01-attention-is-a-weighted-sum",
    provides=(),  # what its notebook imports from helpers.attention
    exercises=EXERCISES_01,
)

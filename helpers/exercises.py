"""The registry of graded exercises: one place that the checks and the grader both read.

Each exercise names the function the student writes, the reference it is compared with,
how to draw test inputs (cases) from a random generator, and the known mistakes, each
with a test that recognises it and the message a student reads. Mistakes are tried in
order and the first one found is reported, so put the most specific first.

A mistake's test sees only the case and the outcome (plain tensors and strings), never
the student's function: the grader can then run student code in a child process and
judge the outcome in the parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import Tensor

from helpers import attention as ref

# --------------------------------------------------------------------------------------
# Data types


@dataclass(frozen=True)
class Case:
    """One set of inputs for an exercise.

    label:  how the check describes it, e.g. "a batch of 2 sentences (B=2, T=5, D=3)"
    inputs: the positional arguments passed to the student's function
    tags:   what the case is for, e.g. {"large"} for values that overflow a naive exp
    """

    label: str
    inputs: tuple[Tensor, ...]
    tags: frozenset[str] = frozenset()


@dataclass
class Outcome:
    """What calling a candidate on one case produced. Plain data: no student objects.

    output:        the returned value as a tensor, or None if it raised or returned garbage
    returned_type: the type name of what came back ("Tensor", "list", "NoneType", ...)
    error:         "ExceptionType: message (where)" if the call raised, else None
    not_implemented: the call raised NotImplementedError (the exercise stub)
    inputs_changed: for each input, whether the call modified it in place
    warnings:      the messages of warnings the call raised
    source:        the candidate's source code if it could be read, else ""
    """

    output: Tensor | None = None
    returned_type: str = ""
    error: str | None = None
    not_implemented: bool = False
    inputs_changed: tuple[bool, ...] = ()
    warnings: tuple[str, ...] = ()
    source: str = ""


Finding = tuple[str, str]  # (evidence with numbers, the likely mistake and its fix)


@dataclass(frozen=True)
class Mistake:
    """A known mistake. `found(case, outcome, expected)` returns a Finding or None.

    The evidence says what was expected and what was got, with numbers; the message
    names the likely mistake and how to fix it. `on_error` mistakes look only at calls
    that raised; the others only at calls that returned a tensor.
    """

    key: str
    found: Callable[[Case, Outcome, Tensor], Finding | None]
    on_error: bool = False


@dataclass(frozen=True)
class Exercise:
    """One graded exercise.

    id:        "1.2"; the first line of the exercise cell is "# Exercise 1.2"
    notebook:  the course notebook it belongs to, "01"
    name:      the function the student defines
    title:     a few words for tables and feedback
    signature: how it is called, for messages
    returns:   what a right answer returns, for messages
    """

    id: str
    notebook: str
    name: str
    title: str
    points: int
    difficulty: int  # 1 to 3 stars
    minutes: int
    signature: str
    returns: str
    reference: Callable[..., Tensor]
    make_cases: Callable[[torch.Generator], list[Case]]
    mistakes: tuple[Mistake, ...] = field(default=())


# --------------------------------------------------------------------------------------
# Building blocks for mistakes

ATOL = 1e-4
RTOL = 1e-4


def close(a: Tensor | None, b: Tensor) -> bool:
    """Same shape and values within the course tolerance (NaNs never match)."""
    return (
        a is not None
        and tuple(a.shape) == tuple(b.shape)
        and torch.allclose(a.double(), b.double(), rtol=RTOL, atol=ATOL)
    )


def fmt_num(x: float) -> str:
    return f"{x:.4g}"


def fmt_index(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in idx) + "]"


def first_difference(expected: Tensor, got: Tensor) -> str:
    """'3 of 30 numbers differ; the largest at [0, 2, 1]: expected 0.4312, got 3.521'."""
    e, g = expected.double(), got.double()
    bad = ~torch.isclose(g, e, rtol=RTOL, atol=ATOL)
    diff = (g - e).abs().nan_to_num(nan=float("inf"))
    flat = int(torch.argmax(torch.where(bad, diff, torch.zeros_like(diff))))
    idx = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), e.shape))
    return (
        f"{int(bad.sum())} of {e.numel()} numbers differ; the largest difference is at "
        f"{fmt_index(idx)}: expected {fmt_num(float(e[idx]))}, got {fmt_num(float(g[idx]))}"
    )


def matches(key: str, message: str, buggy: Callable[..., Tensor], what: str) -> Mistake:
    """A mistake recognised because the output equals what a buggy formula gives.

    `what` describes the buggy formula, e.g. "X Xᵀ X".
    """

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        try:
            wrong = buggy(*[x.clone() for x in case.inputs])
        except RuntimeError:  # the buggy formula does not apply to these shapes
            return None
        if not close(out.output, wrong) or close(wrong, expected):
            return None
        if tuple(expected.shape) != tuple(wrong.shape):
            how = f"expected shape {tuple(expected.shape)}, got {tuple(wrong.shape)}"
        else:
            how = first_difference(expected, out.output)
        return f"{how}; your result equals {what}", message

    return Mistake(key, found)


def rows_sum_to_one(key: str, by_dim: dict[int, str], otherwise: str | None = None) -> Mistake:
    """Rows (the last dimension) must sum to 1. Found when the values sum to 1 along another
    dimension instead (`by_dim` maps that dimension, negative, to its message), or, with
    `otherwise` given, whenever the rows do not sum to 1."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != tuple(expected.shape) or not torch.isfinite(got).all():
            return None
        sums = got.double().sum(dim=-1)
        if torch.allclose(sums, torch.ones_like(sums), atol=1e-3):
            return None
        worst = torch.unravel_index((sums - 1).abs().argmax(), sums.shape)
        worst = tuple(int(i) for i in worst)
        evidence = (
            f"expected every row (the last dimension) to sum to 1, got row {fmt_index(worst)} "
            f"summing to {fmt_num(float(sums[worst]))}"
        )
        for dim in range(-2, -got.dim() - 1, -1):
            other = got.double().sum(dim=dim)
            if torch.allclose(other, torch.ones_like(other), atol=1e-3):
                if dim in by_dim:
                    return f"{evidence}; your values sum to 1 along dim {got.dim() + dim} instead", by_dim[dim]
        return (evidence, otherwise) if otherwise else None

    return Mistake(key, found)


def non_finite_on_large(key: str, message: str) -> Mistake:
    """NaN or inf in the output on a case tagged "large"."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if "large" not in case.tags or torch.isfinite(got).all():
            return None
        n_bad = int((~torch.isfinite(got)).sum())
        return f"expected finite numbers, got {n_bad} NaN or inf of {got.numel()}", message

    return Mistake(key, found)


def non_finite_in_low_rows(key: str, message: str) -> Mistake:
    """NaN or inf in an output row whose input row lies far below zero (max < -80),
    where exp underflows to 0 unless the row's own maximum was subtracted."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != tuple(expected.shape):
            return None
        low = case.inputs[0].amax(dim=-1) < -80
        bad = (~torch.isfinite(got)).any(dim=-1)
        if not (low & bad).any():
            return None
        row = tuple(int(i) for i in (low & bad).nonzero()[0])
        return f"expected finite numbers, got NaN or inf in row {fmt_index(row)}", message

    return Mistake(key, found)


def raised_with_source(key: str, message: str, pattern: str, warning: str = "") -> Mistake:
    """The call raised and the candidate's code matches `pattern` (a regular expression),
    or one of its warnings contains `warning` (when given)."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        warned = bool(warning) and any(warning in w for w in out.warnings)
        if warned or re.search(pattern, out.source):
            return f"your function raised {out.error}", message
        return None

    return Mistake(key, found, on_error=True)


# --------------------------------------------------------------------------------------
# Cases


def randn(gen: torch.Generator, *shape: int, scale: float = 1.0, shift: float = 0.0) -> Tensor:
    return torch.randn(*shape, generator=gen) * scale + shift


def sentence_cases(gen: torch.Generator) -> list[Case]:
    """Single sentences (T, D) with T != D, one of them holding a repeated token."""
    repeated = randn(gen, 6, 4)
    repeated[4] = repeated[0]  # like "the" appearing twice
    return [
        Case("a sentence of T=5 tokens, D=3", (randn(gen, 5, 3),)),
        Case("a sentence of T=4 tokens, D=6", (randn(gen, 4, 6),)),
        Case("a sentence of T=6 tokens, D=4 with a repeated token", (repeated,)),
    ]


def score_cases(gen: torch.Generator) -> list[Case]:
    """Score tensors for softmax: square first (so a missing keepdim gives wrong numbers
    rather than an error), then batched, wide, large and mixed-scale scores."""
    mixed = torch.cat([randn(gen, 1, 5, scale=5, shift=800), randn(gen, 1, 5, scale=5, shift=-800)])
    return [
        Case("scores of shape (5, 5)", (randn(gen, 5, 5, scale=2),)),
        Case("a batch of scores of shape (2, 3, 4)", (randn(gen, 2, 3, 4, scale=2),)),
        Case("scores of shape (3, 7)", (randn(gen, 3, 7, scale=2),)),
        Case(
            "large scores of shape (3, 4), around 1000",
            (randn(gen, 3, 4, scale=5, shift=1000),),
            frozenset({"large"}),
        ),
        Case("scores of shape (2, 5): one row around +800, one around -800", (mixed,)),
    ]


def batch_cases(gen: torch.Generator) -> list[Case]:
    """Batches (B, T, D) with B, T and D all different, then large values and B=1."""
    return [
        Case("a batch of 2 sentences (B=2, T=5, D=3)", (randn(gen, 2, 5, 3),)),
        Case("a batch of 3 sentences (B=3, T=4, D=6)", (randn(gen, 3, 4, 6),)),
        Case(
            "a batch with large values (B=2, T=4, D=3, entries around ±25)",
            (randn(gen, 2, 4, 3, scale=25),),
            frozenset({"large"}),
        ),
        Case("a single sentence as a batch (B=1, T=6, D=4)", (randn(gen, 1, 6, 4),)),
    ]


# --------------------------------------------------------------------------------------
# Lesson 01 mistakes

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
OVERFLOW_MESSAGE = (
    "Your softmax overflows on large scores: exp(1000) is inf in float32 and inf / inf is "
    "NaN. Subtract each row's maximum before exp; the result is mathematically the same."
)

wrong_axis = rows_sum_to_one(
    "wrong-axis",
    {
        -2: "Rows do not sum to 1 but columns do: softmax ran over dim=-2 (the queries). "
        + WRONG_AXIS_MESSAGE,
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

dot_T_on_batch = raised_with_source("dot-T-on-batch", DOT_T_MESSAGE, r"\.T\b", warning="`x.T`")


def _softmax_no_keepdim_max(s: Tensor) -> Tensor:
    e = (s - s.amax(dim=-1)).exp()
    return e / e.sum(dim=-1, keepdim=True)


def _softmax_no_keepdim_sum(s: Tensor) -> Tensor:
    e = (s - s.amax(dim=-1, keepdim=True)).exp()
    return e / e.sum(dim=-1)


NO_KEEPDIM_MESSAGE = (
    "A reduction lost its dimension: s.max(dim=-1) has shape (..., ) not (..., 1), so "
    "subtracting or dividing by it lines up with the columns instead of the rows. "
    "Use keepdim=True."
)

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
        mistakes=(
            matches("xt-x", XT_X_MESSAGE, lambda X: X.T @ X, "Xᵀ X"),
            matches(
                "cosine",
                "You divided by the vectors' lengths (cosine similarity). Attention scores "
                "are plain dot products: longer vectors give bigger scores.",
                lambda X: torch.nn.functional.normalize(X, dim=-1)
                @ torch.nn.functional.normalize(X, dim=-1).T,
                "the cosine similarities",
            ),
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
        mistakes=(
            matches("no-keepdim", NO_KEEPDIM_MESSAGE, _softmax_no_keepdim_max, "a softmax whose max lost keepdim"),
            matches("no-keepdim", NO_KEEPDIM_MESSAGE, _softmax_no_keepdim_sum, "a softmax whose sum lost keepdim"),
            raised_with_source(
                "no-keepdim", NO_KEEPDIM_MESSAGE, r"(max|amax|sum)\((?![^)]*keepdim\s*=\s*True)"
            ),
            wrong_axis,
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
        title="Spot the bug: attention weights",
        points=2,
        difficulty=1,
        minutes=10,
        signature="attention_weights(X)  # X: (B, T, D)",
        returns="softmax(X Xᵀ) over each row, shape (B, T, T)",
        reference=ref.attention_weights,
        make_cases=batch_cases,
        mistakes=(
            dot_T_on_batch,
            wrong_axis,
            matches(
                "xt-x", XT_X_MESSAGE, lambda X: torch.softmax(X.mT @ X, dim=-1), "softmax(Xᵀ X)"
            ),
            matches(
                "no-softmax",
                "These are the raw scores X Xᵀ: the softmax that turns them into weights is missing.",
                ref.pairwise_scores,
                "X Xᵀ without softmax",
            ),
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
                "Your weights were normalised over the queries (dim=-2). " + WRONG_AXIS_MESSAGE,
                lambda X: torch.softmax(ref.pairwise_scores(X), dim=-2) @ X,
                "softmax over dim=-2, times X",
            ),
            matches(
                "wrong-axis",
                "Your weights were normalised across the batch (dim=0). " + WRONG_AXIS_MESSAGE,
                lambda X: torch.softmax(ref.pairwise_scores(X), dim=0) @ X,
                "softmax over dim=0, times X",
            ),
            matches(
                "xt-x",
                XT_X_MESSAGE,
                lambda X: X @ torch.softmax(X.mT @ X, dim=-1),
                "X softmax(Xᵀ X)",
            ),
            non_finite_on_large("overflow", OVERFLOW_MESSAGE),
        ),
    ),
]

# --------------------------------------------------------------------------------------
# The registry

LESSONS: dict[str, str] = {
    "01": "Attention is a weighted sum",
}

EXERCISES: dict[str, Exercise] = {ex.id: ex for ex in EXERCISES_01}


def get(exercise_id: str) -> Exercise:
    """The exercise with this id; a KeyError that lists the known ids otherwise."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        known = ", ".join(EXERCISES)
        raise KeyError(f"no exercise {exercise_id!r}; the course has {known}") from None


def for_notebook(notebook: str) -> list[Exercise]:
    """The exercises of one course notebook ("01"), in order."""
    return [ex for ex in EXERCISES.values() if ex.notebook == notebook]

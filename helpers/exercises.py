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

import math
import re
from dataclasses import dataclass, field, replace
from typing import Callable

import torch
from torch import Tensor, nn

from helpers import attention as ref
from helpers import harness
from helpers.harness import (Case, Outcome, fresh, keeps_weights, run_converter, run_equivariance_test,
                             run_independence_test, step1_probe, step2_probe)

# --------------------------------------------------------------------------------------
# Data types


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
    module: bool = False  # the student writes an nn.Module class, not a function
    probe: Callable[..., Tensor] | None = None  # probe(module, *inputs); default: module(*inputs)
    runner: Callable[..., Tensor] | None = None  # runner(candidate, inputs, case) for anything else


# --------------------------------------------------------------------------------------
# Building blocks for mistakes

ATOL = 1e-4
RTOL = 1e-4


def close(a: Tensor | None, b: Tensor, equal_nan: bool = False) -> bool:
    """Same shape and values within the course tolerance."""
    return (
        a is not None
        and tuple(a.shape) == tuple(b.shape)
        and torch.allclose(a.double(), b.double(), rtol=RTOL, atol=ATOL, equal_nan=equal_nan)
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


def matches(key: str, message: str, buggy: Callable[..., Tensor], what: str, with_init: bool = False) -> Mistake:
    """A mistake recognised because the output equals what a buggy formula gives.

    `what` describes the buggy formula, e.g. "X Xᵀ X". For a case with params (a module
    exercise) the formula gets them first: buggy(params, *inputs); with_init puts the
    module's constructor arguments before them: buggy(init, params, *inputs).
    """

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        args = ([case.init] if with_init else []) + ([case.params] if case.params else []) + fresh(case.inputs)
        try:
            wrong = buggy(*args)
        except RuntimeError:  # the buggy formula does not apply to these shapes
            return None
        if not close(out.output, wrong, equal_nan=True) or close(wrong, expected, equal_nan=True):
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


def raised(key: str, message: str, error: str = "", source: str = "", warning: str = "") -> Mistake:
    """The call raised, and its error matches the regular expression `error`, or the
    candidate's code matches `source`, or one of its warnings contains `warning`."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        if (
            (error and re.search(error, out.error))
            or (source and re.search(source, out.source))
            or (warning and any(warning in w for w in out.warnings))
        ):
            return f"your code raised {out.error}", message
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

dot_T_on_batch = raised("dot-T-on-batch", DOT_T_MESSAGE, source=r"\.T\b", warning="`x.T`")


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
            raised("no-keepdim", NO_KEEPDIM_MESSAGE, source=r"(max|amax|sum)\((?![^)]*keepdim\s*=\s*True)"),
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
# Lesson 02: queries, keys and values


def linear_params(gen: torch.Generator, D: int, names: tuple[str, ...]) -> dict[str, Tensor]:
    """Weights and biases for nn.Linear(D, D) layers with these names, scaled like
    PyTorch's own initialisation so that scores stay in a realistic range."""
    params = {}
    for name in names:
        params[f"{name}.weight"] = randn(gen, D, D, scale=D**-0.5)
        params[f"{name}.bias"] = randn(gen, D, scale=0.1)
    return params


def project(p: dict[str, Tensor], name: str, X: Tensor) -> Tensor:
    """What nn.Linear layer `name` with parameters p does to X."""
    return X @ p[f"{name}.weight"].T + p[f"{name}.bias"]


QKV = ("linear_q", "linear_k", "linear_v")


def qkv_module_cases(gen: torch.Generator) -> list[Case]:
    """MySelfAttention on batches with B, T and D all different, weights drawn fresh."""
    cases = []
    for B, T, D in ((3, 5, 8), (2, 7, 6), (1, 4, 16)):
        cases.append(
            Case(
                f"MySelfAttention({D}) on a batch (B={B}, T={T}, D={D})",
                (randn(gen, B, T, D),),
                init=(D,),
                params=linear_params(gen, D, QKV),
            )
        )
    return cases


def module_skeleton_cases(gen: torch.Generator) -> list[Case]:
    """The MySelfAttention cases without weights to load: step 1 has no layers yet."""
    return [replace(case, params={}) for case in qkv_module_cases(gen)]


def qkv_cases(gen: torch.Generator) -> list[Case]:
    """Projected q, k, v tensors (B, T, d) with B, T and d all different."""
    return [
        Case(f"q, k, v of shape ({B}, {T}, {d})", tuple(randn(gen, B, T, d) for _ in range(3)))
        for B, T, d in ((2, 5, 8), (3, 4, 16), (1, 6, 3))
    ]


def qk_cases(gen: torch.Generator) -> list[Case]:
    """q and k (B, T, d) with B, T and d all different."""
    return [Case(f"q, k of shape {c.inputs[0].shape[0], c.inputs[0].shape[1], c.inputs[0].shape[2]}", c.inputs[:2])
            for c in qkv_cases(gen)]


def weight_cases(gen: torch.Generator) -> list[Case]:
    """Attention weights with exact zeros (one-hot rows), uniform rows and random rows."""
    one_hot = torch.eye(4)[[2, 0, 3]]  # (3, 4), every row all on one key
    uniform = torch.full((2, 5), 0.2)
    return [
        Case("weights of shape (3, 4) with one-hot rows (exact zeros)", (one_hot,)),
        Case("uniform weights of shape (2, 5)", (uniform,)),
        Case("random weights of shape (2, 3, 6)", (torch.softmax(randn(gen, 2, 3, 6, scale=2), dim=-1),)),
        Case("random weights of shape (4, 7)", (torch.softmax(randn(gen, 4, 7, scale=2), dim=-1),)),
    ]


SUPER_INIT_MESSAGE = (
    "An nn.Module must call super().__init__() at the start of its __init__, before it "
    "stores anything: that is what sets up its parameters, submodules and hooks."
)
no_super_init = raised(
    "no-super-init",
    SUPER_INIT_MESSAGE,
    error=r"Module\.__init__\(\) call|has no attribute '_?(training|parameters|modules|buffers|backward_pre_hooks|forward_hooks)'",
)


def _attend(p, X, scale=None, dim=-1, values="linear_v", q_from="linear_q", k_from="linear_k", transpose=False):
    """Reference-style attention from parameters p, with one thing changed for a mistake."""
    q, k, v = project(p, q_from, X), project(p, k_from, X), project(p, values, X)
    scale = X.shape[-1] ** -0.5 if scale is None else scale
    scores = (k @ q.mT if transpose else q @ k.mT) * scale
    return torch.softmax(scores, dim=dim) @ v


SCALE_MESSAGES = {
    "no-scaling": "The scores were not scaled. Divide q kᵀ by √D (multiply by hidden_size ** -0.5): "
    "otherwise their spread grows with D and the softmax saturates.",
    "scale-by-d": "The scores were divided by D, not by √D. The spread of q·k grows like √D, "
    "so √D is what brings it back to about 1.",
    "scale-multiplied": "The scores were multiplied by √D instead of divided by it: "
    "use hidden_size ** -0.5 (note the minus sign), or / math.sqrt(D).",
}


def scale_mistakes(formula: Callable[..., Tensor], width: Callable[..., int]) -> tuple[Mistake, ...]:
    """The three scaling mistakes for formula(*args, scale=...); width(*args) is the D
    (or d) whose square root the scores should be divided by."""
    return (
        matches("no-scaling", SCALE_MESSAGES["no-scaling"], lambda *a: formula(*a, scale=1.0), "unscaled scores"),
        matches(
            "scale-by-d",
            SCALE_MESSAGES["scale-by-d"],
            lambda *a: formula(*a, scale=1.0 / width(*a)),
            "scores divided by D",
        ),
        matches(
            "scale-multiplied",
            SCALE_MESSAGES["scale-multiplied"],
            lambda *a: formula(*a, scale=width(*a) ** 0.5),
            "scores multiplied by √D",
        ),
    )


def width_of_X(p, X, *rest) -> int:
    return X.shape[-1]


def width_of_q(q, *rest) -> int:
    return q.shape[-1]


SHARED_MESSAGE = (
    "q, k and v all came from one projection. Each needs its own nn.Linear, linear_q, "
    "linear_k and linear_v, so that what a token looks for (q), what it offers (k) and "
    "what it hands over (v) can differ."
)

EXERCISES_02 = [
    Exercise(
        id="2.1",
        notebook="02",
        name="MySelfAttention",
        title="MySelfAttention, step 1: the module",
        points=1,
        difficulty=1,
        minutes=5,
        signature="class MySelfAttention(nn.Module) with __init__(self, hidden_size)",
        returns="an nn.Module that stores hidden_size",
        reference=ref.MySelfAttention,
        make_cases=module_skeleton_cases,
        module=True,
        probe=step1_probe,
        mistakes=(no_super_init,),
    ),
    Exercise(
        id="2.2",
        notebook="02",
        name="MySelfAttention",
        title="MySelfAttention, step 2: projections",
        points=2,
        difficulty=1,
        minutes=10,
        signature="class MySelfAttention(nn.Module) with linear_q, linear_k, linear_v and scale",
        returns="nn.Linear(hidden_size, hidden_size) layers named linear_q, linear_k and linear_v, and scale = hidden_size ** -0.5",
        reference=ref.MySelfAttention,
        make_cases=qkv_module_cases,
        module=True,
        probe=step2_probe,
        mistakes=(
            no_super_init,
            matches(
                "scale-multiplied",
                SCALE_MESSAGES["scale-multiplied"],
                lambda p, X: torch.stack([project(p, n, X) for n in QKV]) * X.shape[-1] ** 0.5,
                "projections times √D",
            ),
            matches(
                "scale-by-d",
                SCALE_MESSAGES["scale-by-d"],
                lambda p, X: torch.stack([project(p, n, X) for n in QKV]) / X.shape[-1],
                "projections divided by D",
            ),
            matches(
                "shared-projection",
                SHARED_MESSAGE,
                lambda p, X: torch.stack([project(p, "linear_v", X)] * 3) * X.shape[-1] ** -0.5,
                "one layer used three times",
            ),
        ),
    ),
    Exercise(
        id="2.3",
        notebook="02",
        name="MySelfAttention",
        title="MySelfAttention, step 3: forward",
        points=3,
        difficulty=2,
        minutes=20,
        signature="class MySelfAttention(nn.Module) with forward(self, X)",
        returns="softmax(q kᵀ / √D) v, shape (B, T, D), keeping the weights in self.last_weights",
        reference=ref.MySelfAttention,
        make_cases=qkv_module_cases,
        module=True,
        probe=keeps_weights,
        mistakes=(
            no_super_init,
            dot_T_on_batch,
            *scale_mistakes(lambda p, X, scale: _attend(p, X, scale=scale), width_of_X),
            matches("wrong-axis", "Your weights were normalised over the queries (dim=-2). " + WRONG_AXIS_MESSAGE,
                    lambda p, X: _attend(p, X, dim=-2), "softmax over dim=-2"),
            matches("keys-as-values", "You multiplied the weights by k. The weights say how much of each "
                    "token's value to take: weights @ v.", lambda p, X: _attend(p, X, values="linear_k"),
                    "weights @ k"),
            matches("shared-projection", SHARED_MESSAGE,
                    lambda p, X: _attend(p, X, values="linear_q", k_from="linear_q"), "linear_q used for q, k and v"),
            matches("shared-projection", SHARED_MESSAGE,
                    lambda p, X: _attend(p, X, q_from="linear_v", k_from="linear_v"), "one layer used for q, k and v"),
            matches("transposed-scores", "Your scores are k qᵀ, the transpose of q kᵀ: row i must hold query i's "
                    "scores against every key, so q comes first.", lambda p, X: _attend(p, X, transpose=True), "softmax(k qᵀ / √D) v"),
            matches("returned-weights", "You returned the attention weights (B, T, T). The output is weights @ v, "
                    "shape (B, T, D).", lambda p, X: torch.softmax(project(p, "linear_q", X) @ project(p, "linear_k", X).mT
                    * X.shape[-1] ** -0.5, dim=-1), "the attention weights"),
        ),
    ),
    Exercise(
        id="2.4",
        notebook="02",
        name="row_entropy",
        title="Row entropy of attention weights",
        points=2,
        difficulty=2,
        minutes=10,
        signature="row_entropy(weights)  # weights: (..., S)",
        returns="-Σ w log w over the last dimension, shape (...,), with 0 log 0 = 0",
        reference=ref.row_entropy,
        make_cases=weight_cases,
        mistakes=(
            matches("zero-log-zero", "0 × log 0 came out as NaN: log(0) is -inf and 0 × -inf is NaN. "
                    "Entropy takes 0 log 0 = 0: use torch.special.entr(w), torch.xlogy(w, w), or "
                    "replace NaN terms with 0.", lambda w: -(w * w.log()).sum(dim=-1), "-(w * log w).sum(-1) with NaN"),
            matches("wrong-sign", "Your entropies are negative: entropy is MINUS Σ w log w, and log w ≤ 0 "
                    "for weights, so the result is ≥ 0.", lambda w: -ref.row_entropy(w), "+Σ w log w"),
            matches("log2", "You used log base 2 (bits); the course measures entropy in nats, with the "
                    "natural log (torch.log).", lambda w: ref.row_entropy(w) / math.log(2), "the entropy in bits"),
            matches("wrong-axis", "You summed over the wrong dimension: each row (the last dimension) is one "
                    "query's weights; sum over dim=-1.", lambda w: torch.special.entr(w).sum(dim=0), "a sum over dim 0"),
        ),
    ),
    Exercise(
        id="2.5",
        notebook="02",
        name="attention_from_qkv",
        title="Spot the bug: what softmax is given",
        points=1,
        difficulty=1,
        minutes=5,
        signature="attention_from_qkv(q, k, v)  # each (B, T, d)",
        returns="softmax(q kᵀ / √d) v, shape (B, T, d)",
        reference=ref.attention_from_qkv,
        make_cases=qkv_cases,
        mistakes=(
            raised("softmax-wrong-tensor", "softmax was handed a name that has no value yet. The softmax turns "
                   "the scores into weights: give it the scores.", error=r"UnboundLocalError|NameError"),
            *scale_mistakes(lambda q, k, v, scale: torch.softmax(q @ k.mT * scale, dim=-1) @ v, width_of_q),
            matches("keys-as-values", "You multiplied the weights by k; take the values: weights @ v.",
                    lambda q, k, v: torch.softmax(ref.scaled_scores(q, k), -1) @ k, "weights @ k"),
        ),
    ),
    Exercise(
        id="2.6",
        notebook="02",
        name="scaled_scores",
        title="Spot the bug: the scale",
        points=1,
        difficulty=1,
        minutes=5,
        signature="scaled_scores(q, k)  # each (B, T, d)",
        returns="q kᵀ / √d, shape (B, T, T)",
        reference=ref.scaled_scores,
        make_cases=qk_cases,
        mistakes=(
            dot_T_on_batch,
            *scale_mistakes(lambda q, k, scale: q @ k.mT * scale, width_of_q),
            matches("transposed-scores", "Your scores are k qᵀ: row i must hold query i's scores, so q comes first.",
                    lambda q, k: ref.scaled_scores(k, q), "k qᵀ / √d"),
        ),
    ),
]


# --------------------------------------------------------------------------------------
# Lesson 03: masks


def mask_size_cases(gen: torch.Generator) -> list[Case]:
    return [Case(f"T={T}", (T,)) for T in (4, 7, 1)]


def length_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case("lengths [3, 5, 1] padded to T=5", (torch.tensor([3, 5, 1]), 5)),
        Case("lengths [2, 4] padded to T=6", (torch.tensor([2, 4]), 6)),
        Case("lengths [4] padded to T=4 (no padding)", (torch.tensor([4]), 4)),
    ]


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
        Case("scores (3, 5, 5) with a padding mask (3, 1, 5), lengths [5, 3, 2]",
             (randn(gen, 3, 5, 5, scale=2), _padding([5, 3, 2], 5))),
        Case("scores (2, 4, 4) with a mask (2, 4, 4) that hides every key from one query",
             (randn(gen, 2, 4, 4, scale=2), _fully_masked_row(2, 4)), frozenset({"fully-masked"})),
        Case("large scores (1, 3, 3), around 500, with a causal mask",
             (randn(gen, 1, 3, 3, scale=50, shift=500), ref.causal_mask(3)), frozenset({"large"})),
    ]


def masked_qkv_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case("q, k, v (2, 5, 4) with a causal mask (5, 5)", (*(randn(gen, 2, 5, 4) for _ in range(3)), ref.causal_mask(5))),
        Case("q, k, v (3, 4, 6) with a padding mask, lengths [4, 2, 1]",
             (*(randn(gen, 3, 4, 6) for _ in range(3)), _padding([4, 2, 1], 4))),
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
        cases.append(Case(f"SingleHeadAttention({D}) on (B={B}, T={T}, D={D}) with {label}", inputs,
                          init=(D,), params=linear_params(gen, D, HEAD)))
    return cases


def _head(p, X, mask=None, *, softmax=None, out=True, scale=None, values="v_proj"):
    """SingleHeadAttention from parameters p, with one thing changed for a mistake."""
    q, k, v = project(p, "q_proj", X), project(p, "k_proj", X), project(p, values, X)
    scores = q @ k.mT * (X.shape[-1] ** -0.5 if scale is None else scale)
    weights = (softmax or ref.masked_softmax)(scores, mask)
    mixed = weights @ v
    return project(p, "out_proj", mixed) if out else mixed


def _softmax_ignoring_mask(scores, mask=None):
    return torch.softmax(scores, dim=-1)


def _softmax_inverted(scores, mask=None):
    return ref.masked_softmax(scores, None if mask is None else ~mask)


def _softmax_then_mask(scores, mask=None):
    weights = torch.softmax(scores, dim=-1)
    return weights if mask is None else weights.masked_fill(~mask, 0.0)


def _softmax_multiplied(scores, mask=None):
    return torch.softmax(scores if mask is None else scores * mask, dim=-1)


def _softmax_zero_times_inf(scores, mask=None):
    return torch.softmax(scores if mask is None else scores + (~mask).float() * float("-inf"), dim=-1)


def _softmax_nan_rows(scores, mask=None):
    return torch.softmax(scores if mask is None else scores.masked_fill(~mask, float("-inf")), dim=-1)


def _softmax_big_negative(scores, mask=None):
    return torch.softmax(scores if mask is None else scores.masked_fill(~mask, -1e9), dim=-1)


MASK_MESSAGES = {
    "mask-ignored": "The mask made no difference: masked keys still get weight. Fill the masked "
    "scores with -inf before the softmax: scores.masked_fill(~mask, float('-inf')).",
    "inverted-mask": "Your mask works the wrong way round: the course's mask is True where a query "
    "MAY attend (as in F.scaled_dot_product_attention), so fill where the mask is False: "
    "masked_fill(~mask, ...). (nn.MultiheadAttention's key_padding_mask is the opposite.)",
    "mask-after-softmax": "The mask was applied after the softmax: masked weights are 0 but the rest "
    "no longer sum to 1. Mask the scores with -inf BEFORE the softmax, so it normalises over "
    "the allowed keys only.",
    "mask-multiplied": "You multiplied the scores by the mask: a masked score becomes 0, not -inf, "
    "and e⁰ = 1 still gives it weight. Use scores.masked_fill(~mask, float('-inf')).",
    "zero-times-inf": "NaN everywhere: multiplying the mask by -inf gives 0 × -inf = NaN for every "
    "allowed key. Use scores.masked_fill(~mask, float('-inf')) instead of arithmetic with inf.",
    "fully-masked-nan": "A query that may attend no key at all came out as NaN: softmax over a row of "
    "-inf is 0 / 0. Give such rows all-zero weights, as F.scaled_dot_product_attention does, e.g. "
    "weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0).",
    "big-negative": "A query that may attend no key got uniform weights over the masked keys: a large "
    "negative number (-1e9) instead of -inf keeps them in the softmax. Use -inf, and give fully "
    "masked rows zeros, as F.scaled_dot_product_attention does.",
}


def mask_mistakes(formula: Callable[..., Tensor]) -> tuple[Mistake, ...]:
    """The masking mistakes for a formula(*inputs, softmax=...) that applies a masked softmax."""
    variants = (
        ("mask-ignored", _softmax_ignoring_mask, "what you get with no mask"),
        ("inverted-mask", _softmax_inverted, "the result with the mask inverted"),
        ("mask-after-softmax", _softmax_then_mask, "softmax first, then the masked weights set to 0"),
        ("mask-multiplied", _softmax_multiplied, "softmax(scores * mask)"),
        ("zero-times-inf", _softmax_zero_times_inf, "softmax(scores + (~mask) * -inf), NaN included"),
        ("fully-masked-nan", _softmax_nan_rows, "masked_fill(-inf) and softmax, with NaN in the fully masked row"),
        ("big-negative", _softmax_big_negative, "masked_fill(-1e9) and softmax"),
    )
    return tuple(
        matches(key, MASK_MESSAGES[key], (lambda sm: lambda *a: formula(*a, softmax=sm))(softmax), what)
        for key, softmax, what in variants
    )


INVERTED_MESSAGE = MASK_MESSAGES["inverted-mask"]

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
        make_cases=mask_size_cases,
        mistakes=(
            matches("hides-diagonal", "Your mask also hides the diagonal: a token may attend to itself "
                    "(key j = query i). Use tril(), not tril(-1).",
                    lambda T: torch.ones(T, T, dtype=torch.bool).tril(-1), "tril(-1)"),
            matches("inverted-mask", INVERTED_MESSAGE,
                    lambda T: ~ref.causal_mask(T), "the causal mask inverted"),
            matches("future-not-past", "Your mask lets each token see the future and hides the past: "
                    "query i may attend keys j <= i, the lower triangle (tril).",
                    lambda T: torch.ones(T, T, dtype=torch.bool).triu(), "triu()"),
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
        mistakes=(
            matches("over-queries", "Your mask has shape (B, T, 1): it broadcasts over the keys, so it hides "
                    "the padded QUERIES' rows instead of the padded KEYS. Padding hides keys: put the "
                    "positions on the last axis, (B, 1, T).",
                    lambda lengths, T: ref.padding_mask(lengths, T).mT, "the mask over queries (B, T, 1)"),
            matches("no-query-axis", "Your mask has shape (B, T): add the query axis, (B, 1, T), so that it "
                    "broadcasts against (B, T, T) scores as one row per sentence (mask[:, None, :]).",
                    lambda lengths, T: ref.padding_mask(lengths, T)[:, 0, :], "the mask without its query axis"),
            matches("inverted-mask", INVERTED_MESSAGE,
                    lambda lengths, T: ~ref.padding_mask(lengths, T), "the padding mask inverted"),
            matches("off-by-one", "Off by one: a sentence of length n has real tokens at positions "
                    "0 to n - 1, so key j is real when j < n, not j <= n.",
                    lambda lengths, T: (torch.arange(T) <= lengths[:, None])[:, None, :], "positions j <= length"),
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
        signature="masked_softmax(scores, mask)  # scores (B, T, T); mask (T, T), (B, 1, T) or (B, T, T)",
        returns="weights (B, T, T): masked keys exactly 0, other rows summing to 1, fully masked rows all 0",
        reference=ref.masked_softmax,
        make_cases=masked_score_cases,
        mistakes=mask_mistakes(lambda scores, mask, softmax: softmax(scores, mask)),
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
        mistakes=mask_mistakes(
            lambda q, k, v, mask, softmax: softmax(ref.scaled_scores(q, k), mask) @ v
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
        module=True,
        probe=keeps_weights,
        mistakes=(
            no_super_init,
            dot_T_on_batch,
            matches("unused-out-proj", "out_proj is defined but never used: your output skips it. Pass the "
                    "weighted sum through self.out_proj. (To find such a layer: after out.sum().backward(), "
                    "model.out_proj.weight.grad is still None.)", lambda p, *a: _head(p, *a, out=False),
                    "the output without out_proj"),
            *mask_mistakes(lambda p, *a, softmax: _head(p, *a, softmax=softmax)),
            *scale_mistakes(lambda p, *a, scale: _head(p, *a, scale=scale), width_of_X),
            matches("keys-as-values", "You multiplied the weights by k; take the values: weights @ v.",
                    lambda p, *a: _head(p, *a, values="k_proj"), "weights @ k"),
        ),
    ),
]


# --------------------------------------------------------------------------------------
# Lesson 04: many heads


def split_cases(gen: torch.Generator) -> list[Case]:
    return [Case(f"x of shape ({B}, {T}, {D}) split into {H} heads", (randn(gen, B, T, D), H))
            for B, T, D, H in ((2, 5, 12, 3), (3, 4, 8, 2), (1, 6, 6, 6))]


def merge_cases(gen: torch.Generator) -> list[Case]:
    return [Case(f"x of shape ({B}, {H}, {T}, {d}) from {H} heads", (randn(gen, B, H, T, d),))
            for B, H, T, d in ((2, 3, 5, 4), (3, 2, 4, 6), (1, 4, 6, 2))]


def mha_cases(gen: torch.Generator) -> list[Case]:
    """MultiHeadAttention with B, T, D and H different; the padded case has B == H, so a mask
    that was not given a head axis is silently applied to the wrong heads, not an error."""
    cases = []
    for label, B, T, D, H, mask in (
        ("no mask", 3, 5, 12, 4, None),
        ("a padding mask (2, 1, 4), lengths [4, 2]", 2, 4, 8, 2, _padding([4, 2], 4)),
        ("a causal mask (6, 6)", 3, 6, 8, 4, ref.causal_mask(6)),
        ("no mask, 8 heads", 2, 7, 16, 8, None),
    ):
        X = randn(gen, B, T, D)
        cases.append(Case(f"MultiHeadAttention({D}, {H}) on (B={B}, T={T}, D={D}) with {label}",
                          (X,) if mask is None else (X, mask), init=(D, H), params=linear_params(gen, D, HEAD)))
    return cases


def _split_view_only(x, H):
    B, T, D = x.shape
    return x.reshape(B, H, T, D // H)


def _merge_reshape_only(x):
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)


def _mha(p, X, mask=None, *, H, split=ref.split_heads, merge=ref.merge_heads, scale_by_D=False, out=True,
         mask_for_heads=ref.heads_mask, swap_qk=False, out_params=None):
    """MultiHeadAttention from parameters p, with one thing changed for a mistake."""
    q, k, v = (split(project(p, n, X), H) for n in ("q_proj", "k_proj", "v_proj"))
    if swap_qk:
        q, k = k, q
    width = X.shape[-1] if scale_by_D else X.shape[-1] // H
    scores = q @ k.mT * width**-0.5
    mixed = merge(ref.masked_softmax(scores, mask_for_heads(mask)) @ v)
    return project(out_params or p, "out_proj", mixed) if out else mixed


def mha_mistake(key: str, message: str, what: str, **change) -> Mistake:
    """A MultiHeadAttention mistake: _mha with one thing changed, H taken from the case's
    constructor arguments (embed_size, num_heads)."""

    def buggy(init, p, X, mask=None):
        return _mha(p, X, mask, H=init[1], **change)

    return matches(key, message, buggy, what, with_init=True)


SPLIT_MESSAGE = ("You reshaped (B, T, D) straight to (B, H, T, d_head). That cuts the numbers in memory order, so a "
                 "'head' gets pieces of different tokens. View as (B, T, H, d_head) first, then swap T and H: "
                 ".transpose(1, 2).")
MERGE_MESSAGE = ("You reshaped (B, H, T, d_head) straight to (B, T, D), mixing tokens between heads. Swap H and T "
                 "back first: x.transpose(1, 2) gives (B, T, H, d_head), then .reshape(B, T, D).")
SCALE_D_MESSAGE = ("The scores were divided by √D (the whole width). Each head's q·k sums only d_head = D / H products, "
                   "so divide by √d_head.")
ACROSS_BATCH_MESSAGE = ("Your output mixes the sentences of a batch: each token attends to tokens of OTHER sentences, "
                        "at the same position. That is what happens when a (B, T, D) tensor is read as sequence-first "
                        "(T, B, D). Keep the batch axis first and attend over dim 1, the tokens.")

EXERCISES_04 = [
    Exercise(
        id="4.1", notebook="04", name="split_heads", title="Spot the bug: splitting heads",
        points=1, difficulty=1, minutes=10,
        signature="split_heads(x, num_heads)  # x: (B, T, D)",
        returns="x split into heads, shape (B, H, T, d_head)",
        reference=ref.split_heads, make_cases=split_cases,
        mistakes=(
            matches("view-no-transpose", SPLIT_MESSAGE, _split_view_only, "a plain view to (B, H, T, d_head)"),
        ),
    ),
    Exercise(
        id="4.2", notebook="04", name="merge_heads", title="Merging heads",
        points=2, difficulty=2, minutes=10,
        signature="merge_heads(x)  # x: (B, H, T, d_head)",
        returns="the heads side by side again, shape (B, T, D)",
        reference=ref.merge_heads, make_cases=merge_cases,
        mistakes=(
            matches("merge-no-transpose", MERGE_MESSAGE, _merge_reshape_only, "a plain reshape to (B, T, D)"),
            raised("not-contiguous", "After transpose the tensor is not contiguous in memory, so .view() refuses it. "
                   "Use .reshape(B, T, D), or .contiguous().view(B, T, D).", error=r"view size is not compatible"),
        ),
    ),
]


def _across_batch(init, p, X, mask=None):
    """What attention computes when (B, T, D) is read as sequence-first: T 'batches' of B."""
    if mask is not None:
        raise RuntimeError("this mistake is recognised on inputs without a mask")
    return _mha(p, X.transpose(0, 1), H=init[1]).transpose(0, 1)


MASK_HEADS_MESSAGE = ("Your mask was not given a head axis. Scores are (B, H, T, T); a padding mask (B, 1, T) meets them "
                      "as (1, B, 1, T), so sentence b's mask lands on head b. Insert the head axis: mask.unsqueeze(1) "
                      "gives (B, 1, 1, T), the same for every head. (A (T, T) mask needs nothing.)")


def independence_cases(gen: torch.Generator) -> list[Case]:
    return [Case(f"a batch (B={B}, T={T}, D={D}) and a panel of four attention modules", (randn(gen, B, T, D),),
                 init=(D, H), params=linear_params(gen, D, HEAD))
            for B, T, D, H in ((3, 5, 8, 2), (2, 4, 6, 3))]


def verdict_mistakes(panel_size: int, always_true: str, always_false: str) -> tuple[Mistake, ...]:
    """A test that says True, or False, whatever the model."""
    return (
        matches("always-true", always_true, lambda *a: torch.ones(panel_size), "a test that says yes to everything"),
        matches("always-false", always_false, lambda *a: torch.zeros(panel_size), "a test that says no to everything"),
    )


def converter_cases(gen: torch.Generator) -> list[Case]:
    cases = []
    for label, B, T, D, H, lengths in (("no padding", 3, 5, 12, 4, None), ("a key_padding_mask, lengths [4, 2]", 2, 4, 8, 2, [4, 2])):
        X = randn(gen, B, T, D)
        inputs = (X,) if lengths is None else (X, ~_padding(lengths, T)[:, 0, :])
        cases.append(Case(f"MultiHeadAttention({D}, {H}) on (B={B}, T={T}, D={D}) with {label}", inputs,
                          init=(D, H), params=linear_params(gen, D, HEAD)))
    return cases


def _fresh_torch_out_proj(init) -> dict[str, Tensor]:
    """The out_proj a new nn.MultiheadAttention gets in the converter's seeded run."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        harness.MultiHeadAttention(*init)
        fresh_layer = nn.MultiheadAttention(init[0], init[1], batch_first=True).out_proj
    return {"out_proj.weight": fresh_layer.weight.detach(), "out_proj.bias": fresh_layer.bias.detach()}


def _converted(init, p, X, key_padding_mask=None, **change):
    mask = None if key_padding_mask is None else ~key_padding_mask[:, None, :]
    return _mha(p, X, mask, H=init[1], **change)


EXERCISES_04 += [
    Exercise(
        id="4.3", notebook="04", name="MultiHeadAttention", title="MultiHeadAttention",
        points=3, difficulty=3, minutes=30,
        signature="class MultiHeadAttention(nn.Module) with __init__(self, embed_size, num_heads) and forward(self, X, mask=None)",
        returns="out_proj(merged heads), shape (B, T, D), keeping self.last_weights (B, H, T, T)",
        reference=ref.MultiHeadAttention, make_cases=mha_cases, module=True, probe=keeps_weights,
        mistakes=(
            no_super_init,
            dot_T_on_batch,
            mha_mistake("view-no-transpose", SPLIT_MESSAGE, "heads split by a plain view", split=_split_view_only),
            mha_mistake("merge-no-transpose", MERGE_MESSAGE, "heads merged by a plain reshape", merge=_merge_reshape_only),
            mha_mistake("scale-by-sqrt-D", SCALE_D_MESSAGE, "scores divided by √D", scale_by_D=True),
            matches("across-batch", ACROSS_BATCH_MESSAGE, _across_batch, "attention across the batch", with_init=True),
            mha_mistake("no-out-proj", "The output skips out_proj: pass the merged heads through self.out_proj, which "
                        "mixes what the heads found.", "the merged heads without out_proj", out=False),
            mha_mistake("mask-not-broadcast", MASK_HEADS_MESSAGE, "the mask applied without a head axis",
                        mask_for_heads=lambda m: m),
            mha_mistake("mask-ignored", MASK_MESSAGES["mask-ignored"], "what you get with no mask",
                        mask_for_heads=lambda m: None),
        ),
    ),
    Exercise(
        id="4.4", notebook="04", name="sentences_independent", title="A test that finds mixed sentences",
        points=2, difficulty=2, minutes=15,
        signature="sentences_independent(attention, X)  # attention: (B, T, D) -> (B, T, D)",
        returns="True when changing one sentence leaves every other sentence's output unchanged",
        reference=ref.sentences_independent,
        make_cases=independence_cases, runner=run_independence_test,
        mistakes=verdict_mistakes(
            4,
            "Your test passed modules that mix the sentences of a batch. Change one sentence (X[1] + 1, say), run the "
            "module again, and compare the OTHER sentences' outputs: they must not move.",
            "Your test failed modules that keep sentences apart. Compare with torch.allclose, not ==, and compare "
            "only the sentences you did not change.",
        ),
    ),
    Exercise(
        id="4.5", notebook="04", name="to_torch_mha", title="Your weights in nn.MultiheadAttention",
        points=2, difficulty=2, minutes=15,
        signature="to_torch_mha(ours)  # ours: a MultiHeadAttention",
        returns="an nn.MultiheadAttention(batch_first=True) with the same weights, giving the same outputs",
        reference=ref.to_torch_mha, make_cases=converter_cases, runner=run_converter,
        mistakes=(
            matches("not-batch-first", "nn.MultiheadAttention is sequence-first by default: it read your (B, T, D) "
                    "batch as (T, B, D) and attended across sentences. Create it with batch_first=True.",
                    lambda init, p, X, *m: _across_batch(init, p, X), "attention across the batch", with_init=True),
            matches("qkv-order", "q and k are swapped: in_proj_weight stacks the projections in the order q, k, v.",
                    lambda init, p, X, *m: _converted(init, p, X, *m, swap_qk=True), "q and k swapped", with_init=True),
            matches("out-proj-not-copied", "out_proj still holds nn.MultiheadAttention's own random weights: copy "
                    "out_proj.weight and out_proj.bias too.",
                    lambda init, p, X, *m: _converted(init, p, X, *m, out_params=_fresh_torch_out_proj(init)),
                    "the output through a new out_proj", with_init=True),
        ),
    ),
]


# --------------------------------------------------------------------------------------
# Lesson 05: watching attention learn


def tiny_params(gen: torch.Generator, V: int, T: int, D: int) -> dict[str, Tensor]:
    """Parameters of a ReversalModel: embeddings, attention (named attention.*) and read-out."""
    params = {"tok.weight": randn(gen, V, D), "pos.weight": randn(gen, T, D)}
    params.update({f"attention.{k}": v for k, v in linear_params(gen, D, HEAD).items()})
    params.update({"readout.weight": randn(gen, V, D, scale=D**-0.5), "readout.bias": randn(gen, V, scale=0.1)})
    return params


def reversal_model_cases(gen: torch.Generator) -> list[Case]:
    cases = []
    for B, V, T, D, H in ((3, 10, 6, 8, 2), (2, 7, 5, 12, 3)):
        tokens = torch.randint(0, V, (B, T), generator=gen)
        cases.append(Case(f"ReversalModel({V}, {T}, {D}, {H}) on tokens of shape ({B}, {T})", (tokens,),
                          init=(V, T, D, H), params=tiny_params(gen, V, T, D)))
    return cases


def _tiny(init, p, tokens, positions="before"):
    """ReversalModel from parameters p, with the positions added before attention, after
    it, or not at all."""
    attention = {k.removeprefix("attention."): v for k, v in p.items() if k.startswith("attention.")}
    x = p["tok.weight"][tokens]
    pos = p["pos.weight"][: tokens.shape[1]]
    if positions == "before":
        x = x + pos
    x = _mha(attention, x, H=init[3])
    if positions == "after":
        x = x + pos
    return project(p, "readout", x)


def equivariance_cases(gen: torch.Generator) -> list[Case]:
    return [Case(f"tokens of shape ({B}, {T}), a permutation of the {T} positions and a panel of four models",
                 (torch.randint(0, 10, (B, T), generator=gen), torch.randperm(T, generator=gen)), init=(10, T, 8, 2))
            for B, T in ((4, 6), (3, 5))]


EXERCISES_05 = [
    Exercise(
        id="5.1", notebook="05", name="ReversalModel", title="Adding positions",
        points=3, difficulty=2, minutes=15,
        signature="class ReversalModel(BagOfTokens) with forward(self, tokens)",
        returns="readout(attention(tok(tokens) + pos(positions))), shape (B, T, V)",
        reference=ref.ReversalModel, make_cases=reversal_model_cases, module=True,
        mistakes=(
            matches("no-positions", "The positions never reach the model: add self.pos(torch.arange(T)) to the token "
                    "vectors before attention.", lambda *a: _tiny(*a, positions="none"), "the model without positions",
                    with_init=True),
            matches("positions-after-attention", "The positions were added after attention: attention itself then still "
                    "cannot tell positions apart. Add them to the token vectors before attention.",
                    lambda *a: _tiny(*a, positions="after"), "positions added after attention", with_init=True),
        ),
    ),
    Exercise(
        id="5.2", notebook="05", name="is_permutation_equivariant", title="A permutation-equivariance test",
        points=2, difficulty=2, minutes=15,
        signature="is_permutation_equivariant(model, tokens, perm)  # tokens: (B, T); perm: (T,)",
        returns="True when model(tokens[:, perm]) equals model(tokens)[:, perm]",
        reference=ref.is_permutation_equivariant, make_cases=equivariance_cases, runner=run_equivariance_test,
        mistakes=verdict_mistakes(
            4,
            "Your test called models with positions equivariant. Permute the tokens of every sentence "
            "(tokens[:, perm]), run the model, and compare with the original output permuted the same way (out[:, perm]).",
            "Your test called models without positions not equivariant. Permute the output along the token axis too "
            "(out[:, perm]) and compare with torch.allclose.",
        ),
    ),
    Exercise(
        id="5.3", notebook="05", name="ideal_keys", title="Read the heatmap: the ideal pattern",
        points=1, difficulty=1, minutes=5,
        signature="ideal_keys(T)",
        returns="for each query i, the key it should attend to when reversing: T - 1 - i, shape (T,)",
        reference=ref.ideal_keys, make_cases=mask_size_cases,
        mistakes=(
            matches("identity", "That is every token attending to itself, the diagonal. To write output i of the "
                    "reversal, query i needs input token T - 1 - i.", lambda T: torch.arange(T), "0, 1, ..., T - 1"),
            matches("off-by-one", "Off by one: positions run from 0 to T - 1, so query 0 needs key T - 1, not T.",
                    lambda T: torch.arange(T, 0, -1), "T, T - 1, ..., 1"),
        ),
    ),
]


# --------------------------------------------------------------------------------------
# Lesson 06: what attention costs


def rising(gen: torch.Generator, *shape: int) -> Tensor:
    """Scores that tend to rise along the last dimension, so later blocks raise the maximum."""
    return randn(gen, *shape, scale=2.0) + torch.arange(shape[-1]) * 0.8


def online_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case("scores (3, 10) in blocks of 4 (the last block has 2)", (rising(gen, 3, 10), 4)),
        Case("scores (2, 3, 9) in blocks of 2 (the last block has 1)", (rising(gen, 2, 3, 9), 2)),
        Case("large scores (2, 12), around 500, in blocks of 5", (rising(gen, 2, 12) + 500, 5)),
    ]


def chunk_cases(gen: torch.Generator) -> list[Case]:
    def qkv(B, T, d):
        return randn(gen, B, T, d, scale=3.0), randn(gen, B, T, d), randn(gen, B, T, d)

    return [
        Case("q, k, v (1, 10, 4) in blocks of 4 keys (the last block has 2)", (*qkv(1, 10, 4), 4)),
        Case("q, k, v (2, 13, 8) in blocks of 5 keys (the last block has 3)", (*qkv(2, 13, 8), 5)),
        Case("q, k, v (2, 6, 3) in one block of 6 keys", (*qkv(2, 6, 3), 6)),
    ]


def _blocks(S: int, block: int, drop_tail: bool) -> range:
    return range(0, S - block + 1, block) if drop_tail else range(0, S, block)


def _online(scores, block, *, rescale=True, per_block=False, drop_tail=False):
    """online_softmax with one thing changed for a mistake."""
    if per_block:
        return torch.cat([torch.softmax(scores[..., i : i + block], dim=-1) for i in range(0, scores.shape[-1], block)], -1)
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for i in _blocks(scores.shape[-1], block, drop_tail):
        chunk = scores[..., i : i + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = (s * torch.exp(m - m_new) if rescale else s) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def _chunked(q, k, v, block, *, rescale=True, per_block=False, drop_tail=False):
    """chunked_attention with one thing changed for a mistake."""
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in _blocks(k.shape[-2], block, drop_tail):
        scores = q @ k[..., i : i + block, :].mT
        if per_block:
            out = out + torch.softmax(scores, dim=-1) @ v[..., i : i + block, :]
            continue
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale_by = torch.exp(m - m_new) if rescale else 1.0
        exps = torch.exp(scores - m_new)
        s = s * rescale_by + exps.sum(dim=-1, keepdim=True)
        out = out * rescale_by + exps @ v[..., i : i + block, :]
        m = m_new
    return out if per_block else out / s


BLOCK_MESSAGES = {
    "no-rescale": "When a block raises the running maximum from m to m_new, everything summed so far was computed "
    "with exp(x - m) and is now too large by exp(m - m_new). Multiply the running sum (and, in attention, the running "
    "output) by exp(m - m_new) before adding the new block.",
    "per-block": "You normalised each block on its own, so each block's weights sum to 1 and a row sums to the number "
    "of blocks. Keep one running maximum and one running sum over all blocks, and divide once, at the end.",
    "last-block": "The last block was skipped: when the length is not a multiple of the block size, the final block is "
    "shorter. Loop over range(0, S, block), and slicing [start : start + block] takes the short block as it is.",
}


def block_mistakes(formula: Callable[..., Tensor]) -> tuple[Mistake, ...]:
    return (
        matches("no-rescale", BLOCK_MESSAGES["no-rescale"], lambda *a: formula(*a, rescale=False),
                "the result without rescaling when the maximum grows"),
        matches("per-block", BLOCK_MESSAGES["per-block"], lambda *a: formula(*a, per_block=True),
                "each block normalised on its own"),
        matches("last-block", BLOCK_MESSAGES["last-block"], lambda *a: formula(*a, drop_tail=True),
                "the result without the last, shorter block"),
    )


EXERCISES_06 = [
    Exercise(
        id="6.1", notebook="06", name="online_softmax", title="Online softmax",
        points=3, difficulty=2, minutes=20,
        signature="online_softmax(scores, block)  # scores: (..., S)",
        returns="softmax over the last dimension, found in one pass over blocks with a running max and sum",
        reference=ref.online_softmax, make_cases=online_cases,
        mistakes=block_mistakes(_online),
    ),
    Exercise(
        id="6.2", notebook="06", name="chunked_attention", title="Chunked attention",
        points=3, difficulty=3, minutes=25,
        signature="chunked_attention(q, k, v, block)  # q, k, v: (B, T, d)",
        returns="softmax(q kᵀ / √d) v, shape (B, T, d), computed over blocks of keys",
        reference=ref.chunked_attention, make_cases=chunk_cases,
        mistakes=block_mistakes(_chunked),
    ),
]


# --------------------------------------------------------------------------------------
# The registry

LESSONS: dict[str, str] = {
    "01": "Attention is a weighted sum",
    "02": "Queries, keys and values",
    "03": "Masks",
    "04": "Many heads",
    "05": "Watching attention learn",
    "06": "What attention costs",
}

EXERCISES: dict[str, Exercise] = {
    ex.id: ex for ex in EXERCISES_01 + EXERCISES_02 + EXERCISES_03 + EXERCISES_04 + EXERCISES_05 + EXERCISES_06
}


# What each lesson's notebook imports from helpers.attention: results of earlier lessons.
# The grader's child gets these (and what they use), and no other reference code.
PROVIDED: dict[str, tuple[str, ...]] = {
    "01": (),
    "02": ("simple_self_attention",),
    "03": (),
    "04": ("SingleHeadAttention", "causal_mask", "masked_softmax", "padding_mask"),
    "05": ("BagOfTokens", "MultiHeadAttention"),
    "06": ("attention_from_qkv",),
}

# Where the course's notebooks live, by lesson: "01" -> "01-attention-is-a-weighted-sum".
NOTEBOOK_FILES: dict[str, str] = {
    "01": "01-attention-is-a-weighted-sum",
    "02": "02-queries-keys-values",
    "03": "03-masks",
    "04": "04-many-heads",
    "05": "05-watching-attention-learn",
    "06": "06-what-attention-costs",
}


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

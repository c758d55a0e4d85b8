"""Lesson 02."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Callable

import torch
from torch import Tensor

from helpers import attention as ref
from helpers.lessons import variants
from helpers.lessons.common import MATMUL_SIZES
from helpers.lessons.lesson01 import SOFTMAX_OVER_LAST, WRONG_AXIS_MESSAGE, _dim_1, dot_T_on_batch
from helpers.lessons.records import Exercise, Finding, Lesson, Mistake, Produces
from helpers.lessons.scaling import (
    SCALE_HIDDEN,
    SCALE_QKV_D,
    SCALE_SCORES,
    linear_params,
    project,
    scale_mistakes,
    width_of_q,
    width_of_X,
)
from helpers.lessons.toolkit import last_weights_mistakes, matches, raised, randn, source_line, weights_case
from helpers.lessons.whole_module import module_cases
from helpers.running import Case, Outcome, keeps_weights, step1_probe, step2_probe
from helpers.tolerances import close, first_difference, fmt_num

QKV = ("linear_q", "linear_k", "linear_v")


def _keys_never_used(out: Outcome) -> str:
    """Scores q qᵀ: from keys made with linear_q (the line quoted), or from scores without k."""
    line = source_line(out, r"\bk\s*=\s*self\.linear_q\(")
    if line:
        return (
            f"Your scores are q qᵀ: `{line}` makes the keys with the query layer, so k equals q. The keys have "
            "their own layer: k = self.linear_k(X)."
        )
    return (
        "Your scores are q qᵀ: k never entered them. Each query is compared with every key: "
        "scores = q @ k.transpose(-2, -1) * self.scale."
    )


def _queries_never_used(out: Outcome) -> str:
    """Scores k kᵀ: from queries made with linear_k (the line quoted), or from scores without q."""
    line = source_line(out, r"\bq\s*=\s*self\.linear_k\(")
    if line:
        return (
            f"Your scores are k kᵀ: `{line}` makes the queries with the key layer, so q equals k. The queries "
            "have their own layer: q = self.linear_q(X)."
        )
    return (
        "Your scores are k kᵀ: q never entered them. Each query is compared with every key: "
        "scores = q @ k.transpose(-2, -1) * self.scale."
    )


def _softmax_of_q(out: Outcome) -> str:
    line = source_line(out, r"softmax\(\s*q\s*[,)]")
    quoted = f"`{line}`" if line else "Your softmax"
    return (
        f"{quoted} gives softmax the queries q, (B, T, D), where it needs the scores, (B, T, T): so the weights "
        "are (B, T, D), and weights @ v multiplies (B, T, D) by (B, T, D). "
        "weights = torch.softmax(scores, dim=-1)."
    )


def _extra_v(out: Outcome) -> str:
    line = source_line(out, r"weights\s*=.*softmax\(.*\)\s*@\s*v\b")
    return (
        f"`{line}` multiplies by v already, so weights is (B, T, D), not (B, T, T), and `weights @ v` multiplies "
        "by v a second time. The weights are the softmax alone: weights = torch.softmax(scores, dim=-1)."
    )


def _summed_all(out: Outcome) -> str:
    """One entropy for the whole tensor: from boolean indexing (the line quoted), or a sum over all."""
    line = source_line(out, r"\w\[\s*\w+\s*(>|!=|>=)\s*0")
    if line:
        return (
            f"You returned one entropy for the whole tensor: `{line}` picks the numbers where the mask is True, "
            "from every row at once, into one flat vector, so the sum over dim=-1 adds up all rows. Keep the "
            "shape, and make the zeros' terms 0 instead: -(weights * weights.log()).nan_to_num().sum(dim=-1)."
        )
    return (
        "You summed over every number at once, giving one entropy for the whole tensor: each row (the last "
        "dimension) has its own entropy. Sum over dim=-1 only."
    )


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


def projection_cases(gen: torch.Generator) -> list[Case]:
    """The MySelfAttention cases, then one run after other instances were built."""
    cases = qkv_module_cases(gen)
    return cases + module_cases(cases[0], gradients=False)


def forward_cases(gen: torch.Generator) -> list[Case]:
    """The MySelfAttention cases, then one that compares what forward kept in self.last_weights,
    and the module as a whole: gradients and instances."""
    B, T, D = 2, 6, 4
    cases = qkv_module_cases(gen)
    return (
        cases
        + [
            weights_case(
                f"MySelfAttention({D}) on (B={B}, T={T}, D={D})",
                (randn(gen, B, T, D),),
                (D,),
                linear_params(gen, D, QKV),
            )
        ]
        + module_cases(cases[0])
    )


def _attend_scores(p, X, masked=False):
    """MySelfAttention's scores q kᵀ / √D."""
    return project(p, "linear_q", X) @ project(p, "linear_k", X).mT * X.shape[-1] ** -0.5


def module_skeleton_cases(gen: torch.Generator) -> list[Case]:
    """The MySelfAttention cases without weights to load (step 1 has no layers yet), then one
    run after other instances were built."""
    cases = [replace(case, params={}) for case in qkv_module_cases(gen)]
    return cases + module_cases(cases[0], gradients=False)


def qkv_cases(gen: torch.Generator) -> list[Case]:
    """Projected q, k, v tensors (B, T, D) with B, T and D all different."""
    return [
        Case(f"q, k, v of shape ({B}, {T}, {D})", tuple(randn(gen, B, T, D) for _ in range(3)))
        for B, T, D in ((2, 5, 8), (3, 4, 16), (1, 6, 3))
    ]


def qk_cases(gen: torch.Generator) -> list[Case]:
    """q and k (B, T, D) with B, T and D all different."""
    return [
        Case(f"q, k of shape {c.inputs[0].shape[0], c.inputs[0].shape[1], c.inputs[0].shape[2]}", c.inputs[:2])
        for c in qkv_cases(gen)
    ]


def weight_cases(gen: torch.Generator) -> list[Case]:
    """Attention weights with exact zeros (one-hot rows), uniform rows and random rows."""
    one_hot = torch.eye(4, dtype=torch.float32)[[2, 0, 3]]  # (3, 4), every row all on one key
    uniform = torch.full((2, 5), 0.2, dtype=torch.float32)
    return [
        Case("weights of shape (3, 4) with one-hot rows (exact zeros)", (one_hot,)),
        Case("uniform weights of shape (2, 5)", (uniform,)),
        Case("random weights of shape (2, 3, 6)", (torch.softmax(randn(gen, 2, 3, 6, scale=2), dim=-1),)),
        Case("random weights of shape (4, 7)", (torch.softmax(randn(gen, 4, 7, scale=2), dim=-1),)),
    ]


def _no_hidden_size(out: Outcome) -> str:
    stored = re.search(r"its __init__ stored: (.*?)(?: \(line \d+.*)?$", out.error)
    names = [n for n in (stored.group(1).split(", ") if stored else []) if n != "nothing"]
    if not names:
        return (
            "Your __init__ stored nothing on the module. After super().__init__(), keep the size: "
            "self.hidden_size = hidden_size (the check, and steps 2 and 3, read it by that name)."
        )
    listed = ", ".join(f"self.{n}" for n in names)
    return (
        f"Your __init__ stored {listed}, but no self.hidden_size: the check, and steps 2 and 3, read it by "
        "exactly that name. Write self.hidden_size = hidden_size."
    )


def _hidden_size_value(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    got = out.output
    if tuple(got.shape) != tuple(expected.shape) or float(got[0]) == float(expected[0]):
        return None
    return (
        f"expected self.hidden_size = {fmt_num(float(expected[0]))}, as built with MySelfAttention("
        f"{case.init[0]}), got {fmt_num(float(got[0]))}",
        "self.hidden_size must be the size the module is built with, the argument hidden_size: "
        "self.hidden_size = hidden_size, not a number of your own.",
    )


def _forward_changed(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    got = out.output
    if tuple(got.shape) != tuple(expected.shape) or not (got[2] == 0 and expected[2] == 1):
        return None
    return (
        f"expected forward(X) to hand back a tensor of X's shape, {tuple(case.inputs[0].shape)}, as the "
        "placeholder does; yours did not",
        "Leave forward as it was given, `return X`, until step 3 fills it in: step 1 changes __init__ only.",
    )


NO_SCALE = raised(
    "no-scale",
    "Your module has no self.scale: set it in __init__, after the layers: "
    "self.scale = hidden_size ** -0.5 (that is 1/√D).",
    error=r"has no attribute 'scale'",
)


SUPER_INIT_MESSAGE = (
    "An nn.Module must call super().__init__() at the start of its __init__, before it "
    "stores anything: that is what sets up its parameters, submodules and hooks."
)


no_super_init = raised(
    "no-super-init",
    SUPER_INIT_MESSAGE,
    error=r"Module\.__init__\(\) call|has no attribute '_?(training|parameters|modules|buffers|backward_pre_hooks|forward_hooks)'",
)


def _attend(
    p, X, scale=None, dim=-1, values="linear_v", q_from="linear_q", k_from="linear_k", transpose=False, **change
):
    """Reference-style attention from parameters p, with one thing changed for a mistake
    (values="X": the weights multiply X itself; `change`: as _qkv_attention)."""
    q, k = project(p, q_from, X), project(p, k_from, X)
    v = X if values == "X" else project(p, values, X)
    scale = X.shape[-1] ** -0.5 if scale is None else scale
    return _qkv_attention(k if transpose else q, q if transpose else k, v, scale, dim=dim, **change)


def _qkv_attention(
    q, k, v, scale, *, dim=-1, softmax=True, scale_after=False, weights_T=False, weights_only=False, softmax_of_v=False
):
    """softmax(q kᵀ · scale) v, with one thing changed for a mistake: the softmax over `dim`, left
    out, or applied to v (then scores @ softmax(v)); the scale applied to the weights after the
    softmax; the weights transposed before they multiply v; or the weights returned."""
    scores = q @ k.mT * (1.0 if scale_after else scale)
    if softmax_of_v:
        return scores @ torch.softmax(v, dim=-1)
    weights = torch.softmax(scores, dim=dim) if softmax else scores
    if scale_after:
        weights = weights * scale
    if weights_only:
        return weights
    return (weights.mT if weights_T else weights) @ v


def qkv_variants(formula: Callable[..., Tensor], width: str, score: str = "q kᵀ") -> tuple[Mistake, ...]:
    """What attention from q, k and v can get wrong besides its scale, for formula(*args, **change)
    (the changes of _qkv_attention), in an exercise's names: `width` is what it calls the width."""
    scaled = f"{score} / √{width}"
    return (
        matches(
            "wrong-axis",
            "Your weights were normalised over the queries (dim=-2). " + WRONG_AXIS_MESSAGE,
            lambda *a: formula(*a, dim=-2),
            "softmax over dim=-2",
            unless=SOFTMAX_OVER_LAST,
        ),
        matches(
            "no-softmax",
            f"The softmax is missing: your weights are the raw scores {scaled}, not rows that sum "
            f"to 1. weights = torch.softmax(scores, dim=-1), then weights @ v.",
            lambda *a: formula(*a, softmax=False),
            f"({scaled}) v without softmax",
        ),
        matches(
            "softmax-wrong-tensor",
            "softmax was applied to v, and the raw scores multiplied it. The softmax "
            "turns the scores into weights: weights = torch.softmax(scores, dim=-1), then weights @ v.",
            lambda *a: formula(*a, softmax_of_v=True),
            "scores @ softmax(v)",
        ),
        matches(
            "scale-after-softmax",
            f"The scale was applied to the weights, after the softmax: divide the scores "
            f"by √{width} BEFORE the softmax, so that it keeps the weights soft; afterwards, it only shrinks "
            "rows that should sum to 1.",
            lambda *a: formula(*a, scale_after=True),
            f"softmax({score}) / √{width}, times v",
        ),
        matches(
            "weights-transposed",
            "The weights were transposed before they multiplied v: row i of the weights "
            "holds query i's weights over the keys, so weights @ v as they come out of the softmax.",
            lambda *a: formula(*a, weights_T=True),
            "weightsᵀ @ v",
        ),
        matches(
            "returned-weights",
            f"You returned the attention weights (B, T, T). The output is weights @ v, shape (B, T, {width}).",
            lambda *a: formula(*a, weights_only=True),
            "the attention weights",
        ),
    )


def _entropy_epsilon(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """-Σ w log(w + ε), or log of w clamped at ε, with an ε large enough to move the result."""
    w = case.inputs[0]
    for eps in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6):
        for how, log in (
            (f"log(w + {eps:g})", (w + eps).log()),
            (f"log(w.clamp(min={eps:g}))", w.clamp(min=eps).log()),
        ):
            wrong = -(w * log).sum(dim=-1)
            if close(out.output, wrong) and not close(wrong, expected):
                return (
                    f"{first_difference(expected, out.output)}; your result equals -Σ w {how}",
                    f"Your ε = {eps:g}, added to keep log away from 0, moves every entropy by about ε per weight, "
                    "more than the check allows. Use torch.special.entr(w) or torch.xlogy(w, w), which give "
                    "0 log 0 = 0 exactly, or an ε of 1e-12.",
                )
    return None


SHARED_MESSAGE = (
    "q, k and v all came from one projection. Each needs its own nn.Linear, linear_q, "
    "linear_k and linear_v, so that what a token looks for (q), what it offers (k) and "
    "what it hands over (v) can differ."
)


EXERCISES_02 = [
    Exercise(
        id="2.1",
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
        produces=Produces(),
        mistakes=(
            matches(
                "zero-log-zero",
                "0 × log 0 came out as NaN: log(0) is -inf and 0 × -inf is NaN. "
                "Entropy takes 0 log 0 = 0: use torch.special.entr(w), torch.xlogy(w, w), or "
                "replace NaN terms with 0.",
                lambda w: -(w * w.log()).sum(dim=-1),
                "-(w * log w).sum(-1) with NaN",
            ),
            matches(
                "wrong-sign",
                "Your entropies are negative: entropy is MINUS Σ w log w, and log w ≤ 0 "
                "for weights, so the result is ≥ 0.",
                lambda w: -ref.row_entropy(w),
                "+Σ w log w",
            ),
            matches(
                "log2",
                "You used log base 2 (bits); the course measures entropy in nats, with the natural log (torch.log).",
                lambda w: ref.row_entropy(w) / math.log(2),
                "the entropy in bits",
            ),
            matches(
                "wrong-axis",
                "You summed over the wrong dimension: each row (the last dimension) is one "
                "query's weights; sum over dim=-1.",
                lambda w: torch.special.entr(w).sum(dim=0),
                "a sum over dim 0",
            ),
            matches(
                "dim-1-not-last",
                lambda out: _dim_1(out, "sum"),
                lambda w: torch.special.entr(w).sum(dim=1) if w.dim() > 2 else w[:0],
                "a sum over dim 1",
            ),
            matches("summed-all", _summed_all, lambda w: torch.special.entr(w).sum(), "the sum over the whole tensor"),
            Mistake("epsilon", _entropy_epsilon),
        ),
    ),
    Exercise(
        id="2.2",
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
        mistakes=(
            no_super_init,
            raised("no-hidden-size", lambda out: _no_hidden_size(out), error=r"^MissingAttribute: "),
            Mistake("hidden-size-value", lambda case, out, expected: _hidden_size_value(case, out, expected)),
            Mistake("forward-changed", lambda case, out, expected: _forward_changed(case, out, expected)),
        ),
    ),
    Exercise(
        id="2.3",
        notebook="02",
        name="MySelfAttention",
        title="MySelfAttention, step 2: projections and the scale",
        points=2,
        difficulty=1,
        minutes=10,
        signature="class MySelfAttention(nn.Module) with linear_q, linear_k, linear_v and scale",
        returns="nn.Linear(hidden_size, hidden_size) layers named linear_q, linear_k and linear_v, and scale = hidden_size ** -0.5",
        reference=ref.MySelfAttention,
        make_cases=projection_cases,
        module=True,
        probe=step2_probe,
        mistakes=(
            no_super_init,
            NO_SCALE,
            matches(
                "scale-multiplied",
                SCALE_HIDDEN["scale-multiplied"],
                lambda p, X: torch.stack([project(p, n, X) for n in QKV]) * X.shape[-1] ** 0.5,
                "projections times √D",
            ),
            matches(
                "scale-by-d",
                SCALE_HIDDEN["scale-by-d"],
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
        id="2.4",
        notebook="02",
        name="MySelfAttention",
        title="MySelfAttention, step 3: the forward pass",
        points=3,
        difficulty=2,
        minutes=20,
        signature="class MySelfAttention(nn.Module) with forward(self, X)",
        returns="softmax(q kᵀ / √D) v, shape (B, T, D), keeping the weights in self.last_weights",
        reference=ref.MySelfAttention,
        make_cases=forward_cases,
        produces=Produces(
            batch=(0,),
            axes=("B", "T", "D"),
            family=variants.module_family("linear_q", "linear_k", "linear_v"),
            from_weights=variants.from_weights("linear_v"),
        ),
        module=True,
        probe=keeps_weights,
        mistakes=(
            no_super_init,
            NO_SCALE,
            dot_T_on_batch,
            *scale_mistakes(lambda p, X, scale: _attend(p, X, scale=scale), width_of_X, SCALE_HIDDEN),
            matches(
                "wrong-axis",
                "Your weights were normalised over the queries (dim=-2). " + WRONG_AXIS_MESSAGE,
                lambda p, X: _attend(p, X, dim=-2),
                "softmax over dim=-2",
                unless=SOFTMAX_OVER_LAST,
            ),
            matches(
                "keys-as-values",
                "You multiplied the weights by k. The weights say how much of each "
                "token's value to take: weights @ v.",
                lambda p, X: _attend(p, X, values="linear_k"),
                "weights @ k",
            ),
            matches(
                "shared-projection",
                SHARED_MESSAGE,
                lambda p, X: _attend(p, X, values="linear_q", k_from="linear_q"),
                "linear_q used for q, k and v",
            ),
            matches(
                "shared-projection",
                SHARED_MESSAGE,
                lambda p, X: _attend(p, X, q_from="linear_v", k_from="linear_v"),
                "one layer used for q, k and v",
            ),
            matches(
                "transposed-scores",
                "Your scores are k qᵀ, the transpose of q kᵀ: row i must hold query i's "
                "scores against every key, so q comes first.",
                lambda p, X: _attend(p, X, transpose=True),
                "softmax(k qᵀ / √D) v",
            ),
            matches(
                "returned-weights",
                "You returned the attention weights (B, T, T). The output is weights @ v, shape (B, T, D).",
                lambda p, X: torch.softmax(
                    project(p, "linear_q", X) @ project(p, "linear_k", X).mT * X.shape[-1] ** -0.5, dim=-1
                ),
                "the attention weights",
            ),
            matches(
                "keys-never-used",
                _keys_never_used,
                lambda p, X: _attend(p, X, k_from="linear_q"),
                "softmax(q qᵀ / √D) v",
            ),
            matches(
                "queries-never-used",
                _queries_never_used,
                lambda p, X: _attend(p, X, q_from="linear_k"),
                "softmax(k kᵀ / √D) v",
            ),
            matches(
                "weights-times-X",
                "The weights multiplied X itself, not the values: take v = self.linear_v(X), then weights @ v.",
                lambda p, X: _attend(p, X, values="X"),
                "weights @ X",
            ),
            *qkv_variants(lambda p, X, **change: _attend(p, X, **change), "D")[1:5],
            *last_weights_mistakes(_attend_scores, "(B, T, T)"),
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
        signature="attention_from_qkv(q, k, v)  # each (B, T, D)",
        returns="softmax(q kᵀ / √D) v, shape (B, T, D)",
        reference=ref.attention_from_qkv,
        make_cases=qkv_cases,
        produces=Produces(batch=(0, 1, 2), axes=("B", "T", "D"), family=variants.attention_family()),
        handed_out="weights = torch.softmax(weights, dim=-1)",
        handed_out_mistake="softmax-wrong-tensor",
        mistakes=(
            raised(
                "softmax-wrong-tensor",
                "softmax was handed a name that has no value yet. The softmax turns "
                "the scores into weights: give it the scores.",
                error=r"local variable 'weights'|name 'weights' is not defined",
            ),
            raised("softmax-of-q", _softmax_of_q, error=MATMUL_SIZES, source=r"softmax\(\s*q\s*[,)]", both=True),
            matches("softmax-of-q", _softmax_of_q, lambda q, k, v: torch.softmax(q, dim=-1) @ v, "softmax(q) v"),
            raised("extra-v", _extra_v, error=MATMUL_SIZES, source=r"weights\s*=.*softmax\(.*\)\s*@\s*v\b", both=True),
            matches(
                "extra-v",
                _extra_v,
                lambda q, k, v: torch.softmax(ref.scaled_scores(q, k), dim=-1) @ v @ v,
                "softmax(q kᵀ / √D) v v",
            ),
            *scale_mistakes(
                lambda q, k, v, scale: torch.softmax(q @ k.mT * scale, dim=-1) @ v, width_of_q, SCALE_QKV_D
            ),
            *qkv_variants(lambda q, k, v, **change: _qkv_attention(q, k, v, q.shape[-1] ** -0.5, **change), "D"),
            matches(
                "keys-as-values",
                "You multiplied the weights by k; take the values: weights @ v.",
                lambda q, k, v: torch.softmax(ref.scaled_scores(q, k), -1) @ k,
                "weights @ k",
            ),
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
        signature="scaled_scores(q, k)  # each (B, T, D)",
        returns="q kᵀ / √D, shape (B, T, T)",
        reference=ref.scaled_scores,
        make_cases=qk_cases,
        produces=Produces(what="scores", batch=(0, 1), axes=("B", "T", "T"), family=variants.attention_family(v=None)),
        handed_out="return q @ k.transpose(-2, -1) * math.sqrt(D)",
        handed_out_mistake="scale-multiplied",
        mistakes=(
            dot_T_on_batch,
            *scale_mistakes(lambda q, k, scale: q @ k.mT * scale, width_of_q, SCALE_SCORES),
            matches(
                "transposed-scores",
                "Your scores are k qᵀ: row i must hold query i's scores, so q comes first.",
                lambda q, k: ref.scaled_scores(k, q),
                "k qᵀ / √D",
            ),
            matches(
                "softmaxed",
                "You returned the weights, softmax(q kᵀ / √D): scaled_scores stops before the "
                "softmax and returns the scores themselves, q kᵀ / √D.",
                lambda q, k: torch.softmax(ref.scaled_scores(q, k), dim=-1),
                "softmax(q kᵀ / √D)",
            ),
            matches(
                "qt-k",
                "qᵀ k compares features with features, (B, D, D). Scores compare every query with "
                "every key: q @ k.transpose(-2, -1), (B, T, D) x (B, D, T) -> (B, T, T).",
                lambda q, k: q.mT @ k * q.shape[-1] ** -0.5,
                "qᵀ k / √D",
            ),
        ),
    ),
]


LESSON = Lesson(
    number="02",
    title="Queries, keys and values",
    notebook="02-queries-keys-values",
    provides=("simple_self_attention",),  # what its notebook imports from helpers.attention
    exercises=EXERCISES_02,
)

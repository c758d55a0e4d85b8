"""Known transformations of the reference, tried on a wrong answer: a parameterised copy
of attention whose knobs (the softmax's axis, the scale, how the mask is used, the weights
transposed, the heads split or merged in another order, the rows divided by their sums
after a softmax over another axis) are turned away from the right
setting one or two at a time. When the student's output equals one of them, a failed check
says which knobs differ (helpers/explaining.py), without a hand-written variant per bug.

A lesson opts in with Produces(family=...), built by one of:

    softmax_family(scores=0, mask=None)       the answer is softmax weights of its input
    attention_family(q, k, v, mask, scale)    the answer is attention of its inputs
    module_family(prefix, scale, heads, out)  a module's q, k, v from the case's params

Written here rather than taken from a library: no library enumerates attention's mistakes.
tests/test_explaining.py checks that every family, with no knob turned, is the reference.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from helpers.running import LAST_WEIGHTS, Case

RIGHT = {
    "axis": -1,
    "scale": None,
    "mask": "before",
    "weights_T": False,
    "split": "heads",
    "merge": "heads",
    "normalise": "softmax",
    "swap": None,  # one of q, k, v replaced by another tensor: Parts.swaps names them
    "scale_on": "scores",  # "v": the scale multiplies the values instead of the scores
    "scores": "q k",  # "uniform": the softmax handed a constant, every key the same weight
    "heads": "own",  # "shared": the scores of the whole width, the same for every head
    "empty": "none-allowed",  # which rows are zeroed: "all-allowed" (mask.all), "wrong-axis" (any over dim -2)
}


# Knobs tried alone or together with the scale only (each is one whole mistake of its own).
ALONE = frozenset({"swap", "scale_on", "scores", "heads", "empty"})


@dataclass(frozen=True)
class Parts:
    """What a family computes with: scores (given) or q, k, v; the mask (True = may attend);
    the right scale's size name ("d"), None for none; sizes by name; heads to split into;
    `finish` applied to the merged output (out_proj); weights_only: return the weights."""

    q: Tensor | None = None
    k: Tensor | None = None
    v: Tensor | None = None
    scores: Tensor | None = None
    mask: Tensor | None = None
    scale: str | None = None
    sizes: dict[str, int] | None = None
    heads: int = 0
    finish: Callable[[Tensor], Tensor] | None = None
    weights_only: bool = False
    scores_only: bool = False
    swaps: dict[str, Tensor] | None = None  # "v=q": the tensor that takes v's place (see _swaps)
    names: dict[str, str] | None = None  # q, k, v (and x) as the student knows them: "linear_v", "v"


def _split(x: Tensor, H: int, how: str) -> Tensor:
    B, T, D = x.shape
    if how == "interleaved":  # (B, T, d_head, H): each head takes every H-th number
        return x.view(B, T, D // H, H).permute(0, 3, 1, 2)
    if how == "swapped":  # d_head heads of H numbers: the two sizes swapped
        return x.view(B, T, D // H, H).transpose(1, 2)
    return x.view(B, T, H, D // H).transpose(1, 2)  # (B, H, T, d_head)


def _merge(x: Tensor, how: str) -> Tensor:
    B, H, T, d = x.shape
    if how == "interleaved":  # (B, T, d_head, H): the heads' numbers interleaved
        return x.permute(0, 2, 3, 1).reshape(B, T, H * d)
    return x.transpose(1, 2).reshape(B, T, H * d)


def compute(parts: Parts, knobs: dict, empty_nan: bool = False) -> Tensor:
    """Attention (or its weights) from `parts` with the knobs turned as `knobs` says; a row
    the mask leaves without keys is 0, or NaN with `empty_nan` (as softmax over -inf gives)."""
    k = {**RIGHT, **knobs}
    mask = parts.mask
    if k["swap"] is not None:
        parts = replace(parts, **{k["swap"].split("=")[0]: (parts.swaps or {})[k["swap"]]})
    if parts.heads and k["split"] == "untransposed":
        return _untransposed(parts, k)
    if parts.scores is not None:
        scores = parts.scores
    else:
        q, key = parts.q, parts.k
        if parts.heads:
            shared = q @ key.transpose(-2, -1)
            q, key = _split(q, parts.heads, k["split"]), _split(key, parts.heads, k["split"])
            if mask is not None and mask.dim() == 3:
                mask = mask.unsqueeze(1)
        scores = q @ key.transpose(-2, -1)
        if parts.heads and k["heads"] == "shared":
            scores = shared.unsqueeze(1).expand_as(scores)
    scale = k["scale"] if k["scale"] is not None else right_scale(parts)
    v_scale = 1.0
    if k["scale_on"] == "v":
        scale, v_scale = (1.0 if k["scale"] is None else k["scale"]), right_scale(parts)
    scores = scores * scale
    if k["scores"] == "uniform":
        scores = torch.zeros_like(scores)
    if k["normalise"] == "negated":  # exp(m - x): the softmax of -x, the mask applied as usual
        scores = -scores
    if parts.scores_only:
        return scores.transpose(-2, -1) if k["weights_T"] else scores
    how = k["mask"]
    if mask is not None and how.startswith("diagonal"):
        mask = torch.ones(mask.shape[-2:], dtype=torch.bool).tril(int(how.split(":")[1]))
    normalise = _normaliser(k["normalise"], k["axis"])
    if mask is None or how == "ignored":
        weights = normalise(scores)
    elif how in ("after", "after-inverted", "after-softmax-again"):
        weights = normalise(scores).masked_fill(mask if how == "after-inverted" else ~mask, 0.0)
        weights = normalise(weights) if how == "after-softmax-again" else weights
    else:
        allowed = ~mask if how == "inverted" else mask.transpose(-2, -1) if how == "transposed" else mask
        allowed = torch.broadcast_to(allowed, scores.shape)
        fill = {"plus-inf": float("inf"), "zero-fill": 0.0}.get(how, float("-inf"))
        weights = normalise(scores.masked_fill(~allowed, fill))
        if not empty_nan and how not in ("plus-inf", "zero-fill"):
            empty = {
                "none-allowed": ~allowed.any(dim=k["axis"], keepdim=True),
                "all-allowed": allowed.all(dim=k["axis"], keepdim=True),
                "wrong-axis": ~allowed.any(dim=-2, keepdim=True),
            }[k["empty"]]
            weights = weights.masked_fill(empty, 0.0)
    if k["weights_T"]:
        weights = weights.transpose(-2, -1)
    if parts.weights_only or parts.v is None:
        return weights
    v = _split(parts.v, parts.heads, k["split"]) if parts.heads else parts.v
    out = weights @ (v * v_scale)
    if parts.heads:
        out = _merge(out, k["merge"])
    return parts.finish(out) if parts.finish else out


def _normaliser(how: str, axis: int) -> Callable[[Tensor], Tensor]:
    """What turns scores into weights: the softmax over `axis`, or what a knob puts in its place."""
    if how == "sigmoid":
        return torch.sigmoid
    if how == "row-sum":  # the scores divided by their sum, no exp
        return lambda x: x / x.sum(dim=axis, keepdim=True)
    if how.startswith("renormalised:"):  # a softmax over another axis, then each row divided by its sum
        return lambda x: _rows_divided(torch.softmax(x, dim=int(how.split(":")[1])))
    return lambda x: torch.softmax(x, dim=axis)


def _rows_divided(weights: Tensor) -> Tensor:
    """Each row (the last axis) divided by its sum: what makes a softmax over another axis sum to 1
    along the rows without making it a softmax over them."""
    return weights / weights.sum(dim=-1, keepdim=True)


def _untransposed(parts: Parts, k: dict) -> Tensor:
    """Heads split by view(B, T, H, d_head) alone, no transpose: attention then runs over the
    heads of each token, (B, T, H, H), and the result is read back with a plain reshape."""
    if parts.mask is not None:
        raise RuntimeError("a mask does not fit scores over heads")
    B, T, D = parts.q.shape
    q, key, v = (x.view(B, T, parts.heads, D // parts.heads) for x in (parts.q, parts.k, parts.v))
    scale = k["scale"] if k["scale"] is not None else right_scale(parts)
    weights = torch.softmax(q @ key.transpose(-2, -1) * scale, dim=k["axis"])
    if parts.weights_only:
        return weights
    out = (weights @ v).reshape(B, T, D)
    return parts.finish(out) if parts.finish else out


def right_scale(parts: Parts) -> float:
    return 1.0 if parts.scale is None else (parts.sizes or {})[parts.scale] ** -0.5


def knob_values(parts: Parts) -> dict[str, list]:
    """Every knob's settings other than the right one, for these parts."""
    dims = (parts.scores if parts.scores is not None else parts.q).dim() + (1 if parts.heads else 0)
    values: dict[str, list] = {} if parts.scores_only else {"axis": [a for a in range(-2, -dims - 1, -1)]}
    right = right_scale(parts)
    scales = {1.0, right * right, 1 / right if right != 1 else 0.0}
    for n in (parts.sizes or {}).values():
        scales |= {n**-0.5, 1 / n, n**0.5}
    values["scale"] = sorted(s for s in scales if s and not math.isclose(s, right, rel_tol=1e-6))
    if parts.mask is not None:
        values["mask"] = ["ignored", "inverted", "after"]
        T = parts.mask.shape[-1]
        if parts.mask.dim() >= 2 and parts.mask.shape[-2] == T and not torch.equal(parts.mask, parts.mask.mT):
            values["mask"].append("transposed")
        if parts.mask.dim() == 2 and torch.equal(parts.mask, torch.ones(T, T, dtype=torch.bool).tril()):
            values["mask"] += ["diagonal:1", "diagonal:-1"]
    if (parts.v is not None and not parts.weights_only) or parts.scores_only:
        values["weights_T"] = [True]
    if not parts.scores_only:
        values["normalise"] = ["sigmoid", "negated", *(f"renormalised:{a}" for a in values["axis"])]
        if parts.mask is None:
            values["normalise"] += ["row-sum"]
        values["scores"] = ["uniform"]
    if parts.mask is not None:
        values["mask"] += ["after-inverted", "after-softmax-again", "plus-inf", "zero-fill"]
        values["empty"] = ["all-allowed", "wrong-axis"]
    if parts.swaps:
        values["swap"] = list(parts.swaps)
    if parts.v is not None and not parts.weights_only and not parts.scores_only and not math.isclose(right, 1.0):
        values["scale_on"] = ["v"]
    if parts.heads:
        values["split"] = ["interleaved", "untransposed", "swapped"]
        values["heads"] = ["shared"]
        if not parts.weights_only:
            values["merge"] = ["interleaved"]
    return values


def matching(parts: Parts, got: Tensor, equal: Callable[[Tensor, Tensor], bool], most: int = 2) -> dict | None:
    """The fewest knobs (up to `most`) turned away from the right setting that make the
    family give `got`, as {knob: value}; None when no such setting does."""
    values = knob_values(parts)
    for count in range(1, most + 1):
        for names in itertools.combinations(values, count):
            if count > 1 and set(names) & ALONE and "scale" not in names:
                continue  # a substitution is tried with a wrong scale, not with every other knob: fewer to compute
            for settings in itertools.product(*(values[n] for n in names)):
                knobs = dict(zip(names, settings))
                try:
                    wrong = compute(parts, knobs)
                    if equal(got, wrong) or (parts.mask is not None and equal(got, compute(parts, knobs, True))):
                        return knobs
                except (RuntimeError, IndexError):  # a setting these shapes do not allow
                    continue
    return None


# --------------------------------------------------------------------------------------
# The families lessons declare: case -> Parts


def _sizes(**named: int) -> dict[str, int]:
    return {name: n for name, n in named.items() if n > 1}


def softmax_family(scores: int = 0, mask: int | None = None, of: Callable[[Tensor], Tensor] | None = None):
    """The answer is softmax weights over the last axis of input `scores` (or of of(input))."""

    def parts(case: Case) -> Parts:
        given = case.inputs[scores]
        s = given if of is None else of(given)
        sizes = _sizes(T=s.shape[-2] if s.dim() > 1 else 1, S=s.shape[-1], **({"D": given.shape[-1]} if of else {}))
        return Parts(scores=s.double(), mask=None if mask is None else case.inputs[mask], sizes=sizes)

    return parts


def attention_family(q: int = 0, k: int = 1, v: int | None = 2, mask: int | None = None, scale: str | None = "d"):
    """The answer is attention of inputs q, k and v: softmax(q kᵀ × scale) v; without v, the
    scaled scores q kᵀ × scale."""

    def parts(case: Case) -> Parts:
        x = case.inputs
        sizes = _sizes(T=x[q].shape[-2], d=x[q].shape[-1], B=x[q].shape[0] if x[q].dim() > 2 else 1)
        given = {"q": x[q].double(), "k": x[k].double(), "v": None if v is None else x[v].double()}
        return Parts(
            **given,
            mask=None if mask is None else x[mask],
            scale=scale,
            sizes=sizes,
            scores_only=v is None,
            swaps=_swaps(given, {}),
            names={"q": f"arg:{q}", "k": f"arg:{k}", "v": f"arg:{v}"},
        )

    return parts


def module_family(q: str, k: str, v: str, out: str | None = None, scale: str = "D", heads: bool = False):
    """A module's attention from the case's params: q = X Wqᵀ + bq (layer names q, k, v, out),
    X the first input, a mask the second if any; with `heads`, init[1] heads of D / H."""

    def parts(case: Case) -> Parts:
        p = {name: value.double() for name, value in case.params.items()}
        inputs = [x for x in case.inputs if not isinstance(x, str)]
        X, mask = inputs[0].double(), inputs[1] if len(inputs) > 1 else None
        D = X.shape[-1]
        H = int(case.init[1]) if heads else 0
        sizes = _sizes(D=D, T=X.shape[-2], **({"d_head": D // H, "H": H} if heads else {}))

        def project(name: str, of: Tensor = X) -> Tensor:
            return F.linear(of, p[f"{name}.weight"], p[f"{name}.bias"])

        given = {"q": project(q), "k": project(k), "v": project(v)}
        return Parts(
            **given,
            swaps=_swaps(given, {"q=x": X, "k=x": X, "v=x": X, "v=v(q)": project(v, given["q"])}),
            names={"q": q, "k": k, "v": v},
            mask=mask,
            scale=scale,
            sizes=sizes,
            heads=H,
            finish=(lambda o: F.linear(o, p[f"{out}.weight"], p[f"{out}.bias"])) if out else None,
            weights_only=LAST_WEIGHTS in case.tags,
        )

    return parts


def _swaps(given: dict[str, Tensor | None], more: dict[str, Tensor]) -> dict[str, Tensor]:
    """The tensors a student may put in the place of q, k or v: another of the three ("v=q":
    the queries as values), and `more` (X unprojected, a layer given the wrong input); only
    those of the right shape that differ from what they replace."""
    found = {}
    for role, other in (("v", "q"), ("v", "k"), ("k", "q"), ("q", "k")):
        if given[role] is not None and given[other] is not None:
            found[f"{role}={other}"] = given[other]
    found.update(more)
    return {
        name: t
        for name, t in found.items()
        if tuple(t.shape) == tuple(given[name[0]].shape) and not torch.equal(t, given[name[0]])
    }


def from_weights(v: str, out: str | None = None, heads: bool = False):
    """(case, weights) -> the output of a module whose forward used `weights`: weights @ v
    (per head, merged), through `out` if given; v = X Wvᵀ + bv from the case's params."""

    def output(case: Case, weights: Tensor) -> Tensor:
        p = {name: value.double() for name, value in case.params.items()}
        X = next(x for x in case.inputs if isinstance(x, Tensor)).double()
        values = F.linear(X, p[f"{v}.weight"], p[f"{v}.bias"])
        if heads:
            values = _split(values, int(case.init[1]), "heads")
        o = weights @ values
        o = _merge(o, "heads") if heads else o
        return F.linear(o, p[f"{out}.weight"], p[f"{out}.bias"]) if out else o

    return output

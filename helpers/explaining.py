"""Explaining a failed check from evidence, part of step 2 (judging): when no catalogued
mistake matches, measure properties of what the student's code did and report the first
that breaks, with the numbers, or the known transformation of the reference that the
output equals. It never calls student code: what needs another run of it (a changed
sentence, a changed last token, gradients, a second instance, the weights forward used)
was gathered by step 1, helpers/running/evidence.py, as plain tensors in Outcome.evidence;
asks_for() says which to gather. An exercise opts in with Produces (lessons/records.py).

    asks_for(ex, case) -> dict                       what step 1 should gather
    explain(ex, case, out, expected) -> Finding3     (key, evidence, message) or None
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import torch
from torch import Tensor

from helpers import knob_words, transforms
from helpers.lessons import layouts, variants
from helpers.lessons.records import Exercise
from helpers.lessons.toolkit import source_line
from helpers.properties import (
    PROPERTIES,
    WEIGHTS_ONLY,
    Found,
    _equal,
    causal_input,
    dtype_changed,
    non_finite,
    produces,
    weights_not_used,
    zeros_left,
)
from helpers.running import LAST_WEIGHTS, Case, Outcome, call
from helpers.running import evidence as probes


def asks_for(ex: Exercise, case: Case) -> dict:
    """The probes step 1 should run on the student's answer for this failing case (plain
    data, for the grader's child too)."""
    p = produces(ex, case)
    if p is None:
        return {}
    asks: dict = {probes.AGAIN: True, probes.VARIED: True}
    weights_case = LAST_WEIGHTS in case.tags
    if p.batch and not weights_case:
        first = case.inputs[p.batch[0]]
        if isinstance(first, Tensor) and first.dim() > 0 and first.shape[0] > 1:
            asks[probes.BATCH] = list(p.batch)
    if p.tokens and causal_input(p, case) and not weights_case:
        asks[probes.FUTURE] = {str(k): v for k, v in p.tokens.items()}
    if not weights_case and p.what != "mask":
        asks[probes.GRADIENTS] = True
    if ex.module and not weights_case:
        asks[probes.SHARED] = True
    if weights_case and p.from_weights is not None:
        asks[probes.USED] = True
    return asks


# --------------------------------------------------------------------------------------
# Known transformations


def transformation(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """The knobs of the exercise's family that make the reference give the student's output."""
    p = produces(ex, case)
    if p is None or p.family is None or tuple(out.output.shape) != tuple(expected.shape):
        return None
    if out.output.is_floating_point() and not torch.isfinite(out.output).any():
        return None  # nothing but NaN or inf: any change that gives NaN would match it
    try:
        parts = p.family(case)
        knobs = variants.matching(parts, out.output.double(), _equal)
    except (RuntimeError, IndexError, KeyError, TypeError):  # a family these inputs do not fit
        return None
    if not knobs:
        return None
    said = [knob_words.describe(name, value, parts, out) for name, value in knobs.items()]
    key = "+".join(knob_words.key(name, value) for name, value in knobs.items())
    what = " and ".join(s[0] for s in said)
    return (f"found-{key}", f"your result equals the right computation with {what}", " ".join(s[1] for s in said))


def rearranged(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """The right numbers in another arrangement: axes swapped, the last axis split and read
    in another order, flipped, or shifted by one."""
    got, want = out.output.double(), expected.double()
    if got.numel() != want.numel() or got.dim() == 0 or not got.is_floating_point() or got.dim() > 4:
        return None
    names = (ex.produces.axes if ex.produces and len(ex.produces.axes) == want.dim() else ()) or tuple(
        f"axis {i}" for i in range(want.dim())
    )
    layout = f"({', '.join(names)})"
    for perm in itertools.permutations(range(want.dim())):
        if perm == tuple(range(want.dim())):
            continue
        turned = want.permute(perm)
        order = "(" + ", ".join(names[i] for i in perm) + ")"
        if tuple(turned.shape) == tuple(got.shape) and _equal(got, turned):
            return (
                "axes-swapped",
                f"your result holds the right numbers with its axes in the order {order} instead of {layout}",
                f"Return {layout}: a transpose or permute put the axes in another order."
                if source_line(out, r"\.(transpose|permute|movedim|swapaxes|mT\b|T\b)|einsum")
                else f"Return {layout}: your code builds its result with the axes in the order {order} (no transpose "
                f"or permute does it): build it with {names[0]} first, in the order {layout}.",
            )
        if tuple(got.shape) == tuple(want.shape) and _equal(got, turned.reshape(got.shape)):
            return (
                "read-in-another-order",
                f"your result holds the right numbers, laid out as {order} and then reshaped to {layout}",
                "view and reshape keep the order of the numbers in memory: bring the axes into the order the "
                "result has (transpose or permute) before you reshape, not after.",
            )
    last = want.shape[-1]
    for a in range(2, last):
        if last % a or tuple(got.shape) != tuple(want.shape):
            continue
        split = want.reshape(*want.shape[:-1], a, last // a)
        if _equal(got, split.transpose(-2, -1).reshape(want.shape)):
            return (
                "read-in-another-order",
                f"your result holds the right numbers, but along its last axis in another order: the {last} "
                f"numbers of each row read as ({last // a}, {a}) where they are ({a}, {last // a})",
                "Each group of numbers along the last axis belongs together (one head's slice): keep them side by "
                "side, transpose the group axis into place before reshape, not after.",
            )
    if tuple(got.shape) == tuple(want.shape):
        for a in range(2, last // 2 + 1):  # blocks of two numbers or more; single numbers: see flips below
            if last % a:
                continue
            blocks = want.reshape(*want.shape[:-1], a, last // a)
            mine = got.reshape(*got.shape[:-1], a, last // a)
            order = [next((j for j in range(a) if _equal(mine[..., i, :], blocks[..., j, :])), -1) for i in range(a)]
            if -1 not in order and order != list(range(a)) and sorted(order) == list(range(a)):
                return (
                    "blocks-reordered",
                    f"your result holds the right blocks of {last // a} numbers along the last axis, in the order "
                    f"{', '.join(map(str, order))} instead of {', '.join(map(str, range(a)))}",
                    "The groups of numbers along the last axis (one head's slice each) must come in order: group 0 "
                    "first, then group 1, ...: check the order in which you put them side by side.",
                )
        for axis in range(want.dim()):
            if want.shape[axis] > 1 and _equal(got, want.flip(axis)):
                return (
                    "flipped",
                    f"your result is the right one in reverse order along {names[axis]} (dim {axis})",
                    f"Something reverses the order along {names[axis]}: check each flip, index and loop over it.",
                )
            for shift in (1, -1):
                if want.shape[axis] > 2 and _equal(got, want.roll(shift, axis)):
                    return (
                        "shifted",
                        f"your result is the right one shifted by {shift:+d} along {names[axis]} (dim {axis}), "
                        "wrapping around",
                        f"An index along {names[axis]} is off by one: check where each position is read and written.",
                    )
    return None


def _keys_more_or_fewer(d: int) -> str:
    """ "1 key fewer", "2 keys more": whole words, which the checks' catalogs translate (an "s" they could not)."""
    if abs(d) == 1:
        return "1 key more" if d > 0 else "1 key fewer"
    return f"{abs(d)} keys more" if d > 0 else f"{abs(d)} keys fewer"


def mask_rows(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """A mask that lets each row through the first keys (or a band around the diagonal), as
    the right one does, but a constant number too many or too few."""
    got, want = out.output, expected
    if got.dtype != torch.bool or got.shape != want.shape or got.dim() < 1:
        return None
    counts, right = got.sum(dim=-1), want.sum(dim=-1)
    d = int((counts - right).reshape(-1)[0])
    S = got.shape[-1]
    if got.dim() >= 2 and got.shape[-2] == S and torch.equal(want, torch.ones(S, S, dtype=torch.bool).tril()):
        for k in range(-S + 1, S):
            if k and torch.equal(got, torch.ones(S, S, dtype=torch.bool).tril(k)):
                return (
                    "mask-off-by-n",
                    f"your mask is a lower triangle with its diagonal moved by {k:+d}: tril({k})",
                    f"Query i may attend keys j <= i, the diagonal included: tril() with diagonal 0 (yours is {k}), "
                    "or the comparison j <= i.",
                )
    if d == 0 or not torch.equal(counts - right, torch.full_like(counts, d)):
        return None
    prefix = lambda m: torch.equal(m, torch.arange(S) < m.sum(dim=-1, keepdim=True))  # noqa: E731
    if prefix(got) and prefix(want):
        how = "the first keys of each row, as the right mask does"
    elif got.dim() >= 2 and got.shape[-2] == S:
        shifted = torch.ones(S, S, dtype=torch.bool).tril(d)
        if not (torch.equal(want, torch.ones(S, S, dtype=torch.bool).tril()) and torch.equal(got, shifted)):
            return None
        how = f"a lower triangle with its diagonal moved by {d:+d}"
    else:
        return None
    return (
        "mask-off-by-n",
        f"your mask lets {how}, {_keys_more_or_fewer(d)} per row than the right one",
        "Off by "
        + f"{abs(d)}: check the comparison (< or <=) and the end of each range or slice: a row of length n may "
        "attend keys 0 to n - 1 (and query i the keys j <= i).",
    )


def with_varied_right(ex: Exercise, case: Case, out: Outcome) -> Outcome:
    """`out` with the reference's result on the varied input beside the answer's, where step 1
    ran the answer on it (evidence.varied): the two are compared as a second input. (Computed
    here, never taken from what step 1 sent.)"""
    if probes.VARIED not in out.evidence:
        return out
    evidence = {k: v for k, v in out.evidence.items() if k != probes.VARIED_RIGHT}
    try:
        with torch.no_grad():
            right = call(ex, ex.reference, probes.varied_inputs(case.inputs), case)
    except Exception:  # an input the reference cannot take varied: the evidence says nothing then
        return replace(out, evidence=evidence)
    if isinstance(right, Tensor):
        evidence[probes.VARIED_RIGHT] = right.detach()
    return replace(out, evidence=evidence)


def held_again(finder, ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """What `finder` (a transformation of the right answer) finds, when it finds the same on
    the input varied number by number (evidence.varied) where step 1 ran the answer on it: a
    transformation that holds on one input only, a uniform row or a symmetric matrix, is a
    coincidence of that input, not the student's mistake. Before that evidence, what it finds
    stands on the one input (and the check gathers the evidence, then judges again)."""
    found = finder(ex, case, out, expected)
    again, right = out.evidence.get(probes.VARIED), out.evidence.get(probes.VARIED_RIGHT)
    if not found or again is None or right is None:
        return found
    varied = replace(case, inputs=tuple(probes.varied_inputs(case.inputs)))
    try:
        other = finder(ex, varied, Outcome(output=again, source=out.source), right)
    except (RuntimeError, IndexError, KeyError, TypeError, ValueError):  # a varied input the finder cannot take
        return found
    return found if other is not None and other[0] == found[0] else None


def explain(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """The first thing the evidence shows about a wrong output: a changed dtype, a known
    transformation of the reference, the right numbers rearranged or shifted, NaN or inf,
    rows left at zero, then the properties above. None when it shows nothing (the check
    keeps its general words)."""
    if ex.produces is None or out.output is None or expected is None or not isinstance(expected, Tensor):
        return None
    got = out.output
    if got.dtype == torch.bool:
        return mask_rows(ex, case, out, expected) or rearranged_mask(ex, case, out, expected)
    kept = weights_not_used(ex, case, out, expected) if LAST_WEIGHTS in case.tags else None
    if kept:  # weights kept that forward did not use: what they are instead, when a knob says it
        other = transformation(ex, case, out, expected)
        what = other[1].split(" with ", 1)[1] if other else ""
        return kept if not what else (kept[0], f"{kept[1]}; they equal the right weights with {what}", kept[2])
    if got.is_floating_point() and expected.is_floating_point():
        found = dtype_changed(ex, out, expected)
        for first in (
            transformation,
            rearranged,
            layouts.part_of_right,
            layouts.overwritten,
            transforms.extra_operation,
            transforms.log_of_right,
        ):
            found = found or held_again(first, ex, case, out, expected)
        if found:
            return found
    if not got.is_complex() and got.dtype.is_floating_point == expected.dtype.is_floating_point:
        for first in (transforms.negated, transforms.mean_not_sum, transforms.offset):
            found = held_again(first, ex, case, out, expected)
            if found:
                return found
    if got.is_floating_point():
        if not torch.isfinite(got).all():
            return non_finite(ex, case, out, expected)
        found = zeros_left(ex, case, out, expected) or transforms.whole_numbers(ex, case, out, expected)
        if found:
            return found
    p = produces(ex, case)
    for prop in PROPERTIES:
        if prop.__name__ in WEIGHTS_ONLY and p.what != "weights":
            continue
        found = prop(ex, case, out, expected)
        if found:
            return found
    return None


def rearranged_mask(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """A mask with the right values in another arrangement (read as numbers); a padding mask
    reversed along the keys marks the real tokens at the end of each sentence."""
    as_numbers = Outcome(output=out.output.double())
    found = rearranged(ex, case, as_numbers, expected.double())
    S = expected.shape[-1]
    prefix = expected.dim() >= 1 and torch.equal(expected, torch.arange(S) < expected.sum(dim=-1, keepdim=True))
    if found and found[0] == "flipped" and prefix and torch.equal(out.output, expected.flip(-1)):
        line = source_line(out, r">=?|\bT\s*-|flip")
        quoted = f" `{line}` picks them." if line else ""
        return (
            "real-tokens-at-end",
            "your mask marks the last tokens of each sentence as real, as many as its length, where the real tokens "
            "come first: it is the right mask reversed along the keys",
            f"Padding comes after a sentence's real tokens: a sentence of length n has real tokens at positions 0 "
            f"to n - 1, so key j is real when j < n.{quoted} Use torch.arange(T) < lengths[:, None].",
        )
    return found

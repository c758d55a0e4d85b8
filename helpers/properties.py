"""Properties of a right answer, measured on what a student's code did, each a function
(ex, case, outcome, expected) -> (key, evidence, message) or None: part of step 2, judging
(helpers/explaining.py tries them in order). Those that need the answer run again read
what step 1 gathered, Outcome.evidence (helpers/running/evidence.py)."""

from __future__ import annotations

import re

import torch
from torch import Tensor

from helpers.lessons.reading import arguments, kept_other, lost_slices, mask_not_used, what_mixes
from helpers.lessons.records import Exercise, Produces
from helpers.lessons.toolkit import overflowed, source_line
from helpers.lessons.whole_module import no_gradient, shared_state
from helpers.running import LAST_WEIGHTS, Case, Outcome
from helpers.running import evidence as probes
from helpers.tolerances import close, fmt_index, fmt_num

Found = tuple[str, str, str]  # (key, evidence with numbers, what to do)
SUMS = 1e-3  # how far a row's sum may be from 1


def produces(ex: Exercise, case: Case) -> Produces | None:
    """What the answer gives on this case: a LAST_WEIGHTS case compares attention weights."""
    declared = ex.produces
    if declared is not None and LAST_WEIGHTS in case.tags:
        return Produces(what="weights", family=declared.family, from_weights=declared.from_weights)
    return declared


def causal_input(p: Produces, case: Case) -> bool:
    """Whether the case hands the answer a causal mask (a (T, T) lower triangle), or the
    answer must be causal whatever its inputs."""
    if p.causal:
        return True
    if p.mask is None or p.mask >= len(case.inputs):
        return False
    mask = case.inputs[p.mask]
    T = mask.shape[-1]
    return mask.dim() == 2 and mask.shape[0] == T > 1 and torch.equal(mask, torch.ones(T, T, dtype=torch.bool).tril())


def _equal(a: Tensor | None, b: Tensor) -> bool:
    return a is not None and close(a, b, equal_nan=True)


# --------------------------------------------------------------------------------------
# Properties of a right answer, measured on what the student's code did


def _where(index: tuple[int, ...], names: tuple[str, ...]) -> str:
    """'sentence 1, query 2' for an index into a (B, T, ...) output, else '[1, 2]'."""
    words = {"B": "sentence", "H": "head", "T": "query"}
    if names and len(index) <= len(names) and all(n in words for n in names[: len(index)]):
        return ", ".join(f"{words[n]} {i}" for n, i in zip(names, index))
    return f"row {fmt_index(index)}"


def _names(ex: Exercise, got: Tensor) -> tuple[str, ...]:
    axes = ex.produces.axes if ex.produces else ()
    return axes if len(axes) == got.dim() else ()


def dtype_changed(ex: Exercise, out: Outcome, expected: Tensor) -> Found | None:
    got = out.output
    if not (got.is_floating_point() and expected.is_floating_point()) or got.dtype == expected.dtype:
        return None
    lost = (
        " (float16 keeps about 3 digits, and overflows above 65504)"
        if got.dtype in (torch.float16, torch.bfloat16)
        else ""
    )
    return (
        "dtype-changed",
        f"expected numbers of {expected.dtype} (the dtype of the inputs), got {got.dtype}{lost}",
        f"Keep the inputs' dtype, {expected.dtype}: look for .half(), .double(), dtype=..., or a tensor made "
        "with another dtype that mixes into the result.",
    )


def non_finite(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """NaN or inf where the right answer is finite: the first row that has them, and the
    input row it came from when the input has the output's leading shape."""
    got = out.output
    bad = ~torch.isfinite(got) & torch.isfinite(expected) if got.shape == expected.shape else ~torch.isfinite(got)
    if not bad.any():
        return None
    rows = bad.reshape(-1, got.shape[-1]).any(dim=-1) if got.dim() > 1 else bad.reshape(1, -1).any(dim=-1)
    first = int(rows.nonzero()[0])
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(first), got.shape[:-1])) if got.dim() > 1 else ()
    kinds = "NaN" if torch.isnan(got[bad]).all() else "inf" if torch.isinf(got[bad]).all() else "NaN or inf"
    evidence = f"expected finite numbers, got {int(bad.sum())} {kinds} of {got.numel()}; the first in {_where(index, _names(ex, got))}"
    source = next((x for x in case.inputs if isinstance(x, Tensor) and x.is_floating_point()), None)
    if source is not None and index and tuple(source.shape[: len(index)]) == tuple(got.shape[: len(index)]):
        row = source[index].double()
        evidence += f", whose input row runs from {fmt_num(float(row.min()))} to {fmt_num(float(row.max()))}"
    p = produces(ex, case)
    if p and p.mask is not None and index and p.what == "weights":
        try:
            mask = torch.broadcast_to(case.inputs[p.mask], expected.shape)
        except RuntimeError:  # a mask that does not fit this output's shape
            mask = None
        if mask is not None and mask.dim() == got.dim() and not mask[index].any():
            evidence += "; every key of that row is masked"
    overflow = _unshifted_exp(out, source) if overflowed(out) is not False else ""
    if overflow:
        return ("overflow", evidence, overflow)
    return (
        "non-finite-row",
        evidence + _first_nan(out),
        "Follow that row through your code on this input, printing each step: which operation first gives "
        "NaN or inf? exp of a large number overflows, and 0 / 0, inf / inf, inf - inf and 0 × inf are NaN.",
    )


def _first_nan(out: Outcome) -> str:
    """Where the first NaN came from, when the answer was run again watching each operation."""
    order = out.evidence.get(f"{probes.NONFINITE}:order")
    nan = probes.operation(out.evidence, "nan")
    if order is None or order.numel() != 3 or not nan:
        return ""
    made = probes.operation(out.evidence, "inf")
    if float(order[2]):
        return (
            f"; the first NaN came from {nan}, on an infinite number that {made} made"
            if made
            else f"; the first NaN came from {nan}, on an infinite number"
        )
    said = {  # what makes NaN out of finite numbers, by the operation's name
        "div": f"; the first NaN came from {nan}, on finite numbers: a division of 0 by 0",
        "log": f"; the first NaN came from {nan}, on finite numbers: log of a negative number",
        "sqrt": f"; the first NaN came from {nan}, on finite numbers: the square root of a negative number",
        "pow": f"; the first NaN came from {nan}, on finite numbers: a negative number to a fractional power",
    }
    return said.get(nan.rstrip("_"), f"; the first NaN came from {nan}, on finite numbers")


def _unshifted_exp(out: Outcome, source: Tensor | None) -> str:
    """The words for NaN or inf from exp of scores too large for float32 (above about 88), when
    the code takes exp without subtracting a maximum anywhere."""
    names = "|".join(re.escape(n) for n in arguments(out)) or "scores"
    line = source_line(out, rf"\bexp\(\s*({names})\s*\)|\b({names})\.exp\(\)")  # exp of an argument as given
    if source is None or not line or float(source.max()) < 88 or re.search(r"amax|\.max\(|logsumexp", out.source):
        return ""
    return (
        f"`{line}` takes exp of the scores as they are, and these reach {fmt_num(float(source.max()))}: exp of "
        "anything above about 88 is inf in float32, and inf / inf or 0 × inf is NaN. Subtract each row's maximum "
        "first, exp(scores - scores.amax(dim=-1, keepdim=True)) (over the keys a row may attend): the result is "
        "the same, and no exponent is above 0."
    )


def rows_not_summing(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """Weights whose rows do not sum to 1 (0 where every key is masked), and the axis over
    which they do."""
    got, want = out.output.double(), expected.double()
    if got.shape != want.shape or got.dim() < 1 or not torch.isfinite(got).all():
        return None
    sums, right = got.sum(dim=-1), want.sum(dim=-1)
    wrong = (sums - right).abs() > SUMS
    if not wrong.any():
        return None
    index = tuple(int(i) for i in wrong.nonzero()[0])
    evidence = (
        f"expected each row of weights to sum to 1, got {int(wrong.sum())} of {wrong.numel()} rows that do not; "
        f"{_where(index, _names(ex, got))} sums to {fmt_num(float(sums[index]))}"
    )
    empty = (sums.abs() < SUMS) & (right > 0.5)
    if empty.any():
        index = tuple(int(i) for i in empty.nonzero()[0])
        return (
            "rows-of-zeros",
            f"expected each row of weights to sum to 1, got {int(empty.sum())} rows of all zeros; "
            f"{_where(index, _names(ex, got))} is all 0 although some of its keys may be attended",
            "Only a row whose every key is masked may be all zeros: find which rows your code zeroes, and "
            "compare that test with 'no key of this row is allowed', ~mask.any(dim=-1, keepdim=True)."
            if _has_mask(ex, case)
            else "A softmax row is never all 0, since exp is positive: print one of these rows after each step "
            "of your code to find the one that empties it (a product that underflows, a division by something "
            "huge, a value written over it).",
        )
    if got.dim() >= 2 and got.shape[-2] > 1:
        whole = got.sum(dim=(-2, -1))
        if torch.allclose(whole, torch.ones_like(whole), atol=SUMS):
            summed = source_line(out, r"\.sum\(\s*\)|torch\.sum\(\s*\w+\s*\)")
            flat = source_line(out, r"flatten|\.view\(|\.reshape\(")
            if summed:
                how = f"`{summed}` divides by the sum over the whole tensor, so the matrix shares 1 among all its cells"
                fix = "divide by each row's own sum, .sum(dim=-1, keepdim=True)"
            else:
                quoted = f"`{flat}` makes" if flat else "Your code takes"
                how = f"{quoted} one softmax over all the scores of a matrix at once, so the matrix shares 1 among all its cells"
                fix = "softmax the scores as they are, over the last dimension, dim=-1"
            return (
                "softmax-over-matrix",
                f"{evidence}; each whole ({got.shape[-2]}, {got.shape[-1]}) matrix of yours sums to 1 instead",
                f"{how}, and each query gets a sliver of it. Each query's row must sum to 1: {fix}.",
            )
    for dim in range(got.dim() - 2, -1, -1):
        other = got.sum(dim=dim)
        if torch.allclose(other, torch.ones_like(other), atol=SUMS):
            evidence += f"; your weights sum to 1 along dim {dim} instead"
            return (
                "rows-not-summing",
                evidence,
                f"The softmax (or the division by the sum) ran along dim {dim}: each query's weights are its row, "
                "the last dimension. Normalise with dim=-1.",
            )
    if (got < -1e-6).any():
        evidence += f"; some weights are negative (the smallest {fmt_num(float(got.min()))})"
    return (
        "rows-not-summing",
        evidence,
        "Each query's weights must share 1 among its keys: exp of the scores divided by that row's own sum, "
        "over the last dimension. Print the sum of one row after each step to find where it goes wrong.",
    )


def masked_weighted(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """Weight on keys the mask hides: how much, and where first."""
    p = produces(ex, case)
    if p is None or p.mask is None or p.mask >= len(case.inputs) or out.output.shape != expected.shape:
        return None
    try:
        hidden = ~torch.broadcast_to(case.inputs[p.mask], expected.shape)
    except RuntimeError:
        return None
    got = out.output.double().nan_to_num(nan=0.0)
    leak = got.abs() * hidden
    if float(leak.max()) <= 1e-4:
        return None
    index = tuple(int(i) for i in (leak > 1e-4).nonzero()[0])
    row = got[index[:-1]]
    return (
        "masked-keys-weighted",
        f"expected 0 weight on every masked key, got {int((leak > 1e-4).sum())} masked keys with weight, "
        f"{fmt_num(float(leak.sum()))} in all; the first at {_where(index[:-1], _names(ex, got))}, key {index[-1]}: "
        f"{fmt_num(float(got[index]))} (that row gives its masked keys {fmt_num(float((row * hidden[index[:-1]]).sum()))})",
        mask_not_used(out)
        or "Masked keys must get no weight at all: set their scores to -inf before the softmax "
        "(scores.masked_fill(~mask, float('-inf'))), so that exp gives exactly 0 there.",
    )


def sentences_mix(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    changed = out.evidence.get(probes.BATCH)
    got = out.output
    if (
        changed is None
        or changed.shape != got.shape
        or got.shape != expected.shape
        or got.dim() == 0
        or got.shape[0] < 2
    ):
        return None
    moved = (changed[:-1].double() - got[:-1].double()).abs()
    if not torch.isfinite(moved).all() or float(moved.max()) <= 1e-5:
        return None
    first = int((moved.reshape(moved.shape[0], -1).amax(dim=-1) > 1e-5).nonzero()[0])
    return (
        "sentences-mix",
        f"changing only the last sentence of the batch (sentence {got.shape[0] - 1}) changed the output of "
        f"sentence {first} too, by up to {fmt_num(float(moved.max()))}",
        what_mixes(out)
        or "Each sentence must attend only within itself: every product and softmax should keep the batch axis "
        "first and work on the last two axes (transpose(-2, -1), dim=-1), never mixing sentences.",
    )


def sees_future(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    changed = out.evidence.get(probes.FUTURE)
    got = out.output
    if (
        changed is None
        or changed.shape != got.shape
        or got.shape != expected.shape
        or got.dim() < 2
        or got.shape[-2] < 2
    ):
        return None
    moved = (changed[..., :-1, :].double() - got[..., :-1, :].double()).abs()
    if not torch.isfinite(moved).all() or float(moved.max()) <= 1e-5:
        return None
    position = int((moved.transpose(-2, 0).reshape(moved.shape[-2], -1).amax(dim=-1) > 1e-5).nonzero()[0])
    T = got.shape[-2]
    return (
        "sees-future",
        f"with a causal mask, changing only the last token (position {T - 1}) changed the output at position "
        f"{position}, by up to {fmt_num(float(moved.max()))}: an earlier token saw a later one",
        "With a causal mask, query i may attend keys j <= i only: the masked scores must be -inf before the "
        "softmax, and nothing else may mix positions.",
    )


def weights_not_used(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    p = produces(ex, case)
    output, weights = out.evidence.get(f"{probes.USED}:output"), out.evidence.get(f"{probes.USED}:weights")
    if p is None or p.from_weights is None or output is None or weights is None:
        return None
    try:
        implied = p.from_weights(case, weights.double())
    except (RuntimeError, IndexError, ValueError):
        return None
    if tuple(implied.shape) != tuple(output.shape) or _equal(output.double(), implied):
        return None
    return (
        "last-weights-not-used",
        f"self.last_weights (shape {tuple(weights.shape)}) are not the weights forward used: the output they "
        f"give differs from forward's by up to {fmt_num(float((implied - output.double()).abs().max()))}",
        kept_other(out)
        or "Keep the weights forward multiplies v by: assign self.last_weights = weights.detach() right where "
        "those weights are made, after the mask and the softmax, and use that same tensor.",
    )


def _zeroed_by_all(ex: Exercise, case: Case, out: Outcome, rows: Tensor) -> Found | None:
    """The rows left at 0 are exactly those with some masked keys and some allowed ones, and
    the code tests mask.all(...) where an empty row is one where not mask.any(...)."""
    p = produces(ex, case)
    line = source_line(out, r"\.all\(|torch\.all\(")
    if p is None or p.mask is None or not line:
        return None
    try:
        mask = torch.broadcast_to(case.inputs[p.mask], (*rows.shape, case.inputs[p.mask].shape[-1]))
    except RuntimeError:
        return None
    if not torch.equal(rows, ~mask.all(dim=-1) & mask.any(dim=-1)):
        return None
    return (
        "all-not-any",
        f"{int(rows.sum())} rows of your output are all 0, and they are exactly the rows where some keys are masked "
        "and others may be attended",
        f"`{line}` is True only for a row whose every key may be attended, so each row with at least one masked key "
        "is zeroed too. A row must be all 0 only when no key may be attended: ~mask.any(dim=-1, keepdim=True).",
    )


def zeros_left(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """Whole rows (or sentences) left at exactly 0 where the right ones are not."""
    got, want = out.output, expected
    if got.shape != want.shape or got.dim() < 2 or not got.is_floating_point():
        return None
    slip = lost_slices(out, got, want, _names(ex, got))
    if slip:
        return slip
    zero = (got == 0).reshape(got.shape[0], -1).all(dim=-1) & (want != 0).reshape(want.shape[0], -1).any(dim=-1)
    if zero.any() and not zero.all():
        first = [int(i) for i in zero.nonzero()[:, 0]]
        names = _names(ex, got)
        what = "sentence" if names and names[0] == "B" else "slice [i] along dim 0, i ="
        return (
            "left-at-zero",
            f"the output of {what} {', '.join(map(str, first))} is all exactly 0, as a tensor of zeros is "
            "before anything is written into it; the right one is not",
            f"Find the step that leaves {what} {first[0]} at 0: a loop or a slice that does not reach it"
            + (", or a mask that hides every key of it." if _has_mask(ex, case) else "."),
        )
    rows = (got == 0).all(dim=-1) & (want != 0).any(dim=-1)
    if rows.any() and not rows.all():
        found = _zeroed_by_all(ex, case, out, rows)
        if found:
            return found
        index = tuple(int(i) for i in rows.nonzero()[0])
        return (
            "left-at-zero",
            f"{int(rows.sum())} rows of your output are all exactly 0 where the right ones are not; the first is "
            f"{_where(index, _names(ex, got))}",
            "Find the step that leaves those rows at 0: a loop or a slice that does not reach them"
            + (
                ", or a mask that hides every key of them."
                if _has_mask(ex, case)
                else ", or a value written over them."
            ),
        )
    return None


def _has_mask(ex: Exercise, case: Case) -> bool:
    p = produces(ex, case)
    return p is not None and p.mask is not None


def negative_weights(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    got = out.output.double()
    if got.shape != expected.shape or not torch.isfinite(got).all() or float(got.min()) >= -1e-6:
        return None
    index = tuple(int(i) for i in (got < -1e-6).nonzero()[0])
    return (
        "negative-weights",
        f"expected weights of 0 or more, got {int((got < -1e-6).sum())} negative ones; the first at "
        f"{_where(index[:-1], _names(ex, got))}, key {index[-1]}: {fmt_num(float(got[index]))}",
        "Softmax weights are exp(score) divided by the row's sum of exp: never negative. Dividing the scores "
        "themselves (or anything not yet passed through exp) by their sum is not a softmax.",
    )


def random_output(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    again = out.evidence.get(probes.AGAIN)
    got = out.output
    if again is None or again.shape != got.shape or _equal(again, got):
        return None
    return (
        "random",
        "two runs of your code on the same input gave different outputs (by up to "
        f"{fmt_num(float((again.double() - got.double()).abs().nan_to_num(0).max()))}): it draws random numbers",
        "Nothing in this exercise is random: remove what draws random numbers (nn.Dropout or F.dropout in "
        "training mode, torch.rand, torch.randn), so that the same input always gives the same output.",
    )


WEIGHTS_ONLY = ("rows_not_summing", "negative_weights", "masked_weighted")
PROPERTIES = (
    rows_not_summing,
    negative_weights,
    masked_weighted,
    random_output,
    sentences_mix,
    sees_future,
    weights_not_used,
    no_gradient,
    shared_state,
)

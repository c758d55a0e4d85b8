"""Known transformations of the right answer, part of step 2 (judging): a wrong output that
equals the reference's under one simple change says which change, found by trying each on
the reference (never by a hand-written variant per answer): an extra operation on the
output (ReLU, a residual X +, a second softmax), an extra softmax on the input weights, the
log of the right weights (exp of the output is right), the sign flipped, an input scaled in
place; and the right numbers changed simply: plus a constant, a mean for a sum, rounded.
helpers/explaining.py tries them after the exercise's family of knobs.

    extra_operation(ex, case, out, expected) -> Found | None
    in_place(ex, case, out) -> Found | None                the words for an input changed in place
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import torch
from torch import Tensor

from helpers.lessons import reading, variants
from helpers.lessons.records import Exercise
from helpers.lessons.toolkit import source_line, without_comment
from helpers.running import LAST_WEIGHTS, Case, Outcome, call, fresh
from helpers.running import evidence as probes
from helpers.tolerances import close, fmt_num

Found = tuple[str, str, str]  # (key, evidence, what to do)


def factor(value: float, sizes: dict[str, int]) -> str:
    """'1/√8 = 1/√d' when a factor is one the sizes make, else its number."""
    if math.isclose(value, 1.0):
        return "1 (not scaled)"
    for name, n in sizes.items():
        for form, text in ((n**-0.5, f"1/√{n}"), (1 / n, f"1/{n}"), (n**0.5, f"√{n}"), (1 / n**2, f"1/{n}²")):
            if math.isclose(value, form, rel_tol=1e-6):
                return f"{text} = {text.replace(str(n), name)}"
    return fmt_num(value)


def _equal(a: Tensor, b: Tensor) -> bool:
    return tuple(a.shape) == tuple(b.shape) and close(a, b, equal_nan=True)


def _reference(ex: Exercise, case: Case, inputs: list) -> Tensor | None:
    try:
        with torch.no_grad():
            got = call(ex, ex.reference, fresh(inputs), case)
    except Exception:  # a change the reference cannot take: no evidence
        return None
    return got.double() if isinstance(got, Tensor) else None


def _weights_input(ex: Exercise, case: Case) -> int | None:
    """The position of an input that holds weights (rows summing to 1), if any."""
    for i, x in enumerate(case.inputs):
        if isinstance(x, Tensor) and x.is_floating_point() and x.dim() >= 1 and x.shape[-1] > 1:
            sums = x.double().sum(dim=-1)
            if bool((x >= 0).all()) and torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
                return i
    return None


def extra_operation(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """The right output with one operation too many: on the output (ReLU, a residual X +, a
    second softmax), or on input weights (softmax of weights that already sum to 1)."""
    got, want = out.output.double(), expected.double()
    if LAST_WEIGHTS in case.tags or not got.is_floating_point() or not want.is_floating_point():
        return None
    first = next((x for x in case.inputs if isinstance(x, Tensor) and x.is_floating_point()), None)
    tries = [
        ("relu", lambda w: torch.relu(w), "a ReLU applied to the output, torch.relu(...)"),
        ("second-softmax", lambda w: torch.softmax(w, dim=-1), "a softmax over the last axis of the output"),
    ]
    if first is not None and tuple(first.shape) == tuple(want.shape):
        tries.append(("residual", lambda w: w + first.double(), "the input X added to the output (a residual)"))
    for key, change, what in tries:
        wrong = change(want)
        if _equal(got, wrong) and not _equal(wrong, want):
            return (f"extra-{key}", f"your result equals the right one with {what}", _extra_message(key, out, ex))
    at = _weights_input(ex, case)
    if at is not None and not ex.module:
        inputs = list(case.inputs)
        inputs[at] = torch.softmax(inputs[at], dim=-1)
        wrong = _reference(ex, case, inputs)
        if wrong is not None and _equal(got, wrong) and not _equal(wrong, want):
            line = source_line(out, r"softmax\(")
            quoted = f"`{line}` passes" if line else "Your code passes"
            return (
                "softmax-of-weights",
                "your result equals the right one computed from softmax(weights) instead of the weights given",
                f"{quoted} the weights through a softmax again: they already sum to 1, and a second softmax "
                "flattens them (its input is no longer scores). Use the weights as they are.",
            )
    return None


def _extra_message(key: str, out: Outcome, ex: Exercise) -> str:
    if key == "relu":
        line = source_line(out, r"relu|clamp\(\s*min\s*=\s*0")
        quoted = f"`{line}` sets" if line else "Something sets"
        return (
            f"{quoted} every negative number of the output to 0: {ex.name} has no activation, its output is "
            f"{ex.returns}. Return that without the ReLU."
        )
    if key == "residual":
        line = source_line(out, r"\bX\s*\+|\+\s*X\b|\bx\s*\+|\+\s*x\b")
        quoted = f"`{line}` adds" if line else "Your output adds"
        return (
            f"{quoted} the input X to the result, as a transformer block does around attention (a residual "
            f"connection): {ex.name} is the attention alone, {ex.returns}. The block adds X outside it."
        )
    line = source_line(out, r"softmax\(")
    quoted = f"`{line}`" if line else "A softmax"
    return (
        f"{quoted} runs once more on what is already the result: the weights are softmaxed once, over the scores. "
        "Remove the second one."
    )


def log_of_right(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """exp of the output is the right answer: the log-softmax (or a log) where weights are wanted."""
    got, want = out.output.double(), expected.double()
    if got.shape != want.shape or not bool((want > 0).any()) or bool((got > 1e-6).any()):
        return None
    if not _equal(got.exp(), want):
        return None
    line = source_line(out, r"^\s*return\b.*(\blog\(|\.log\(|log_softmax|logsumexp)")
    quoted = f"`{line}` returns" if line else "Your function returns"
    return (
        "log-of-weights",
        "every number of yours is the log of the right one: exp of your result gives the right weights",
        f"{quoted} log-probabilities, the log-softmax, log(exp(x - m) / s) = x - m - log(s): the weights are "
        "their exponentials, exp(x - m) / s. Exponentiate instead of taking the log.",
    )


def negated(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """The right numbers with their sign flipped."""
    got, want = out.output.double(), expected.double()
    if got.shape != want.shape or got.numel() < 2 or not bool((want != 0).any()) or not _equal(got, -want):
        return None
    minus = r"[\w)\]]\s*-\s*[\w(]"  # a subtraction, not the sign of -1 in transpose(-2, -1)
    lines = [x for x in out.source.splitlines()[1:] if re.search(minus, without_comment(x))]  # [1:]: not the def
    quoted = f" `{source_line(out, minus)}`:" if len(lines) == 1 else ""
    return (
        "sign-flipped",
        "every number of yours is the right one with its sign flipped (times -1)",
        f"A subtraction the wrong way round, or a minus sign too many:{quoted} a - b is -(b - a). Swap the two "
        "sides, or remove the extra minus.",
    )


def _scaled_input(ex: Exercise, case: Case, out: Outcome) -> tuple[str, bool] | None:
    """(the factor, whether the scores are then unscaled) when the output is wrong and equals
    the right computation with the first input multiplied by a factor the sizes make."""
    p = ex.produces
    x = case.inputs[0] if case.inputs else None
    if p is None or p.family is None or not isinstance(x, Tensor) or not x.is_floating_point():
        return None
    try:
        parts = p.family(case)
        if out.output is None or _equal(out.output.double(), variants.compute(parts, {})):
            return None  # the output is right: only the write into the input is wrong
        factors = [variants.right_scale(parts), *variants.knob_values(parts).get("scale", [])]
        for c in factors:
            if math.isclose(c, 1.0):
                continue
            scaled = p.family(replace(case, inputs=(x * c, *case.inputs[1:])))
            for knobs in ({"scale": 1.0}, {}):
                if _equal(out.output.double(), variants.compute(scaled, knobs)):
                    return factor(c, parts.sizes or {}), bool(knobs)
    except (RuntimeError, IndexError, KeyError, TypeError):
        return None
    return None


def _out_of_place(line: str, name: str) -> str:
    """The out-of-place form of an in-place line: X /= n -> X = X / n; X.mul_(c) -> X = X.mul(c)."""
    found = re.match(rf"{re.escape(name)}\s*([-+*/])=\s*(.*)$", line)
    if found:
        return f"{name} = {name} {found.group(1)} {found.group(2)}"
    found = re.match(rf"{re.escape(name)}\.(\w+)_\((.*)$", line)
    if found:
        return f"{name} = {name}.{found.group(1)}({found.group(2)}"
    return f"{name} = {name}.clone() before you write into it"


def in_place(ex: Exercise, case: Case, out: Outcome) -> Found | None:
    """The words for an input changed in place: the line that did it, and what it did to the
    result when the output shows it (an input scaled before use, say); None when the code
    does not show the line (judging then says it in general words)."""
    line = reading.writes_into(out, reading.arguments(out))
    evidence = "expected your input to be left as it was, but it was modified"
    if not line:
        return None
    name = line.split(".")[0].split("[")[0].split()[0]
    scaled = _scaled_input(ex, case, out)
    if scaled is None:
        return (
            "in-place",
            evidence,
            f"`{line}` writes into {name}, the tensor you were given: your function changed the caller's tensor. "
            f"Compute a new one instead: {_out_of_place(line, name)}.",
        )
    c, unscaled = scaled
    scores = " with unscaled scores" if unscaled else ""
    return (
        "input-scaled-in-place",
        f"{evidence}: {name} was multiplied by {c}, and your output equals the right computation on {name} × "
        f"{c}{scores}",
        f"`{line}` multiplies {name} itself, in place: the caller's {name} changes, and everything your code makes "
        f"from it is scaled" + (", where only the scores should be: " if unscaled else ": ") + "leave "
        f"{name} as it is" + (" and scale the scores, q kᵀ times the scale, instead." if unscaled else "."),
    )


# --------------------------------------------------------------------------------------
# The right numbers, changed simply


def offset(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """The right numbers plus one constant: an index or a start that is off."""
    got, want = out.output.double(), expected.double()
    if got.shape != want.shape or got.numel() < 2 or not torch.isfinite(got).all():
        return None
    if torch.unique(want).numel() < 2:
        return None  # every right number alike: a difference says nothing about how it came
    diff = got - want
    c = float(diff.reshape(-1)[0])
    if abs(c) < 1e-6 or not torch.allclose(diff, torch.full_like(diff, c), atol=1e-5):
        return None
    named = {n: name for name, n in _case_sizes(case).items()}
    said = (
        f" = {'-' if c < 0 else ''}{named[round(abs(c))]}"
        if round(abs(c)) in named and abs(c - round(c)) < 1e-6
        else ""
    )
    return (
        "offset",
        f"every number of yours is the right one {'plus' if c > 0 else 'minus'} {fmt_num(abs(c))}{said}",
        "Your result is right but for the same number added everywhere: check where it starts counting "
        "(0, not 1 or -1) and any number added or subtracted.",
    )


def _case_sizes(case: Case) -> dict[str, int]:
    sizes = {}
    for x in case.inputs:
        if isinstance(x, Tensor):
            for n in x.shape:
                sizes.setdefault(f"{n}", n)
        elif isinstance(x, int) and not isinstance(x, bool):
            sizes.setdefault(f"{x}", x)
    first = next((x for x in case.inputs if isinstance(x, Tensor) and x.dim() > 0), None)
    names = {}
    if first is not None and first.is_floating_point():
        for n, name in zip(first.shape[::-1], ("the last axis",) * 1 + ("T",)):
            names[name] = n
    if first is None or not isinstance(first, Tensor):
        names.update({"T": n for n in sizes.values()})
    return names or {"T": n for n in sizes.values()}


def mean_not_sum(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """A result over the last axis of the input, divided by that axis's size: a mean where a
    sum is wanted."""
    first = case.inputs[0] if case.inputs and isinstance(case.inputs[0], Tensor) else None
    got, want = out.output.double(), expected.double()
    if first is None or first.dim() < 1 or tuple(first.shape[:-1]) != tuple(want.shape) or got.shape != want.shape:
        return None
    S = first.shape[-1]
    if S < 2 or not torch.allclose(got, want / S, rtol=1e-4, atol=1e-6) or torch.allclose(want, torch.zeros_like(want)):
        return None
    line = source_line(out, r"\bmean\(")
    return (
        "mean-not-sum",
        f"every number of yours is the right one divided by {S}, the size of the last axis your function reduces",
        f"That is what .mean(dim=-1) gives where .sum(dim=-1) is wanted: the sum over the {S} numbers, not their mean."
        if line
        else f"Something divides by {S}, the number of values along the last axis: the result is their sum, with no "
        "division by how many there are.",
    )


def _whole(x: Tensor) -> bool:
    return bool(torch.isfinite(x).all()) and torch.equal(x, x.round())


def whole_numbers(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """Whole numbers where the right ones are not, here and on the same input varied number by
    number (evidence.varied): numbers that are whole on one input only, such as the 0 and 1
    a formula of another scale gives on uniform or one-hot rows, show no rounding."""
    got, want = out.output.double(), expected.double()
    if got.shape != want.shape or not _whole(got) or torch.equal(want, want.round()):
        return None
    again, right = out.evidence.get(probes.VARIED), out.evidence.get(probes.VARIED_RIGHT)
    if again is None or right is None or tuple(again.shape) != tuple(right.shape) or not _whole(again.double()):
        return None
    if bool(((right.double() - right.double().round()).abs() < 0.05).all()):
        return None  # the right numbers of the varied input are nearly whole too: nothing shows a rounding
    line = source_line(out, r"//|\.(long|int|round|floor|trunc|ceil)\(|\b(round|floor|int)\(|torch\.(long|int)")
    return (
        "whole-numbers",
        "every number of yours is a whole number, and the right ones are not, on this input and on the same "
        "input with each number varied",
        f"Something rounds: `{line}`. // is floor division (use /), and .long(), .int(), round() or an integer "
        "tensor drop the fractions."
        if line
        else "Something rounds: // is floor division (use /), and .long(), .int(), round() or an integer tensor drop "
        "the fractions.",
    )

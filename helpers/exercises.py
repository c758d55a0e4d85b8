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

import itertools
import math
import re
from dataclasses import dataclass, field, replace
from typing import Callable

import torch
from torch import Tensor, nn

from helpers import attention as ref
from helpers import harness
from helpers.harness import (Case, Outcome, fresh, keeps_head_weights, keeps_weights, run_chunked, run_converter,
                             run_equivariance_test, run_independence_test, step1_probe, step2_probe)

# --------------------------------------------------------------------------------------
# Data types


Finding = tuple[str, str]  # (evidence with numbers, the likely mistake and its fix)


@dataclass(frozen=True)
class Mistake:
    """A known mistake. `found(case, outcome, expected)` returns a Finding or None.

    The evidence says what was expected and what was got, with numbers; the message
    names the likely mistake and how to fix it. `on_error` mistakes look only at calls
    that raised; the others only at calls that returned a tensor, `weights` ones only at
    the cases that compare what a module kept in self.last_weights (tagged LAST_WEIGHTS).
    """

    key: str
    found: Callable[[Case, Outcome, Tensor], Finding | None]
    on_error: bool = False
    weights: bool = False  # looks at cases that compare self.last_weights, and only at those


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


Message = str | Callable[[Outcome], str]  # a message, or one chosen by what the outcome shows


def say(message: Message, out: Outcome) -> str:
    return message(out) if callable(message) else message


def matches(key: str, message: Message, buggy: Callable[..., Tensor], what: str, with_init: bool = False,
            weights: bool = False) -> Mistake:
    """A mistake recognised because the output equals what a buggy formula gives.

    `what` describes the buggy formula, e.g. "X Xᵀ X". For a case with params (a module
    exercise) the formula gets them first: buggy(params, *inputs); with_init puts the
    module's constructor arguments before them: buggy(init, params, *inputs). With
    `weights`, it looks at the cases that compare self.last_weights, and the formula
    gets the inputs without the LAST_WEIGHTS marker.
    """

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        inputs = fresh(case.inputs[:-1] if weights else case.inputs)
        args = ([case.init] if with_init else []) + ([case.params] if case.params else []) + inputs
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
        return f"{how}; your result equals {what}", say(message, out)

    return Mistake(key, found, weights=weights)


def source_line(out: Outcome, pattern: str) -> str:
    """The first line of the candidate's code that matches `pattern`, stripped; "" if none."""
    for line in out.source.splitlines():
        code = line.split("#", 1)[0]
        if re.match(r"\s*(def|class) ", code) or re.match(r"\s*[rbuf]*(\"|')", code):
            continue  # a function's name or a docstring says nothing about what the code does
        if re.search(pattern, code):
            return line.strip()
    return ""


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


def raised(key: str, message: Message, error: str = "", source: str = "", warning: str = "",
           both: bool = False) -> Mistake:
    """The call raised, and its error matches the regular expression `error`, or the
    candidate's code matches `source` (with `both`, the error and the code must both
    match), or one of its warnings contains `warning`."""

    def found(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
        by_error = bool(error) and bool(re.search(error, out.error))
        by_source = bool(source) and bool(re.search(source, out.source))
        by_warning = bool(warning) and any(warning in w for w in out.warnings)
        if ((by_error and by_source) if both else (by_error or by_source)) or by_warning:
            return f"your code raised {out.error}", say(message, out)
        return None

    return Mistake(key, found, on_error=True)


# Where a NameError's name usually comes from, in the course's notebooks.
IMPORTS = {
    "F": "import torch.nn.functional as F",
    "math": "import math",
    "nn": "from torch import nn",
    "torch": "import torch",
    "np": "import numpy as np",
}


def _undefined(out: Outcome) -> str:
    name = re.search(r"name '(\w+)' is not defined", out.error).group(1)
    if name in IMPORTS:
        return (f"`{name}` was never imported in this notebook: add `{IMPORTS[name]}` at the top of your cell (or "
                f"of the notebook), then run it again.")
    return (f"`{name}` has no value where your code reads it. Define it inside your function, before that line, "
            "from what the function is given (its arguments and their .shape), not from a variable of another cell.")


def _unbound(out: Outcome) -> str:
    name = re.search(r"local variable '(\w+)'", out.error).group(1)
    return (f"`{name}` is read before it is given a value: Python makes a name assigned anywhere in a function "
            f"local to all of it, so the line that reads `{name}` runs before the one that sets it.")


def _float_size(out: Outcome) -> str:
    division = r"([A-Za-z_][\w.]*)\s*/\s*((?:self\.)?(?:num_heads|n_heads|heads|H|h)\b)"  # a size over a count of heads
    line = source_line(out, division)
    found = re.search(division, line.split("#", 1)[0]) if line else None
    fix = f"{found.group(1)} // {found.group(2)}" if found else "a // b"
    return ("A size you gave is a float: in Python, / always gives a float (12 / 3 is 4.0), and view, reshape and "
            f"nn.Linear need whole numbers. Use integer division: {fix}.")


def _mixed_dtypes(out: Outcome) -> str:
    line = source_line(out, r"\.double\(|torch\.float64|torch\.double\b|dtype\s*=\s*float\b") or source_line(
        out, r"\bnp\.|numpy")
    where = f" This line makes float64: `{line}`." if line else ""
    return (f"A float64 tensor met a float32 one in the same operation.{where} Keep everything float32, the "
            "dtype of the inputs.")


_MATMUL_SIZES = (r"Expected size for first two dimensions of batch2 tensor to be: \[\d+, \d+\] but got: "
                 r"\[\d+, \d+\]|shapes cannot be multiplied \(\d+x\d+ and \d+x\d+\)")


def _matmul_sizes(out: Outcome) -> str:
    found = re.search(r"to be: \[\d+, (\d+)\] but got: \[\d+, (\d+)\]", out.error) or re.search(
        r"\(\d+x(\d+) and (\d+)x\d+\)", out.error)
    left, right = found.groups()
    return (f"The two sides of @ do not fit: in (..., n, k) @ (..., k, m) the left side's last size must equal the "
            f"right side's second-to-last; here they are {left} and {right}. Write the shapes of both sides next "
            "to that line and see which one is transposed, or in the wrong order.")


def _broadcast_sizes(case: Case, out: Outcome) -> Finding | None:
    """Two tensors that do not line up, where the case tells what their sizes are."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    if not found:
        return None
    named = sizes_named(case)
    a, b = (int(g) for g in found.groups())
    if a not in named or b not in named or named[a] == named[b]:
        return None
    return (f"your code raised {out.error}: {a} is {named[a]}, {b} is {named[b]}",
            f"A tensor with {named[a]} on an axis met one with {named[b]} on that axis. Broadcasting lines shapes up "
            "from the right and stretches only axes of size 1: write the shape of each tensor on that line, "
            "aligned to the right, and add or move the axis of size 1 that is out of place.")


# Errors that say clearly what went wrong, whatever the exercise. Tried after an exercise's own.
COMMON_ERRORS = (
    raised("mixed-dtypes", _mixed_dtypes, error=r"expected scalar type (Double|Float) but found (Float|Double)|"
           r"expected m1 and m2 to have the same dtype|same dtype.*(Double|Float|float64|float32)"),
    raised("undefined-name", _undefined, error=r"^NameError: name '\w+' is not defined"),
    raised("unbound-local", _unbound, error=r"^UnboundLocalError: .*local variable '\w+'"),
    raised("float-size", lambda out: _float_size(out),
           error=r"must be tuple of ints, ?but got float|must be tuple of (Sym)?Ints, but found element of type "
                 r"float|empty\(\) received an invalid combination of arguments.*float"),
    raised("not-contiguous", "After transpose (or permute) a tensor is no longer contiguous in memory, so .view() "
           "refuses it. Use .reshape(...), or .contiguous().view(...).", error=r"view size is not compatible"),
    raised("weights-second", "The weights come first: weights @ X (or weights @ v), (B, T, T) x (B, T, D) -> "
           "(B, T, D): each row of weights mixes the rows of X.", error=_MATMUL_SIZES,
           source=r"\b(X|x|v|values?)\s*@\s*(weights|w|attn\w*|probs)\b", both=True),
    raised("values-transposed", "v goes into the product as it is, (B, T, D): weights @ v. Transposing it "
           "makes (B, D, T), which does not fit (B, T, T) weights.", error=_MATMUL_SIZES,
           source=r"@\s*(v|values?)\s*\.\s*(transpose|T\b|mT\b)", both=True),
    raised("negative-step", "PyTorch tensors cannot be sliced with a negative step: x[::-1] fails. Use "
           "x.flip(0), or count down with torch.arange(T - 1, -1, -1).", error=r"step must be greater than zero"),
    raised("matmul-sizes", _matmul_sizes, error=_MATMUL_SIZES),
    Mistake("broadcast-sizes", lambda case, out, expected: _broadcast_sizes(case, out), on_error=True),
    raised("no-last-weights", "forward must keep the attention weights it computed, for plotting: "
           "self.last_weights = weights.detach(), right after the softmax.",
           error=r"self\.last_weights should hold the attention weights"),
    raised("init-returns", "__init__ must not return anything: calling the class builds the object, and __init__ "
           "only fills it in. Remove the `return` line from __init__.", error=r"__init__\(\) should return None"),
    raised("super-init-args", "nn.Module's own __init__ takes no arguments: call super().__init__() with empty "
           "parentheses, then store what your module needs yourself, on the lines after it (self.name = name).",
           error=r"__init__\(\) (takes 1 positional argument but \d+ were given|got an unexpected keyword argument)",
           source=r"super\([^)]*\)\.__init__\(\s*[^)\s]", both=True),
    raised("tensor-as-bool", lambda out: _tensor_as_bool(out),
           error=r"Boolean value of Tensor with more than one value is ambiguous"),
)


def _tensor_as_bool(out: Outcome) -> str:
    line = re.search(r"\(line \d+: (.*)\)$", out.error)
    test = re.match(r"(?:el)?if\s+(not\s+)?([A-Za-z_][\w.]*)\s*:", line.group(1)) if line else None
    if test and not test.group(1):
        name = test.group(2)
        return (f"`if {name}:` asks a whole tensor for one True or False, which Python cannot have from more than "
                f"one value. To ask whether {name} was given at all, write `if {name} is not None:`.")
    return ("A tensor of more than one value stood where Python needs one True or False (if, while, and, or, not). "
            "To test that an argument was given, write `is not None`; to test its values, reduce them first, "
            "with .all() or .any().")


def _sizes_of(case: Case) -> dict[str, int]:
    """The sizes a case's inputs show, by a name for messages: "T = 5", "d = 8"..."""
    sizes: dict[str, int] = {}
    for position, x in enumerate(case.inputs):
        if isinstance(x, Tensor):
            for axis, n in enumerate(x.shape):
                sizes.setdefault(str(n), n)
        elif isinstance(x, int) and not isinstance(x, bool):
            sizes.setdefault(str(x), x)
    for x in case.init:
        if isinstance(x, int) and not isinstance(x, bool):
            sizes.setdefault(str(x), x)
    return sizes


def _explain_factor(c: float, case: Case) -> str:
    """' = √8 / √5' when a factor is what the case's sizes make, '' otherwise."""
    sizes = sorted({n for n in _sizes_of(case).values() if n > 1})
    forms = []
    for a in sizes:
        forms += [(a, f"{a}"), (1 / a, f"1 / {a}"), (a**0.5, f"√{a}"), (a**-0.5, f"1 / √{a}")]
        for b in sizes:
            if a != b:
                forms += [(a / b, f"{a} / {b}"), ((a / b) ** 0.5, f"√{a} / √{b}")]
    for value, text in forms:
        if abs(value - c) <= 1e-3 * abs(c):
            return f" = {text}"
    return ""


def _proportional(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """The result is the right one times one number, or each row the right row times a number
    of its own: a scale or a normalisation is off, and the rest is right."""
    got, want = out.output, expected
    if (tuple(got.shape) != tuple(want.shape) or not want.is_floating_point() or not got.is_floating_point()
            or got.dim() == 0 or not torch.isfinite(got).all() or close(got, want)):
        return None
    g, w = got.double(), want.double()
    big = w.abs() > 1e-3 * w.abs().max()
    if not big.any():
        return None
    ratio = torch.where(big, g / torch.where(big, w, torch.ones_like(w)), torch.full_like(w, float("nan")))
    c = float(ratio[big].median())
    if c != 0 and torch.allclose(g, c * w, rtol=1e-3, atol=1e-5):
        return (f"every number of yours is {fmt_num(c)} times the right one{_explain_factor(c, case)}",
                "Your result is right but for one factor, the same everywhere: a scale is missing, extra, or "
                "taken from the wrong size. Compare each division or multiplication by a constant with the formula.")
    if got.dim() < 2:
        return None
    per_row = ratio.nanmedian(dim=-1, keepdim=True).values
    if torch.isfinite(per_row).all() and (per_row != 0).all() and torch.allclose(g, per_row * w, rtol=1e-3, atol=1e-5):
        low, high = float(per_row.min()), float(per_row.max())
        return (f"each row of yours is the right row times a number of its own, from {fmt_num(low)} to "
                f"{fmt_num(high)}",
                "Every row points the right way but has the wrong size: a division of each row by a number of its "
                "own (the softmax's sum) is missing, or divides by the wrong sum.")
    return None


def _right_numbers_other_shape(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """The right numbers in another shape: an axis of size 1 added or lost, or one repeated."""
    got = out.output
    if tuple(got.shape) == tuple(expected.shape) or got.dim() == expected.dim() == 0:
        return None
    if got.numel() == expected.numel() and tuple(got.squeeze().shape) == tuple(expected.squeeze().shape):
        if not close(got.reshape(expected.shape), expected):
            return None
        shapes = f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}; the numbers are right"
        if got.dim() > expected.dim():
            return (shapes, f"Your result has an extra axis of size 1 (keepdim=True, unsqueeze or [None] adds one): "
                    f"only its shape is off. Return shape {tuple(expected.shape)}.")
        return (shapes, f"Your result lost an axis of size 1 (a reduction without keepdim=True, squeeze, or indexing "
                f"drops one): only its shape is off. Return shape {tuple(expected.shape)}; unsqueeze puts the axis back.")
    if got.dim() != expected.dim() or got.numel() <= expected.numel():
        return None
    try:
        spread = expected.expand(got.shape)
    except RuntimeError:
        return None
    if not close(got, spread):
        return None
    axes = [i for i, (a, b) in enumerate(zip(expected.shape, got.shape)) if a == 1 and b != 1]
    return (f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}: the right numbers, repeated along "
            f"axis {', '.join(str(a) for a in axes)}",
            f"Your result repeats the same numbers along an axis that should have size 1 (expand or repeat made "
            f"it). Keep shape {tuple(expected.shape)}: broadcasting stretches an axis of size 1 wherever it is "
            "used, without a copy.")


# Results right but for a scale or a shape, whatever the exercise. Tried after an exercise's own mistakes.
COMMON_VALUES = (Mistake("proportional", _proportional), Mistake("shape-of-right-numbers", _right_numbers_other_shape))


# --------------------------------------------------------------------------------------
# Right numbers of the wrong type, and constructors that must refuse their arguments

LAST_WEIGHTS = harness.LAST_WEIGHTS  # tags a case that compares self.last_weights (its inputs end with it)
MUST_RAISE = harness.MUST_RAISE  # tags a case whose constructor must raise (its only input is it)


def dtype_problem(ex: Exercise, out: Outcome, expected: Tensor) -> tuple[str, str, str]:
    """(key, evidence, message) for an output with the right values and the wrong dtype,
    naming a cause only where the candidate's code shows it."""
    got, want = out.output.dtype, expected.dtype
    evidence = f"the values are right, but expected a tensor of {want}, got {got}"
    if not want.is_floating_point and got.is_floating_point:
        line = source_line(out, r"linspace|\.float\(|\.double\(|dtype\s*=\s*(torch\.)?float")
        where = f" This line makes floats: `{line}`." if line else ""
        return ("not-integer", evidence, f"{ex.name} should return integers, which can index a tensor and go "
                f"into F.one_hot; floats cannot.{where} torch.arange with whole-number arguments gives int64.")
    if not want.is_floating_point and not got.is_floating_point:
        return ("index-dtype", evidence, f"PyTorch's integers for indices are {want} (torch.long): F.one_hot "
                f"refuses {got}. Leave out dtype=..., or add .long().")
    if want == torch.float32 and got == torch.float64:
        line = source_line(out, r"\.double\(|torch\.float64|torch\.double\b|dtype\s*=\s*float\b")
        numpy = source_line(out, r"\bnp\.|numpy")
        if line:
            where = f"This line makes float64: `{line}`."
        elif numpy:
            where = f"NumPy computes in float64, and so does a tensor made from its arrays: `{numpy}`."
        else:
            where = "A float64 tensor entered your computation, and everything it touched became float64."
        return ("float64", evidence, f"{where} Keep float32, the dtype of the inputs: it is what the rest of the "
                "course (and every model) uses, and float64 takes twice the memory.")
    return ("dtype", evidence, f"{ex.name} should return {ex.returns}, in {want}.")


def refusal_problem(ex: Exercise, case: Case, out: Outcome) -> tuple[str, str, str] | None:
    """(key, evidence, message) when a constructor given sizes it must refuse, case.init,
    did not raise a ValueError that names them all; None when it did."""
    args = ", ".join(str(a) for a in case.init)
    want = f"expected {ex.name}({args}) to raise a ValueError"
    example = ('raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")')
    error = out.error or ""
    said = re.sub(r" \(line \d+(: .*)?\)$", "", error)  # without where it was raised
    if error.startswith("ValueError"):
        missing = [a for a in case.init if not re.search(rf"(?<!\d)(?<!\d\.){a}(?!\d)(?!\.\d)", said.split(": ", 1)[-1])]
        if not missing:
            return None
        return ("init-error-without-numbers", f"{want} that names {' and '.join(args.split(', '))}; yours says "
                f"\"{said.split(': ', 1)[-1]}\"",
                f"Say both numbers, so that whoever reads the error knows what to change: {example}.")
    if error.startswith("AssertionError"):
        return ("init-assert", f"{want}, got {error}",
                f"An assert is not the check asked for: it raises AssertionError, and Python skips asserts "
                f"altogether when run with -O. Raise a ValueError that names both numbers: {example}.")
    if error.startswith(harness.ConstructorDidNotRaise.__name__) or out.error is None:
        return ("init-no-error", f"{want}, but it was built without an error",
                "Check the sizes in __init__, before anything else: without the check, a wrong size fails only "
                f"later, deep inside forward, with an error about view. {example}.")
    return ("init-wrong-error", f"{want}, got {error}",
            f"Check the sizes yourself at the start of __init__ and raise a ValueError: {example}.")


def weights_case(label: str, inputs: tuple, init: tuple, params: dict[str, Tensor]) -> Case:
    """A module case that compares what forward kept in self.last_weights."""
    return Case(f"the weights kept in self.last_weights by {label}", (*inputs, LAST_WEIGHTS),
                frozenset({LAST_WEIGHTS}), init=init, params=params)


WEIGHTS_ARE_SCORES = ("self.last_weights holds the scores, before the softmax. Keep the weights, after it: the "
                      "numbers the heatmaps show, every row summing to 1 (or 0 where every key is masked).")


def last_weights_mistakes(scores: Callable[..., Tensor], layout: str, **init) -> tuple[Mistake, ...]:
    """What a module can get wrong in self.last_weights: the scores instead of the weights,
    or anything else (shape or values), checked against the reference's weights.
    scores(params, X, mask, masked=...) gives the module's scores."""

    def anything_else(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != tuple(expected.shape):
            evidence = f"expected self.last_weights of shape {tuple(expected.shape)}, {layout}, got {tuple(got.shape)}"
        else:
            evidence = f"in self.last_weights, {first_difference(expected, got)}"
        return evidence, (f"self.last_weights should hold the attention weights that forward used, {layout}: after "
                          "the mask and the softmax, before they multiply v. Assign them there: "
                          "self.last_weights = weights.detach().")

    return (
        matches("weights-are-scores", WEIGHTS_ARE_SCORES, lambda *a: scores(*a), "the scores", weights=True, **init),
        matches("weights-are-scores", WEIGHTS_ARE_SCORES, lambda *a: scores(*a, masked=True),
                "the scores with the masked ones at -inf", weights=True, **init),
        Mistake("last-weights", anything_else, weights=True),
    )


# --------------------------------------------------------------------------------------
# Cases


def randn(gen: torch.Generator, *shape: int, scale: float = 1.0, shift: float = 0.0) -> Tensor:
    """float32 whatever torch's default dtype, so that a notebook's set_default_dtype changes no case."""
    return torch.randn(*shape, generator=gen, dtype=torch.float32) * scale + shift


def randint(gen: torch.Generator, low: int, high: int) -> int:
    """One whole number from low to high, both included."""
    return int(torch.randint(low, high + 1, (1,), generator=gen))


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
        Case("scores of shape (3, 6), each row spread from about -150 to +150", (wide_rows(gen, 3, 6),)),
    ]


def wide_rows(gen: torch.Generator, rows: int, S: int) -> Tensor:
    """Rows whose scores span about 300, in a random order: exp(max - min) and even
    exp(max - mean) overflow float32 (above about 88), so only subtracting the maximum works."""
    spread = torch.linspace(-150, 150, S, dtype=torch.float32) + randn(gen, rows, S, scale=5)
    return torch.stack([row[torch.randperm(S, generator=gen)] for row in spread])


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
_dot_T_by_source = raised("dot-T-on-batch", DOT_T_MESSAGE, warning="`x.T`", source=r"\.T\b", both=True,
                          error=_SIZE_ERRORS)
_dot_T_by_line = raised("dot-T-on-batch", DOT_T_MESSAGE, error=rf"(?:{_SIZE_ERRORS}).*\(line \d+: .*\.T\b")
dot_T_on_batch = Mistake("dot-T-on-batch", lambda case, out, expected: _dot_T_by_source.found(case, out, expected)
                         or _dot_T_by_line.found(case, out, expected), on_error=True)


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

NO_KEEPDIM_MESSAGE = (
    "A reduction lost its dimension: s.max(dim=-1) has shape (..., ) not (..., 1), so "
    "subtracting or dividing by it lines up with the columns instead of the rows. "
    "Use keepdim=True."
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
    evidence = (f"{int(zero.sum())} of {got.numel()} scores are 0 where X Xᵀ is not, and every other score is right")
    for where, region, message in (
        (f"row {T - 1} and column {T - 1}, the last token's", (i == T - 1) | (j == T - 1),
         f"Your loops stop one token early: range(T - 1) never reaches token T - 1 = {T - 1}. Loop over range(T)."),
        ("every score below the diagonal (j < i)", j < i,
         "Your inner loop starts at i (range(i, T)), so scores[i, j] with j < i keeps its 0. X Xᵀ is symmetric, but "
         "every pair needs its score: loop j over range(T)."),
        ("every score above the diagonal (j > i)", j > i,
         "Your inner loop stops at i (range(i + 1)), so scores[i, j] with j > i keeps its 0. X Xᵀ is symmetric, but "
         "every pair needs its score: loop j over range(T)."),
    ):
        if torch.equal(zero, region & expect_nonzero):
            return f"{evidence}: the zeros are {where}", message
    return (evidence, "Your loops skip some pairs (i, j), whose scores keep the 0 they started with. Every token i "
            "needs a score with every token j: for i in range(T), for j in range(T).")


ENTRIES_LEFT_ZERO = Mistake("entries-left-zero", _entries_left_zero)


def _unscaled_too_early(formula: Callable[..., Tensor], what: str) -> tuple[Mistake, ...]:
    """Lesson 01's attention has no scale: scores divided by √D (or by D), as lesson 02 does.
    formula(X, c) is the exercise's result with the scores times c; `what` names it, {} for the divisor."""
    message = ("You scaled the scores, dividing X Xᵀ by {how}: lesson 02 adds that scale, for queries and keys. Here "
               "the weights are softmax(X Xᵀ) with nothing else.")
    return (
        matches("scaled", message.format(how="√D"), lambda X: formula(X, X.shape[-1] ** -0.5), what.format("√D")),
        matches("scaled", message.format(how="D"), lambda X: formula(X, 1 / X.shape[-1]), what.format("D")),
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
        mistakes=(
            raised("missing-transpose", "X @ X multiplies (T, D) by (T, D), which do not fit together. Transpose "
                   "the second: X @ X.T, (T, D) x (D, T) -> (T, T).",
                   error=r"shapes cannot be multiplied \((\d+)x(\d+) and \1x\2\)"),
            matches("diagonal-only", "You paired each token with itself only: that is the diagonal of the scores. "
                    "Scores pair every token i with every token j, scores[i, j] = X[i] · X[j]: X @ X.T.",
                    lambda X: (X * X).sum(dim=-1), "each token's dot product with itself"),
            matches("xt-x", XT_X_MESSAGE, lambda X: X.T @ X, "Xᵀ X"),
            matches(
                "cosine",
                "You divided by the vectors' lengths (cosine similarity). Attention scores "
                "are plain dot products: longer vectors give bigger scores.",
                lambda X: torch.nn.functional.normalize(X, dim=-1)
                @ torch.nn.functional.normalize(X, dim=-1).T,
                "the cosine similarities",
            ),
            matches("same-token", "scores[i, j] holds X[i] · X[i] for every j: the second vector should be token "
                    "j's, scores[i, j] = X[i] · X[j].", lambda X: (X * X).sum(dim=-1)[:, None].expand(-1, X.shape[0]),
                    "each row filled with X[i] · X[i]"),
            matches("same-token", "scores[i, j] holds X[j] · X[j] for every i: the first vector should be token "
                    "i's, scores[i, j] = X[i] · X[j].", lambda X: (X * X).sum(dim=-1)[None, :].expand(X.shape[0], -1),
                    "each column filled with X[j] · X[j]"),
            matches("distance", "You computed the squared distances between tokens, |X[i] - X[j]|². Scores are dot "
                    "products, scores[i, j] = X[i] · X[j]: similar tokens get a LARGE score, not a small one.",
                    lambda X: ((X[:, None, :] - X[None, :, :]) ** 2).sum(dim=-1), "the squared distances"),
            matches("distance", "You computed the distances between tokens, |X[i] - X[j]|. Scores are dot products, "
                    "scores[i, j] = X[i] · X[j]: similar tokens get a LARGE score, not a small one.",
                    lambda X: ((X[:, None, :] - X[None, :, :]) ** 2).sum(dim=-1).sqrt(), "the distances"),
            matches("softmaxed", "You returned attention weights, softmax(X Xᵀ): this exercise asks for the scores "
                    "before any softmax, X Xᵀ itself. The softmax comes next, in exercise 1.2.",
                    lambda X: torch.softmax(X @ X.T, dim=-1), "softmax(X Xᵀ)"),
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
        mistakes=(
            matches("no-keepdim", NO_KEEPDIM_MESSAGE, _softmax_no_keepdim_max, "a softmax whose max lost keepdim"),
            matches("no-keepdim", NO_KEEPDIM_MESSAGE, _softmax_no_keepdim_sum, "a softmax whose sum lost keepdim"),
            raised("no-keepdim", NO_KEEPDIM_MESSAGE, source=r"(max|amax|sum)\((?![^)]*keepdim\s*=\s*True)"),
            matches("row-min", ROW_SHIFT_MESSAGE.format(what="minimum"),
                    lambda s: _softmax_shifted_by(s, s.amin(dim=-1, keepdim=True)), "a softmax shifted by each row's minimum"),
            matches("row-mean", ROW_SHIFT_MESSAGE.format(what="mean"),
                    lambda s: _softmax_shifted_by(s, s.mean(dim=-1, keepdim=True)), "a softmax shifted by each row's mean"),
            matches("divided-by-max", "Your softmax divides each row by its maximum before exp: the stable softmax "
                    "SUBTRACTS it, exp(scores - max), which leaves the result unchanged; exp(scores / max) changes it.",
                    lambda s: torch.softmax(s / s.amax(dim=-1, keepdim=True), dim=-1),
                    "softmax(scores / each row's maximum)"),
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
            wrong_axis_of_symmetric,
            matches(
                "xt-x", XT_X_MESSAGE, lambda X: torch.softmax(X.mT @ X, dim=-1), "softmax(Xᵀ X)"
            ),
            matches(
                "no-softmax",
                "These are the raw scores X Xᵀ: the softmax that turns them into weights is missing.",
                ref.pairwise_scores,
                "X Xᵀ without softmax",
            ),
            matches("returned-output", "You returned the output, weights @ X (B, T, D): this function stops at the "
                    "weights, softmax(X Xᵀ), shape (B, T, T).", ref.simple_self_attention, "softmax(X Xᵀ) X"),
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
            ),
            matches(
                "xt-x",
                XT_X_MESSAGE,
                lambda X: X @ torch.softmax(X.mT @ X, dim=-1),
                "X softmax(Xᵀ X)",
            ),
            *_unscaled_too_early(lambda X, c: torch.softmax(X @ X.mT * c, dim=-1) @ X, "softmax(X Xᵀ / {}) X"),
            matches("across-batch", "Every token attended to every token of the whole batch, B·T of them, not only to "
                    "those of its own sentence: X was flattened to (B·T, D). Keep the batch axis: "
                    "X @ X.transpose(-2, -1) gives (B, T, T), one matrix per sentence.", _across_sentences,
                    "attention over the whole batch flattened"),
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


def forward_cases(gen: torch.Generator) -> list[Case]:
    """The MySelfAttention cases, then one that compares what forward kept in self.last_weights."""
    B, T, D = 2, 6, 4
    return qkv_module_cases(gen) + [weights_case(f"MySelfAttention({D}) on (B={B}, T={T}, D={D})",
                                                 (randn(gen, B, T, D),), (D,), linear_params(gen, D, QKV))]


def _attend_scores(p, X, masked=False):
    """MySelfAttention's scores q kᵀ / √D."""
    return project(p, "linear_q", X) @ project(p, "linear_k", X).mT * X.shape[-1] ** -0.5


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
        return ("Your __init__ stored nothing on the module. After super().__init__(), keep the size: "
                "self.hidden_size = hidden_size (the check, and steps 2 and 3, read it by that name).")
    listed = ", ".join(f"self.{n}" for n in names)
    return (f"Your __init__ stored {listed}, but no self.hidden_size: the check, and steps 2 and 3, read it by "
            "exactly that name. Write self.hidden_size = hidden_size.")


def _hidden_size_value(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    got = out.output
    if tuple(got.shape) != tuple(expected.shape) or float(got[0]) == float(expected[0]):
        return None
    return (f"expected self.hidden_size = {fmt_num(float(expected[0]))}, as built with MySelfAttention("
            f"{case.init[0]}), got {fmt_num(float(got[0]))}",
            "self.hidden_size must be the size the module is built with, the argument hidden_size: "
            "self.hidden_size = hidden_size, not a number of your own.")


def _forward_changed(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    got = out.output
    if tuple(got.shape) != tuple(expected.shape) or not (got[2] == 0 and expected[2] == 1):
        return None
    return (f"expected forward(X) to hand back a tensor of X's shape, {tuple(case.inputs[0].shape)}, as the "
            "placeholder does; yours did not",
            "Leave forward as it was given, `return X`, until step 3 fills it in: step 1 changes __init__ only.")


NO_SCALE = raised("no-scale", "Your module has no self.scale: set it in __init__, after the layers: "
                  "self.scale = hidden_size ** -0.5 (that is 1/√D).", error=r"has no attribute 'scale'")

SUPER_INIT_MESSAGE = (
    "An nn.Module must call super().__init__() at the start of its __init__, before it "
    "stores anything: that is what sets up its parameters, submodules and hooks."
)
no_super_init = raised(
    "no-super-init",
    SUPER_INIT_MESSAGE,
    error=r"Module\.__init__\(\) call|has no attribute '_?(training|parameters|modules|buffers|backward_pre_hooks|forward_hooks)'",
)


def _attend(p, X, scale=None, dim=-1, values="linear_v", q_from="linear_q", k_from="linear_k", transpose=False,
            **change):
    """Reference-style attention from parameters p, with one thing changed for a mistake
    (values="X": the weights multiply X itself; `change`: as _qkv_attention)."""
    q, k = project(p, q_from, X), project(p, k_from, X)
    v = X if values == "X" else project(p, values, X)
    scale = X.shape[-1] ** -0.5 if scale is None else scale
    return _qkv_attention(k if transpose else q, q if transpose else k, v, scale, dim=dim, **change)


def _qkv_attention(q, k, v, scale, *, dim=-1, softmax=True, scale_after=False, weights_T=False, weights_only=False,
                   softmax_of_v=False):
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
        matches("wrong-axis", "Your weights were normalised over the queries (dim=-2). " + WRONG_AXIS_MESSAGE,
                lambda *a: formula(*a, dim=-2), "softmax over dim=-2"),
        matches("no-softmax", f"The softmax is missing: your weights are the raw scores {scaled}, not rows that sum "
                f"to 1. weights = torch.softmax(scores, dim=-1), then weights @ v.",
                lambda *a: formula(*a, softmax=False), f"({scaled}) v without softmax"),
        matches("softmax-wrong-tensor", "softmax was applied to v, and the raw scores multiplied it. The softmax "
                "turns the scores into weights: weights = torch.softmax(scores, dim=-1), then weights @ v.",
                lambda *a: formula(*a, softmax_of_v=True), "scores @ softmax(v)"),
        matches("scale-after-softmax", f"The scale was applied to the weights, after the softmax: divide the scores "
                f"by √{width} BEFORE the softmax, so that it keeps the weights soft; afterwards, it only shrinks "
                "rows that should sum to 1.", lambda *a: formula(*a, scale_after=True),
                f"softmax({score}) / √{width}, times v"),
        matches("weights-transposed", "The weights were transposed before they multiplied v: row i of the weights "
                "holds query i's weights over the keys, so weights @ v as they come out of the softmax.",
                lambda *a: formula(*a, weights_T=True), "weightsᵀ @ v"),
        matches("returned-weights", "You returned the attention weights (B, T, T). The output is weights @ v, "
                f"shape (B, T, {width}).", lambda *a: formula(*a, weights_only=True), "the attention weights"),
    )


def _entropy_epsilon(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """-Σ w log(w + ε), or log of w clamped at ε, with an ε large enough to move the result."""
    w = case.inputs[0]
    for eps in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6):
        for how, log in ((f"log(w + {eps:g})", (w + eps).log()), (f"log(w.clamp(min={eps:g}))", w.clamp(min=eps).log())):
            wrong = -(w * log).sum(dim=-1)
            if close(out.output, wrong) and not close(wrong, expected):
                return (f"{first_difference(expected, out.output)}; your result equals -Σ w {how}",
                        f"Your ε = {eps:g}, added to keep log away from 0, moves every entropy by about ε per weight, "
                        "more than the check allows. Use torch.special.entr(w) or torch.xlogy(w, w), which give "
                        "0 log 0 = 0 exactly, or an ε of 1e-12.")
    return None


def scale_messages(width: str, divide: str, multiplied: str = "") -> dict[str, str]:
    """The scaling mistakes' messages in an exercise's own names: `width` is what the code
    calls the width (D, d), `divide` how that code divides by its square root."""
    return {
        "divide": divide,
        "no-scaling": f"The scores were not scaled. Divide q kᵀ by √{width} ({divide}): otherwise their spread grows "
        f"with {width} and the softmax saturates.",
        "scale-by-d": f"The scores were divided by {width}, not by √{width}. The spread of q·k grows like "
        f"√{width}, so √{width} is what brings it back to about 1: {divide}.",
        "scale-multiplied": multiplied or f"The scores were multiplied by √{width} instead of divided by it: "
        f"{divide}.",
    }


SCALE_HIDDEN = scale_messages("D", "multiply by self.scale = hidden_size ** -0.5, note the minus sign")
SCALE_QKV = scale_messages("d", "/ math.sqrt(q.shape[-1])")
SCALE_SCORES = scale_messages(
    "d", "/ math.sqrt(d)",
    # The notebook's test of the handed-out bug (tests/test_notebooks.py) reads "√D" in its first words.
    "The scores were multiplied by √D instead of divided by it, D being the width of q and k (d in this code): "
    "write / math.sqrt(d).",
)
SCALE_EMBED = scale_messages("D", "/ math.sqrt(self.embed_size)")
SCALE_CHUNKED = scale_messages("d", "q = q / math.sqrt(q.shape[-1]), once, before the loop")


def scale_mistakes(formula: Callable[..., Tensor], width: Callable[..., int], messages: dict[str, str]
                   ) -> tuple[Mistake, ...]:
    """The three scaling mistakes for formula(*args, scale=...); width(*args) is the D
    (or d) whose square root the scores should be divided by; `messages` say it in the
    exercise's own names (scale_messages)."""
    return (
        matches("no-scaling", messages["no-scaling"], lambda *a: formula(*a, scale=1.0), "unscaled scores"),
        matches(
            "scale-by-d",
            messages["scale-by-d"],
            lambda *a: formula(*a, scale=1.0 / width(*a)),
            "scores divided by the width",
        ),
        matches(
            "scale-multiplied",
            messages["scale-multiplied"],
            lambda *a: formula(*a, scale=width(*a) ** 0.5),
            "scores multiplied by the width's square root",
        ),
        wrong_size_scale(formula, width, messages["divide"]),
    )


def axis_names(x: Tensor) -> tuple[str, ...]:
    """The course's names for the axes of an input: (B, T, D), (T, D), tokens (B, T), (B, H, T, d_head)."""
    if x.dim() == 4:
        return ("B", "H", "T", "d_head")
    if x.dim() == 3:
        return ("B", "T", "D")
    return ("B", "T") if not x.is_floating_point() else ("T", "D")


def sizes_named(case: Case) -> dict[int, str]:
    """Each size of the case's first tensor input, by the course's name for its axis ("5": "T")."""
    first = next((x for x in case.inputs if isinstance(x, Tensor)), None)
    named: dict[int, list[str]] = {}
    if first is not None:
        for n, name in zip(first.shape, axis_names(first)):
            named.setdefault(n, []).append(name)
    return {n: " or ".join(dict.fromkeys(names)) for n, names in named.items()}


def wrong_size_scale(formula: Callable[..., Tensor], width: Callable[..., int], divide: str) -> Mistake:
    """Scores divided by the square root of another size of the input than the width."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        args = ([case.params] if case.params else []) + fresh(case.inputs)
        right = width(*args)
        for n, name in sizes_named(case).items():
            if n in (1, right):
                continue
            try:
                wrong = formula(*args, scale=n**-0.5)
            except RuntimeError:
                continue
            if close(out.output, wrong, equal_nan=True) and not close(wrong, expected):
                return (f"{first_difference(expected, out.output)}; your result equals the scores divided by "
                        f"√{n}, and {n} is {name}",
                        f"The scores were divided by the square root of the wrong size: √{n}, {name}, instead of "
                        f"the width of q and k, √{right}: {divide}.")
        return None

    return Mistake("scale-wrong-size", found)


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
        mistakes=(
            no_super_init,
            raised("no-hidden-size", lambda out: _no_hidden_size(out), error=r"^MissingAttribute: "),
            Mistake("hidden-size-value", lambda case, out, expected: _hidden_size_value(case, out, expected)),
            Mistake("forward-changed", lambda case, out, expected: _forward_changed(case, out, expected)),
        ),
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
        make_cases=forward_cases,
        module=True,
        probe=keeps_weights,
        mistakes=(
            no_super_init,
            NO_SCALE,
            dot_T_on_batch,
            *scale_mistakes(lambda p, X, scale: _attend(p, X, scale=scale), width_of_X, SCALE_HIDDEN),
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
            matches("keys-never-used", "Your scores are q qᵀ: k never entered them. Each query is compared with "
                    "every key: scores = q @ k.transpose(-2, -1) * self.scale.",
                    lambda p, X: _attend(p, X, k_from="linear_q"), "softmax(q qᵀ / √D) v"),
            matches("queries-never-used", "Your scores are k kᵀ: q never entered them. Each query is compared with "
                    "every key: scores = q @ k.transpose(-2, -1) * self.scale.",
                    lambda p, X: _attend(p, X, q_from="linear_k"), "softmax(k kᵀ / √D) v"),
            matches("weights-times-X", "The weights multiplied X itself, not the values: take v = self.linear_v(X), "
                    "then weights @ v.", lambda p, X: _attend(p, X, values="X"), "weights @ X"),
            *qkv_variants(lambda p, X, **change: _attend(p, X, **change), "D")[1:5],
            *last_weights_mistakes(_attend_scores, "(B, T, T)"),
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
            matches("summed-all", "You summed over every number at once, giving one entropy for the whole tensor: "
                    "each row (the last dimension) has its own entropy. Sum over dim=-1 only.",
                    lambda w: torch.special.entr(w).sum(), "the sum over the whole tensor"),
            Mistake("epsilon", _entropy_epsilon),
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
                   "the scores into weights: give it the scores.",
                   error=r"local variable 'weights'|name 'weights' is not defined"),
            *scale_mistakes(lambda q, k, v, scale: torch.softmax(q @ k.mT * scale, dim=-1) @ v, width_of_q, SCALE_QKV),
            *qkv_variants(lambda q, k, v, **change: _qkv_attention(q, k, v, q.shape[-1] ** -0.5, **change), "d"),
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
            *scale_mistakes(lambda q, k, scale: q @ k.mT * scale, width_of_q, SCALE_SCORES),
            matches("transposed-scores", "Your scores are k qᵀ: row i must hold query i's scores, so q comes first.",
                    lambda q, k: ref.scaled_scores(k, q), "k qᵀ / √d"),
            matches("softmaxed", "You returned the weights, softmax(q kᵀ / √d): scaled_scores stops before the "
                    "softmax and returns the scores themselves, q kᵀ / √d.",
                    lambda q, k: torch.softmax(ref.scaled_scores(q, k), dim=-1), "softmax(q kᵀ / √d)"),
            matches("qt-k", "qᵀ k compares features with features, (B, d, d). Scores compare every query with "
                    "every key: q @ k.transpose(-2, -1), (B, T, d) x (B, d, T) -> (B, T, T).",
                    lambda q, k: q.mT @ k * q.shape[-1] ** -0.5, "qᵀ k / √d"),
        ),
    ),
]


# --------------------------------------------------------------------------------------
# Lesson 03: masks


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
    return (f"expected shape {tuple(expected.shape)}, got {tuple(out.output.shape)}: a mask as wide as the longest "
            f"sentence, {longest}, not T = {T}",
            f"The batch is padded to T = {T}, which can be more than its longest sentence ({longest} here): the "
            "mask needs one column per position, torch.arange(T), not torch.arange(lengths.max()).")


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
        _masked_above_case(gen),
    ]


def _masked_above_case(gen: torch.Generator) -> Case:
    """Padding whose masked scores are 200 above the allowed ones: a softmax over every key
    gives the allowed ones weights that underflow to 0, which no renormalising brings back."""
    mask = _padding([2, 4], 4)
    scores = randn(gen, 2, 4, 4, scale=2) + 200.0 * (~mask).float()
    return Case("scores (2, 4, 4) whose masked keys score 200 above the allowed ones, padding lengths [2, 4]",
                (scores, mask), frozenset({MASKED_ABOVE}))


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

    return (f"row {fmt_index(row)} should be {numbers(expected[row])}, got {numbers(got[row])}",
            "Your weights came out 0 (or NaN) for every allowed key of a row whose masked keys score 200 above "
            "them: a softmax over ALL the keys gives the allowed ones exp(-200), which is 0 in float32, and "
            "zeroing the masked weights and renormalising cannot bring them back. Mask the scores with -inf "
            "BEFORE the softmax: torch.softmax(scores.masked_fill(~mask, float('-inf')), dim=-1).")


def masked_qkv_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case("q, k, v (2, 5, 4) with a causal mask (5, 5)", (*(randn(gen, 2, 5, 4) for _ in range(3)), ref.causal_mask(5))),
        Case("q, k, v (3, 4, 6) with a padding mask, lengths [4, 2, 1]",
             (*(randn(gen, 3, 4, 6) for _ in range(3)), _padding([4, 2, 1], 4))),
        Case("q, k, v (2, 4, 5) with a mask (2, 4, 4) that hides every key from one query",
             (*(randn(gen, 2, 4, 5) for _ in range(3)), _fully_masked_row(2, 4)), frozenset({"fully-masked"})),
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
    B, T, D = 3, 5, 6
    cases.append(weights_case(f"SingleHeadAttention({D}) on (B={B}, T={T}, D={D}) with a padding mask (3, 1, 5), "
                              "lengths [5, 3, 2]", (randn(gen, B, T, D), _padding([5, 3, 2], T)), (D,),
                              linear_params(gen, D, HEAD)))
    return cases


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
    "mask-multiplied": lambda out: _masked_to_zero(out),
    "zero-times-inf": "NaN everywhere: multiplying the mask by -inf gives 0 × -inf = NaN for every "
    "allowed key. Use scores.masked_fill(~mask, float('-inf')) instead of arithmetic with inf.",
    "fully-masked-nan": "A query that may attend no key at all came out as NaN: softmax over a row of "
    "-inf is 0 / 0. Give such rows all-zero weights, as F.scaled_dot_product_attention does, e.g. "
    "weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0).",
    "big-negative": "A query that may attend no key got uniform weights over the masked keys: a large "
    "negative number (-1e9) instead of -inf keeps them in the softmax. Use -inf, and give fully "
    "masked rows zeros, as F.scaled_dot_product_attention does.",
}


def _masked_to_zero(out: Outcome) -> str:
    """The message for masked scores that became 0, in the words of the code that did it."""
    filled = source_line(out, r"masked_fill_?\([^,()]*mask[^,()]*,\s*0(\.0*)?\s*\)|"
                              r"where\([^,()]*mask[^,()]*,[^,]*,\s*0(\.0*)?\s*\)")
    multiplied = source_line(out, r"\*\s*\(?~?\s*mask\b|\bmask\b[^,]*\)?\s*\*")
    if filled:
        how = f"You set the masked scores to 0 (`{filled}`)"
    elif multiplied:
        how = f"You multiplied the scores by the mask (`{multiplied}`)"
    else:
        how = "Your masked scores became 0"
    return (f"{how}: a masked score of 0, not -inf, still gets weight, since e⁰ = 1. Use "
            "scores.masked_fill(~mask, float('-inf')).")


def mask_mistakes(formula: Callable[..., Tensor], with_init: bool = False) -> tuple[Mistake, ...]:
    """The masking mistakes for a formula(*inputs, softmax=...) that applies a masked softmax
    (see matches for with_init)."""
    variants = (
        ("mask-ignored", _softmax_ignoring_mask, "what you get with no mask"),
        ("inverted-mask", _softmax_inverted, "the result with the mask inverted"),
        ("mask-after-softmax", _softmax_then_mask, "softmax first, then the masked weights set to 0"),
        ("mask-multiplied", _softmax_multiplied, "the softmax with the masked scores at 0"),
        ("zero-times-inf", _softmax_zero_times_inf, "softmax(scores + (~mask) * -inf), NaN included"),
        ("fully-masked-nan", _softmax_nan_rows, "masked_fill(-inf) and softmax, with NaN in the fully masked row"),
        ("big-negative", _softmax_big_negative, "masked_fill(-1e9) and softmax"),
    )
    return tuple(
        matches(key, MASK_MESSAGES[key], (lambda sm: lambda *a: formula(*a, softmax=sm))(softmax), what,
                with_init=with_init)
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
        make_cases=size_cases,
        mistakes=(
            matches("hides-diagonal", "Your mask also hides the diagonal: a token may attend to itself "
                    "(key j = query i). Use tril(), not tril(-1).",
                    lambda T: torch.ones(T, T, dtype=torch.bool).tril(-1), "tril(-1)"),
            matches("inverted-mask", INVERTED_MESSAGE,
                    lambda T: ~ref.causal_mask(T), "the causal mask inverted"),
            matches("sees-next", "Your mask lets each token see the next one as well: tril(diagonal=1). The "
                    "last key a query may attend is itself: tril() with the default diagonal=0.",
                    lambda T: torch.ones(T, T, dtype=torch.bool).tril(1), "tril(1)"),
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
            raised("lengths-not-column", "torch.arange(T) is (T,) and lengths is (B,): side by side they line up "
                   "only when B = T. Give lengths an axis, lengths[:, None], (B, 1), so that the comparison "
                   "broadcasts to (B, T).", error=r"size of tensor a \(\d+\) must match the size of tensor b "
                   r"\(\d+\) at non-singleton dimension 0"),
            matches("off-by-one", "Off by one: a sentence of length n has real tokens at positions "
                    "0 to n - 1, so key j is real when j < n, not j <= n.",
                    lambda lengths, T: (torch.arange(T) <= lengths[:, None])[:, None, :], "positions j <= length"),
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
        signature="masked_softmax(scores, mask)  # scores (B, T, T); mask (T, T), (B, 1, T) or (B, T, T)",
        returns="weights (B, T, T): masked keys exactly 0, other rows summing to 1, fully masked rows all 0",
        reference=ref.masked_softmax,
        make_cases=masked_score_cases,
        mistakes=(Mistake("renormalised-after-softmax", _renormalised_after_softmax),
                  *mask_mistakes(lambda scores, mask, softmax: softmax(scores, mask)),
                  matches("wrong-axis", "Your weights were normalised over the queries (dim=1 of (B, T, T), or "
                          "dim=-2). " + WRONG_AXIS_MESSAGE, _masked_softmax_over_queries,
                          "the masked softmax over dim=-2")),
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
        mistakes=(
            *mask_mistakes(lambda q, k, v, mask, softmax: softmax(ref.scaled_scores(q, k), mask) @ v),
            *scale_mistakes(lambda q, k, v, mask, scale: ref.masked_softmax(q @ k.mT * scale, mask) @ v, width_of_q,
                            SCALE_QKV),
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
            *scale_mistakes(lambda p, *a, scale: _head(p, *a, scale=scale), width_of_X, SCALE_EMBED),
            matches("keys-as-values", "You multiplied the weights by k; take the values: weights @ v.",
                    lambda p, *a: _head(p, *a, values="k_proj"), "weights @ k"),
            matches("out-proj-first", "out_proj was applied to v, before the weights: it must come last, on the "
                    "weighted sum, out_proj(weights @ v). The two agree while every row of weights sums to 1; a "
                    "query that may attend nothing shows the difference: its output must be out_proj's bias.",
                    lambda p, *a: _head(p, *a, out_first=True), "weights @ out_proj(v)"),
            *last_weights_mistakes(_head_scores, "(B, T, T)"),
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
    """MultiHeadAttention with B, T, D and H different; the masked cases with a batch axis have
    B == H, so a mask that was not given a head axis is silently applied to the wrong heads,
    not an error. Then the weights it kept, and sizes its constructor must refuse."""
    cases = []
    for label, B, T, D, H, mask in (
        ("no mask", 3, 5, 12, 4, None),
        ("a padding mask (2, 1, 4), lengths [4, 2]", 2, 4, 8, 2, _padding([4, 2], 4)),
        ("a causal mask (6, 6)", 3, 6, 8, 4, ref.causal_mask(6)),
        ("no mask, 8 heads", 2, 7, 16, 8, None),
        ("a mask (3, 4, 4) that hides every key from one query", 3, 4, 12, 3, _fully_masked_row(3, 4)),
    ):
        X = randn(gen, B, T, D)
        cases.append(Case(f"MultiHeadAttention({D}, {H}) on (B={B}, T={T}, D={D}) with {label}",
                          (X,) if mask is None else (X, mask), init=(D, H), params=linear_params(gen, D, HEAD)))
    B, T, D, H = 2, 5, 12, 2
    cases.append(weights_case(f"MultiHeadAttention({D}, {H}) on (B={B}, T={T}, D={D}) with a padding mask (2, 1, 5), "
                              "lengths [5, 3]", (randn(gen, B, T, D), _padding([5, 3], T)), (D, H),
                              linear_params(gen, D, HEAD)))
    H = randint(gen, 3, 5)
    D = H * randint(gen, 2, 4) + randint(gen, 1, H - 1)
    cases.append(Case(f"MultiHeadAttention({D}, {H}): {D} is not divisible by {H}", (MUST_RAISE,),
                      frozenset({MUST_RAISE}), init=(D, H)))
    return cases


def _split_view_only(x, H):
    B, T, D = x.shape
    return x.reshape(B, H, T, D // H)


def _merge_reshape_only(x):
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)


def _mha_scores(p, X, mask=None, *, H, split=ref.split_heads, swap_qk=False, scale: float | str | None = None,
                masked=False):
    """MultiHeadAttention's scores (B, H, T, T), scaled by `scale` (default 1/√d_head; "D" for
    1/√D), with masked scores at -inf if `masked`."""
    q, k = (split(project(p, n, X), H) for n in ("q_proj", "k_proj"))
    if swap_qk:
        q, k = k, q
    if scale == "d_head":  # by mistake 1/d_head
        scale = 1 / (X.shape[-1] // H)
    elif scale is None or scale == "D":  # 1/√d_head, or by mistake 1/√D
        scale = (X.shape[-1] // (1 if scale == "D" else H)) ** -0.5
    scores = q @ k.mT * scale
    return scores.masked_fill(~ref.heads_mask(mask), float("-inf")) if masked and mask is not None else scores


def _mha(p, X, mask=None, *, H, split=ref.split_heads, merge=ref.merge_heads, scale=None, out=True,
         mask_for_heads=ref.heads_mask, swap_qk=False, out_params=None, softmax=ref.masked_softmax, values="v_proj"):
    """MultiHeadAttention from parameters p, with one thing changed for a mistake."""
    scores = _mha_scores(p, X, H=H, split=split, swap_qk=swap_qk, scale=scale)
    v = split(project(p, values, X), H)
    mixed = merge(softmax(scores, mask_for_heads(mask)) @ v)
    return project(out_params or p, "out_proj", mixed) if out else mixed


def _mha_weights(init, p, X, mask=None):
    """The weights (B, H, T, T) that MultiHeadAttention(*init) with parameters p keeps."""
    return ref.masked_softmax(_mha_scores(p, X, H=init[1]), ref.heads_mask(mask))


def _heads_against_tokens(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """The number of heads met another size on one axis: something was not split into heads,
    or a mask's head axis went in at the wrong place."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    if not found or not case.inputs or not isinstance(case.inputs[0], Tensor):
        return None
    B, T, D = case.inputs[0].shape
    H = case.init[1]
    sizes = {int(found.group(1)), int(found.group(2))}
    if H not in sizes or len(sizes) != 2:
        return None
    names = {"B, the sentences": B, "T, the tokens": T, "H, the heads": H, "D": D, "d_head": D // H}

    def what(n: int) -> str:
        return " or ".join(name for name, size in names.items() if size == n) or "none of B, T, H, D"

    a, b = (int(g) for g in found.groups())
    evidence = f"your code raised {out.error}: {a} is {what(a)}; {b} is {what(b)}"
    mask = case.inputs[1] if len(case.inputs) > 1 else None
    if isinstance(mask, Tensor) and mask.dim() == 2 and sizes == {T, H}:
        return (evidence, "The heads met the tokens on one axis, on a case whose mask is (T, T). A (T, T) mask "
                "needs no head axis: it broadcasts over B and H as it is. If you gave it one, mask.unsqueeze(1) "
                "made it (T, 1, T), which lines T up with the heads: add the head axis only to a 3-D mask, "
                "(B, 1, T) or (B, T, T), e.g. `if mask is not None and mask.dim() == 3`. If not, check that q, k "
                "and v are all split into (B, H, T, d_head).")
    return (evidence,
            "The heads met another size on the same axis. Every tensor in a head's attention must be "
            "(B, H, T, ...): q, k AND v split with the same view and transpose, and a (B, 1, T) or (B, T, T) mask "
            "given its head axis at position 1, mask.unsqueeze(1).")


def mha_mistake(key: str, message: str, what: str, **change) -> Mistake:
    """A MultiHeadAttention mistake: _mha with one thing changed, H taken from the case's
    constructor arguments (embed_size, num_heads)."""

    def buggy(init, p, X, mask=None):
        return _mha(p, X, mask, H=init[1], **change)

    return matches(key, message, buggy, what, with_init=True)


def axes_mistake(names: tuple[str, ...]) -> Mistake:
    """The right numbers with the axes in another order: the result equals the expected one
    with its axes permuted. `names` name the expected axes, e.g. ("B", "H", "T", "d_head")."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if got.dim() != expected.dim():
            return None
        for order in itertools.permutations(range(expected.dim())):
            if list(order) != sorted(order) and close(got, expected.permute(order)):
                have = ", ".join(names[i] for i in order)
                return (f"expected shape ({', '.join(names)}) = {tuple(expected.shape)}, got {tuple(got.shape)}: "
                        f"the right numbers, with the axes in the order ({have})",
                        f"Every number is right but the axes are in the wrong order: you have ({have}), the "
                        f"exercise wants ({', '.join(names)}). Check which two axes your transpose (or permute) swaps.")
        return None

    return Mistake("wrong-axes", found)


def misplaced_mistake(source: Callable[[Case], Tensor], message: str) -> Mistake:
    """A result holding exactly the numbers of the input, moved to other places."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        x, got = source(case), out.output
        if got.numel() != x.numel() or close(got, expected):
            return None
        if not torch.equal(got.detach().double().flatten().sort().values, x.double().flatten().sort().values):
            return None
        how = first_difference(expected, got) if got.shape == expected.shape else (
            f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}")
        return f"{how}; your result holds the same numbers as x, in other places", message

    return Mistake("misplaced", found)


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
HEADS_COMBINED = ("You {how} the heads into (B, T, d_head): merging puts them side by side, (B, T, H · d_head) = "
                  "(B, T, D). Concatenate them, don't {verb} them: transpose(1, 2), then reshape.")


def _split_keep_T(x, H):
    B, T, D = x.shape
    return x.view(B, T, H, D // H)


def _split_interleaved(x, H):
    B, T, D = x.shape
    return x.reshape(B, T, D // H, H).permute(0, 3, 1, 2)


def _split_into_batch(x, H):
    B, T, D = x.shape
    return ref.split_heads(x, H).reshape(B * H, T, D // H)


def _sizes_swapped(out: Outcome) -> str:
    if source_line(out, r"\.split\("):
        return ("x.split(n) cuts pieces of n numbers, not n pieces: you made D // num_heads heads of num_heads "
                "numbers. Use x.split(D // num_heads, dim=-1), or x.chunk(num_heads, dim=-1).")
    return ("You made D // num_heads heads of num_heads numbers each: the two sizes are swapped. "
            "x.view(B, T, num_heads, D // num_heads), then .transpose(1, 2).")


EXERCISES_04 = [
    Exercise(
        id="4.1", notebook="04", name="split_heads", title="Spot the bug: splitting heads",
        points=1, difficulty=1, minutes=10,
        signature="split_heads(x, num_heads)  # x: (B, T, D)",
        returns="x split into heads, shape (B, H, T, d_head)",
        reference=ref.split_heads, make_cases=split_cases,
        mistakes=(
            matches("view-no-transpose", SPLIT_MESSAGE, _split_view_only, "a plain view to (B, H, T, d_head)"),
            matches("split-no-transpose", "You split each token's numbers into heads, (B, T, H, d_head), but left "
                    "the heads behind the tokens: swap T and H with .transpose(1, 2) to get (B, H, T, d_head).",
                    _split_keep_T, "x.view(B, T, H, d_head) without the transpose"),
            matches("interleaved", "Each head got every H-th number of a token instead of d_head neighbours: you cut "
                    "D as (d_head, H). Cut it as (H, d_head), x.view(B, T, H, d_head), then .transpose(1, 2).",
                    _split_interleaved, "D cut as (d_head, H)"),
            matches("heads-in-batch", "You folded the heads into the batch axis, (B · H, T, d_head). Keep them on an "
                    "axis of their own, (B, H, T, d_head): later code needs B and H apart.",
                    _split_into_batch, "(B · H, T, d_head)"),
            matches("sizes-swapped", _sizes_swapped, lambda x, H: torch.stack(x.split(H, dim=-1), dim=1),
                    "D // num_heads heads of num_heads numbers"),
            raised("chunk-wrong-dim", "x.chunk(num_heads, dim=1) cuts the tokens (dim 1) into groups, not each "
                   "token's numbers: cut along the last dimension, x.chunk(num_heads, dim=-1).",
                   error=r"stack expects each tensor to be equal size|must match the size",
                   source=r"(chunk|split)\([^)]*dim\s*=\s*1\b", both=True),
            axes_mistake(("B", "H", "T", "d_head")),
            misplaced_mistake(lambda case: case.inputs[0], "Your result holds every number of x, but not where the "
                              "heads expect them. Only view as (B, T, H, d_head), which cuts each token's D numbers "
                              "into H runs of d_head, then transpose(1, 2), which moves the heads in front of the "
                              "tokens."),
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
            matches("merge-not-flattened", "You brought the tokens forward, (B, T, H, d_head), but did not put the "
                    "heads side by side: finish with .reshape(B, T, H * d_head).", lambda x: x.transpose(1, 2),
                    "x.transpose(1, 2)"),
            matches("heads-combined", HEADS_COMBINED.format(how="added up", verb="sum"), lambda x: x.sum(dim=1),
                    "x.sum(dim=1)"),
            matches("heads-combined", HEADS_COMBINED.format(how="averaged", verb="average"), lambda x: x.mean(dim=1),
                    "x.mean(dim=1)"),
            axes_mistake(("B", "T", "D")),
            misplaced_mistake(lambda case: case.inputs[0], "Your result holds every number of x, but not where they "
                              "belong: token t must get head 0's d_head numbers, then head 1's, and so on. "
                              "transpose(1, 2) back to (B, T, H, d_head), then reshape to (B, T, D)."),
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
    """Batches of three and four sentences, each with the panel of models in a shuffled order."""
    n = len(harness.INDEPENDENCE_PANEL)
    return [Case(f"a batch (B={B}, T={T}, D={D}) and a panel of {n} attention modules", (randn(gen, B, T, D),),
                 init=(D, H, tuple(torch.randperm(n, generator=gen).tolist())), params=linear_params(gen, D, HEAD))
            for B, T, D, H in ((3, 5, 8, 2), (4, 4, 6, 3))]


@dataclass(frozen=True)
class Panel:
    """What the parent knows of a test-writing exercise's panel (harness.*_PANEL):
    members:  (the right verdict, what the model is, its rule) in the panel's own order
    noun:     what the models are called, in the plural: "modules"
    yes, no:  what a right True and a right False say of them (plural verbs): "keep sentences apart"
    order_at: where the case's init keeps the shuffled order"""

    members: tuple
    noun: str
    yes: str
    no: str
    order_at: int

    def wrong(self, got: Tensor, expected: Tensor) -> str:
        """Which models got the wrong verdict, e.g. 'your test said True for 2 modules that mix
        sentences, among them <what the first one is>; and False for a module that keeps
        sentences apart: <what it is>'."""
        parts = []
        for right in (True, False):
            wrong = [i for i in range(len(self.members)) if bool(expected[i]) == right and got[i] != expected[i]]
            if not wrong:
                continue
            said, kind = ("False", self.yes) if right else ("True", self.no)
            first = self.members[wrong[0]][1]
            if len(wrong) == 1:
                parts.append(f"{said} for one of the {self.noun} that {kind}: {first}")
            else:
                parts.append(f"{said} for {len(wrong)} {self.noun} that {kind}, among them {first}")
        return "your test said " + "; and ".join(parts)


TENSOR_VERDICT = raised(
    "tensor-verdict", "Your test returned a one-element tensor, not Python's True or False: comparisons such as "
    "(a - b).abs().max() < 1e-5, and .all() or .any(), give tensors. torch.allclose(...) returns a bool; otherwise "
    "wrap the result: bool(...) (or .item()).", error=r"should return True or False, got a tensor")

STATEFUL_MESSAGE = ("Your test's answer depends on something besides the model it is given: a counter, a variable "
                    "kept between calls, random numbers. It must give the same answer every time it is given the "
                    "same model: run the model on both inputs and compare, on every call.")
EXACT_MESSAGE = ("Your test compares with == (or torch.equal), which wants every bit equal; floats computed in a "
                 "different order differ in their last digits. Compare with torch.allclose.")


def test_mistakes(panel: Panel, always_true: str, always_false: str, inverted: str, otherwise: str,
                  patterns: tuple[Mistake, ...] = ()) -> tuple[Mistake, ...]:
    """The mistakes of a test written for a panel of models: one answer for every model,
    answers that change between identical models or alternate call by call, the opposite
    answers, exact comparison of floats, then `patterns` particular to the exercise, and
    last, any other wrong answers, listed model by model with the message `otherwise`."""
    n = len(panel.members)

    def differs_on_copies(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != (n,) or got[0] == got[1]:  # the panel's first two models are exact copies
            return None
        return (f"your test said {'True' if got[0] else 'False'} for {panel.members[0][1]} and "
                f"{'True' if got[1] else 'False'} for an exact copy of it", STATEFUL_MESSAGE)

    def alternates(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != (n,):
            return None
        in_calls = [bool(got[i]) for i in case.init[panel.order_at]]
        if not all(a != b for a, b in zip(in_calls, in_calls[1:])):
            return None
        said = ", ".join(str(v) for v in in_calls)
        return (f"in the order the models were given to it, your test said {said}: it alternates, whatever the "
                "model", STATEFUL_MESSAGE)

    def exact(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        compares_exactly = re.search(r"==|\.equal\(|torch\.equal", out.source)
        if not compares_exactly or re.search(r"allclose|isclose|assert_close", out.source):
            return None
        if tuple(got.shape) != (n,) or not ((got <= expected).all() and (got < expected).any()):
            return None
        return panel.wrong(got, expected), EXACT_MESSAGE

    def always(key: str, value: bool, message: str) -> Mistake:
        def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
            got = out.output
            if tuple(got.shape) != (n,) or not (got == float(value)).all():
                return None
            wrong = int((expected != float(value)).sum())
            kind = panel.no if value else panel.yes
            return f"your test said {value} for all {n} {panel.noun}, {wrong} of which {kind}", message

        return Mistake(key, found)

    def anything_else(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        if tuple(out.output.shape) != (n,):
            return None
        return panel.wrong(out.output, expected), otherwise

    return (
        Mistake("stateful", differs_on_copies),
        always("always-true", True, always_true),
        always("always-false", False, always_false),
        Mistake("inverted", lambda case, out, expected: (panel.wrong(out.output, expected), inverted)
                if tuple(out.output.shape) == (n,) and torch.equal(out.output, 1 - expected) else None),
        Mistake("stateful", alternates),
        Mistake("exact-equality", exact),
        *patterns,
        Mistake("verdicts", anything_else),
    )


def _pattern(key: str, message: str, test: Callable[[Tensor, Tensor], bool], panel: Panel) -> Mistake:
    """A test whose verdicts (in the panel's order) pass test(got, expected)."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != (len(panel.members),) or not test(got, expected):
            return None
        return panel.wrong(got, expected), message

    return Mistake(key, found)


def _source_pattern(key: str, message: str, source: str, panel: Panel) -> Mistake:
    """A test with wrong verdicts whose code matches `source`."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        if tuple(out.output.shape) != (len(panel.members),) or not source_line(out, source):
            return None
        return panel.wrong(out.output, expected), message

    return Mistake(key, found)


INDEPENDENCE = Panel(harness.INDEPENDENCE_PANEL, "modules", "keep sentences apart", "mix sentences", order_at=2)
LEAKS = [i for i, (_, what, _) in enumerate(harness.INDEPENDENCE_PANEL) if "moves sentence" in what]
FIRST_TOKEN = next(i for i, (_, what, _) in enumerate(harness.INDEPENDENCE_PANEL) if "first token" in what)


def _only_leaks_missed(got: Tensor, expected: Tensor) -> bool:
    wrong = (got != expected).nonzero().flatten().tolist()
    return bool(wrong) and set(wrong) <= set(LEAKS) and bool(got[wrong].all())


def _only_first_token_passed(got: Tensor, expected: Tensor) -> bool:
    keeps = [i for i, (right, _, _) in enumerate(harness.INDEPENDENCE_PANEL) if right]
    return bool(got[FIRST_TOKEN]) and not any(got[i] for i in keeps if i != FIRST_TOKEN)


def _test_changed_X(out: Outcome) -> str:
    alias = source_line(out, r"^\s*\w+\s*=\s*X\s*$")
    if alias:
        return (f"Your test changed the batch it was given: `{alias}` does not copy, it gives the caller's X another "
                "name, so changing it changes X. Make a copy: changed = X.clone().")
    return ("Your test changed the batch it was given, in place (an assignment into X, +=, or a method ending in _). "
            "Change a copy instead: changed = X.clone().")


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


def _converted(init, p, X, key_padding_mask=None, *, heads=None, **change):
    mask = None if key_padding_mask is None else ~key_padding_mask[:, None, :]
    return _mha(p, X, mask, H=heads or init[1], **change)


def _with(p: dict[str, Tensor], **changes: Callable[[Tensor], Tensor]) -> dict[str, Tensor]:
    """p with some parameters changed: _with(p, q_proj_bias=torch.zeros_like) changes "q_proj.bias"."""
    new = dict(p)
    for name, change in changes.items():
        layer, what = name.rsplit("_", 1)
        new[f"{layer}.{what}"] = change(p[f"{layer}.{what}"])
    return new


def converter_mistake(key: str, message: Message, what: str, params: Callable[..., dict] | None = None,
                      **change) -> Mistake:
    """A converter mistake: the output of _converted with the parameters params(init, p) and
    one thing changed."""

    def buggy(init, p, X, *mask):
        return _converted(init, params(init, p) if params else p, X, *mask, **change)

    return matches(key, message, buggy, what, with_init=True)


def _stacked_as(p: dict[str, Tensor], order: tuple[str, str, str]) -> dict[str, Tensor]:
    """The parameters nn.MultiheadAttention reads when ours' projections are stacked in `order`."""
    new = dict(p)
    for slot, source in zip("qkv", order):
        for what in ("weight", "bias"):
            new[f"{slot}_proj.{what}"] = p[f"{source}_proj.{what}"]
    return new


def _not_mha(out: Outcome) -> str:
    if "got a NoneType" in out.error:
        return "to_torch_mha returned nothing: did you forget `return theirs`?"
    return ("to_torch_mha should create a new nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True), "
            "copy ours' weights into it, and return it.")


ZERO = torch.zeros_like

EXERCISES_04 += [
    Exercise(
        id="4.3", notebook="04", name="MultiHeadAttention", title="MultiHeadAttention",
        points=3, difficulty=3, minutes=30,
        signature="class MultiHeadAttention(nn.Module) with __init__(self, embed_size, num_heads) and forward(self, X, mask=None)",
        returns="out_proj(merged heads), shape (B, T, D), keeping self.last_weights (B, H, T, T)",
        reference=ref.MultiHeadAttention, make_cases=mha_cases, module=True, probe=keeps_head_weights,
        mistakes=(
            no_super_init,
            dot_T_on_batch,
            mha_mistake("view-no-transpose", SPLIT_MESSAGE, "heads split by a plain view", split=_split_view_only),
            mha_mistake("merge-no-transpose", MERGE_MESSAGE, "heads merged by a plain reshape", merge=_merge_reshape_only),
            mha_mistake("scale-by-sqrt-D", SCALE_D_MESSAGE, "scores divided by √D", scale="D"),
            mha_mistake("no-scaling", "The scores were not scaled: divide them by √d_head, "
                        "math.sqrt(self.d_head), so that their spread does not grow with the width of a head.",
                        "unscaled scores", scale=1.0),
            mha_mistake("scale-by-d", "The scores were divided by d_head, not by √d_head: the spread of q·k grows "
                        "like √d_head, so divide by math.sqrt(self.d_head).", "scores divided by d_head",
                        scale="d_head"),
            matches("across-batch", ACROSS_BATCH_MESSAGE, _across_batch, "attention across the batch", with_init=True),
            mha_mistake("no-out-proj", "The output skips out_proj: pass the merged heads through self.out_proj, which "
                        "mixes what the heads found.", "the merged heads without out_proj", out=False),
            mha_mistake("mask-not-broadcast", MASK_HEADS_MESSAGE, "the mask applied without a head axis",
                        mask_for_heads=lambda m: m),
            mha_mistake("mask-ignored", MASK_MESSAGES["mask-ignored"], "what you get with no mask",
                        mask_for_heads=lambda m: None),
            *mask_mistakes(lambda init, p, X, mask=None, *, softmax: _mha(p, X, mask, H=init[1], softmax=softmax),
                           with_init=True),
            mha_mistake("wrong-axis", "Your weights were normalised over the queries (dim=-2). " + WRONG_AXIS_MESSAGE,
                        "softmax over dim=-2", softmax=lambda s, m: ref.masked_softmax(s.mT, m if m is None else
                                                                                         m.mT).mT),
            mha_mistake("keys-as-values", "You multiplied the weights by k; take the values: weights @ v.",
                        "weights @ k", values="k_proj"),
            Mistake("heads-against-tokens", _heads_against_tokens, on_error=True),
            matches("heads-averaged", "self.last_weights holds the heads averaged into (B, T, T). Keep every head's "
                    "weights, (B, H, T, T): head_grid and the explorer draw one heatmap per head.",
                    lambda init, p, X, mask=None: _mha_weights(init, p, X, mask).mean(dim=1),
                    "the weights averaged over the heads", with_init=True, weights=True),
            *last_weights_mistakes(lambda init, p, X, mask=None, *, masked=False:
                                   _mha_scores(p, X, mask, H=init[1], masked=masked),
                                   "(B, H, T, T)", with_init=True),
        ),
    ),
    Exercise(
        id="4.4", notebook="04", name="sentences_independent", title="A test that finds mixed sentences",
        points=2, difficulty=2, minutes=15,
        signature="sentences_independent(attention, X)  # attention: (B, T, D) -> (B, T, D)",
        returns="True when changing one sentence leaves every other sentence's output unchanged",
        reference=ref.sentences_independent,
        make_cases=independence_cases, runner=run_independence_test,
        mistakes=(
            raised("in-place", _test_changed_X, error=r"^ChangedItsInput"),
            raised("not-a-verdict", "Your test should end with `return` and a True or False, such as "
                   "torch.allclose(...), not print it.", error=r"should return True or False, got a NoneType"),
            TENSOR_VERDICT,
            *test_mistakes(
                INDEPENDENCE,
                "Your test passed modules that mix the sentences of a batch. Change one sentence (X[1] + 1, say), "
                "run the module again, and compare the OTHER sentences' outputs: they must not move.",
                "Your test failed modules that keep sentences apart, saying False for every module. Compare only "
                "the sentences you did not change (torch.arange(B) != 1 selects them), with torch.allclose.",
                "Your test answers the opposite question: it returns True for modules that mix sentences. Return "
                "True when the other sentences' outputs stay the same.",
                "Change sentence 1 only (changed = X.clone(); changed[1] += 1), run the module on X and on changed, "
                "and compare the outputs of every other sentence with torch.allclose.",
                patterns=(
                    _pattern("missed-leak", "Some modules mix only two sentences: changing sentence 1 moves only the "
                             "sentence before it, or only the one after it. Change sentence 1 and compare every "
                             "other sentence, all of them (torch.arange(B) != 1), not just one.",
                             _only_leaks_missed, INDEPENDENCE),
                    _pattern("changed-every-sentence", "Your test changed something in every sentence, so that "
                             "only a module that reads each sentence's first token alone kept the ones you compare "
                             "unchanged. X[:, 1] is token 1 of every sentence; sentence 1 is X[1]: change that one "
                             "only, and compare the others.", _only_first_token_passed, INDEPENDENCE),
                ),
            ),
        ),
    ),
    Exercise(
        id="4.5", notebook="04", name="to_torch_mha", title="Your weights in nn.MultiheadAttention",
        points=2, difficulty=2, minutes=15,
        signature="to_torch_mha(ours)  # ours: a MultiHeadAttention",
        returns="an nn.MultiheadAttention(batch_first=True) with the same weights, giving the same outputs",
        reference=ref.to_torch_mha, make_cases=converter_cases, runner=run_converter,
        mistakes=(
            raised("not-mha", _not_mha, error=r"should return an nn\.MultiheadAttention"),
            raised("state-dict-names", "nn.MultiheadAttention names its parameters in_proj_weight, in_proj_bias, "
                   "out_proj.weight and out_proj.bias: ours' q_proj, k_proj and v_proj have no place of their own "
                   "there. Stack their weights with torch.cat([...]) and copy them into in_proj_weight (and the "
                   "biases into in_proj_bias).", error=r"Error\(s\) in loading state_dict for MultiheadAttention"),
            raised("copy-needs-no-grad", "Copying into a parameter changes it in place, which autograd refuses for "
                   "a tensor it tracks: do the copying inside `with torch.no_grad():`.",
                   error=r"leaf Variable that requires grad is being used in an in-place operation"),
            raised("assign-not-copy", "A parameter cannot be replaced by a plain tensor: copy into it instead, "
                   "theirs.in_proj_weight.copy_(...), inside `with torch.no_grad():`.",
                   error=r"cannot assign .* as parameter"),
            raised("cat-wrong-dim", "Put the three (D, D) weights on top of each other: torch.cat([...], dim=0) "
                   "gives in_proj_weight's shape, (3D, D). Side by side (dim=1) they make (D, 3D).",
                   error=r"must match the size of tensor b", source=r"cat\(.*dim\s*=\s*(1|-1)\b", both=True),
            raised("cat-wrong-dim", "torch.cat([q, k, v weights]) is already (3D, D), in_proj_weight's shape: "
                   "transposing it makes (D, 3D). Copy it as it is.", error=r"must match the size of tensor b",
                   source=r"cat\(.*\)\s*\.\s*(T\b|t\(\)|mT\b|transpose)", both=True),
            raised("stack-not-cat", "torch.stack puts the three (D, D) weights on a new axis, (3, D, D); "
                   "in_proj_weight is (3D, D): join them with torch.cat([...]) instead.",
                   error=r"must match the size of tensor b|doesn't match the broadcast shape",
                   source=r"\bstack\(", both=True),
            raised("separate-proj-weights", "theirs.q_proj_weight is None: nn.MultiheadAttention keeps separate q, k "
                   "and v weights only when kdim or vdim differ from embed_dim. Here they are stacked in "
                   "in_proj_weight, (3D, D), in the order q, k, v, and in_proj_bias likewise.",
                   error=r"'NoneType' object has no attribute", source=r"[qkv]_proj_weight", both=True),
            matches("not-batch-first", "nn.MultiheadAttention is sequence-first by default: it read your (B, T, D) "
                    "batch as (T, B, D) and attended across sentences. Create it with batch_first=True.",
                    lambda init, p, X, *m: _across_batch(init, p, X), "attention across the batch", with_init=True),
            converter_mistake("qkv-order", "q and k are swapped: in_proj_weight stacks the projections in the order "
                              "q, k, v.", "q and k swapped", swap_qk=True),
            *(converter_mistake("qkv-order", f"Your in_proj_weight stacks the projections in the order {', '.join(order)}; "
                                "nn.MultiheadAttention reads them as q, k, v: torch.cat([ours.q_proj.weight, "
                                "ours.k_proj.weight, ours.v_proj.weight]), and the biases in the same order.",
                                f"the projections stacked {', '.join(order)}",
                                params=(lambda order: lambda init, p: _stacked_as(p, order))(order))
              for order in (("q", "v", "k"), ("v", "k", "q"), ("k", "v", "q"), ("v", "q", "k"))),
            converter_mistake("out-proj-not-copied", "out_proj still holds nn.MultiheadAttention's own random weights: "
                              "copy out_proj.weight and out_proj.bias too.", "the output through a new out_proj",
                              out_params=None, params=lambda init, p: {**p, **_fresh_torch_out_proj(init)}),
            converter_mistake("out-proj-not-copied", "out_proj.bias was not copied: nn.MultiheadAttention starts "
                              "it at zeros. Copy ours.out_proj.bias too.", "the output with out_proj's bias at 0",
                              params=lambda init, p: _with(p, out_proj_bias=ZERO)),
            converter_mistake("out-proj-not-copied", "out_proj.weight was not copied, only its bias: copy "
                              "ours.out_proj.weight too.", "the output through a new out_proj.weight",
                              params=lambda init, p: {**p, "out_proj.weight": _fresh_torch_out_proj(init)[
                                  "out_proj.weight"]}),
            converter_mistake("biases-not-copied", "in_proj_bias was not copied: nn.MultiheadAttention starts it at "
                              "zeros. Copy torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]) into it.",
                              "the output with q, k and v's biases at 0",
                              params=lambda init, p: _with(p, q_proj_bias=ZERO, k_proj_bias=ZERO, v_proj_bias=ZERO)),
            converter_mistake("no-bias", "Your nn.MultiheadAttention ran as if it had no biases at all: either "
                              "ours' biases were never copied (in_proj_bias and out_proj.bias start at zeros), or "
                              "it was created with bias=False, which leaves nowhere to copy them. Keep bias at its "
                              "default, True, and copy into in_proj_bias and out_proj.bias too.",
                              "the output without any bias",
                              params=lambda init, p: _with(p, q_proj_bias=ZERO, k_proj_bias=ZERO, v_proj_bias=ZERO,
                                                           out_proj_bias=ZERO)),
            converter_mistake("weights-transposed", "nn.Linear keeps its weight as (out, in), and in_proj_weight "
                              "stacks them just as they are: copy the weights without transposing them.",
                              "the weights transposed", params=lambda init, p: _with(
                                  p, q_proj_weight=torch.t, k_proj_weight=torch.t, v_proj_weight=torch.t)),
            converter_mistake("weights-transposed", "nn.Linear keeps its weight as (out, in), and "
                              "nn.MultiheadAttention's are the same way round: copy them without transposing.",
                              "every weight transposed", params=lambda init, p: _with(
                                  p, q_proj_weight=torch.t, k_proj_weight=torch.t, v_proj_weight=torch.t,
                                  out_proj_weight=torch.t)),
            converter_mistake("wrong-num-heads", "nn.MultiheadAttention(embed_dim, num_heads) was given another number "
                              "of heads than ours has: pass ours.num_heads, so that it splits D the same way.",
                              "one head", heads=1),
            matches("wrong-num-heads", "nn.MultiheadAttention(embed_dim, num_heads) was given another number of heads "
                    "than ours has (d_head, perhaps): pass ours.num_heads, so that it splits D the same way.",
                    lambda init, p, X, *m: _converted(init, p, X, *m, heads=init[0] // init[1]),
                    "d_head heads", with_init=True),
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
    B, V, seq_len, T, D, H = 2, 9, 8, 5, 8, 2  # sequences shorter than seq_len: positions for T tokens only
    tokens = torch.randint(0, V, (B, T), generator=gen)
    cases.append(Case(f"ReversalModel({V}, {seq_len}, {D}, {H}) on tokens of shape ({B}, {T}), shorter than "
                      f"seq_len = {seq_len}", (tokens,), init=(V, seq_len, D, H), params=tiny_params(gen, V, seq_len, D)))
    return cases


def _scores_met_vectors(case: Case, out: Outcome) -> Finding | None:
    """V read-out scores met D-wide vectors on one axis: something was added after the read-out."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    V, D = case.init[0], case.init[2]
    if not found or V == D or {int(found.group(1)), int(found.group(2))} != {V, D}:
        return None
    return (f"your code raised {out.error}: {V} is V, the read-out's scores per token; {D} is D, the width of token "
            "and position vectors",
            "Vectors of width D (token or position vectors) met the read-out's scores, of width V: the read-out comes "
            "last. Add the positions to the token vectors, before attention: "
            "self.readout(self.attention(self.tok(tokens) + self.pos(positions))).")


def _whole_position_table(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """Tokens shorter than seq_len met seq_len positions: the whole table was added."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    T, seq_len = case.inputs[0].shape[-1], case.init[1]
    if not found or T == seq_len or {int(found.group(1)), int(found.group(2))} != {T, seq_len}:
        return None
    evidence = f"your code raised {out.error}: {T} is T, the tokens given; {seq_len} is seq_len"
    line = re.search(r"\(line \d+: (.*)\)$", out.error)
    if re.search(r"pos\.weight\b", line.group(1) if line else "") or re.search(r"pos\.weight\b", out.source):
        return (evidence, f"self.pos.weight is the whole position table, seq_len = {seq_len} rows: it fits only "
                f"sequences of exactly seq_len tokens, and these have T = {T}. Look up the positions of the tokens "
                "given: self.pos(torch.arange(tokens.shape[1])).")
    return (evidence, f"Your positions have seq_len = {seq_len} rows, but these sequences have T = {T} tokens: "
            "positions must follow the tokens given, not the longest sequence the model allows. Use "
            "self.pos(torch.arange(tokens.shape[1])).")


def _tiny(init, p, tokens, positions="before", readout=True):
    """ReversalModel from parameters p, with the positions added before attention, after
    it, not at all, multiplied, or looked up by token ("tokens", "tokens-clamped"), by
    sentence ("batch"), backwards ("reversed") or from 1 ("from-1", the last clamped)
    instead of by position 0 ... T - 1; without the read-out if not `readout`."""
    attention = {k.removeprefix("attention."): v for k, v in p.items() if k.startswith("attention.")}
    x = p["tok.weight"][tokens]
    table = p["pos.weight"]
    B, T = tokens.shape
    pos = table[:T]
    if positions == "tokens":
        if int(tokens.max()) >= table.shape[0]:
            raise RuntimeError("a token is past the end of the position table")
        x = x + table[tokens]
    if positions == "tokens-clamped":
        x = x + table[tokens.clamp(max=table.shape[0] - 1)]
    if positions == "batch":
        if B > table.shape[0]:
            raise RuntimeError("more sentences than positions")
        x = x + table[:B, None, :]
    if positions == "reversed":
        x = x + pos.flip(0)
    if positions == "from-1":
        x = x + table[torch.arange(1, T + 1).clamp(max=table.shape[0] - 1)]
    if positions == "multiplied":
        x = x * pos
    if positions == "before":
        x = x + pos
    x = _mha(attention, x, H=init[3])
    if positions == "after":
        x = x + pos
    return project(p, "readout", x) if readout else x


def _is_flip_like(perm: Tensor) -> bool:
    """Whether a permutation leaves a model that reads positions backwards looking equivariant."""
    T = len(perm)
    return bool(torch.equal(perm, torch.arange(T)) or torch.equal(perm.flip(0), T - 1 - perm))


def equivariance_cases(gen: torch.Generator) -> list[Case]:
    """Token batches, a permutation that tells every model of the panel apart, and the panel
    in a shuffled order."""
    n = len(harness.EQUIVARIANCE_PANEL)
    cases = []
    for B, T, V, D, H in ((4, 6, 10, 8, 2), (3, 5, 7, 6, 3)):
        tokens = torch.randint(0, V, (B, T), generator=gen)
        perm = torch.randperm(T, generator=gen)
        while _is_flip_like(perm):
            perm = torch.randperm(T, generator=gen)
        params = tiny_params(gen, V, T, D)
        params.update({f"other.{k}": v for k, v in linear_params(gen, D, HEAD).items()})
        order = tuple(torch.randperm(n, generator=gen).tolist())
        cases.append(Case(f"tokens of shape ({B}, {T}), the permutation {perm.tolist()} and a panel of {n} models",
                          (tokens, perm), init=(V, T, D, H, order), params=params))
    return cases


EQUIVARIANCE = Panel(harness.EQUIVARIANCE_PANEL, "models", "are equivariant", "are not equivariant", order_at=4)

EXERCISES_05 = [
    Exercise(
        id="5.1", notebook="05", name="ReversalModel", title="Adding positions",
        points=3, difficulty=2, minutes=15,
        signature="class ReversalModel(BagOfTokens) with forward(self, tokens)",
        returns="readout(attention(tok(tokens) + pos(positions))), shape (B, T, V)",
        reference=ref.ReversalModel, make_cases=reversal_model_cases, module=True,
        mistakes=(
            Mistake("whole-position-table", _whole_position_table, on_error=True),
            raised("positions-from-tokens", "self.pos(tokens) looks up each token's VALUE in the position table. "
                   "The positions are 0, 1, ..., T - 1: self.pos(torch.arange(tokens.shape[1])).",
                   error=r"index out of range|out of bounds", source=r"pos\(\s*tokens\s*\)", both=True),
            raised("positions-of-batch", "tokens.shape[0] is B, the number of sequences; the positions run along "
                   "the tokens, T = tokens.shape[1]: self.pos(torch.arange(tokens.shape[1])).",
                   error=r"must match the size of tensor b|out of range|out of bounds",
                   source=r"(tokens|x)\.(shape\[0\]|size\(0\))", both=True),
            matches("positions-from-tokens", "self.pos(tokens) looks up each token's VALUE in the position table. "
                    "The positions are 0, 1, ..., T - 1: self.pos(torch.arange(tokens.shape[1])).",
                    lambda *a: _tiny(*a, positions="tokens"), "positions looked up by token", with_init=True),
            matches("no-positions", "The positions never reach the model: add self.pos(torch.arange(T)) to the token "
                    "vectors before attention.", lambda *a: _tiny(*a, positions="none"), "the model without positions",
                    with_init=True),
            matches("positions-after-attention", "The positions were added after attention: attention itself then still "
                    "cannot tell positions apart. Add them to the token vectors before attention.",
                    lambda *a: _tiny(*a, positions="after"), "positions added after attention", with_init=True),
            matches("positions-from-tokens", "self.pos(tokens) looks up each token's VALUE in the position table "
                    "(clamped here to fit it). The positions are 0, 1, ..., T - 1: "
                    "self.pos(torch.arange(tokens.shape[1])).", lambda *a: _tiny(*a, positions="tokens-clamped"),
                    "positions looked up by token value, clamped to the table", with_init=True),
            matches("positions-of-batch", "Each sentence got one position vector for all its tokens, the one of its "
                    "index in the batch: torch.arange(tokens.shape[0]) counts the B sentences. The positions run along "
                    "the tokens, T = tokens.shape[1]: self.pos(torch.arange(tokens.shape[1])).",
                    lambda *a: _tiny(*a, positions="batch"), "position b added to every token of sentence b",
                    with_init=True),
            matches("positions-reversed", "Your positions run backwards, T - 1 down to 0: token i must get position i, "
                    "self.pos(torch.arange(T)), so that the same position always means the same place. (Reversing "
                    "is what the model should learn, not what its positions say.)",
                    lambda *a: _tiny(*a, positions="reversed"), "positions T - 1, ..., 0", with_init=True),
            matches("positions-from-1", "Your positions start at 1: the first token is position 0, and the table has "
                    "rows 0 to seq_len - 1. Use torch.arange(T), 0 to T - 1.",
                    lambda *a: _tiny(*a, positions="from-1"), "positions 1, ..., T (the last clamped to the table)",
                    with_init=True),
            matches("positions-multiplied", "You multiplied the token vectors by the position vectors: add them, "
                    "self.tok(tokens) + self.pos(positions), so that each keeps its own information.",
                    lambda *a: _tiny(*a, positions="multiplied"), "token vectors times position vectors", with_init=True),
            matches("no-readout", "You returned attention's output, (B, T, D): the model ends with the read-out, "
                    "self.readout(...), which gives a score for each of the V tokens, (B, T, V).",
                    lambda *a: _tiny(*a, readout=False), "attention's output without the read-out", with_init=True),
            Mistake("scores-met-vectors", lambda case, out, expected: _scores_met_vectors(case, out), on_error=True),
        ),
    ),
    Exercise(
        id="5.2", notebook="05", name="is_permutation_equivariant", title="A permutation-equivariance test",
        points=2, difficulty=2, minutes=15,
        signature="is_permutation_equivariant(model, tokens, perm)  # tokens: (B, T); perm: (T,)",
        returns="True when model(tokens[:, perm]) equals model(tokens)[:, perm]",
        reference=ref.is_permutation_equivariant, make_cases=equivariance_cases, runner=run_equivariance_test,
        mistakes=(
            raised("in-place", "Your test changed the tokens (or perm) it was given: an assignment into them, such as "
                   "tokens[:] = ..., writes into the caller's tensor. Make a new one instead: "
                   "permuted = tokens[:, perm].", error=r"^ChangedItsInput"),
            raised("not-a-verdict", "Your test should end with `return` and a True or False, such as "
                   "torch.allclose(...), not print it.", error=r"should return True or False, got a NoneType"),
            TENSOR_VERDICT,
            raised("vocab-axis", "out[..., perm] permutes the LAST axis of the output, the V scores of each token; "
                   "perm reorders the positions, the second axis: out[:, perm].",
                   error=r"must match the size of tensor b|out of bounds|out of range",
                   source=r"\[\s*(\.\.\.|:\s*,\s*:)\s*,\s*perm\s*\]", both=True),
            raised("batch-axis", "perm permutes the T positions of each sequence, so index the token axis, the second "
                   "one: tokens[:, perm] (and out[:, perm]), not tokens[perm], which permutes the sequences.",
                   error=r"^IndexError", source=r"(tokens|out\w*|\))\[\s*perm\s*\]", both=True),
            *test_mistakes(
                EQUIVARIANCE,
                "Your test called models with positions equivariant. Permute the tokens of every sentence "
                "(tokens[:, perm]), run the model, and compare with the original output permuted the same way "
                "(out[:, perm]).",
                "Your test called models without positions not equivariant. Compare model(tokens[:, perm]) with "
                "model(tokens)[:, perm], the same permutation on both sides, along the token axis, with "
                "torch.allclose.",
                "Your test answers the opposite question: it returns True for models that are not equivariant.",
                "Compare model(tokens[:, perm]) with model(tokens)[:, perm], with torch.allclose.",
                patterns=(
                    _source_pattern("inverse-perm", "perm.argsort() is the inverse permutation: permuting the input "
                                    "by perm permutes the output by perm itself. Use perm on both sides.",
                                    r"argsort|inverse", EQUIVARIANCE),
                ),
            ),
        ),
    ),
    Exercise(
        id="5.3", notebook="05", name="ideal_keys", title="Read the heatmap: the ideal pattern",
        points=1, difficulty=1, minutes=5,
        signature="ideal_keys(T)",
        returns="for each query i, the key it should attend to when reversing: T - 1 - i, shape (T,)",
        reference=ref.ideal_keys, make_cases=size_cases,
        mistakes=(
            matches("identity", "That is every token attending to itself, the diagonal. To write output i of the "
                    "reversal, query i needs input token T - 1 - i.", lambda T: torch.arange(T), "0, 1, ..., T - 1"),
            matches("off-by-one", "Off by one: positions run from 0 to T - 1, so query 0 needs key T - 1, not T.",
                    lambda T: torch.arange(T, 0, -1), "T, T - 1, ..., 1"),
            matches("stops-early", "The last key, 0, is missing: torch.arange stops before its end, so count down "
                    "to -1 to include 0: torch.arange(T - 1, -1, -1).", lambda T: torch.arange(T - 1, 0, -1),
                    "T - 1, ..., 1"),
            matches("one-hot-pattern", "That is the whole (T, T) pattern, the heatmap. The exercise asks for the key "
                    "of each query, T numbers: entry i is T - 1 - i.", lambda T: torch.eye(T).flip(1),
                    "the (T, T) anti-diagonal"),
        ),
    ),
]


# --------------------------------------------------------------------------------------
# Lesson 06: what attention costs


def rising(gen: torch.Generator, *shape: int) -> Tensor:
    """Scores that tend to rise along the last dimension, so later blocks raise the maximum."""
    return randn(gen, *shape, scale=2.0) + torch.arange(shape[-1], dtype=torch.float32) * 0.8


def falling(gen: torch.Generator, rows: int, S: int, block: int) -> Tensor:
    """Scores whose maximum falls by about 160 from each block to the next: a running
    maximum that forgets the earlier blocks ends far below the row's maximum."""
    return randn(gen, rows, S, scale=2.0) + 300 - 160 * (torch.arange(S) // block).float()


def online_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case("scores (3, 10) in blocks of 4 (the last block has 2)", (rising(gen, 3, 10), 4)),
        Case("scores (2, 3, 9) in blocks of 2 (the last block has 1)", (rising(gen, 2, 3, 9), 2)),
        Case("large scores (2, 12), around 500, in blocks of 5", (rising(gen, 2, 12) + 500, 5)),
        Case("scores (2, 11), around -1000, in blocks of 3", (rising(gen, 2, 11) - 1000, 3)),
        Case("scores (3, 12) whose maximum falls from 300 by 160 a block, in blocks of 4", (falling(gen, 3, 12, 4), 4)),
        Case("scores (2, 9): one row around +500, one around -500, in blocks of 4",
             (torch.cat([rising(gen, 1, 9) + 500, rising(gen, 1, 9) - 500]), 4)),
    ]


def chunk_cases(gen: torch.Generator) -> list[Case]:
    def qkv(B, T, d):
        return randn(gen, B, T, d, scale=3.0), randn(gen, B, T, d), randn(gen, B, T, d)

    def far_below(B, T, d):  # q·k / √d ≈ -10 · 10 · d / √d = -200: exp underflows unless m starts at -inf
        q = 10.0 + 0.1 * randn(gen, B, T, d)
        return q, -10.0 + 0.1 * randn(gen, B, T, d), randn(gen, B, T, d)

    T = randint(gen, 80, 120)
    return [
        Case("q, k, v (1, 10, 4) in blocks of 4 keys (the last block has 2)", (*qkv(1, 10, 4), 4)),
        Case("q, k, v (2, 13, 8) in blocks of 5 keys (the last block has 3)", (*qkv(2, 13, 8), 5)),
        Case("q, k, v (2, 6, 3) in one block of 6 keys", (*qkv(2, 6, 3), 6)),
        Case("q, k, v (2, 7, 4) whose scores are all around -200, in blocks of 3 keys", (*far_below(2, 7, 4), 3)),
        Case(f"q, k, v (2, {T}, 8) in blocks of 8 keys, watching the largest tensor made", (*qkv(2, T, 8), 8)),
    ]


def _blocks(S: int, block: int, drop_tail: bool) -> range:
    return range(0, S - block + 1, block) if drop_tail else range(0, S, block)


# k or v sliced on the last axis, d: v[..., a:b] or v[:, :, a:b], with no `, :` after the slice.
_SLICED_ON_D = re.compile(r"\b([kv])\[\s*(?:\.\.\.|:\s*,\s*:)\s*,\s*[^\],:]*:[^\],]*\]")


def _sliced_on_d(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """The sizes of a product did not fit, and the code (or the line that raised) slices k or
    v on their last axis, the features, instead of on the tokens."""
    if not re.search(_MATMUL_SIZES + "|must match the size", out.error or ""):
        return None
    line = re.search(r"\(line \d+: (.*)\)$", out.error)
    found = _SLICED_ON_D.search(line.group(1) if line else "") or _SLICED_ON_D.search(out.source)
    if not found:
        return None
    name = found.group(1)
    return (f"your code raised {out.error}",
            f"You sliced {name} on its last axis, d (the features): {found.group(0)} takes some of every token's "
            f"numbers, not a block of tokens. The tokens are on the second-to-last axis: "
            f"{name}[..., start:start + block, :].")


def _running_max(m: Tensor, block_max: Tensor, forget: bool) -> Tensor:
    return block_max if forget else torch.maximum(m, block_max)


def _online(scores, block, *, rescale=True, per_block=False, drop_tail=False, start=float("-inf"), forget=False,
            inverted=False, block_with_old_max=False, global_max=False):
    """online_softmax with one thing changed for a mistake."""
    if per_block:
        return torch.cat([torch.softmax(scores[..., i : i + block], dim=-1) for i in range(0, scores.shape[-1], block)], -1)
    m = torch.full(scores.shape[:-1] + (1,), start)
    s = torch.zeros(scores.shape[:-1] + (1,))
    for i in _blocks(scores.shape[-1], block, drop_tail):
        chunk = scores[..., i : i + block]
        m_new = _running_max(m, chunk.max() if global_max else chunk.amax(dim=-1, keepdim=True), forget)
        factor = torch.exp(m_new - m) if inverted else torch.exp(m - m_new)
        s = (s * factor if rescale else s) + torch.exp(chunk - (m if block_with_old_max else m_new)).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s


def _chunked(q, k, v, block, *, rescale=True, per_block=False, drop_tail=False, scale=None, rescale_out=True,
             rescale_sum=True, divide=True, start=float("-inf"), inverted=False):
    """chunked_attention with one thing changed for a mistake (scale: what q is multiplied by,
    1/√d unless given)."""
    q = q * (q.shape[-1] ** -0.5 if scale is None else scale)
    m = torch.full(q.shape[:-1] + (1,), start)
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in _blocks(k.shape[-2], block, drop_tail):
        scores = q @ k[..., i : i + block, :].mT
        if per_block:
            out = out + torch.softmax(scores, dim=-1) @ v[..., i : i + block, :]
            continue
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale_by = (torch.exp(m_new - m).nan_to_num(0.0, posinf=0.0) if inverted else torch.exp(m - m_new)) if rescale else 1.0
        exps = torch.exp(scores - m_new)
        s = (s * rescale_by if rescale_sum else s) + exps.sum(dim=-1, keepdim=True)
        out = (out * rescale_by if rescale_out else out) + exps @ v[..., i : i + block, :]
        m = m_new
    return out if per_block or not divide else out / s


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
        mistakes=(
            *block_mistakes(_online),
            matches("global-max", "A row far below the largest score came out NaN: its exponentials were taken "
                    "against the maximum of the whole tensor, so they are all 0, and 0 / 0 is NaN. Keep one running "
                    "maximum per row: chunk.amax(dim=-1, keepdim=True), not chunk.max().",
                    lambda *a: _online(*a, global_max=True), "one running maximum for the whole tensor"),
            matches("max-starts-at-zero", "Your running maximum starts at 0, so it never drops below 0: on a row "
                    "whose scores are all far below 0, every exp(x - m) is 0 and the sum is 0, hence 0 / 0 = NaN. "
                    "Start m at -inf: torch.full(..., float('-inf')).", lambda *a: _online(*a, start=0.0),
                    "a running maximum that starts at 0"),
            matches("max-forgotten", "Your running maximum is each block's own maximum, forgetting the earlier "
                    "blocks': when a later block's maximum is much lower, exp(x - m) of the earlier, larger scores "
                    "overflows. Keep the largest so far: m_new = torch.maximum(m, block's maximum).",
                    lambda *a: _online(*a, forget=True), "a maximum that forgets the earlier blocks"),
            matches("rescale-inverted", "The rescaling factor is upside down: the old sum was computed with exp(x - m) "
                    "and must become exp(x - m_new), so multiply it by exp(m - m_new), which is at most 1, not by "
                    "exp(m_new - m).", lambda *a: _online(*a, inverted=True), "the sum rescaled by exp(m_new - m)"),
            matches("block-before-max", "The new block's exponentials were taken with the old maximum: update the "
                    "maximum first, m_new = torch.maximum(m, block's maximum), then add exp(block - m_new). On the "
                    "first block the old maximum is -inf, and exp(x + inf) is inf.",
                    lambda *a: _online(*a, block_with_old_max=True), "the new block taken with the old maximum"),
            matches("not-divided", "The last step is missing: softmax(x) = exp(x - m) / s, with s the running sum.",
                    lambda scores, block: torch.exp(scores - scores.amax(dim=-1, keepdim=True)),
                    "exp(scores - m) without dividing by the sum"),
        ),
    ),
    Exercise(
        id="6.2", notebook="06", name="chunked_attention", title="Chunked attention",
        points=3, difficulty=3, minutes=25,
        signature="chunked_attention(q, k, v, block)  # q, k, v: (B, T, d)",
        returns="softmax(q kᵀ / √d) v, shape (B, T, d), computed over blocks of keys",
        reference=ref.chunked_attention, make_cases=chunk_cases, runner=run_chunked,
        mistakes=(
            raised("not-chunked", "Your function builds a tensor as large as the whole (T, T) score matrix, which is "
                   "what chunking must avoid: compute one block's scores at a time, (B, T, block), fold them into the "
                   "running maximum, sum and output, and never keep or concatenate them all.",
                   error=r"^TooMuchMemory"),
            Mistake("sliced-on-d", _sliced_on_d, on_error=True),
            *block_mistakes(_chunked),
            matches("out-not-rescaled", "You rescaled the running sum but not the running output: when a block raises "
                    "the maximum, out was computed with the old m too. Multiply both by exp(m - m_new): "
                    "out = out * rescale + exps @ v_block.", lambda *a: _chunked(*a, rescale_out=False),
                    "the output without rescaling"),
            matches("rescale-inverted", "The rescaling factor is upside down: the running sum and output were "
                    "computed with exp(score - m) and must become exp(score - m_new), so multiply them by "
                    "exp(m - m_new), which is at most 1, not by exp(m_new - m).",
                    lambda *a: _chunked(*a, inverted=True), "the sum and output rescaled by exp(m_new - m)"),
            matches("sum-not-rescaled", "You rescaled the running output but not the running sum: when a block "
                    "raises the maximum, s was summed with the old m too. Multiply both by exp(m - m_new).",
                    lambda *a: _chunked(*a, rescale_sum=False), "the sum without rescaling"),
            matches("max-starts-at-zero", "Your running maximum starts at 0, so it never drops below 0: when a "
                    "query's scores are all far below 0, every exp(score - m) is 0, the sum is 0 and out / s is "
                    "0 / 0 = NaN. Start m at -inf: torch.full(..., float('-inf')).",
                    lambda *a: _chunked(*a, start=0.0), "a running maximum that starts at 0"),
            matches("not-divided", "The last step is missing: the running output is a sum of exp(score - m) · v, "
                    "and attention's weights sum to 1 only once it is divided by the running sum: return out / s.",
                    lambda *a: _chunked(*a, divide=False), "the running output not divided by the sum"),
            *scale_mistakes(lambda q, k, v, block, scale: _chunked(q, k, v, block, scale=scale), width_of_q,
                            SCALE_CHUNKED),
        ),
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

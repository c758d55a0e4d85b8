"""Mistakes any exercise can make (an error that says clearly what went wrong, a right answer
but for a scale, the right numbers of the wrong type), tried after an exercise's own."""

from __future__ import annotations

import math
import re

import torch
from torch import Tensor

from helpers.lessons import crashes, errors, reading
from helpers.lessons.records import Finding, Mistake
from helpers.lessons.toolkit import (
    _right_numbers_other_shape,
    _tensor_as_bool,
    raised,
    same_factor_again,
    sizes_named,
    source_line,
    without_comment,
)
from helpers.running import Case, Outcome
from helpers.tolerances import close, fmt_num

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
        return (
            f"`{name}` was never imported in this notebook: add `{IMPORTS[name]}` at the top of your cell (or "
            f"of the notebook), then run it again."
        )
    return (
        f"`{name}` has no value where your code reads it. Define it inside your function, before that line, "
        "from what the function is given (its arguments and their .shape), not from a variable of another cell."
    )


def _unbound(out: Outcome) -> str:
    name = re.search(r"local variable '(\w+)'", out.error).group(1)
    return (
        f"`{name}` is read before it is given a value: Python makes a name assigned anywhere in a function "
        f"local to all of it, so the line that reads `{name}` runs before the one that sets it."
    )


def _float_size(out: Outcome) -> str:
    division = r"([A-Za-z_][\w.]*)\s*/\s*((?:self\.)?(?:num_heads|n_heads|heads|H|h)\b)"  # a size over a count of heads
    line = source_line(out, division)
    found = re.search(division, line) if line else None
    fix = f"{found.group(1)} // {found.group(2)}" if found else "a // b"
    return (
        "A size you gave is a float: in Python, / always gives a float (12 / 3 is 4.0), and view, reshape and "
        f"nn.Linear need whole numbers. Use integer division: {fix}."
    )


def _mixed_dtypes(out: Outcome) -> str:
    line = source_line(out, r"\.double\(|torch\.float64|torch\.double\b|dtype\s*=\s*float\b") or source_line(
        out, r"\bnp\.|numpy"
    )
    where = f" This line makes float64: `{line}`." if line else ""
    return (
        f"A float64 tensor met a float32 one in the same operation.{where} Keep everything float32, the "
        "dtype of the inputs."
    )


MATMUL_SIZES = (
    r"Expected size for first two dimensions of batch2 tensor to be: \[\d+, \d+\] but got: "
    r"\[\d+, \d+\]|shapes cannot be multiplied \(\d+x\d+ and \d+x\d+\)"
)


def _matmul_sizes(out: Outcome) -> str:
    found = re.search(r"to be: \[\d+, (\d+)\] but got: \[\d+, (\d+)\]", out.error) or re.search(
        r"\(\d+x(\d+) and (\d+)x\d+\)", out.error
    )
    left, right = found.groups()
    return (
        f"The two sides of @ do not fit: in (..., n, k) @ (..., k, m) the left side's last size must equal the "
        f"right side's second-to-last; here they are {left} and {right}. Write the shapes of both sides next "
        "to that line and see which one is transposed, or in the wrong order."
    )


def _broadcast_sizes(case: Case, out: Outcome) -> Finding | None:
    """Two tensors that do not line up, where the case tells what their sizes are."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    if not found:
        return None
    named = sizes_named(case)
    a, b = (int(g) for g in found.groups())
    if a not in named or b not in named or named[a] == named[b]:
        return None
    return (
        f"your code raised {out.error}: {a} is {named[a]}, {b} is {named[b]}",
        f"A tensor with {named[a]} on an axis met one with {named[b]} on that axis. Broadcasting lines shapes up "
        "from the right and stretches only axes of size 1: write the shape of each tensor on that line, "
        "aligned to the right, and add or move the axis of size 1 that is out of place.",
    )


def _transposed_batch(case: Case, out: Outcome) -> Finding | None:
    """X.transpose(0, 1) on the line of a size error, where the sizes that met are B and T."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    line = re.search(r"\(line \d+: (.*)\)$", out.error or "")
    if not found or not line or not re.search(r"\.transpose\(\s*(0\s*,\s*1|1\s*,\s*0)\s*\)", line.group(1)):
        return None
    named = sizes_named(case)
    a, b = (int(g) for g in found.groups())
    if {named.get(a), named.get(b)} != {"B", "T"}:
        return None
    return (
        f"your code raised {out.error}: {a} is {named[a]}, {b} is {named[b]}",
        f"`{line.group(1)}`: transpose(0, 1) swaps the first two axes of a (B, T, D) tensor, the sentences and "
        "the tokens, giving (T, B, D). The scores compare each token with the tokens of its own sentence: swap "
        "the last two axes, X.transpose(-2, -1), (B, T, D) -> (B, D, T).",
    )


def _quoted(out: Outcome, pattern: str) -> str:
    """The student's first line matching `pattern`, in backquotes, or "" if none."""
    line = source_line(out, pattern)
    return f"`{line}`" if line else ""


def _compared_not_assigned(out: Outcome) -> str:
    line = source_line(out, r"^\s*self\.\w+\s*==")
    return (
        f"`{line}` compares with ==, and throws the answer away: nothing is stored. Assign with a single =: "
        f"{line.replace('==', '=', 1)}."
    )


def _bias_off(out: Outcome) -> str:
    line = source_line(out, r"bias\s*=\s*False")
    return (
        f"`{line}` builds a layer without a bias, and the course's layers have one (nn.Linear's default): "
        "remove bias=False."
    )


_REDUCED = r"\.(amax|max|sum|any|all|mean)\(\s*(dim\s*=\s*)?-1\s*\)"


def _lost_keepdim(case: Case, out: Outcome) -> Finding | None:
    """A size error, and a reduction over dim=-1 without keepdim=True in the code: its result
    lost the axis it reduced, so it lines up with the wrong one."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    line = source_line(out, _REDUCED)
    if not found or not line:
        return None
    reduction = re.search(_REDUCED, line).group(0)
    return (
        f"your code raised {out.error}",
        f"A reduction lost its dimension: in `{line}`, {reduction.lstrip('.')} has shape (..., ) not (..., 1), "
        "so it lines up with the last axis of the tensors it meets instead of their rows. Add keepdim=True to "
        "that reduction.",
    )


def _numpy_no_grad(out: Outcome) -> str:
    line = source_line(out, r"\.numpy\(|np\.")
    said = f"`{line}` hands a tensor to NumPy" if line else "Your code hands a tensor to NumPy"
    return (
        f"{said}, and NumPy cannot follow gradients: .numpy() refuses a tensor that requires grad, as every tensor "
        "computed from a model's weights does while the model trains. Compute with torch's own operations "
        "(torch.cos, torch.cat, repeat_interleave, ...), which PyTorch differentiates."
    )


def _xor(out: Outcome) -> str:
    line = source_line(out, r"\^")
    said = f"`{line}`: ^" if line else "^"
    return (
        f"{said} is Python's exclusive or (XOR) of the bits of whole numbers, not a power, and PyTorch has no XOR "
        "for floats. A power is written **: 2 ** 30, d ** 0.5."
    )


# Errors that say clearly what went wrong, whatever the exercise. Tried after an exercise's own.
COMMON_ERRORS = (
    raised(
        "no-forward",
        "Your class has no forward method, so calling it reaches nn.Module's own, which raises. Define "
        "def forward(self, X): inside the class, spelled exactly so (forward, not foward), indented under it.",
        error=r'missing the required "forward" function',
    ),
    raised(
        "softmax-no-dim",
        "torch.softmax needs dim, the axis along which the weights sum to 1: each query's row, the last "
        "dimension: torch.softmax(scores, dim=-1).",
        error=r"softmax\(\) missing 1 required positional argument",
    ),
    raised(
        "arange-no-step",
        lambda out: f"{_quoted(out, r'arange') or 'torch.arange'}: arange counts up, by 1, unless given a step, "
        "so from a larger start to a smaller end there is nothing to count. Counting down needs step -1: "
        "torch.arange(T - 1, -1, -1).",
        error=r"upper bound and lower bound inconsistent with step sign",
        source=r"arange\(",
        both=True,
    ),
    raised(
        "compared-not-assigned",
        _compared_not_assigned,
        error=r"^AttributeError: .*has no attribute",
        source=r"^\s*self\.\w+\s*==",
        both=True,
    ),
    raised("bias-off", _bias_off, error=r"^ModuleShapeError: .*\.bias\b", source=r"bias\s*=\s*False", both=True),
    raised(
        "mixed-dtypes",
        _mixed_dtypes,
        error=r"expected scalar type (Double|Float) but found (Float|Double)|"
        r"expected m1 and m2 to have the same dtype|same dtype.*(Double|Float|float64|float32)",
    ),
    raised("undefined-name", _undefined, error=r"^NameError: name '\w+' is not defined"),
    raised("unbound-local", _unbound, error=r"^UnboundLocalError: .*local variable '\w+'"),
    raised(
        "float-size",
        lambda out: _float_size(out),
        error=r"must be tuple of ints, ?but got float|must be tuple of (Sym)?Ints, but found element of type "
        r"float|empty\(\) received an invalid combination of arguments.*float",
    ),
    raised(
        "not-contiguous",
        "After transpose (or permute) a tensor is no longer contiguous in memory, so .view() "
        "refuses it. Use .reshape(...), or .contiguous().view(...).",
        error=r"view size is not compatible",
    ),
    raised(
        "weights-second",
        "The weights come first: weights @ X (or weights @ v), (B, T, T) x (B, T, D) -> "
        "(B, T, D): each row of weights mixes the rows of X.",
        error=MATMUL_SIZES,
        source=r"\b(X|x|v|values?)\s*@\s*(weights|w|attn\w*|probs)\b",
        both=True,
    ),
    raised(
        "values-transposed",
        "v goes into the product as it is, (B, T, D): weights @ v. Transposing it "
        "makes (B, D, T), which does not fit (B, T, T) weights.",
        error=MATMUL_SIZES,
        source=r"@\s*(v|values?)\s*\.\s*(transpose|T\b|mT\b)",
        both=True,
    ),
    raised("numpy-needs-no-grad", _numpy_no_grad, error=r"Can't call numpy\(\) on Tensor that requires grad"),
    raised("xor-not-power", _xor, error=r"bitwise_xor|unsupported operand type\(s\) for \^", source=r"\^", both=True),
    raised(
        "negative-step",
        "PyTorch tensors cannot be sliced with a negative step: x[::-1] fails. Use "
        "x.flip(0), or count down with torch.arange(T - 1, -1, -1).",
        error=r"step must be greater than zero",
    ),
    *crashes.CRASHES,
    Mistake("transposed-batch", lambda case, out, expected: _transposed_batch(case, out), on_error=True),
    Mistake("lost-keepdim", lambda case, out, expected: _lost_keepdim(case, out), on_error=True),
    raised("matmul-sizes", _matmul_sizes, error=MATMUL_SIZES),
    Mistake("broadcast-sizes", lambda case, out, expected: _broadcast_sizes(case, out), on_error=True),
    raised(
        "no-last-weights",
        lambda out: reading.no_last_weights(out),
        error=r"self\.last_weights should hold the attention weights",
    ),
    raised(
        "init-returns",
        "__init__ must not return anything: calling the class builds the object, and __init__ "
        "only fills it in. Remove the `return` line from __init__.",
        error=r"__init__\(\) should return None",
    ),
    raised(
        "super-init-args",
        "nn.Module's own __init__ takes no arguments: call super().__init__() with empty "
        "parentheses, then store what your module needs yourself, on the lines after it (self.name = name).",
        error=r"__init__\(\) (takes 1 positional argument but \d+ were given|got an unexpected keyword argument)",
        source=r"super\([^)]*\)\.__init__\(\s*[^)\s]",
        both=True,
    ),
    raised(
        "tensor-as-bool",
        lambda out: _tensor_as_bool(out),
        error=r"Boolean value of Tensor with more than one value is ambiguous",
    ),
    *errors.COMMON_RAISED,
)


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
    forms += [(1 / math.log(a), f"1 / ln {a}") for a in sizes] + [(math.log(a), f"ln {a}") for a in sizes]
    for value, text in forms:
        if abs(value - c) <= 1e-3 * abs(c):
            return f" = {text}"
    return ""


def _scaling_lines(out: Outcome) -> list[str]:
    """The lines of the code that scale by a square root or a power of a size."""
    pattern = r"sqrt\(|\*\*\s*\(?\s*-?\s*(0?\.5|1\s*/\s*2)"
    return [
        line.strip()
        for raw in (out.source or "").splitlines()
        if re.search(pattern, line := without_comment(raw)) and not re.match(r"\s*(def|class) ", line)
    ]


def _proportional(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """The result is the right one times one number, or each row the right row times a number
    of its own: a scale or a normalisation is off, and the rest is right."""
    got, want = out.output, expected
    if (
        tuple(got.shape) != tuple(want.shape)
        or not want.is_floating_point()
        or not got.is_floating_point()
        or got.dim() == 0
        or not torch.isfinite(got).all()
        or close(got, want)
    ):
        return None
    g, w = got.double(), want.double()
    big = w.abs() > 1e-3 * w.abs().max()
    if not big.any():
        return None
    ratio = torch.where(big, g / torch.where(big, w, torch.ones_like(w)), torch.full_like(w, float("nan")))
    c = float(ratio[big].median())
    if c != 0 and torch.allclose(g, c * w, rtol=1e-3, atol=1e-5):
        again = same_factor_again(out, c, w)
        if again is None:
            return None  # every right number alike: any constant output is "a factor" of them
        named = _explain_factor(c, case)
        scaling = _scaling_lines(out) if named else []
        said = f"`{scaling[0]}` scales by a size: your factor is {named[3:]}. " if len(scaling) == 1 else ""
        return (
            f"every number of yours is {fmt_num(c)} times the right one{named}, here and on the same input with each "
            "number varied"
            if again
            else f"every number of yours is {fmt_num(c)} times the right one{named}",
            f"{said}Your result is right but for one factor, the same everywhere: a scale is missing, extra, or "
            "taken from the wrong size. Compare each division or multiplication by a constant with the formula.",
        )
    if got.dim() < 2:
        return None
    per_row = ratio.nanmedian(dim=-1, keepdim=True).values
    if torch.isfinite(per_row).all() and (per_row != 0).all() and torch.allclose(g, per_row * w, rtol=1e-3, atol=1e-5):
        low, high = float(per_row.min()), float(per_row.max())
        return (
            f"each row of yours is the right row times a number of its own, from {fmt_num(low)} to {fmt_num(high)}",
            "Every row points the right way but has the wrong size: a division of each row by a number of its "
            "own (the softmax's sum) is missing, or divides by the wrong sum.",
        )
    return None


def _power_precedence(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Right but for one factor, with `** -1/2` (or `** 1/2`) in the code: ** binds tighter than /."""
    line = source_line(out, r"\*\*\s*-?\s*1\s*/\s*2\b")
    finding = _proportional(case, out, expected) if line else None
    if not finding or not finding[0].startswith("every number"):
        return None
    return (
        finding[0],
        f"`{line}`: ** binds tighter than /, so d ** -1/2 is (d ** -1) / 2, that is 1 / (2d), not 1 / √d. "
        "Write d ** -0.5, or 1 / math.sqrt(d).",
    )


def _minus_before_power(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Right but for a negative factor, with `-x ** 0.5` (or -(x ** 0.5)) in the code: the minus
    applies to the power, not to the exponent."""
    line = source_line(out, r"(^|[=(,]\s*)-\s*\(?\s*[\w.]+\s*\*\*")
    finding = _proportional(case, out, expected) if line else None
    if not finding or not finding[0].startswith("every number of yours is -"):
        return None
    power = re.search(r"-\s*(\()?\s*([\w.]+)\s*\*\*", line)
    bracket, base = (power.group(1), power.group(2)) if power else ("", "x")
    if bracket:
        return (
            finding[0],
            f"`{line}`: -({base} ** 0.5) is minus √{base}, a negative number, not {base} to a negative power. Put "
            f"the minus in the exponent: {base} ** -0.5 is 1/√{base}.",
        )
    return (
        finding[0],
        f"`{line}`: ** binds tighter than the minus sign in front of it, so -{base} ** 0.5 is -({base} ** 0.5), a "
        f"negative number, not {base} to a negative power. Put the minus in the exponent: {base} ** -0.5 is 1/√{base}.",
    )


# Results right but for a scale or a shape, whatever the exercise. Tried after an exercise's own mistakes.
COMMON_VALUES = (
    Mistake("power-precedence", _power_precedence),
    Mistake("minus-before-power", _minus_before_power),
    Mistake("proportional", _proportional),
    Mistake("shape-of-right-numbers", _right_numbers_other_shape),
)

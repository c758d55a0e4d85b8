"""Right numbers of the wrong type (float64, integers, a list), or rounded down to whole
numbers, sizes kept as something other than an int, and constructors that must refuse their
arguments: what judging says when the values are not the whole story."""

from __future__ import annotations

import re

import torch
from torch import Tensor

from helpers import running
from helpers.lessons.records import Exercise, Finding, Mistake
from helpers.lessons.toolkit import source_line
from helpers.running import Case, Outcome
from helpers.tolerances import fmt_num


def dtype_problem(ex: Exercise, out: Outcome, expected: Tensor) -> tuple[str, str, str]:
    """(key, evidence, message) for an output with the right values and the wrong dtype,
    naming a cause only where the candidate's code shows it."""
    got, want = out.output.dtype, expected.dtype
    evidence = f"the values are right, but expected a tensor of {want}, got {got}"
    if not want.is_floating_point and got.is_floating_point:
        line = source_line(out, r"linspace|\.float\(|\.double\(|dtype\s*=\s*(torch\.)?float")
        where = f" This line makes floats: `{line}`." if line else ""
        return (
            "not-integer",
            evidence,
            f"{ex.name} should return integers, which can index a tensor and go "
            f"into F.one_hot; floats cannot.{where} torch.arange with whole-number arguments gives int64.",
        )
    if not want.is_floating_point and not got.is_floating_point:
        return (
            "index-dtype",
            evidence,
            f"PyTorch's integers for indices are {want} (torch.long): F.one_hot "
            f"refuses {got}. Leave out dtype=..., or add .long().",
        )
    if want == torch.float32 and got == torch.float64:
        line = source_line(out, r"\.double\(|torch\.float64|torch\.double\b|dtype\s*=\s*float\b")
        numpy = source_line(out, r"\bnp\.|numpy")
        if line:
            where = f"This line makes float64: `{line}`."
        elif numpy:
            where = f"NumPy computes in float64, and so does a tensor made from its arrays: `{numpy}`."
        else:
            where = "A float64 tensor entered your computation, and everything it touched became float64."
        return (
            "float64",
            evidence,
            f"{where} Keep float32, the dtype of the inputs: it is what the rest of the "
            "course (and every model) uses, and float64 takes twice the memory.",
        )
    return ("dtype", evidence, f"{ex.name} should return {ex.returns}, in {want}.")


def refusal_problem(ex: Exercise, case: Case, out: Outcome) -> tuple[str, str, str] | None:
    """(key, evidence, message) when a constructor given sizes it must refuse, case.init,
    did not raise a ValueError that names them all; None when it did."""
    args = ", ".join(str(a) for a in case.init)
    want = f"expected {ex.name}({args}) to raise a ValueError"
    example = 'raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")'
    error = out.error or ""
    said = re.sub(r" \(line \d+(: .*)?\)$", "", error)  # without where it was raised
    if error.startswith("ValueError"):
        missing = [
            a for a in case.init if not re.search(rf"(?<!\d)(?<!\d\.){a}(?!\d)(?!\.\d)", said.split(": ", 1)[-1])
        ]
        if not missing:
            return None
        return (
            "init-error-without-numbers",
            f"{want} that names {' and '.join(args.split(', '))}; yours says \"{said.split(': ', 1)[-1]}\"",
            f"Say both numbers, so that whoever reads the error knows what to change: {example}.",
        )
    if error.startswith("AssertionError"):
        return (
            "init-assert",
            f"{want}, got {error}",
            f"An assert is not the check asked for: it raises AssertionError, and Python skips asserts "
            f"altogether when run with -O. Raise a ValueError that names both numbers: {example}.",
        )
    if error.startswith(running.ConstructorDidNotRaise.__name__) or out.error is None:
        return (
            "init-no-error",
            f"{want}, but it was built without an error",
            "Check the sizes in __init__, before anything else: without the check, a wrong size fails only "
            f"later, deep inside forward, with an error about view. {example}.",
        )
    return (
        "init-wrong-error",
        f"{want}, got {error}",
        f"Check the sizes yourself at the start of __init__ and raise a ValueError: {example}.",
    )


def additive_mask(ex: Exercise, out: Outcome, expected: Tensor) -> tuple[str, str, str] | None:
    """A mask made of numbers where booleans are wanted, with the right pattern as 0 and -inf:
    an additive mask, the form some libraries add to the scores."""
    got = out.output
    if got.shape != expected.shape or not got.is_floating_point():
        return None
    if torch.equal(got, torch.zeros_like(got).masked_fill(~expected, float("-inf"))):
        line = source_line(out, r"inf")
        quoted = f"`{line}` turns" if line else "Your code turns"
        return (
            "additive-mask",
            "expected a tensor of booleans (True = may attend), got floats: 0 where a key may be attended and -inf "
            "where it may not, the right pattern as an additive mask",
            f"{quoted} the mask into numbers to add to the scores, the form some libraries take. The course's "
            "masks are booleans, True where a query may attend, and masked_fill(~mask, float('-inf')) makes the "
            "-inf where it is used: return the boolean mask itself.",
        )
    return None


def _listed(x: Tensor, count: int = 4) -> str:
    """The first few numbers of x, as the messages show them: [0, 3, 12, ...]."""
    numbers = [fmt_num(float(v)) for v in x.reshape(-1)[:count]]
    return "[" + ", ".join(numbers) + (", ...]" if x.numel() > count else "]")


def _rounded_down(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Whole numbers, each the right one rounded down (floor), where the right ones are not all
    whole: // (floor division) where / was meant, or a cast to integers on the way."""
    got = out.output
    if got is None or tuple(got.shape) != tuple(expected.shape) or got.dtype == torch.bool:
        return None
    if not expected.is_floating_point() or got.numel() == 0:
        return None
    want, mine = expected.double(), got.double()
    if not torch.isfinite(want).all() or torch.equal(want, want.floor()):
        return None  # nothing to round down
    slack = 1e-6 * want.abs().clamp(min=1.0)  # a whole number, as float32 holds it, may sit just below
    if not ((mine == (want - slack).floor()) | (mine == (want + slack).floor())).all():
        return None
    line = source_line(out, r"//")
    other = source_line(out, r"rounding_mode|\bfloor\(|\.(long|int)\(\)|\bint\(")
    if not (got.any() or line or other):
        return None  # zeros alone, from code that shows no rounding, say little
    mine, right = _listed(got), _listed(expected)
    evidence = (
        f"your numbers, {mine}, are the right ones {right} rounded down to whole numbers"
        if got.is_floating_point()
        else f"your numbers, a tensor of {got.dtype}, {mine}, are the right ones {right} rounded down to whole numbers"
    )
    if line:
        return evidence, (
            f"`{line}` divides with //, floor division: it rounds down to a whole number, and gives integers "
            "where both sides are integers. Divide with /, true division, which keeps the fraction and gives floats."
        )
    if other:
        return evidence, f"`{other}` drops the fraction. Keep it: divide with / and leave the result in floats."
    return evidence, (
        "Something rounds down: // (floor division), torch.div(..., rounding_mode='floor'), int(), .long() or "
        "torch.floor drop the fraction. Divide with / and keep floats."
    )


# Tried where floats are wanted and integers came back (judging), and by exercises whose answers are
# sizes that // would round (8.5), among their own mistakes.
ROUNDED_DOWN = Mistake("rounded-down", _rounded_down)


def _size_not_int(out: Outcome) -> str:
    """A size kept as a tensor, an nn.Parameter or a float: the line that stores it, and the plain int."""
    found = re.search(r"expected self\.(\w+) to be", out.error or "")
    name = found.group(1) if found else "hidden_size"
    line = source_line(out, rf"self\.{name}\s*=")
    quoted = (
        f"`{line}` keeps self.{name} as something other than a plain int"
        if line
        else f"Your module keeps self.{name} as something other than a plain int"
    )
    plain = "embed_size // num_heads, with integer division" if name in ("d_head", "head_dim") else name
    return (
        f"{quoted}. A size counts numbers (features, heads): kept as a tensor or an nn.Parameter it becomes a float "
        f"that an optimiser may change, and view, reshape and nn.Linear need a Python int. Keep the number itself: "
        f"self.{name} = {plain}."
    )


_KEPT_AS = re.compile(
    r"^SizeNotInt: expected self\.(\w+) to be (?:the int (-?\d+) that (.*) was given|an int), got "
    r"(?:(an nn\.Parameter|a tensor) of (\w+)(?: holding (\S+))?|the float (\S+)|an object of type (\w+))$"
)


def _size_kept_as(case: Case, out: Outcome, expected: Tensor | None) -> tuple[str, str] | None:
    """What a size was kept as (running.check_sizes says it), and what to do."""
    found = _KEPT_AS.match(out.error or "")
    if not found:
        return None
    name, given, built, kind, dtype, value, number, other = found.groups()
    if kind == "an nn.Parameter":
        got = f"an nn.Parameter of {dtype} holding {value}" if value else f"an nn.Parameter of {dtype}"
    elif kind:
        got = f"a tensor of {dtype} holding {value}" if value else f"a tensor of {dtype}"
    else:
        got = f"the float {number}" if number else f"an object of type {other}"
    evidence = (
        f"expected self.{name} to be the int {given} that {built} was given, got {got}"
        if given
        else f"expected self.{name} to be an int, got {got}"
    )
    return evidence, _size_not_int(out)


SIZE_NOT_INT = Mistake("size-not-int", _size_kept_as, on_error=True)

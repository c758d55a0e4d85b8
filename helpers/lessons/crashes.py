"""Errors explained by the student's own operation, whatever the exercise: which of their
expressions gave a tensor the shape that then failed to line up (found by running that
expression on a shapeless copy of the input), an argument called without a default it needs,
an attribute read before anything set it, and the way out PyTorch's own error names. Tried
with lessons/common.py's errors, after an exercise's own mistakes.

    reshaped_mask      a mask made (T, 1, T) by `mask[:, None, :]` meets (B, T, T) scores
    needs_default      forward(self, X, mask) called as head(X)
    read_before_set    `hidden_size = self.hidden_size`, or self.x read and never set
    torch_says         "If you are trying to invert a mask, use the `~` ... instead."
"""

from __future__ import annotations

import ast
import re
import textwrap

import torch
from torch import Tensor

from helpers.lessons import reading
from helpers.lessons.records import Finding, Mistake
from helpers.lessons.toolkit import axis_names, without_comment
from helpers.running import Case, Outcome

SIZES_MET = r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)"
SHAPE_CALLS = {"unsqueeze", "squeeze", "view", "reshape", "transpose", "permute", "flatten", "movedim", "swapaxes"}


def _raised_line(out: Outcome) -> str:
    found = re.search(r"\(line \d+: (.*)\)$", out.error or "")
    return without_comment(found.group(1)).strip() if found else ""


def _index(node: ast.AST):
    """A subscript's index as Python would build it, for None, :, ... and whole numbers only."""
    if isinstance(node, ast.Tuple):
        return tuple(_index(e) for e in node.elts)
    if isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis or type(node.value) is int):
        return node.value
    if isinstance(node, ast.Slice) and node.lower is node.upper is node.step is None:
        return slice(None)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    raise ValueError


def _shaped(node: ast.AST, name: str, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape `node` gives when it is an operation on `name` that only moves or adds axes
    (name.unsqueeze(1), name[:, None, :], ...), run on a shapeless tensor of `shape`; else None."""
    meta = torch.empty(shape, device="meta")
    try:
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
            return tuple(meta[_index(node.slice)].shape)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SHAPE_CALLS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            return tuple(getattr(meta, node.func.attr)(*args, **kwargs).shape)
    except (ValueError, TypeError, RuntimeError, IndexError, SyntaxError):
        return None
    return None


def _reshapes(source: str, name: str, shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """Every expression of the code that gives `name` another shape: (its text, the shape)."""
    text = textwrap.dedent(source or "")
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        new = _shaped(node, name, shape)
        if new is not None and new != tuple(shape):
            found.append((ast.get_source_segment(text, node) or "", new))
    return found


def _named(shape: tuple[int, ...], names: dict[int, str]) -> str:
    return "(" + ", ".join(names.get(n, "1" if n == 1 else str(n)) for n in shape) + ")"


def _fits(shape: tuple[int, ...], into: tuple[int, ...]) -> bool:
    try:
        return tuple(torch.broadcast_shapes(shape, into)) == tuple(into)
    except RuntimeError:
        return False


def reshaped_mask(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """Sizes that do not line up, where the code gave the mask another shape (one expression
    does) that no longer lines up with the (B, T, T) scores, and the mask as given did."""
    met = re.search(SIZES_MET, out.error or "")
    if not met or len([a for a in case.init if isinstance(a, int)]) > 1:  # heads: the mask needs a head axis
        return None
    at = next((i for i, x in enumerate(case.inputs) if isinstance(x, Tensor) and x.dtype == torch.bool), None)
    first = next((x for x in case.inputs if isinstance(x, Tensor) and x.is_floating_point()), None)
    args = reading.arguments(out)
    if at is None or first is None or first.dim() != 3 or at >= len(args):
        return None
    mask, name = case.inputs[at], args[at]
    B, T = first.shape[:2]
    scores = (B, T, T)
    found = _reshapes(out.source, name, tuple(mask.shape))
    if len({text for text, _ in found}) != 1 or not _fits(tuple(mask.shape), scores):
        return None
    text, new = found[0]
    if _fits(new, scores):
        return None
    names = {B: "B", T: "T"} if B > 1 else {T: "T"}
    for n, axis in zip(first.shape, axis_names(first)):
        names.setdefault(n, axis)
    was, now = _named(tuple(mask.shape), names), _named(new, names)
    return (
        f"your code raised {out.error}",
        f"`{text}` makes {name}, {tuple(mask.shape)} = {was}, into {new} = {now}, which does not line up with the "
        f"scores, {scores} = (B, T, T): broadcasting matches shapes from the right and stretches only axes of size "
        f"1. {name} as it comes, {was}, already lines up with (B, T, T): use it without `{text}`.",
    )


def needs_default(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """forward() missing a required positional argument: the check calls it without one, as
    the exercise's signature allows, so that argument needs a default."""
    found = re.search(r"(\w+)\(\) missing 1 required positional argument: '(\w+)'", out.error or "")
    if not found or found.group(1) in ("softmax", "__init__"):
        return None
    function, argument = found.groups()
    header = re.search(rf"^\s*def\s+{re.escape(function)}\s*\((.*)\)\s*(->[^:]*)?:", out.source or "", re.M)
    if not header or not re.search(rf"\b{re.escape(argument)}\b(?!\s*=)", header.group(1)):
        return None
    params = header.group(1).strip()
    fixed = re.sub(rf"\b{re.escape(argument)}\b(?!\s*=)", f"{argument}=None", params, count=1)
    return (
        f"your code raised {out.error}",
        f"`def {function}({params}):` requires {argument}, and {function} is also called without one, as the "
        f"exercise asks: give it a default, def {function}({fixed}):, and skip what uses {argument} when it is "
        "None.",
    )


def read_before_set(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """AttributeError on self.x: an assignment written the wrong way round, x = self.x, or an
    attribute no line of the class sets (it sets others)."""
    found = re.search(r"^AttributeError: '\w+' object has no attribute '(\w+)'", out.error or "")
    if not found:
        return None
    attribute, line = found.group(1), _raised_line(out)
    backwards = re.match(rf"^(\w+)\s*=\s*self\.{attribute}$", line)
    if backwards:
        name = backwards.group(1)
        return (
            f"your code raised {out.error}",
            f"`{line}` reads self.{attribute}, which nothing has set yet, and puts it in {name}: = copies its right "
            f"side into its left. To keep the argument on the module, turn it round: self.{attribute} = {name}.",
        )
    code = "\n".join(without_comment(x) for x in (out.source or "").splitlines())
    if not re.search(rf"\bself\.{attribute}\b", line) or re.search(rf"\bself\.{attribute}\s*(:[^=]*)?=[^=]", code):
        return None
    init = re.search(r"^(\s*)def __init__\(.*?(?=^\1def |\Z)", code, re.M | re.S)
    stored = list(dict.fromkeys(re.findall(r"\bself\.(\w+)\s*(?::[^=]*)?=[^=]", init.group(0)))) if init else []
    kept = f": __init__ stores {', '.join(f'self.{s}' for s in stored)}. Read one of those, or" if stored else ":"
    return (
        f"your code raised {out.error}",
        f"`{line}` reads self.{attribute}, and no line of your class sets it{kept} store self.{attribute} in "
        "__init__ before anything reads it.",
    )


def torch_says(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """PyTorch's own error names the way out ("If you are trying to ..., use ... instead.")."""
    advice = re.search(r"(If you are trying to [^.]*?, use .*?instead\.?)", out.error or "")
    line = _raised_line(out)
    if not advice or not line:
        return None
    return (
        f"your code raised {out.error}",
        f"`{line}` fails, and PyTorch's error says what to write instead: {advice.group(1)}",
    )


CRASHES = (
    Mistake("mask-reshaped", reshaped_mask, on_error=True),
    Mistake("needs-default", needs_default, on_error=True),
    Mistake("read-before-set", read_before_set, on_error=True),
    Mistake("torch-says", torch_says, on_error=True),
)

"""Reading a student's code for evidence: the structure of its loops, a value computed and
thrown away, the names it gives the axes of a shape, the lines that write into a tensor it
was given. Python's own ast module parses it (a regular expression cannot tell which loop a
line is in). Each reader returns "" or {} when the code says nothing, or cannot be parsed
(a class defined in a notebook may come back as its methods only): a check then names no cause.
"""

from __future__ import annotations

import ast
import re
import textwrap

import torch
from torch import Tensor

from helpers.lessons.toolkit import source_line, without_comment
from helpers.running import Outcome
from helpers.tolerances import ATOL, RTOL

# Calls that make a new tensor to be filled in.
_MAKERS = {"zeros", "zeros_like", "empty", "empty_like", "ones", "ones_like", "full", "full_like", "tensor"}


def _parsed(out: Outcome) -> tuple[ast.AST, list[str]] | None:
    source = textwrap.dedent(out.source or "")
    try:
        return ast.parse(source), source.splitlines()
    except (SyntaxError, ValueError):
        return None


def _line(lines: list[str], node: ast.AST) -> str:
    return without_comment(lines[node.lineno - 1]).strip()


def _inside(loop: ast.For) -> list[ast.AST]:
    """The statements a loop runs, nested ones included, but not those of a function defined in it."""
    found, todo = [], list(loop.body)
    while todo:
        node = todo.pop(0)
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return found


def loop_slips(out: Outcome) -> dict[str, tuple[str, str]]:
    """What the code's outermost loops do that loses work: {"return-in-loop": (the return, the
    for line)} when a return sits inside a loop, so the function ends during the first pass;
    {"made-in-loop": (the line, the for line)} when a tensor that the loop then writes into,
    name[...] = ..., is made anew (torch.zeros, ...) on every pass."""
    parsed = _parsed(out)
    if parsed is None:
        return {}
    tree, lines = parsed
    found: dict[str, tuple[str, str]] = {}
    for loop in (n for n in ast.walk(tree) if isinstance(n, ast.For)):
        body = _inside(loop)
        head = _line(lines, loop)
        ret = next((n for n in body if isinstance(n, ast.Return)), None)
        if ret is not None:
            found.setdefault("return-in-loop", (_line(lines, ret), head))
        written = {
            t.value.id
            for n in body
            if isinstance(n, (ast.Assign, ast.AugAssign))
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
        }
        for n in body:
            if (
                isinstance(n, ast.Assign)
                and len(n.targets) == 1
                and isinstance(n.targets[0], ast.Name)
                and n.targets[0].id in written
                and isinstance(n.value, ast.Call)
                and getattr(n.value.func, "attr", getattr(n.value.func, "id", "")) in _MAKERS
            ):
                found.setdefault("made-in-loop", (_line(lines, n), head))
    return found


def discarded(out: Outcome) -> str:
    """The first line whose whole statement is arithmetic on an element of a tensor, its
    result thrown away, `changed[1] + 1`: it changes nothing."""
    parsed = _parsed(out)
    if parsed is None:
        return ""
    tree, lines = parsed
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.BinOp)
            and isinstance(node.value.left, ast.Subscript)
        ):
            return _line(lines, node)
    return ""


def shape_names(out: Outcome) -> list[tuple[str, list[str], str]]:
    """Every `a, b, c = x.shape` (or x.size()): (x, [a, b, c], the line)."""
    parsed = _parsed(out)
    if parsed is None:
        return []
    tree, lines = parsed
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Tuple):
            continue
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "size":
            value = value.func
        elif not (isinstance(value, ast.Attribute) and value.attr == "shape"):
            continue
        if isinstance(value.value, ast.Name) and all(isinstance(e, ast.Name) for e in node.targets[0].elts):
            found.append((value.value.id, [e.id for e in node.targets[0].elts], _line(lines, node)))
    return found


def arguments(out: Outcome) -> list[str]:
    """The names of the first function's (or forward's) arguments, self left out."""
    parsed = _parsed(out)
    if parsed is None:
        return []
    tree, _ = parsed
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    function = next((f for f in functions if f.name == "forward"), functions[0] if functions else None)
    if function is None:
        return []
    return [a.arg for a in function.args.args if a.arg != "self"]


def writes_into(out: Outcome, names: list[str]) -> str:
    """The first line that writes into one of `names` in place: name.op_(...), name op= ...,
    or name[...] = ..."""
    if not names:
        return ""
    alternatives = "|".join(re.escape(n) for n in names)
    pattern = rf"^\s*({alternatives})\s*(\.\w+_\(|[-+*/]=|\[[^\]]*\]\s*[-+*/]?=(?!=))"
    for line in (out.source or "").splitlines():
        code = without_comment(line)
        if re.search(pattern, code):
            return code.strip()
    return ""


def lost_passes(out: Outcome, zeroed, right, noun: str) -> tuple[str, str] | None:
    """(what the zeros are, what the code does) when the slices along a loop's axis that are
    all 0 (`zeroed`, one bool per slice, where the right slice is not 0) and the right ones
    (`right`) are what a loop slip leaves, and the code has that slip: only the first slice
    filled and a return inside the loop, or only the last and the tensor made in the loop."""
    n = len(zeroed)
    if n < 2:
        return None
    slips = loop_slips(out)
    if "return-in-loop" in slips and bool(right[0]) and bool(zeroed[1:].all()):
        ret, head = slips["return-in-loop"]
        return (
            f"every {noun} but {noun} 0 is all 0, and {noun} 0 is right",
            f"`{ret}` is inside the loop `{head}`: the function returns during the loop's first pass, when only "
            f"{noun} 0 has been written, and every other {noun} keeps the 0 it started with. Dedent the return so "
            "that it runs once, after the loop.",
        )
    if "made-in-loop" in slips and bool(right[-1]) and bool(zeroed[:-1].all()):
        made, head = slips["made-in-loop"]
        return (
            f"every {noun} but the last is all 0, and the last is right",
            f"`{made}` is inside the loop `{head}`: each pass starts again from a new tensor of zeros, so only "
            f"what the last pass wrote, the last {noun}, survives. Make the tensor once, before the loop.",
        )
    return None


def lost_slices(out: Outcome, got: Tensor, want: Tensor, names: tuple[str, ...]) -> tuple[str, str, str] | None:
    """("left-at-zero", evidence, message) for slices along the first axis, or rows along the
    second-to-last, left at 0 as a loop slip leaves them (see lost_passes), when the code has
    that slip; `names` are the output's axes ("B", "T", ...) or ()."""
    words = {"B": "sentence", "T": "query", "H": "head"}
    for dim in (0, got.dim() - 2):
        g, w = got.movedim(dim, 0).double(), want.movedim(dim, 0).double()
        g, w = g.reshape(g.shape[0], -1), w.reshape(w.shape[0], -1)
        zeroed = (g == 0).all(dim=1) & (w != 0).any(dim=1)
        right = torch.isclose(g, w, rtol=RTOL, atol=ATOL).all(dim=1)
        noun = words.get(names[dim], "slice") if names else ("slice" if dim == 0 else "row")
        found = lost_passes(out, zeroed, right, noun)
        if found:
            return ("left-at-zero", f"in your output, {found[0]}", found[1])
    return None


# A reduction over a whole tensor: no dim, so every sentence of a batch at once.
WHOLE_REDUCTION = (
    r"\.(std|var|mean|sum|max|min|amax|amin|norm|median|logsumexp)\(\s*\)"
    r"|\btorch\.(std|var|mean|sum|max|min|amax|amin|norm|median)\(\s*[\w.]+\s*\)"
)
LAST_TWO_AXES = r"transpose\(\s*-2\s*,\s*-1\s*\)|transpose\(\s*-1\s*,\s*-2\s*\)|\.mT\b"


def what_mixes(out: Outcome) -> str:
    """What to look at once a changed sentence moved another: a reduction over the whole tensor
    that the code takes; or, where the code already multiplies on the last two axes and takes
    its softmax over dim=-1 (so that keeping to them is no advice), the places where sentences
    can meet. "" when the code is missing those: keeping to the last two axes is the advice."""
    line = source_line(out, WHOLE_REDUCTION)
    if line:
        op = re.search(WHOLE_REDUCTION, line).group(0)
        return (
            f"`{line}` takes {op.lstrip('.')} over the whole tensor, every sentence at once, so each sentence's "
            "numbers depend on the others'. Work within one sentence: reduce over its own axes (dim=..., "
            "keepdim=True), or use a number that does not depend on the data."
        )
    if not source_line(out, LAST_TWO_AXES) or (
        source_line(out, r"softmax") and not source_line(out, r"dim\s*=\s*-1\b")
    ):
        return ""
    return (
        "Find the step where numbers of different sentences meet: a reduction with no dim (.sum(), .mean(), "
        ".std(), .max()) or over dim 0, a reshape or view that merges the batch axis with another, a transpose "
        "or an einsum that moves it. Each sentence's result may use that sentence's numbers only."
    )


def thrown_away(out: Outcome, method: str) -> str:
    """The first line whose whole statement is a call of `method` on a tensor, its result thrown
    away, `scores.masked_fill(~mask, float('-inf'))`: a method that returns a new tensor changes
    nothing there."""
    parsed = _parsed(out)
    if parsed is None:
        return ""
    tree, lines = parsed
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == method
        ):
            return _line(lines, node)
    return ""


def mask_not_used(out: Outcome) -> str:
    """Why a mask the code does fill with -inf did not reach the softmax: the filled tensor thrown
    away, or another tensor given to the softmax. "" when the code has no such fill."""
    line = thrown_away(out, "masked_fill")
    if line:
        name = line.split(".masked_fill")[0]
        return (
            f"`{line}` makes a new tensor and throws it away: masked_fill leaves the tensor it is called on as it "
            f"was. Keep what it returns: {name} = {line}."
        )
    line = source_line(out, r"masked_fill\(.*inf")
    if line:
        return (
            f"`{line}` fills the masked scores with -inf, but the softmax is not given what it returns: give the "
            "softmax the masked scores, and use the weights it makes."
        )
    return ""


def kept_other(out: Outcome) -> str:
    """The line that keeps weights forward does not use, where the code has one."""
    line = source_line(out, r"self\.last_weights\s*=(?!=)(?!\s*None\s*$)")
    if not line:
        return ""
    return (
        f"`{line}` keeps weights that forward does not multiply v by. Keep the very tensor that multiplies v, "
        "after the mask and the softmax: the heatmaps should show the weights the output was made with."
    )


def no_last_weights(out: Outcome) -> str:
    """No tensor in self.last_weights after forward: where the code does assign it, that line
    either keeps no tensor or does not run on this call."""
    line = source_line(out, r"self\.last_weights\s*=(?!=)(?!\s*None\s*$)")
    if line:
        return (
            f"`{line}` is there, but after this call of forward self.last_weights held no tensor: keep a tensor "
            "(not .numpy() or .tolist()), on every path through forward (with a mask and without)."
        )
    return (
        "forward must keep the attention weights it computed, for plotting: "
        "self.last_weights = weights.detach(), right after the softmax."
    )

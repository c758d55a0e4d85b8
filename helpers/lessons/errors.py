"""Errors a student's code raised, read together with the line that raised them and the sizes
of the case: what the error says in the student's own terms, whatever the exercise. Tried
with lessons/common.py's, after an exercise's own mistakes."""

from __future__ import annotations

import re

from torch import Tensor

from helpers.lessons import reading
from helpers.lessons.records import Finding, Mistake
from helpers.lessons.toolkit import axis_names, raised, sizes_named, source_line, without_comment
from helpers.lessons.wrong_type import SIZE_NOT_INT
from helpers.running import Case, Outcome


def _raised_line(out: Outcome) -> str:
    found = re.search(r"\(line \d+: (.*)\)$", out.error or "")
    return without_comment(found.group(1)).strip() if found else ""


def _index_past_end(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """IndexError: index n is out of bounds for dimension d with size s. Which axis that is,
    and, when the line indexes a column (X[:, i]), that the loop's index counts another axis."""
    found = re.search(r"index (\d+) is out of bounds for dimension (\d+) with size (\d+)", out.error or "")
    if not found:
        return None
    index, dim, size = (int(g) for g in found.groups())
    named = sizes_named(case)
    name = f" = {named[size]}" if size in named else ""
    line = _raised_line(out)
    said = f"`{line}` asks" if line else "Your code asks"
    message = f"{said} for index {index} along dimension {dim}, whose size is {size}{name}: the last index there is {size - 1}."
    code = "\n".join(without_comment(x) for x in (out.source or "").splitlines())
    written = re.search(r"^\s*(\w+)\s*=\s*(\d+)\s*$|\brange\(\s*(\d+)\s*\)", code, re.M)
    used = written and (
        written.group(3)
        or re.search(rf"\b{written.group(1)}\b", line)
        or re.search(rf"range\(\s*{written.group(1)}\b", code)
    )
    if used and int(written.group(2) or written.group(3)) > size:
        said = source_line(out, re.escape(written.group(0).strip()))
        given = (reading.arguments(out) or ["X"])[0]
        where = f", {named[size]} = {given}.shape[{dim}]" if size in named else ""
        return (
            f"your code raised {out.error}",
            f"`{said}` writes a size into the code, {written.group(2) or written.group(3)}, and this input has "
            f"{size} along dimension {dim}: take sizes from the input{where}, so that any length works.",
        )
    column = re.search(r"\b(\w+)\[\s*:\s*,\s*(\w+)\s*\]", line)
    first = next((x for x in case.inputs if isinstance(x, Tensor)), None)
    if column and dim == 1 and first is not None and first.dim() == 2:
        X, i = column.groups()
        rows, cols = axis_names(first)
        message += (
            f" {X}[:, {i}] takes column {i} of {X}, one of its {first.shape[1]} {'features' if cols == 'D' else cols}, "
            f"while {i} counts the {rows} = {first.shape[0]} {'tokens' if rows == 'T' else 'rows'}: "
            f"{'token' if rows == 'T' else 'row'} {i} is row {i}, {X}[{i}]."
        )
    else:
        message += " Check which axis that index runs over, and the range of the loop that makes it."
    return f"your code raised {out.error}", message


def _attribute_of_none(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """'NoneType' object has no attribute x: a name that is None there, an argument whose
    default is None (mask=None) most often."""
    found = re.search(r"'NoneType' object has no attribute '(\w+)'", out.error or "")
    line = _raised_line(out)
    used = re.search(rf"\b(\w+)\.{found.group(1)}\b", line) if found else None
    if not used:
        return None
    name = used.group(1)
    by_default = re.search(rf"\b{name}\s*=\s*None", out.source or "")
    why = f"{name} is None here: it defaults to None, and this call gave none" if by_default else f"{name} is None here"
    return (
        f"your code raised {out.error}",
        f"`{line}` reads {name}.{found.group(1)}, but {why}. Test for that first, e.g. "
        f"`if {name} is not None and ...:`, and skip what needs it when it is None.",
    )


_MADE_AS_FLOATS = r"(\w*mask\w*)\s*=\s*torch\.(ones|zeros|full|ones_like|zeros_like)\((?![^)]*bool)"


def _invert_on_floats(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """~ on a tensor of floats: a mask made with torch.ones(...) without dtype=torch.bool."""
    if "(operator.invert) is only implemented on integer and Boolean" not in (out.error or ""):
        return None
    made = source_line(out, _MADE_AS_FLOATS)
    if made:
        fix = re.sub(r"\)\s*$", ", dtype=torch.bool)", made.split("=", 1)[1].strip())
        return (
            f"your code raised {out.error}",
            f"`{made}` makes a tensor of floats, and a mask must hold booleans: ~mask, which hides "
            f"the keys where it is False, refuses floats. Make it with dtype=torch.bool: {fix}.",
        )
    return (
        f"your code raised {out.error}",
        "~ (not) works on booleans only, and it met a tensor of floats: a mask must hold True and False. Build it "
        "from a comparison, or with dtype=torch.bool.",
    )


def _shape_names(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """`B, T, H, d_head = x.shape` where x is (B, H, T, d_head): names that the course gives to
    other axes, so every size after it is the wrong one."""
    canonical = {"B": "B", "T": "T", "H": "H", "D": "D", "d_head": "d_head", "d": "d_head", "hs": "d_head"}
    canonical.update({"head_dim": "d_head", "num_heads": "H", "n_heads": "H", "nh": "H", "C": "D", "E": "D"})
    for name, names, line in reading.shape_names(out):
        given = reading.arguments(out)
        x = case.inputs[given.index(name)] if name in given and given.index(name) < len(case.inputs) else None
        if not isinstance(x, Tensor) or x.dim() != len(names):
            continue
        axes = list(axis_names(x))
        mine = [canonical.get(n) for n in names]
        if None in mine or sorted(mine) != sorted(axes) or mine == axes:
            continue
        wrong = [(n, a) for n, a, c in zip(names, axes, mine) if c != a]
        said = ", ".join(f"your {n} holds {a} = {x.shape[axes.index(a)]}" for n, a in wrong)
        if out.error:
            evidence = f"your code raised {out.error}"
        elif out.output is not None and expected is not None and out.output.shape != expected.shape:
            evidence = f"expected shape {tuple(expected.shape)}, got {tuple(out.output.shape)}"
        else:
            return None  # the right shape: the names may not be what went wrong
        return (
            evidence,
            f"`{line}` names the axes in another order than {name} has them: {name} is ({', '.join(axes)}), so "
            f"{said}, and every size computed from them is off. Unpack in {name}'s own order: "
            f"{', '.join(axes)} = {name}.shape.",
        )
    return None


def _vector_into_one_entry(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """`scores[i, j] = <a vector>`: a product of two vectors kept elementwise, put into one number."""
    if not re.search(r"expand\(.*size=\[\]\)|number of sizes provided \(0\)", out.error or ""):
        return None
    line = _raised_line(out)
    if not re.search(r"\w\[[^\]]*\]\s*=[^=]", line):
        return None
    return (
        f"your code raised {out.error}",
        f"`{line}` puts a whole vector into one entry: the right side has one number per feature (a product * of "
        "two vectors is taken pair by pair, not added up). A dot product is one number: "
        "torch.dot(X[i], X[j]), or (X[i] * X[j]).sum().",
    )


def _mask_as_index(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """x[~mask] = ... with a mask of another shape: boolean indexing does not broadcast."""
    found = re.search(r"The shape of the mask \[([\d, ]*)\] at index \d+ does not match", out.error or "")
    if not found:
        return None
    line = _raised_line(out)
    return (
        f"your code raised {out.error}",
        f"`{line}` indexes with a boolean mask of shape ({found.group(1)}), and indexing, unlike arithmetic, does not "
        "broadcast: the mask must have the tensor's own shape. masked_fill broadcasts: "
        "scores.masked_fill(~mask, float('-inf')).",
    )


_SIZED = r"\b(reshape|view|Linear|MultiheadAttention|Embedding|zeros|ones|full|empty|randn|rand|arange)\(([^()]*)\)"


def _written_sizes(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """An error about sizes whose numbers are written into a call of the code, reshape(2, 6, 4)
    or nn.MultiheadAttention(4, 2): sizes of an example, not of this input."""
    said = re.sub(r" \(line \d+(: .*)?\)$", "", out.error or "")
    if not re.search(r"size|shape", said):
        return None
    numbers = {int(n) for n in re.findall(r"\b\d+\b", said)}
    sizes = {n for x in case.inputs if isinstance(x, Tensor) for n in x.shape}
    sizes |= {a for a in case.init if isinstance(a, int)}
    for raw in (out.source or "").splitlines():
        line = without_comment(raw).strip()
        call = re.search(_SIZED, line)
        literals = [int(n) for n in re.findall(r"(?<![\w.])(\d+)(?![\w.])", call.group(2))] if call else []
        literals = [n for n in literals if n > 1]
        foreign = set(literals) - sizes  # a size no input of this case has
        if foreign and set(literals) & numbers and not line.startswith(("def ", "class ")):
            first = next((x for x in case.inputs if isinstance(x, Tensor)), None)
            given = f", and this input is {tuple(first.shape)}" if first is not None else ""
            return (
                f"your code raised {out.error}",
                f"`{line}` writes sizes into the code ({', '.join(map(str, literals))}), the sizes of one example"
                f"{given}: take them from what your code is given (its .shape, or the module's own attributes), "
                "so that any input works.",
            )
    return None


COMMON_RAISED = (
    SIZE_NOT_INT,  # a size kept as a tensor or a float (running.check_sizes)
    Mistake("index-past-end", _index_past_end, on_error=True),
    Mistake("none-attribute", _attribute_of_none, on_error=True),
    Mistake("mask-of-floats", _invert_on_floats, on_error=True),
    Mistake("shape-names", _shape_names, on_error=True),
    Mistake("sizes-written-in", _written_sizes, on_error=True),
    Mistake("vector-into-one-entry", _vector_into_one_entry, on_error=True),
    Mistake("mask-as-index", _mask_as_index, on_error=True),
    raised(
        "sqrt-of-number",
        lambda out: f"`{_raised_line(out)}`: torch.sqrt takes a tensor, and this is a Python number. For a number, "
        "use math.sqrt(d) (or d ** 0.5).",
        error=r"sqrt\(\): argument 'input' \(position 1\) must be Tensor, not (int|float)",
    ),
    raised(
        "negative-stride",
        "A NumPy array read backwards ([::-1]) has a negative stride, which torch.from_numpy refuses. Stay in "
        "PyTorch: torch.arange(T - 1, -1, -1), or torch.arange(T).flip(0).",
        error=r"stride in the given numpy array is negative",
    ),
    raised(
        "in-place-in-graph",
        "An in-place operation (x.exp_(), x += ..., x[...] = ..., masked_fill_) changed a tensor that backward "
        "still needs, so the forward pass gives numbers but cannot be trained. Use the operation that makes a new "
        "tensor: x.exp(), x = x + ..., masked_fill.",
        error=r"modified by an inplace operation",
    ),
)


SHAPE_NAMES = Mistake("shape-names", _shape_names)  # the same, on a result of the wrong shape

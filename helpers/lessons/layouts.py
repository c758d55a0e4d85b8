"""The right numbers kept in part or laid out in another order, part of step 2 (judging),
found by trying simple changes of the reference's output (or of the input's numbers) on the
student's, never by a hand-written variant per answer:

    part_of_right(ex, case, out, expected)  one slice of the right answer (the last sentence a
                                            loop kept), or its mean over an axis
    overwritten(ex, case, out, expected)    along one axis every entry holds the last (or first)
                                            right one: a whole row written on every pass
    read_order(atoms, names, got, want)     the order in which the student's reshape read the
                                            input's numbers, against the right one

Each returns (key, evidence, what to do), or None when the output is not such a change.
"""

from __future__ import annotations

import itertools

from torch import Tensor

from helpers.lessons.records import Exercise
from helpers.lessons.toolkit import source_line
from helpers.running import Case, Outcome
from helpers.tolerances import close

Found = tuple[str, str, str]
NOUNS = {"B": "sentence", "H": "head", "T": "token", "D": "number", "d": "number", "d_head": "number", "S": "key"}
PLURAL = {"B": "sentences", "H": "heads", "T": "tokens", "S": "keys"}


def _same(a: Tensor, b: Tensor) -> bool:
    return tuple(a.shape) == tuple(b.shape) and close(a, b, equal_nan=True)


def _axis_words(ex: Exercise, want: Tensor, axis: int) -> tuple[str, str]:
    """(noun, plural) for an axis of the right output: ("sentence", "sentences") for B."""
    names = ex.produces.axes if ex.produces and len(ex.produces.axes) == want.dim() else ()
    name = names[axis] if names else ""
    if name == "T" and axis == want.dim() - 1 and want.dim() >= 2 and names[axis - 1] == "T":
        return "key", "keys"  # (.., T, T): the last axis holds the keys
    if name == "T" and want.dim() >= 2 and axis == want.dim() - 2 and names[-1] == "T":
        return "query", "queries"
    return NOUNS.get(name, f"slice along dim {axis}"), PLURAL.get(name, f"slices along dim {axis}")


def _shape(ex: Exercise, t: Tensor) -> str:
    names = ex.produces.axes if ex.produces and len(ex.produces.axes) == t.dim() else ()
    return f"{tuple(t.shape)}" + (f", ({', '.join(names)})" if names else "")


def _loop(out: Outcome) -> str:
    return source_line(out, r"^\s*for\s+\w+.*\bin\b")


def part_of_right(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """The right output with one axis gone: only its first or last slice along that axis
    (what a loop that replaces its result on every pass keeps), or its mean over it."""
    got, want = out.output.double(), expected.double()
    if got.dim() != want.dim() - 1 or want.dim() < 2:
        return None
    for axis in range(want.dim()):
        if want.shape[axis] < 2:
            continue
        noun, plural = _axis_words(ex, want, axis)
        for index, which in ((-1, "last"), (0, "first")):
            if not _same(got, want.select(axis, index)):
                continue
            loop = _loop(out)
            how = (
                f"`{loop}` runs over the {plural}, and each pass replaces what the one before made, so the last "
                f"pass's {noun} is all that is returned"
                if loop and which == "last"
                else f"Only the {which} {noun} is kept"
            )
            return (
                "one-slice-kept",
                f"expected shape {_shape(ex, want)}, got {tuple(got.shape)}: your result is the right one's {which} "
                f"{noun} alone",
                f"{how}. Keep every {noun}: collect each pass's result (a list, then torch.stack) or compute all "
                f"{plural} at once.",
            )
        if _same(got, want.mean(dim=axis)):
            return (
                "averaged-over-axis",
                f"expected shape {_shape(ex, want)}, got {tuple(got.shape)}: your result is the mean of the right "
                f"one over its {plural} (dim {axis})",
                f"Your code averages over the {plural}: keep that axis, each {noun} on its own, {_shape(ex, want)}.",
            )
    return None


def overwritten(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """Along one axis, every entry of the student's output holds the right one's last (or
    first) entry: a whole slice written at once on every pass of a loop over that axis."""
    got, want = out.output.double(), expected.double()
    if got.shape != want.shape or got.dim() < 1 or _same(got, want):
        return None
    for axis in reversed(range(want.dim())):
        n = want.shape[axis]
        if n < 3:
            continue
        noun, plural = _axis_words(ex, want, axis)
        for index, which in ((n - 1, "last"), (0, "first")):
            kept = want.narrow(axis, index, 1).expand_as(want)
            if _same(kept, want) or not _same(got, kept):
                continue
            line = source_line(out, r"^\s*\w+\[[^\],]*\]\s*=[^=]") or source_line(
                out, r"^\s*\w+\[[^\]]*:[^\]]*\]\s*=[^=]"
            )  # a whole slice written at once: x[i] = ..., x[:, j] = ...
            said = f"`{line}` writes a whole slice at once, on every pass of the loop, so" if line else ""
            return (
                "slice-overwritten",
                f"along the {plural} (dim {axis}), each of your entries holds the right one of the {which} {noun}: "
                f"one value repeated across the {plural}",
                (
                    f"{said} the {which} pass's value is what stays in every {noun}."
                    if line
                    else f"On every pass something wrote the whole slice along the {plural}: the {which} value stays "
                    f"in every {noun}."
                )
                + " Write one entry per pass, with an index for every axis: scores[i, j] = ..., not a slice.",
            )
    return None


def _order(atoms: Tensor, got: Tensor) -> tuple[int, ...] | None:
    """The permutation p of the atoms' axes such that atoms.permute(p).reshape(got.shape) is got."""
    if atoms.numel() != got.numel() or atoms.dim() > 5:
        return None
    for p in itertools.permutations(range(atoms.dim())):
        if close(atoms.permute(p).reshape(got.shape).double(), got.double()):
            return p
    return None


def read_order(out: Outcome, atoms: Tensor, names: tuple[str, ...], got: Tensor, want: Tensor) -> str:
    """A sentence saying in which order the student's code read the input's numbers (its
    smallest axes, `atoms`, named `names`), against the order the right answer needs; "" when
    the output is not the input's numbers read in some order of those axes."""
    mine, right = _order(atoms, got), _order(atoms, want)
    if mine is None or right is None:
        return ""
    yours = "(" + ", ".join(names[i] for i in mine) + ")"
    needed = "(" + ", ".join(names[i] for i in right) + ")"
    if mine == right:
        if tuple(got.shape) == tuple(want.shape):
            return ""
        return (
            f"Your numbers come in the right order, {needed}, but your result has shape {tuple(got.shape)} where "
            f"{tuple(want.shape)} is needed: the last reshape (or flatten) merges axes it must keep apart."
        )
    moved = [names[mine[i]] for i in range(len(mine)) if mine[i] != right[i]]
    swapped = f": {moved[0]} and {moved[1]} swapped" if len(moved) == 2 else ""
    own = [names[mine[i]] for i in range(len(mine)) if mine[i] != i]
    wanted = [names[right[i]] for i in range(len(right)) if right[i] != i]
    if not swapped and len(own) == 2 and len(wanted) == 2:  # both a swap of two axes of the input's own order
        swapped = (
            f": from the input's order, ({', '.join(names)}), your code swaps {own[0]} and {own[1]}, where "
            f"{wanted[0]} and {wanted[1]} must swap"
        )
    line = source_line(out, r"\.(transpose|permute|movedim|swapaxes|mT\b|T\b)|einsum|rearrange")
    quoted = f" (`{line}`)" if line else ""
    return (
        f"Your code lays the numbers out as {yours} before the last reshape{quoted}, where {needed} is needed"
        f"{swapped}. A reshape reads the numbers in that order."
    )

"""The picture of a failed check, part of step 2 (judging): for an exercise whose result is
a matrix of weights or a mask, the student's matrix beside the expected one on the
smallest failing input, with the cells that differ, as plain data. The notebook draws it
as two heatmaps (helpers/plot.py, compare_heatmaps) or, where images cannot show, as the
text grid(); the grader's feedback page says the same in words(). No matplotlib here: the
grader's parent and child never need it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from helpers.lessons.records import Exercise
from helpers.running import LAST_WEIGHTS, Case, Outcome
from helpers.tolerances import ATOL, RTOL, fmt_num

MOST_ROWS = 12  # the text grid shows at most this many rows and columns


@dataclass(frozen=True)
class Picture:
    """One (queries, keys) matrix of the student's beside the expected one.

    got, expected: (T_q, T_k) floats (a mask as 0.0 and 1.0); differ: where they differ;
    allowed: the case's mask for this matrix (True = may attend), or None; what: "weights"
    or "mask"; where: which matrix of which input ("sentence 1, head 0 of ...")."""

    got: Tensor
    expected: Tensor
    differ: Tensor
    allowed: Tensor | None
    what: str
    where: str

    def _cell(self, value: float) -> str:
        if self.what == "mask":
            return "True" if value else "False"
        return fmt_num(value)

    def words(self) -> str:
        """The picture in one sentence: how many cells differ, in which rows, the largest."""
        n = int(self.differ.sum())
        rows = sorted({int(i) for i in self.differ.nonzero()[:, 0]})
        shown = ", ".join(str(r) for r in rows[:8]) + (", ..." if len(rows) > 8 else "")
        gap = (self.got - self.expected).abs().nan_to_num(nan=float("inf")) * self.differ
        i, j = (int(x) for x in divmod(int(gap.reshape(-1).argmax()), self.got.shape[1]))
        return (
            f"Your {self.what} beside the expected, {self.where}: {n} of {self.differ.numel()} cells differ "
            f"(rows {shown}; row = query, column = key); the largest at row {i}, "
            f"key {j}: yours {self._cell(float(self.got[i, j]))}, expected {self._cell(float(self.expected[i, j]))}."
        )

    def grid(self) -> str:
        """Both matrices as text, side by side, a * after each cell that differs."""
        rows, cols = min(self.got.shape[0], MOST_ROWS), min(self.got.shape[1], MOST_ROWS)
        gap = float((self.got - self.expected).abs().nan_to_num(0).max())
        digits = 2 if gap >= 0.01 else 4  # enough digits to see the difference
        width = 6 if self.what == "mask" else digits + 5

        def line(m: Tensor, r: int, mark: bool) -> str:
            cells = []
            for c in range(cols):
                text = ("T" if m[r, c] else "F") if self.what == "mask" else f"{float(m[r, c]):.{digits}f}"
                cells.append((text + ("*" if mark and self.differ[r, c] else " ")).rjust(width))
            return "".join(cells)

        head = f"{'yours':<{width * cols}}   expected"
        body = [f"{line(self.got, r, True)}   {line(self.expected, r, False)}" for r in range(rows)]
        more = ["(showing the first 12 rows and columns)"] if max(self.got.shape) > MOST_ROWS else []
        return "\n".join([self.words(), head, *body, *more, "* marks a cell that differs"])


def _matrix_of(x: Tensor, index: tuple[int, ...]) -> Tensor:
    return x[index].double() if x.dtype != torch.bool else x[index].double()


def _differ(got: Tensor, expected: Tensor) -> Tensor:
    g, e = got.double(), expected.double()
    return ~torch.isclose(g, e, rtol=RTOL, atol=ATOL, equal_nan=True)


def picture(
    ex: Exercise, cases: list[Case], outcomes: dict[int, Outcome], expected: dict[int, Tensor]
) -> Picture | None:
    """The picture for the smallest failing case whose result is weights or a mask (by the
    exercise's Produces, or a case comparing self.last_weights; one of at least 3 rows when
    there is one): the matrix of it that differs most from the expected one. None when no
    such case failed."""
    best = None
    for index, case in enumerate(cases):
        out, want = outcomes.get(index), expected.get(index)
        weights_case = LAST_WEIGHTS in case.tags
        what = "weights" if weights_case else (ex.produces.what if ex.produces else "")
        if what not in ("weights", "mask") or out is None or out.output is None or not isinstance(want, Tensor):
            continue
        got = out.output
        if tuple(got.shape) != tuple(want.shape) or got.dim() < 2 or (what == "mask") != (got.dtype == torch.bool):
            continue  # a mask of numbers is said in words: as cells, True and False would not be what it holds
        differ = _differ(got, want)
        size = (want.shape[-2] < 3, want.numel())  # the smallest, but a matrix of 3 rows or more shows more
        if not differ.any() or (best is not None and size >= best[0]):
            continue
        best = (size, index, case, got, want, differ, what)
    if best is None:
        return None
    _, index, case, got, want, differ, what = best
    lead = got.shape[:-2]
    counts = differ.reshape(-1, *got.shape[-2:]).sum(dim=(-2, -1))
    flat = int(counts.argmax())
    at = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), lead)) if lead else ()
    # each whole sentence one f-string, so that the checks' catalogs hold it as one message
    if got.dim() == 4:
        where = f"sentence {at[0]}, head {at[1]} of {case.label}"
    elif got.dim() == 3:
        where = f"sentence {at[0]} of {case.label}"
    else:
        where = f"the matrix of {case.label}" if at else f"on {case.label}"
    allowed = None
    mask = next((x for x in case.inputs if isinstance(x, Tensor) and x.dtype == torch.bool), None)
    if mask is not None and what == "weights":
        try:
            heads = mask if mask.dim() == 2 or got.dim() == mask.dim() else mask.unsqueeze(1)
            allowed = torch.broadcast_to(heads, got.shape)[at]
        except RuntimeError:
            allowed = None
    return Picture(
        got=_matrix_of(got, at),
        expected=_matrix_of(want, at),
        differ=differ[at],
        allowed=allowed,
        what=what,
        where=where,
    )

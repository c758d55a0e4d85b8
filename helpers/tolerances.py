"""How close an answer must be to the reference, and how a difference is shown: the numbers every
check compares with."""

from __future__ import annotations

import torch
from torch import Tensor

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

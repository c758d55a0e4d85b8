"""The right weights kept in another layout: axes merged or split, or one slice of them, as a
module's self.last_weights may keep them (lessons 02-04 and 08)."""

from __future__ import annotations

from torch import Tensor

from helpers.tolerances import close


def _groups(small: tuple[int, ...], large: tuple[int, ...]) -> list[list[int]] | None:
    """How the axes of shape `large` merge, neighbours with neighbours, into those of `small`:
    for each axis of `small`, the axes of `large` it holds; None when they do not."""
    groups, i = [], 0
    for n in small:
        group, size = [], 1
        while i < len(large) and (size < n or not group):
            group.append(i)
            size *= large[i]
            i += 1
        if size != n:
            return None
        groups.append(group)
    return groups if i == len(large) else None


def merged_axes(got: Tensor, expected: Tensor, layout: str) -> tuple[str, str] | None:
    """(what the shape of `got` is, what to do) when it holds the right numbers, in order, with
    neighbouring axes of `layout`, "(B, H, T, T)", merged into one (or one split): only its
    shape is off; or one slice of them along the first axis, the first sentence's alone."""
    if got.dim() == expected.dim() or not expected.is_floating_point() or not got.is_floating_point():
        return None
    names = [n.strip() for n in layout.strip("()").split(",")]
    if len(names) != expected.dim():
        names = [f"axis {i}" for i in range(expected.dim())]
    if tuple(got.shape) == tuple(expected.shape[1:]):  # one slice along the first axis: which one
        index = next((i for i in range(expected.shape[0]) if close(got, expected[i])), None)
        if index is None:
            return None
        if names[0] == "B":
            said = f"but sentence {index}'s alone, one slice of {layout}"
            keep = f"Keep the weights of every sentence, {layout}: the whole tensor, without indexing [{index}]"
        elif names[0] == "H":
            said = f"but head {index}'s alone, one slice of {layout}"
            keep = f"Keep the weights of every head, {layout}: the whole tensor, without indexing [{index}]"
        else:
            said = f"but slice {index} alone along {names[0]}, one slice of {layout}"
            keep = f"Keep all the weights, {layout}: the whole tensor, without indexing [{index}]"
        return said, f"{keep} (the heatmaps pick the one they draw)."
    if got.numel() != expected.numel() or not close(got.reshape(expected.shape), expected):
        return None
    merging = got.dim() < expected.dim()
    groups = (
        _groups(tuple(got.shape), tuple(expected.shape))
        if merging
        else _groups(tuple(expected.shape), tuple(got.shape))
    )
    if groups is None:
        return None
    if merging:
        shown = "(" + ", ".join("·".join(names[i] for i in g) for g in groups) + ")"
        joined = "; ".join(", ".join(names[i] for i in g) for g in groups if len(g) > 1)
        said = f"with the axes {joined} merged into one: {tuple(got.shape)} is {shown}"
    else:
        said = f"with an axis split in two: {tuple(got.shape)} where {layout} is {tuple(expected.shape)}"
    sizes = ", ".join(n if not n.startswith("axis") else str(s) for n, s in zip(names, expected.shape))
    return said, (
        f"Your weights are right; only their layout is off. Keep them as {layout}: reshape them, "
        f"weights.reshape({sizes}), before you keep them in self.last_weights."
    )

"""Plots for the course. Every function returns a matplotlib Figure and never calls show().

In a notebook, make the call the last line of a cell and the figure appears once; assign
it (fig = ...) and it does not appear until you write `fig`. Works headless (Agg) too.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

CMAP = "viridis"
MASKED_COLOUR = "#e6e6e6"  # light grey, hatched: unlike any colour of viridis
HATCH_COLOUR = "#8c8c8c"
ANNOTATE_UP_TO = 12  # write the numbers in the cells when both sides have at most this many


def token_labels(tokens: Sequence[str]) -> list[str]:
    """Tick labels that keep repeated tokens apart: ["the", "cat", "the"] ->
    ["the (0)", "cat", "the (2)"], the number being the token's position."""
    counts = Counter(tokens)
    return [f"{tok} ({i})" if counts[tok] > 1 else str(tok) for i, tok in enumerate(tokens)]


def _as_matrix(values, name: str) -> np.ndarray:
    array = np.asarray(values.detach().cpu() if hasattr(values, "detach") else values, dtype=float)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be one (queries, keys) matrix, got shape {tuple(array.shape)}; "
            "for a batch, pick one sentence, e.g. weights[0]"
        )
    return array


def attention_heatmap(
    weights,
    query_tokens: Sequence[str] | None = None,
    key_tokens: Sequence[str] | None = None,
    *,
    mask=None,
    title: str | None = None,
    ax: Axes | None = None,
    annotate: bool | None = None,
) -> Figure:
    """Draw attention weights as a heatmap on a fixed 0-1 colour scale.

    weights:      (T_q, T_k) tensor or array: row i is query i's weights over the keys
    query_tokens: T_q labels for the rows (default: positions); repeated tokens are kept
                  apart by their position, "the (0)" and "the (4)"
    key_tokens:   T_k labels for the columns (default: the query tokens)
    mask:         optional (T_q, T_k) booleans, True where a query may attend (the course's
                  convention, as in F.scaled_dot_product_attention). Masked cells are drawn
                  hatched grey, unlike a weight of 0.
    ax:           draw into this Axes instead of a new figure
    annotate:     write each weight in its cell (default: when both sides are at most 12)

    Returns the Figure. Taught in lesson 01.
    """
    w = _as_matrix(weights, "weights")
    n_q, n_k = w.shape
    query_tokens = [str(i) for i in range(n_q)] if query_tokens is None else list(query_tokens)
    key_tokens = query_tokens if key_tokens is None else list(key_tokens)
    if len(query_tokens) != n_q or len(key_tokens) != n_k:
        raise ValueError(
            f"weights have shape ({n_q}, {n_k}): expected {n_q} query tokens and {n_k} key "
            f"tokens, got {len(query_tokens)} and {len(key_tokens)}"
        )
    allowed = np.ones_like(w, dtype=bool) if mask is None else _as_matrix(mask, "mask").astype(bool)
    if allowed.shape != w.shape:
        raise ValueError(f"mask has shape {allowed.shape}, expected {w.shape} like the weights")

    if ax is None:
        side = 1.2 + 0.55 * max(n_q, n_k)
        fig = plt.figure(figsize=(side + 1.2, side), layout="constrained")
        plt.close(fig)  # pyplot forgets it: it is shown once, by being returned
        ax = fig.add_subplot()
    fig = ax.figure

    cmap = matplotlib.colormaps[CMAP].with_extremes(bad=MASKED_COLOUR)
    image = ax.imshow(np.ma.masked_where(~allowed, w), cmap=cmap, vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="attention weight")

    for i, j in zip(*np.nonzero(~allowed)):
        ax.add_patch(
            Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor=HATCH_COLOUR, linewidth=0)
        )
    if annotate if annotate is not None else max(n_q, n_k) <= ANNOTATE_UP_TO:
        for i in range(n_q):
            for j in range(n_k):
                if allowed[i, j]:
                    colour = "black" if w[i, j] > 0.6 else "white"
                    ax.text(j, i, f"{w[i, j]:.2f}", ha="center", va="center", color=colour, fontsize=8)

    ax.set_xticks(range(n_k), token_labels(key_tokens), rotation=45, ha="right")
    ax.set_yticks(range(n_q), token_labels(query_tokens))
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    if title:
        ax.set_title(title)
    return fig


def line_chart(
    x: Sequence[float],
    series: dict[str, Sequence[float]],
    *,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    logx: bool = False,
    logy: bool = False,
) -> Figure:
    """Lines of y against x, one per entry of `series` ({label: ys}), with a legend.

    For experiments such as lesson 02's "why divide by √D" and lesson 06's cost curves.
    Returns the Figure.
    """
    fig = plt.figure(figsize=(6.4, 4.0), layout="constrained")
    plt.close(fig)  # shown once, by being returned
    ax = fig.add_subplot()
    for label, ys in series.items():
        if len(ys) != len(x):
            raise ValueError(f"series {label!r} has {len(ys)} values, expected {len(x)} like x")
        ax.plot(x, ys, marker="o", label=label)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    if logx:
        ax.set_xticks(list(x), [f"{v:g}" for v in x])
        ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig

"""Plots for the course. Every function returns a matplotlib Figure and never calls show().

In a notebook, make the call the last line of a cell and the figure appears once; assign
it (fig = ...) and it does not appear until you write `fig`. Works headless (Agg) too.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from typing import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers import editions, fonts
from helpers.editions import tr
from helpers.fonts import N_

CMAP = "viridis"
MASKED_COLOUR = "#e6e6e6"  # light grey, hatched: unlike any colour of viridis
HATCH_COLOUR = "#8c8c8c"
ANNOTATE_UP_TO = 12  # write the numbers in the cells when both sides have at most this many


def label(text: str | None) -> str | None:
    """A label as a plot shows it: the English of a Chinese label (a lesson's title, axis
    label or legend, or one of these plots' own words) where no CJK font was found
    (helpers/fonts.py), so that no label is drawn as boxes; otherwise `text`."""
    edition = editions.current()
    if text is None or fonts.chinese_labels() or edition not in editions.CHINESE:
        return text
    if not any(editions.is_wide(c) for c in text):
        return text
    return editions.english_of(text, edition)


def _own(text: str) -> str:
    """One of these plots' own words, in the notebook's edition where its plots can show it
    (helpers/fonts.py), in English otherwise."""
    return label(tr(text))


def token_labels(tokens: Sequence[str]) -> list[str]:
    """Tick labels that keep repeated tokens apart: ["the", "cat", "the"] ->
    ["the (0)", "cat", "the (2)"], the number being the token's position; a label a lesson
    built in Chinese ("輸入 0") in English where no CJK font was found, as label() does."""
    counts = Counter(tokens)
    return [label(f"{tok} ({i})" if counts[tok] > 1 else str(tok)) for i, tok in enumerate(tokens)]


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
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
    annotate: bool | None = None,
    colorbar: bool = True,
) -> Figure:
    """Draw attention weights as a heatmap on a fixed 0-1 colour scale.

    weights:      (T_q, T_k) tensor or array: row i is query i's weights over the keys
    query_tokens: T_q labels for the rows (default: positions); repeated tokens are kept
                  apart by their position, "the (0)" and "the (4)"
    key_tokens:   T_k labels for the columns (default: the query tokens)
    mask:         optional (T_q, T_k) booleans, True where a query may attend (the course's
                  convention, as in F.scaled_dot_product_attention). Masked cells are drawn
                  hatched grey, unlike a weight of 0.
    xlabel:       the columns' title (default: "key (attended to)"); ylabel likewise for the
                  rows (default: "query (attending)"), for a matrix whose rows and columns are
                  something else, such as heads
    ax:           draw into this Axes instead of a new figure
    annotate:     write each weight in its cell (default: when both sides are at most 12)
    colorbar:     add the colour bar (head_grid draws one for all its heatmaps instead)

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
    if colorbar:
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=_own("attention weight"))

    for i, j in zip(*np.nonzero(~allowed)):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor=HATCH_COLOUR, linewidth=0))
    if annotate if annotate is not None else max(n_q, n_k) <= ANNOTATE_UP_TO:
        for i in range(n_q):
            for j in range(n_k):
                if allowed[i, j]:
                    colour = "black" if w[i, j] > 0.6 else "white"
                    ax.text(j, i, f"{w[i, j]:.2f}", ha="center", va="center", color=colour, fontsize=8)

    ax.set_xticks(range(n_k), token_labels(key_tokens), rotation=45, ha="right")
    ax.set_yticks(range(n_q), token_labels(query_tokens))
    ax.set_xlabel(_own("key (attended to)") if xlabel is None else label(xlabel))
    ax.set_ylabel(_own("query (attending)") if ylabel is None else label(ylabel))
    if title:
        ax.set_title(label(title))
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
    for name, ys in series.items():
        if len(ys) != len(x):
            raise ValueError(f"series {name!r} has {len(ys)} values, expected {len(x)} like x")
        ax.plot(x, ys, marker="o", label=label(name))
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    if logx:
        ax.set_xticks(list(x), [f"{v:g}" for v in x])
        ax.minorticks_off()
    ax.set_xlabel(label(xlabel))
    ax.set_ylabel(label(ylabel))
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(label(title))
    return fig


def _one_sentence(weights, mask, batch_index: int):
    """(H, T, T) weights and a (T, T) mask or None from (H, T, T) or (B, H, T, T) weights and
    a course mask of shape (T, T), (B, 1, T) or (B, T, T)."""
    w = np.asarray(weights.detach().cpu() if hasattr(weights, "detach") else weights, dtype=float)
    if w.ndim == 4:
        if not 0 <= batch_index < w.shape[0]:
            raise ValueError(f"batch_index {batch_index} is out of range for a batch of {w.shape[0]} sentences")
        w = w[batch_index]
    elif w.ndim != 3:
        raise ValueError(f"weights must be (H, T, T) or (B, H, T, T), got shape {tuple(w.shape)}")
    if mask is None:
        return w, None
    m = np.asarray(mask.detach().cpu() if hasattr(mask, "detach") else mask, dtype=bool)
    if m.ndim == 3:
        m = m[batch_index if m.shape[0] > 1 else 0]
    return w, np.broadcast_to(m, w.shape[-2:])


def head_grid(
    weights,
    tokens: Sequence[str] | None = None,
    *,
    batch_index: int = 0,
    mask=None,
    ncols: int = 4,
    title: str | None = None,
) -> Figure:
    """Every head's attention for one sentence, side by side, on one shared 0-1 scale.

    weights: (H, T, T), or (B, H, T, T) with the sentence picked by batch_index
    tokens:  the sentence's T tokens (default: positions)
    mask:    optional course mask (T, T), (B, 1, T) or (B, T, T); masked cells are hatched
    Returns the Figure, with one colour bar for all heads. Lesson 04.
    """
    w, m = _one_sentence(weights, mask, batch_index)
    H, T = w.shape[0], w.shape[-1]
    ncols = min(ncols, H)
    nrows = -(-H // ncols)
    side = 0.9 + 0.38 * T
    fig = plt.figure(figsize=(side * ncols + 1.0, side * nrows + (0.4 if title else 0)), layout="constrained")
    plt.close(fig)  # shown once, by being returned
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for h, ax in enumerate(axes.flat):
        if h >= H:
            ax.set_axis_off()
            continue
        attention_heatmap(
            w[h], tokens, mask=m, ax=ax, colorbar=False, title=_own("head {h}").format(h=h), annotate=False
        )
        if h % ncols:
            ax.set_ylabel("")
        if h < H - ncols:
            ax.set_xlabel("")
    fig.colorbar(axes.flat[0].images[0], ax=axes, fraction=0.046 / ncols, label=_own("attention weight"))
    if title:
        fig.suptitle(label(title))
    return fig


def padded_positions(mask, T: int) -> np.ndarray:
    """(T,) booleans for one sentence's (T, T) mask (or None): True at a position that no
    query may attend, which is what a padding mask makes of a padded token. Lesson 04."""
    if mask is None:
        return np.zeros(T, dtype=bool)
    return ~np.asarray(mask, dtype=bool).any(axis=0)


PADDED_QUERY_NOTE = N_(
    "a padded position, not a word: the padding mask hides padded keys (hatched), not padded queries,\n"
    "so this row is computed like any other, and its output is thrown away later (lesson 03)"
)


def explorer_figure(
    weights, tokens: Sequence[str], *, head: int, query: int, batch_index: int = 0, mask=None
) -> Figure:
    """One head's heatmap beside a bar chart of one query's weights over the keys: what the
    explorer shows. weights (H, T, T) or (B, H, T, T). Padded positions (see
    padded_positions) have grey labels, and a padded query's bars say what its row is.
    Lesson 04."""
    w, m = _one_sentence(weights, mask, batch_index)
    T = w.shape[-1]
    padded = padded_positions(m, T)
    fig = plt.figure(figsize=(11, 0.9 + 0.45 * max(T, 6) + (0.5 if padded[query] else 0)), layout="constrained")
    plt.close(fig)
    heat, bars = fig.subplots(1, 2, width_ratios=(1.15, 1))
    attention_heatmap(w[head], tokens, mask=m, ax=heat, title=_own("head {h}").format(h=head))
    heat.add_patch(Rectangle((-0.5, query - 0.5), T, 1, fill=False, edgecolor="red", linewidth=2))
    for i in np.nonzero(padded)[0]:  # padded positions' labels in grey, as queries and as keys
        heat.get_yticklabels()[i].set_color(HATCH_COLOUR)
        heat.get_xticklabels()[i].set_color(HATCH_COLOUR)
    labels = token_labels(list(tokens))
    row = w[head, query]
    allowed = np.ones(T, dtype=bool) if m is None else m[query]
    bars.bar(range(T), np.where(allowed, row, 0.0), color=matplotlib.colormaps[CMAP](0.55))
    for j in np.nonzero(~allowed)[0]:
        bars.bar(j, 1.0, color=MASKED_COLOUR, hatch="///", edgecolor=HATCH_COLOUR, linewidth=0)
    bars.set_ylim(0, 1)
    bars.set_xticks(range(T), labels, rotation=45, ha="right")
    for j in np.nonzero(padded)[0]:
        bars.get_xticklabels()[j].set_color(HATCH_COLOUR)
    if padded[query]:  # the note, filled to the bars' width (a Chinese character takes two columns), from their left
        note = _own(PADDED_QUERY_NOTE)
        note = editions.wrap(("" if any(editions.is_wide(c) for c in note) else " ").join(note.split("\n")), 54)
        bars.set_xlabel(_own("key (attended to)") + "\n" + note, loc="left")
    else:
        bars.set_xlabel(_own("key (attended to)"))
    # No y label: the colour bar beside it already says "attention weight", and the title says whose.
    bars.set_title(_own("query {token}: its weights over the keys").format(token=repr(labels[query])))
    return fig


def _png_base64(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def explore_attention(weights, sentences: Sequence[Sequence[str]], *, mask=None):
    """An interactive explorer: pick a head (slider), a sentence and a query token (drop-
    downs) and see that head's heatmap and the query's weights as bars, redrawn in place.

    weights:   (B, H, T, T), e.g. MultiHeadAttention.last_weights
    sentences: the B sentences' tokens
    mask:      optional course mask (T, T), (B, 1, T) or (B, T, T). Positions no query may
               attend (padding) are counted, not listed, in the sentence menu, marked
               "· padding" in the query menu, and explained when chosen as the query.

    Returns an ipywidgets box. Where widgets cannot render (a static notebook viewer, a
    frontend without ipywidgets), it shows the current view as a plain image instead.
    Lesson 04.
    """
    import ipywidgets as widgets
    from IPython.display import display

    w = weights.detach().cpu() if hasattr(weights, "detach") else np.asarray(weights)
    if w.ndim != 4 or len(sentences) != w.shape[0]:
        raise ValueError(
            f"expected weights (B, H, T, T) and B sentences, got shape {tuple(w.shape)} and {len(sentences)} sentences"
        )

    class AttentionExplorer(widgets.VBox):
        figure: Figure

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            bundle["image/png"] = _png_base64(self.figure)  # what frontends without widgets show
            return bundle

    def padded(b: int) -> np.ndarray:
        return padded_positions(_one_sentence(w, mask, b)[1], w.shape[-1])

    def sentence_label(b: int) -> str:
        """A sentence's real tokens, then how many padded positions follow."""
        pads = int(padded(b).sum())
        real = " ".join(tok for tok, pad in zip(sentences[b], padded(b)) if not pad)
        return tr("{sentence}  (+ {count} padding)").format(sentence=real, count=pads) if pads else real

    def wide() -> widgets.Layout:  # wide enough for the widest option to show whole
        return widgets.Layout(width="max-content", min_width="12em")

    head = widgets.IntSlider(value=0, min=0, max=w.shape[1] - 1, description=tr("head"))
    sentence = widgets.Dropdown(
        options=[(sentence_label(b), b) for b in range(len(sentences))],
        value=0,
        description=tr("sentence"),
        layout=wide(),
    )
    query = widgets.Dropdown(description=tr("query"), layout=wide())
    output = widgets.Output()
    controls = widgets.HBox([head, sentence, query], layout=widgets.Layout(flex_flow="row wrap"))
    explorer = AttentionExplorer([controls, output])

    def set_queries() -> None:
        labels = token_labels(list(sentences[sentence.value]))
        pads = padded(sentence.value)
        query.options = [
            (tr("{token} · padding").format(token=text) if pad else text, i)
            for i, (text, pad) in enumerate(zip(labels, pads))
        ]
        query.value = 0

    def redraw(_=None) -> None:
        if query.value is None:
            return
        explorer.figure = explorer_figure(
            w, sentences[sentence.value], head=head.value, query=query.value, batch_index=sentence.value, mask=mask
        )
        with output:
            output.clear_output(wait=True)
            display(explorer.figure)

    def new_sentence(_=None) -> None:
        query.unobserve(redraw, "value")
        set_queries()
        query.observe(redraw, "value")
        redraw()

    set_queries()
    head.observe(redraw, "value")
    query.observe(redraw, "value")
    sentence.observe(new_sentence, "value")
    redraw()
    return explorer


def compare_heatmaps(got, expected, differ, *, allowed=None, title: str | None = None, what: str = "weights") -> Figure:
    """A failed check's picture: the student's (T_q, T_k) weights (or mask, as 0 and 1)
    beside the expected ones, both on the course's fixed 0-1 scale, each cell that differs
    outlined in red on both sides. `allowed` (True = may attend) hatches masked cells.
    Returns the Figure. Shown by check() when a weights or mask exercise fails."""
    got, expected = _as_matrix(got, "got"), _as_matrix(expected, "expected")
    differ = _as_matrix(differ, "differ").astype(bool)
    n_q, n_k = expected.shape
    side = 1.2 + 0.5 * max(n_q, n_k)
    fig, axes = plt.subplots(1, 2, figsize=(2 * side + 1.6, side + 0.6), layout="constrained")
    plt.close(fig)  # shown once, by being returned
    for ax, matrix, name in ((axes[0], got, f"your {what}"), (axes[1], expected, f"expected {what}")):
        hatched = allowed if ax is axes[1] else None  # the student's side shows what it put on masked keys
        attention_heatmap(np.nan_to_num(matrix, nan=0.0), mask=hatched, ax=ax, title=name, colorbar=ax is axes[1])
        for i, j in zip(*np.nonzero(differ)):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2.5))
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def show_picture(picture) -> None:
    """Display a failed check's picture (helpers/pictures.py) in a notebook: one output
    holding a PNG of compare_heatmaps and, for a front end that cannot show images, its
    text grid; outside IPython, the text grid is printed."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # no IPython: a plain Python prompt
        print(picture.grid())
        return
    if get_ipython() is None:
        print(picture.grid())
        return
    fig = compare_heatmaps(
        picture.got, picture.expected, picture.differ, allowed=picture.allowed, title=picture.where, what=picture.what
    )
    png = base64.b64decode(_png_base64(fig))
    display({"image/png": png, "text/plain": picture.grid()}, raw=True)

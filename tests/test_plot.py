"""attention_heatmap: labels, colour scale, annotations, masked cells, headless use."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers.plot import MASKED_COLOUR, attention_heatmap, token_labels

TOKENS = ["the", "cat", "sat", "on", "the", "mat"]


def weights(T=6, seed=0):
    return torch.softmax(torch.randn(T, T, generator=torch.Generator().manual_seed(seed)), dim=-1)


def pixel(fig, ax, row, col):
    """RGB of the centre of cell (row, col), read from the rendered figure."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3]
    x, y = ax.transData.transform((col, row))
    return image[image.shape[0] - int(round(y)), int(round(x))]


def test_returns_a_figure_and_leaves_no_pyplot_figure_open():
    plt.close("all")
    fig = attention_heatmap(weights(), TOKENS)
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == []  # shown once in a notebook: only by being returned


def test_repeated_tokens_are_kept_apart_in_the_labels():
    assert token_labels(TOKENS) == ["the (0)", "cat", "sat", "on", "the (4)", "mat"]
    ax = attention_heatmap(weights(), TOKENS).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == token_labels(TOKENS)
    assert [t.get_text() for t in ax.get_xticklabels()] == token_labels(TOKENS)


def test_keys_can_differ_from_queries():
    w = torch.softmax(torch.randn(2, 3), dim=-1)
    ax = attention_heatmap(w, ["a", "b"], ["x", "y", "z"]).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y", "z"]


def test_fixed_colour_scale_and_exactly_one_colour_bar():
    fig = attention_heatmap(weights() * 0.3, TOKENS)  # small weights must not be stretched to 0-1
    heat, bar = fig.axes
    assert heat.images[0].get_clim() == (0.0, 1.0)
    assert len(fig.axes) == 2 and bar.get_ylabel() == "attention weight"
    assert bar.get_ylim() == (0.0, 1.0)


def test_values_are_written_in_small_matrices_only():
    w = weights()
    texts = [t.get_text() for t in attention_heatmap(w, TOKENS).axes[0].texts]
    assert len(texts) == 36 and texts[0] == f"{float(w[0, 0]):.2f}"
    assert len(attention_heatmap(weights(20), None).axes[0].texts) == 0
    assert len(attention_heatmap(weights(20), None, annotate=True).axes[0].texts) == 400


def test_masked_cells_look_different_from_a_zero_weight():
    w = torch.tensor([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    mask = torch.tensor([[True, True, False], [True, True, False], [True, True, True]])
    fig = attention_heatmap(w, ["a", "b", "c"], mask=mask)
    ax = fig.axes[0]
    zero, masked = pixel(fig, ax, 0, 0), pixel(fig, ax, 0, 2)
    assert np.abs(zero.astype(int) - masked.astype(int)).sum() > 150, (zero, masked)
    grey = np.array([int(MASKED_COLOUR[i : i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(masked.astype(int) - grey).sum() < 40
    assert len(ax.texts) == 7  # no number written in the two masked cells
    assert sum(p.get_hatch() == "///" for p in ax.patches) == 2


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((torch.rand(2, 3, 3),), {}, r"one \(queries, keys\) matrix, got shape \(2, 3, 3\).*weights\[0\]"),
        ((torch.rand(3, 3), ["a", "b"]), {}, "expected 3 query tokens and 3 key tokens, got 2 and 2"),
        ((torch.rand(3, 3),), {"mask": torch.ones(3, 2, dtype=torch.bool)}, r"mask has shape \(3, 2\)"),
    ],
)
def test_bad_input_says_what_was_expected(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        attention_heatmap(*args, **kwargs)


def test_draws_into_a_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    assert attention_heatmap(weights(), TOKENS, ax=right, title="right") is fig
    assert right.get_title() == "right" and len(left.images) == 0
    plt.close(fig)


def test_line_chart_draws_each_series_with_its_label():
    from helpers.plot import line_chart

    plt.close("all")
    fig = line_chart([4, 16, 64], {"a": [3.0, 2.0, 1.0], "b": [1.0, 1.0, 1.0]}, xlabel="d", ylabel="entropy", logx=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert list(ax.lines[0].get_ydata()) == [3.0, 2.0, 1.0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "d" and ax.get_ylabel() == "entropy"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert plt.get_fignums() == []
    with pytest.raises(ValueError, match="series 'a' has 2 values, expected 3 like x"):
        line_chart([1, 2, 3], {"a": [1.0, 2.0]}, xlabel="x", ylabel="y")

"""attention_heatmap: labels, colour scale, annotations, masked cells, headless use."""

import base64

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


def test_axis_titles_say_queries_and_keys_unless_told_otherwise():
    w = torch.softmax(torch.randn(4, 2), dim=-1)
    ax = attention_heatmap(w, ["a", "b", "c", "d"], ["x", "y"]).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("key (attended to)", "query (attending)")
    ax = attention_heatmap(
        w, ["a", "b", "c", "d"], ["x", "y"], xlabel="key/value head (read)", ylabel="query head"
    ).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("key/value head (read)", "query head")


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


def mha_weights():
    from helpers.attention import MultiHeadAttention

    torch.manual_seed(0)
    module = MultiHeadAttention(8, 4)
    module(torch.randn(2, 5, 8))
    return module.last_weights  # (2, 4, 5, 5)


def test_head_grid_one_titled_heatmap_per_head_and_one_shared_colour_bar():
    from helpers.plot import head_grid

    plt.close("all")
    fig = head_grid(mha_weights(), ["a", "b", "c", "d", "e"], batch_index=1, ncols=2)
    heatmaps = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in heatmaps] == ["head 0", "head 1", "head 2", "head 3"]
    assert all(ax.images[0].get_clim() == (0.0, 1.0) for ax in heatmaps)
    colour_bars = [ax for ax in fig.axes if ax.get_ylabel() == "attention weight"]
    assert len(colour_bars) == 1 and len(fig.axes) == 5
    assert [t.get_text() for t in heatmaps[0].get_yticklabels()] == ["a", "b", "c", "d", "e"]
    assert plt.get_fignums() == []


def test_head_grid_takes_one_sentence_of_heads_and_hatches_masked_cells():
    from helpers.attention import causal_mask
    from helpers.plot import head_grid

    weights = mha_weights()
    fig = head_grid(weights[0], mask=causal_mask(5))  # (H, T, T)
    first = next(ax for ax in fig.axes if ax.images)
    assert sum(p.get_hatch() == "///" for p in first.patches) == 10  # the upper triangle of 5 x 5
    np.testing.assert_allclose(first.images[0].get_array().data, weights[0, 0].numpy())


@pytest.mark.parametrize(
    "weights, kwargs, message",
    [
        (torch.rand(5, 5), {}, r"\(H, T, T\) or \(B, H, T, T\), got shape \(5, 5\)"),
        (torch.rand(2, 3, 4, 4), {"batch_index": 2}, "batch_index 2 is out of range for a batch of 2 sentences"),
    ],
)
def test_head_grid_bad_input(weights, kwargs, message):
    from helpers.plot import head_grid

    with pytest.raises(ValueError, match=message):
        head_grid(weights, **kwargs)


def test_explorer_redraws_for_each_choice_and_falls_back_to_a_picture():
    from helpers.plot import explore_attention

    weights = mha_weights()
    sentences = [list("abcde"), list("vwxyz")]
    explorer = explore_attention(weights, sentences)
    head, sentence, query = explorer.children[0].children
    heat, bars = explorer.figure.axes[0], explorer.figure.axes[1]
    assert heat.get_title() == "head 0" and bars.get_title() == "query 'a': its weights over the keys"
    np.testing.assert_allclose([b.get_height() for b in bars.patches], weights[0, 0, 0].numpy(), rtol=1e-6)

    head.value = 2
    query.value = 3
    heat, bars = explorer.figure.axes[0], explorer.figure.axes[1]
    assert heat.get_title() == "head 2" and bars.get_title() == "query 'd': its weights over the keys"
    np.testing.assert_allclose([b.get_height() for b in bars.patches], weights[0, 2, 3].numpy(), rtol=1e-6)

    sentence.value = 1
    assert [label for label, _ in query.options] == sentences[1] and query.value == 0
    np.testing.assert_allclose(explorer.figure.axes[0].images[0].get_array().data, weights[1, 2].numpy())

    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")


def test_explorer_has_one_attention_weight_label_and_explains_a_padded_query():
    """The colour bar says "attention weight"; the bars beside it do not say it again. A
    padded position (no query may attend it) is counted in the sentence menu, marked in the
    query menu, greyed in the labels, and explained when chosen as the query."""
    from helpers.attention import padding_mask
    from helpers.plot import PADDED_QUERY_NOTE, explore_attention

    weights = mha_weights()  # (2, 4, 5, 5)
    sentences = [list("abcde"), ["x", "y", "z", "<pad>", "<pad>"]]
    explorer = explore_attention(weights, sentences, mask=padding_mask(torch.tensor([5, 3]), 5))
    head, sentence, query = explorer.children[0].children
    labels = [t for ax in explorer.figure.axes for t in (ax.get_ylabel(), ax.get_xlabel()) if t]
    assert labels.count("attention weight") == 1, labels
    assert [label for label, _ in sentence.options] == ["a b c d e", "x y z  (+ 2 padding)"]

    sentence.value = 1
    assert [label for label, _ in query.options] == ["x", "y", "z", "<pad> (3) · padding", "<pad> (4) · padding"]
    heat, bars = explorer.figure.axes[0], explorer.figure.axes[1]
    assert PADDED_QUERY_NOTE not in bars.get_xlabel()
    grey = [t.get_text() for t in heat.get_yticklabels() if t.get_color() == "#8c8c8c"]
    assert grey == ["<pad> (3)", "<pad> (4)"]

    query.value = 4
    bars = explorer.figure.axes[1]
    assert " ".join(PADDED_QUERY_NOTE.split()) in " ".join(bars.get_xlabel().split())
    np.testing.assert_allclose([b.get_height() for b in bars.patches][:3], weights[1, 0, 4, :3].numpy(), rtol=1e-6)


def test_a_padded_query_s_note_fits_under_the_bars_in_every_edition():
    """The note is filled to the bars' width, counting a Chinese character as two columns:
    once, unfilled, its Chinese lines ran off the figure."""
    from helpers import editions
    from helpers.attention import padding_mask
    from helpers.plot import explorer_figure

    weights = mha_weights()
    mask = padding_mask(torch.tensor([5, 3]), 5)
    try:
        for edition in editions.EDITIONS:
            editions.set_edition(edition)
            fig = explorer_figure(weights, ["x", "y", "z", "<pad>", "<pad>"], head=0, query=4, batch_index=1, mask=mask)
            lines = fig.axes[1].get_xlabel().split("\n")[1:]
            assert lines and all(editions.width(line) <= 54 for line in lines), (edition, lines)
            if edition != editions.ENGLISH:
                assert "padded" not in " ".join(lines), (edition, lines)  # translated
    finally:
        editions.set_edition(editions.ENGLISH)


def test_explorer_without_a_mask_marks_no_padding():
    from helpers.plot import explore_attention

    explorer = explore_attention(mha_weights(), [list("abcde"), list("vwxyz")])
    head, sentence, query = explorer.children[0].children
    assert [label for label, _ in sentence.options] == ["a b c d e", "v w x y z"]
    assert not any("padding" in label for label, _ in query.options)


def test_explorer_wants_a_batch_of_heads_and_its_sentences():
    from helpers.plot import explore_attention

    with pytest.raises(
        ValueError, match=r"expected weights \(B, H, T, T\) and B sentences, got shape \(2, 4, 5, 5\) and 1"
    ):
        explore_attention(mha_weights(), [list("abcde")])

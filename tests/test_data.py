"""The toy embeddings: padding, lengths, and agreement with lesson 01's table."""

from pathlib import Path

import nbformat
import pytest
import torch

from helpers.data import PAD, TOY_EMBEDDINGS, embed

ROOT = Path(__file__).resolve().parent.parent


def test_embed_pads_to_the_longest_sentence():
    X, lengths = embed([["the", "cat"], ["the", "dog", "ran"]])
    assert X.shape == (2, 3, 4) and lengths.tolist() == [2, 3]
    assert torch.equal(X[0, 2], torch.tensor(TOY_EMBEDDINGS[PAD]))
    assert torch.equal(X[1, 1], torch.tensor(TOY_EMBEDDINGS["dog"]))


def test_unknown_words_are_named():
    with pytest.raises(KeyError, match=r"no toy embedding for \['zebra'\]"):
        embed([["the", "zebra"]])


def test_lesson_01_table_is_the_same_data():
    nb = nbformat.read(ROOT / "solutions" / "01-attention-is-a-weighted-sum.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "tokens")
    namespace = {"torch": torch}
    exec(cell.source.replace("print(", "(lambda *a: None)("), namespace)
    X, _ = embed([namespace["tokens"]])
    assert torch.equal(namespace["X"], X[0])

"""The course's toy data: a handful of words with small, hand-made embeddings.

The numbers are made up so that they can be read (D = 4 named features); real models
learn embeddings with hundreds of numbers. Lesson 01 introduces them; later lessons
embed sentences with embed().
"""

from __future__ import annotations

import torch
from torch import Tensor

PAD = "<pad>"

#                          animal  thing  action  small word
TOY_EMBEDDINGS: dict[str, list[float]] = {
    "the": [0.0, 0.0, 0.0, 1.0],
    "cat": [1.0, 0.2, 0.0, 0.0],
    "sat": [0.1, 0.0, 1.0, 0.0],
    "on": [0.0, 0.3, 0.0, 0.8],
    "mat": [0.2, 1.0, 0.0, 0.0],
    "dog": [0.9, 0.1, 0.0, 0.0],
    "ran": [0.1, 0.0, 0.9, 0.1],
    PAD: [0.0, 0.0, 0.0, 0.0],
}


def embed(sentences: list[list[str]]) -> tuple[Tensor, Tensor]:
    """Embed a batch of tokenised sentences, padding the shorter ones with PAD.

    Returns X of shape (B, T, 4), T being the longest sentence, and lengths (B,) holding
    each sentence's number of real tokens. Unknown words raise a KeyError naming them.
    """
    unknown = sorted({w for s in sentences for w in s if w not in TOY_EMBEDDINGS})
    if unknown:
        raise KeyError(f"no toy embedding for {unknown}; known words: {sorted(TOY_EMBEDDINGS)}")
    T = max(len(s) for s in sentences)
    padded = [s + [PAD] * (T - len(s)) for s in sentences]
    X = torch.tensor([[TOY_EMBEDDINGS[w] for w in s] for s in padded])  # (B, T, 4)
    lengths = torch.tensor([len(s) for s in sentences])  # (B,)
    return X, lengths

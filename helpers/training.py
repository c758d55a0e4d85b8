"""Lesson 05's task and training loop: learn to output a sequence of tokens reversed.
The right attention pattern is known in advance: to write position i of the output, look
at position T - 1 - i of the input.

Lesson 07's text and training loop: a tiny causal model learns to predict the next
character of a few KB of text shipped with the course (corpus.txt, beside this file).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn
from tqdm.auto import trange


def reversal_batch(generator: torch.Generator, batch_size: int, seq_len: int, vocab_size: int) -> tuple[Tensor, Tensor]:
    """Random sequences (B, T) of token ids and their reversals, the targets (B, T)."""
    tokens = torch.randint(0, vocab_size, (batch_size, seq_len), generator=generator)
    return tokens, tokens.flip(1)


def accuracy(model: nn.Module, tokens: Tensor, targets: Tensor) -> float:
    """The share of output positions whose most likely token is the target."""
    with torch.no_grad():
        return (model(tokens).argmax(dim=-1) == targets).float().mean().item()


def train_reversal(
    model: nn.Module,
    *,
    vocab_size: int,
    seq_len: int,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Train `model` (tokens (B, T) -> scores (B, T, V)) to reverse sequences with Adam
    and cross-entropy, on fresh random batches drawn from `seed`. Returns the loss of
    every step. Lesson 05."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in trange(steps, desc="training", disable=not progress):
        tokens, targets = reversal_batch(generator, batch_size, seq_len, vocab_size)
        logits = model(tokens)  # (B, T, V)
        loss = nn.functional.cross_entropy(logits.reshape(-1, vocab_size), targets.reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses


# --------------------------------------------------------------------------------------
# Lesson 07


def corpus() -> str:
    """The text lesson 07's model learns from: about 4 KB of plain English written for the
    course, in lower case, installed with the helpers package (nothing is downloaded)."""
    return (Path(__file__).with_name("corpus.txt")).read_text(encoding="utf-8")


def train_language_model(
    model: nn.Module,
    data: Tensor,
    *,
    seq_len: int,
    steps: int = 300,
    batch_size: int = 12,
    lr: float = 1e-2,
    seed: int = 0,
) -> list[float]:
    """Train `model` (tokens (B, T) -> logits (B, T, V)) to predict the next token of `data`,
    a 1-D tensor of token ids: each step takes batch_size windows of seq_len tokens at random
    places drawn from `seed`, and the targets are the same windows one token later. AdamW,
    cross-entropy. Returns the loss of every step. Lesson 07."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    offsets = torch.arange(seq_len)  # (T,)
    losses = []
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(data) - seq_len, (batch_size, 1), generator=generator)  # (B, 1)
        tokens, targets = data[starts + offsets], data[starts + offsets + 1]  # (B, T) each: targets one token later
        logits = model(tokens)  # (B, T, V)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    model.eval()
    return losses

"""Lesson 05's task and training loop: learn to output a sequence of tokens reversed.

The right attention pattern is known in advance: to write position i of the output, look
at position T - 1 - i of the input.
"""

from __future__ import annotations

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

"""Wrong answers to lesson 05's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message)."""

import torch

from helpers.attention import BagOfTokens


class Positioned(BagOfTokens):
    """Has the position table, as the exercise's __init__ gives it."""

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = torch.nn.Embedding(seq_len, embed_size)


class ForgetsPositions(Positioned):
    def forward(self, tokens):
        return self.readout(self.attention(self.tok(tokens)))


class PositionsAfterAttention(Positioned):
    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1])
        return self.readout(self.attention(self.tok(tokens)) + self.pos(positions))


def equivariant_always(model, tokens, perm):
    return model(tokens[:, perm]).shape == model(tokens).shape


def equivariant_never(model, tokens, perm):
    return torch.allclose(model(tokens[:, perm]), model(tokens))  # forgot to permute the output


def keys_diagonal(T):
    return torch.arange(T)


def keys_off_by_one(T):
    return torch.tensor([T - i for i in range(T)])


def keys_as_list(T):
    return [T - 1 - i for i in range(T)]


MISTAKES = [
    ("5.1", ForgetsPositions, "no-positions", "The positions never reach the model"),
    ("5.1", PositionsAfterAttention, "positions-after-attention", "added after attention"),
    ("5.2", equivariant_always, "always-true", "called models with positions equivariant"),
    ("5.2", equivariant_never, "always-false", "called models without positions not equivariant"),
    ("5.3", keys_diagonal, "identity", "every token attending to itself"),
    ("5.3", keys_off_by_one, "off-by-one", "Off by one"),
    ("5.3", keys_as_list, "not-a-tensor", "got a list"),
]

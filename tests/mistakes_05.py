"""Wrong answers to lesson 05's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message)."""

import math

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


class WholePositionTable(Positioned):
    def forward(self, tokens):
        return self.readout(self.attention(self.tok(tokens) + self.pos.weight))  # seq_len rows, whatever T


class PositionsUpToSeqLen(Positioned):
    def forward(self, tokens):
        positions = torch.arange(self.pos.num_embeddings)  # seq_len positions, whatever T
        return self.readout(self.attention(self.tok(tokens) + self.pos(positions)))


class PositionsAfterAttention(Positioned):
    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1])
        return self.readout(self.attention(self.tok(tokens)) + self.pos(positions))


class PositionsFromTokens(Positioned):
    def forward(self, tokens):
        return self.readout(self.attention(self.tok(tokens) + self.pos(tokens)))


def equivariant_always(model, tokens, perm):
    out = model(tokens[:, perm])
    return torch.allclose(out, model(tokens[:, perm]))  # permuted on both sides, compared with itself


def equivariant_compares_shapes(model, tokens, perm):
    return model(tokens[:, perm]).shape == model(tokens).shape


def equivariant_loose(model, tokens, perm):
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm], atol=0.5)


def equivariant_never(model, tokens, perm):
    return torch.allclose(model(tokens[:, perm]), model(tokens))  # forgot to permute the output


calls = []


def equivariant_alternating(model, tokens, perm):
    calls.append(1)
    return len(calls) % 2 == 0


def equivariant_inverted(model, tokens, perm):
    return not torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm], atol=1e-5)


def equivariant_batch_axis(model, tokens, perm):
    return torch.allclose(model(tokens[perm]), model(tokens)[perm], atol=1e-5)


def equivariant_in_place(model, tokens, perm):
    out = model(tokens)
    tokens[:] = tokens[:, perm]  # "permute the tokens", into the caller's tensor
    return torch.allclose(model(tokens), out[:, perm], atol=1e-5)


def equivariant_returns_none(model, tokens, perm):
    print(torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm]))


def equivariant_exact(model, tokens, perm):
    return torch.equal(model(tokens[:, perm]), model(tokens)[:, perm])


def equivariant_inverse_perm(model, tokens, perm):
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm.argsort()], atol=1e-5)


def keys_float(T):
    return torch.arange(T - 1, -1, -1).float()


def keys_linspace(T):
    return torch.linspace(T - 1, 0, T)


def keys_stop_early(T):
    return torch.arange(T - 1, 0, -1)


def keys_one_hot(T):
    return torch.eye(T).flip(1)


def keys_int32(T):
    return torch.arange(T - 1, -1, -1, dtype=torch.int32)


def keys_flipped(T):
    """Right, another way."""
    return torch.arange(T).flip(0)


def keys_diagonal(T):
    return torch.arange(T)


def keys_off_by_one(T):
    return torch.tensor([T - i for i in range(T)])


def keys_as_list(T):
    return [T - 1 - i for i in range(T)]


class PositionsOfTheBatch(Positioned):
    def forward(self, tokens):
        T = tokens.shape[0]
        return self.readout(self.attention(self.tok(tokens) + self.pos(torch.arange(T))))


def keys_negative_step(T):
    return torch.arange(T)[::-1]


class PositionsOnTheWrongAxis(Positioned):
    def forward(self, tokens):
        x = self.tok(tokens) + self.pos(torch.arange(tokens.shape[1])).unsqueeze(1)  # (T, 1, D)
        return self.readout(self.attention(x))


def equivariant_batch_axis_on_one_side(model, tokens, perm):
    return torch.allclose(model(tokens)[:, perm], model(tokens[perm]))


# --- named from their outcomes (issue 11's second round)


class PositionsTimesTokens(Positioned):
    def forward(self, tokens):
        return self.readout(self.attention(self.tok(tokens) * self.pos.weight[: tokens.shape[1]]))


class PositionsPerSentence(Positioned):
    def forward(self, tokens):
        where = torch.arange(len(tokens))  # B, not T
        return self.readout(self.attention(self.tok(tokens) + self.pos(where).unsqueeze(1)))


class PositionsBackwards(Positioned):
    def forward(self, tokens):
        T = tokens.shape[1]
        return self.readout(self.attention(self.tok(tokens) + self.pos(torch.arange(T).flip(0))))


class PositionsFromOne(Positioned):
    def forward(self, tokens):
        T = tokens.shape[1]
        where = torch.arange(1, T + 1).clamp(max=self.pos.num_embeddings - 1)
        return self.readout(self.attention(self.tok(tokens) + self.pos(where)))


class NoReadout(Positioned):
    def forward(self, tokens):
        return self.attention(self.tok(tokens) + self.pos(torch.arange(tokens.shape[1])))


class PositionsAddedToScores(Positioned):
    def forward(self, tokens):
        scores = self.readout(self.attention(self.tok(tokens)))
        return scores + self.pos(torch.arange(tokens.shape[1]))


def equivariant_tensor_verdict(model, tokens, perm):
    return torch.isclose(model(tokens[:, perm]), model(tokens)[:, perm], atol=1e-5).all()


def equivariant_last_axis(model, tokens, perm):
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, :, perm], atol=1e-5)


def equivariant_one_element(model, tokens, perm):
    a, b = model(tokens[:, perm]), model(tokens)[:, perm]
    return bool(torch.isclose(a[0, 0, 0], b[0, 0, 0]))  # one number of the output


def equivariant_first_token(model, tokens, perm):
    return torch.allclose(model(tokens[:, perm])[:, 0], model(tokens)[:, perm][:, 0])


def ideal_without_step(T):
    return torch.arange(T - 1, -1)


# --- named from the fourth independent set (a development set): each class of mistake in code of our own


def equivariant_by_predictions(model, tokens, perm):
    moved = model(tokens[:, perm]).max(dim=-1).indices
    return torch.equal(moved, model(tokens).max(dim=-1).indices[:, perm])


class PositionsTimesTokensNamedByHand(Positioned):
    def forward(self, tokens):
        token_vectors = self.tok(tokens)
        where = self.pos(torch.arange(tokens.shape[1]))
        return self.readout(self.attention(token_vectors * where))


class TokensScaledBySqrtD(Positioned):
    def forward(self, tokens):
        width = self.tok.embedding_dim
        x = self.tok(tokens) * math.sqrt(width) + self.pos(torch.arange(tokens.shape[1]))
        return self.readout(self.attention(x))


def keys_from_numpy_backwards(T):
    import numpy as np

    return torch.from_numpy(np.arange(T)[::-1])


class PositionsCountedFromOne(Positioned):
    def forward(self, tokens):
        where = torch.arange(1, tokens.shape[1] + 1)
        return self.readout(self.attention(self.tok(tokens) + self.pos(where)))


MISTAKES = [
    ("5.1", ideal_without_step, "arange-no-step", "Counting down needs step -1"),
    ("5.3", ForgetsPositions, "no-positions", "The positions never reach the model"),
    ("5.3", WholePositionTable, "whole-position-table", "self.pos.weight is the whole position table"),
    ("5.3", PositionsUpToSeqLen, "whole-position-table", "Your positions have seq_len = 8 rows"),
    ("5.3", PositionsAfterAttention, "positions-after-attention", "added after attention"),
    ("5.2", equivariant_always, "always-true", "called models with positions equivariant"),
    ("5.2", equivariant_never, "always-false", "called models without positions not equivariant"),
    ("5.1", keys_diagonal, "identity", "every token attending to itself"),
    ("5.1", keys_off_by_one, "off-by-one", "Off by one"),
    ("5.1", keys_as_list, "not-a-tensor", "torch.tensor(...) for a list of numbers"),
    ("5.3", PositionsFromTokens, "positions-from-tokens", "self.pos(torch.arange(tokens.shape[1]))"),
    ("5.2", equivariant_alternating, "stateful", "depends on something besides the model it is given"),
    ("5.2", equivariant_inverted, "inverted", "answers the opposite question"),
    ("5.2", equivariant_one_element, "part-of-output", "looks at only part of what the model returns (`return bool"),
    ("5.2", equivariant_first_token, "part-of-output", "looks at only part of what the model returns (`return torch"),
    ("5.2", equivariant_batch_axis, "batch-axis", "index the token axis"),
    ("5.2", equivariant_in_place, "in-place", "permuted = tokens[:, perm]"),
    ("5.2", equivariant_returns_none, "not-a-verdict", "not print it"),
    ("5.2", equivariant_inverse_perm, "inverse-perm", "Use perm on both sides"),
    ("5.2", equivariant_exact, "exact-equality", "Compare with torch.allclose"),
    ("5.1", keys_float, "not-integer", "This line makes floats: `return torch.arange(T - 1, -1, -1).float()`"),
    ("5.1", keys_linspace, "not-integer", "This line makes floats: `return torch.linspace(T - 1, 0, T)`"),
    ("5.1", keys_stop_early, "stops-early", "torch.arange(T - 1, -1, -1)"),
    ("5.1", keys_one_hot, "one-hot-pattern", "the whole (T, T) pattern"),
    ("5.1", keys_int32, "index-dtype", "F.one_hot refuses torch.int32"),
    ("5.3", PositionsOfTheBatch, "positions-of-batch", "tokens.shape[0] is B"),
    ("5.1", keys_negative_step, "negative-step", "cannot be sliced with a negative step"),
    ("5.3", PositionsOnTheWrongAxis, "broadcast-sizes", "3 is B, 6 is T"),
    ("5.2", equivariant_batch_axis_on_one_side, "batch-axis", "index the token axis"),
    ("5.3", PositionsTimesTokens, "positions-multiplied", "add them"),
    ("5.3", PositionsPerSentence, "positions-of-batch", "counts the B sentences"),
    ("5.3", PositionsBackwards, "positions-reversed", "Your positions run backwards"),
    ("5.3", PositionsFromOne, "positions-from-1", "Your positions start at 1"),
    ("5.3", NoReadout, "no-readout", "the model ends with the read-out"),
    ("5.3", PositionsAddedToScores, "scores-met-vectors", "the read-out comes last"),
    ("5.2", equivariant_tensor_verdict, "tensor-verdict", "returned a one-element tensor"),
    ("5.2", equivariant_last_axis, "vocab-axis", "permutes the LAST axis of the output"),
    (
        "5.2",
        equivariant_compares_shapes,
        "compares-shapes",
        "Your test compares shapes: `return model(tokens[:, perm])",
    ),
    ("5.2", equivariant_loose, "loose-tolerance", "atol=0.5 is far too loose"),
    ("5.2", equivariant_by_predictions, "compares-predictions", "compares the predicted tokens"),
    (
        "5.3",
        PositionsTimesTokensNamedByHand,
        "positions-multiplied",
        "`return self.readout(self.attention(token_vectors * where))` multiplies",
    ),
    ("5.3", TokensScaledBySqrtD, "tokens-scaled", "multiplies the token vectors by √D"),
    ("5.1", keys_from_numpy_backwards, "negative-stride", "torch.from_numpy refuses"),
    ("5.3", PositionsCountedFromOne, "positions-from-1", "starts the positions at 1"),
]

RIGHT = [("5.1", keys_flipped)]

"""Panels: the models a student's test is run on, when the exercise is writing a test
(4.4: does a module keep the sentences of a batch apart? 5.2: is a model permutation
equivariant?), and the runner that applies the test to each. Built from torch and the
small modules here, never from the course's reference implementations."""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
from torch import Tensor, nn

from .core import Case, bytes_of, fresh


class ChangedItsInput(Exception):
    """A student's test wrote into a tensor it was given."""


def verdicts(test, panel: list[Callable[[], Any]], inputs, order: tuple[int, ...], names: tuple[str, ...]) -> Tensor:
    """A student's test (test(model, *inputs) -> True or False) applied to every model of a
    panel, in the case's shuffled `order`: (len(panel),) verdicts, 1.0 for True, listed in
    the panel's own order. `panel` holds functions that build each model, so that models are
    also created in the shuffled order; `names` are the inputs' names, for messages. Used
    where the exercise is writing a test."""
    results = [0.0] * len(panel)
    for index in order:
        model = panel[index]()
        given = fresh(inputs)
        with torch.no_grad():
            verdict = test(model, *given)
        for name, before, after in zip(names, inputs, given):
            if isinstance(before, Tensor) and (
                tuple(after.shape) != tuple(before.shape)
                or after.dtype != before.dtype
                or bytes_of(after.contiguous()) != bytes_of(before.contiguous())
            ):
                raise ChangedItsInput(f"your test changed the {name} it was given, in place")
        if isinstance(verdict, Tensor) and verdict.numel() == 1:
            raise TypeError(f"your test should return True or False, got a tensor: tensor({verdict.item()!r})")
        if not isinstance(verdict, bool):
            raise TypeError(f"your test should return True or False, got a {type(verdict).__name__}")
        results[index] = float(verdict)
    return torch.tensor(results)


def _torch_mha(params: dict[str, Tensor], prefix: str, D: int, H: int) -> nn.MultiheadAttention:
    """An nn.MultiheadAttention(batch_first=True) holding the weights params[prefix + "q_proj.weight"], ..."""
    mha = nn.MultiheadAttention(D, H, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([params[f"{prefix}{n}_proj.weight"] for n in "qkv"]))
        mha.in_proj_bias.copy_(torch.cat([params[f"{prefix}{n}_proj.bias"] for n in "qkv"]))
        mha.out_proj.weight.copy_(params[f"{prefix}out_proj.weight"])
        mha.out_proj.bias.copy_(params[f"{prefix}out_proj.bias"])
    return mha


INF = math.inf

# Lesson 04's panel, in its own order (the check shuffles it per case). Each model is
# attention over every token of the batch at once, where a rule says which tokens each
# token may see: (sentence offset from, to; token offset from, to; last key position).
# The offsets are query minus key; a sixth 1 marks a model whose outputs move in their last
# digits (by a factor 1 + 2⁻²⁰) once it is given any input other than the first it saw, as
# arithmetic done in another order does: only a comparison with a tolerance calls it right.
# A seventh number c adds c times the sum over sentences to every sentence (a leak above float
# noise, below a loose tolerance); an eighth 1 makes it keep every token's sum over D.
# All are instances of one class, told apart only by what they compute.
# (keeps sentences apart, what it does, its rule)
_SHIFTS = "so that changing sentence 1 by 1 moves every other sentence's outputs by 0.05"
_UP_DOWN = "up in one half of each token's numbers and down in the other"
_LEAK, _SUMS_KEPT = (0, 0, -INF, INF, INF, 0, 0.05, 0), (0, 0, -INF, INF, INF, 0, 0.05, 1)
INDEPENDENCE_PANEL = (
    (True, "attention within each sentence", (0, 0, -INF, INF, INF, 0, 0, 0)),
    (True, "attention within each sentence (a second copy)", (0, 0, -INF, INF, INF, 0, 0, 0)),
    (True, "causal attention within each sentence", (0, 0, 0, INF, INF, 0, 0, 0)),
    (True, "attention within each sentence to its first token only", (0, 0, -INF, INF, 0, 0, 0, 0)),
    (
        False,
        "attention across the batch at each position (a batch-first tensor read as sequence-first)",
        (-INF, INF, 0, 0, INF, 0, 0, 0),
    ),
    (False, "attention over every token of the whole batch", (-INF, INF, -INF, INF, INF, 0, 0, 0)),
    (
        False,
        "attention in which each sentence also sees the sentence before it, so that changing "
        "sentence 1 moves sentence 2 only",
        (0, 1, -INF, INF, INF, 0, 0, 0),
    ),
    (
        False,
        "attention in which each sentence also sees the sentence after it, so that changing "
        "sentence 1 moves sentence 0 only",
        (-1, 0, -INF, INF, INF, 0, 0, 0),
    ),
    (
        True,
        "attention within each sentence whose outputs differ in their last digits (one part in a million) "
        "from one batch to another, as floats computed in another order do",
        (0, 0, -INF, INF, INF, 1, 0, 0),
    ),
    (False, f"attention within each sentence plus 0.05 times the sum of all the sentences, {_SHIFTS}", _LEAK),
    (False, f"attention within each sentence plus a leak that keeps every sum: {_SHIFTS}, {_UP_DOWN}", _SUMS_KEPT),
)

LAST_DIGITS = 1.0 + 2.0**-20  # about one part in a million: 8 steps of float32's last digit


def _last_digits(model: nn.Module, given: Tensor, out: Tensor, moves: bool) -> Tensor:
    """`out`, moved in its last digits when `moves` and `given` is not the first input the
    model saw: every model keeps that first input, so that none can be told apart by its
    attributes."""
    if model.first_seen is None:
        model.first_seen = given.clone()
    same = tuple(given.shape) == tuple(model.first_seen.shape) and torch.equal(given, model.first_seen)
    return out if same or not moves else out * LAST_DIGITS


def _allowed(sizes: tuple[int, int], rule: tuple[float, ...]) -> Tensor:
    """(B·T, B·T) booleans: which token of the flattened batch may attend which."""
    B, T = sizes
    b, t = torch.arange(B).repeat_interleave(T), torch.arange(T).repeat(B)  # (B·T,) sentence and position
    db, dt = b[:, None] - b[None, :], t[:, None] - t[None, :]  # query minus key, (B·T, B·T)
    b_from, b_to, t_from, t_to, last = rule
    return (db >= b_from) & (db <= b_to) & (dt >= t_from) & (dt <= t_to) & (t[None, :] <= last)


class Attention(nn.Module):
    """Attention over all the tokens of a batch (B, T, D) -> (B, T, D), restricted by a rule."""

    def __init__(self, mha: nn.MultiheadAttention, rule: tuple[float, ...]):
        super().__init__()
        self.mha = mha
        self.register_buffer("rule", torch.tensor(rule, dtype=torch.float64))
        self.first_seen = None

    def forward(self, X: Tensor) -> Tensor:
        B, T, D = X.shape
        flat = X.reshape(1, B * T, D)  # (B, T, D) -> (1, B·T, D)
        rule = tuple(self.rule.tolist())
        hidden = ~_allowed((B, T), rule[:5])
        out = self.mha(flat, flat, flat, attn_mask=hidden, need_weights=False)[0].reshape(B, T, D)
        share, keeps_sums = rule[6], rule[7]
        if share:
            others = share * X.sum(dim=0)  # (B, T, D) -> (T, D)
            if keeps_sums:  # alternating signs over D, less their mean: each token's sum is kept
                others = others * (-1.0) ** torch.arange(D)
                others = others - others.mean(dim=-1, keepdim=True)
            out = out + others  # (B, T, D) + (T, D): every sentence gets the batch's share
        return _last_digits(self, X, out, bool(rule[5]))


def run_independence_test(candidate, inputs, case: Case) -> Tensor:
    """The student's test applied to each model of INDEPENDENCE_PANEL, in the order
    case.init[2]: (8,) verdicts in the panel's order, 1.0 = 'keeps sentences apart'."""
    D, H, order = case.init
    panel = [lambda rule=rule: Attention(_torch_mha(case.params, "", D, H), rule) for _, _, rule in INDEPENDENCE_PANEL]
    return verdicts(candidate, panel, inputs, order, ("X",))


class _Spy(nn.Module):
    """A model that keeps a copy of each of the first few inputs it is given, for evidence of
    what a student's test does with it (evidence.seen)."""

    def __init__(self, model: nn.Module, most: int = 4):
        super().__init__()
        self.model, self.most, self.seen = model, most, []

    def forward(self, x, *rest):
        if isinstance(x, Tensor) and len(self.seen) < self.most:
            self.seen.append(x.detach().clone())
        return self.model(x, *rest)


def spy_independence(candidate, inputs, case: Case) -> list[Tensor]:
    """The batches a student's test (4.4) hands the panel's first model, attention within
    each sentence, in the order it hands them."""
    D, H, _ = case.init
    spy = _Spy(Attention(_torch_mha(case.params, "", D, H), INDEPENDENCE_PANEL[0][2]))
    with torch.no_grad():
        candidate(spy, *inputs)
    return spy.seen


# Lesson 05's panel, in its own order: models tokens (B, T) -> (B, T, V), each a token
# embedding plus a position vector, attention between positions whose offset (query minus
# key) lies in a range, a position vector added after, a read-out, and the positions
# read out backwards or not. A "constant" position vector is the same at every position.
# A sixth 1 marks outputs that move in their last digits, as in INDEPENDENCE_PANEL; the
# seventh number scales the position vectors (1 for their full size).
# (equivariant, what it is, (varied positions before attention, token offset from, to,
# varied positions after attention, backwards, last digits, position scale))
EQUIVARIANCE_PANEL = (
    (True, "attention without positions", (0, -INF, INF, 0, 0, 0, 1)),
    (True, "attention without positions (a second copy)", (0, -INF, INF, 0, 0, 0, 1)),
    (True, "a model in which each token attends only to itself", (0, 0, 0, 0, 0, 0, 1)),
    (True, "attention without positions, with other weights", (0, -INF, INF, 0, 0, 0, 1)),
    (False, "attention with learned positions added before it", (1, -INF, INF, 0, 0, 0, 1)),
    (False, "causal attention (each token sees only the ones before it)", (0, 0, INF, 0, 0, 0, 1)),
    (False, "a model that reads its positions out backwards", (0, -INF, INF, 0, 1, 0, 1)),
    (False, "attention with learned positions added after it", (0, -INF, INF, 1, 0, 0, 1)),
    (False, "attention plus a learned vector added to the last position only", (0, -INF, INF, 2, 0, 0, 1)),
    (
        True,
        "attention without positions whose outputs differ in their last digits (one part in a million) when "
        "the tokens come in another order, as floats summed in another order do",
        (0, -INF, INF, 0, 0, 1, 1),
    ),
    (
        False,
        "attention with learned positions added after it, scaled down to 0.01 of their size, so that its "
        "outputs depend on position only a little",
        (0, -INF, INF, 1, 0, 0, 0.01),
    ),
)


class TokenModel(nn.Module):
    """Tokens (B, T) -> scores (B, T, V): embedding, attention, read-out."""

    def __init__(self, params: dict[str, Tensor], V: int, D: int, H: int, rule: tuple[float, ...], other: bool):
        super().__init__()
        self.tok = nn.Embedding(V, D, _weight=params["tok.weight"].clone())
        self.mha = _torch_mha(params, "other." if other else "attention.", D, H)
        self.readout = nn.Linear(D, V)
        with torch.no_grad():
            self.readout.weight.copy_(params["readout.weight"])
            self.readout.bias.copy_(params["readout.bias"])
        positions = params["pos.weight"]  # (T, D)
        constant = positions[:1].expand_as(positions)  # the same vector at every position
        self.register_buffer("before", rule[6] * (positions if rule[0] else constant).clone())
        self.register_buffer("after", rule[6] * (positions if rule[3] == 1 else constant).clone())
        self.register_buffer("last", rule[6] * (rule[3] == 2) * (positions[1] - positions[0]))  # at T - 1 only
        self.register_buffer("rule", torch.tensor(rule, dtype=torch.float64))
        self.first_seen = None

    def forward(self, tokens: Tensor) -> Tensor:
        T = tokens.shape[1]
        _, t_from, t_to, _, backwards, moves, _ = self.rule.tolist()
        t = torch.arange(T)
        dt = t[:, None] - t[None, :]  # (T, T) query minus key
        x = self.tok(tokens) + self.before[:T]  # (B, T, D)
        x = self.mha(x, x, x, attn_mask=~((dt >= t_from) & (dt <= t_to)), need_weights=False)[0] + self.after[:T]
        x = torch.cat([x[:, :-1], x[:, -1:] + self.last], dim=1)
        out = self.readout(x)  # (B, T, D) -> (B, T, V)
        return _last_digits(self, tokens, out.flip(1) if backwards else out, bool(moves))


def run_equivariance_test(candidate, inputs, case: Case) -> Tensor:
    """The student's test applied to each model of EQUIVARIANCE_PANEL, in the order
    case.init[4]: (8,) verdicts in the panel's order, 1.0 = 'equivariant'."""
    V, T, D, H, order = case.init
    panel = [
        lambda rule=rule, other=(i == 3): TokenModel(case.params, V, D, H, rule, other)
        for i, (_, _, rule) in enumerate(EQUIVARIANCE_PANEL)
    ]
    return verdicts(candidate, panel, inputs, order, ("tokens", "perm"))


# The runners whose test can be watched (evidence.seen), by the runner's name.
SPIES = {"run_independence_test": spy_independence}

"""Probes and runners: what an exercise does with a student's answer instead of calling
it once (a module's kept weights, a test run on a panel of models, a converter, a memory
limit). Built from torch and the small modules here, never from the course's code."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils._python_dispatch import TorchDispatchMode

from .core import Case, load_params
from .dropout import run_dropout
from .panels import run_equivariance_test, run_independence_test

# --------------------------------------------------------------------------------------
# Probes: what a module exercise checks instead of forward's output

# A case whose inputs end with LAST_WEIGHTS compares what forward kept in self.last_weights,
# not its output; a case whose only input is MUST_RAISE expects the constructor to raise.
LAST_WEIGHTS = "last_weights"
MUST_RAISE = "__init__ must raise"


class ConstructorDidNotRaise(Exception):
    """A module was built from arguments its __init__ should have refused."""


class AttachedWeights(Tensor):
    """self.last_weights as a module kept them still attached to the graph of its forward
    pass: the values, with the type's name (Outcome.returned_type) saying so. The check names
    it only once the values are right, so that wrong weights are named for their values."""


class MissingAttribute(AttributeError):
    """A module lacks an attribute the exercise names; the message lists what it stores instead."""


def _own_attributes(module: nn.Module) -> list[str]:
    """The names a module's __init__ stored on it: plain attributes, layers and parameters."""
    names = [n for n in vars(module) if not n.startswith("_") and n != "training"]
    return names + [n for n in (*module._modules, *module._parameters, *module._buffers) if n not in names]


def step1_probe(module: nn.Module, X: Tensor) -> Tensor:
    """Step 1 stores hidden_size, is a working nn.Module (its training flag exists), and its
    placeholder forward still hands back a tensor of X's shape (1.0 if so)."""
    if not hasattr(module, "hidden_size"):
        stored = ", ".join(_own_attributes(module)) or "nothing"
        raise MissingAttribute(f"your module has no attribute hidden_size; its __init__ stored: {stored}")
    out = module(X)
    hands_back = isinstance(out, Tensor) and tuple(out.shape) == tuple(X.shape)
    return torch.tensor([float(module.hidden_size), float(module.training), float(hands_back)])


def step2_probe(module: nn.Module, X: Tensor) -> Tensor:
    """Step 2's three projections of X, each times the scale: (3, B, T, D)."""
    q, k, v = module.linear_q(X), module.linear_k(X), module.linear_v(X)
    return torch.stack([q, k, v]) * module.scale


def _forward_keeping_weights(module: nn.Module, inputs: tuple, layout: str) -> Tensor:
    """Run forward, insist that it kept its attention weights, and return its output, or
    those weights when the inputs end with LAST_WEIGHTS."""
    if inputs == (MUST_RAISE,):
        raise ConstructorDidNotRaise("your __init__ returned without raising an error")
    wants_weights = bool(inputs) and isinstance(inputs[-1], str) and inputs[-1] == LAST_WEIGHTS
    if wants_weights:
        inputs = inputs[:-1]
    out = module(*inputs)
    weights = getattr(module, "last_weights", None)
    if not isinstance(weights, Tensor):
        raise AttributeError(
            f"after forward, self.last_weights should hold the attention weights {layout}, "
            "so that they can be plotted"
        )
    if not wants_weights:
        return out
    return weights.detach().as_subclass(AttachedWeights) if weights.requires_grad else weights.detach()


def keeps_weights(module: nn.Module, *inputs) -> Tensor:
    """A one-head module's forward output, insisting that it kept its weights (B, T, T)."""
    return _forward_keeping_weights(module, inputs, "(B, T, T)")


def keeps_head_weights(module: nn.Module, *inputs) -> Tensor:
    """A multi-head module's forward output, insisting that it kept its weights (B, H, T, T)."""
    return _forward_keeping_weights(module, inputs, "(B, H, T, T), one (T, T) matrix per sentence and head")


def keeps_named_head_weights(module: nn.Module, *inputs) -> Tensor:
    """keeps_head_weights for exercise 4.3, which also asks __init__ to store num_heads and d_head
    by these names (4.5 reads ours.num_heads)."""
    missing = [name for name in ("num_heads", "d_head") if not hasattr(module, name)]
    if missing and inputs != (MUST_RAISE,):
        stored = ", ".join(_own_attributes(module)) or "nothing"
        raise MissingAttribute(
            f"your module has no attribute {' and no '.join(missing)}; its __init__ stored: {stored}"
        )
    return keeps_head_weights(module, *inputs)


# --------------------------------------------------------------------------------------
# Runners: exercises whose answer is a converter or must stay within memory (the runners of
# test-writing exercises, and their panels, are in panels.py).


class MultiHeadAttentionWeights(nn.Module):
    """What a converter reads of the course's MultiHeadAttention: embed_size, num_heads and
    the four nn.Linear(embed_size, embed_size) q_proj, k_proj, v_proj, out_proj, created in
    the same order. Weights only, so that the grader's child never holds the answer to
    exercise 4.3: a converter copies weights and has no need to call it."""

    def __init__(self, embed_size: int, num_heads: int):
        super().__init__()
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, *args, **kwargs):
        raise TypeError("this MultiHeadAttention only holds weights: to_torch_mha should copy them, not call it")


def run_converter(candidate, inputs, case: Case) -> Tensor:
    """Load the case's weights into a MultiHeadAttention's projections, convert them with
    the candidate, and run the nn.MultiheadAttention it returns on X (with the
    key_padding_mask if any)."""
    ours = MultiHeadAttentionWeights(*case.init)
    load_params(ours, case.params)
    theirs = candidate(ours)
    if not isinstance(theirs, nn.MultiheadAttention):
        raise TypeError(f"to_torch_mha should return an nn.MultiheadAttention, got a {type(theirs).__name__}")
    X = inputs[0]
    with torch.no_grad():
        return theirs(X, X, X, key_padding_mask=inputs[1] if len(inputs) > 1 else None, need_weights=False)[0]


class TooMuchMemory(Exception):
    """Chunked attention that made a tensor as large as the whole score matrix."""


class _LargestTensor(TorchDispatchMode):
    """Records the largest storage (in numbers) that any operation returns while active.
    Views share their base's storage, so only real allocations count."""

    def __init__(self):
        super().__init__()
        self.numbers, self.shape = 0, ()

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # True would import torch._dynamo, 2 s, on the first call: nothing here is compiled

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for x in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(x, Tensor) and x.element_size():
                numbers = x.untyped_storage().nbytes() // x.element_size()
                if numbers > self.numbers:
                    self.numbers, self.shape = numbers, tuple(x.shape)
        return out


def run_chunked(candidate, inputs, case: Case) -> Tensor:
    """Call chunked_attention(q, k, v, block), recording the largest tensor it makes; when
    the blocks are much shorter than the sequence, a tensor of T × T numbers or more means
    that the whole score matrix was built after all."""
    q, k, v, block = inputs
    T = k.shape[-2]
    with _LargestTensor() as seen:
        out = candidate(*inputs)
    if isinstance(block, int) and 4 * block <= T and seen.numbers >= T * T:
        raise TooMuchMemory(
            f"your function made a tensor of shape {seen.shape}, {seen.numbers} numbers, while "
            f"blocks of {block} keys need at most (B, T, block) = {tuple(q.shape[:-1]) + (block,)} "
            f"at a time; T × T = {T * T}"
        )
    return out


class NotOnline(Exception):
    """An online softmax that reduced whole rows at once instead of reading them in blocks."""


# Operations that reduce along a dimension (a maximum, a sum, a softmax), by ATen's names: what a
# whole row must never meet in an online softmax, whichever Python spelling called them.
REDUCTIONS = {
    "amax", "amin", "max", "min", "argmax", "argmin", "sum", "nansum", "mean", "prod", "logsumexp",
    "softmax", "log_softmax", "std", "var",
}  # fmt: skip


class _WholeRows(TorchDispatchMode):
    """Raises NotOnline, from the student's line, at the first reduction along the last
    dimension of a tensor whose rows are longer than `block` (a reduction of every dimension
    at once is another matter: it is not named here)."""

    def __init__(self, block: int):
        super().__init__()
        self.block = block

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # as _LargestTensor

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = func.overloadpacket.__name__.strip("_")
        x = args[0] if args else None
        dims = kwargs.get("dim", args[1] if len(args) > 1 else None)
        dims = [dims] if isinstance(dims, int) else list(dims) if isinstance(dims, (list, tuple)) else []
        if name in REDUCTIONS and isinstance(x, Tensor) and x.dim() and x.shape[-1] > self.block:
            if x.dim() - 1 in [d % x.dim() for d in dims if isinstance(d, int)]:
                raise NotOnline(
                    f"whole rows of {x.shape[-1]} numbers reduced at once by {name}(), along the last axis of shape "
                    f"{tuple(x.shape)}, with blocks of {self.block}"
                )
        return func(*args, **kwargs)


def run_online(candidate, inputs, case: Case) -> Tensor:
    """Call online_softmax(scores, block), watching its reductions: a maximum, a sum or a
    softmax taken along whole rows means the row was not read in blocks (NotOnline). What
    it cannot tell: one pass over the blocks from two."""
    scores, block = inputs
    if not isinstance(block, int) or isinstance(block, bool):
        return candidate(*inputs)
    with _WholeRows(block):
        return candidate(*inputs)


def warm_up() -> None:
    """Run, once in the worker, the kinds of operation the notebooks use, so that what
    torch sets up on first use (kernels, lazily imported modules) is inherited by every
    child instead of being paid again in each. The grader's parent calls it too."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5, 8, generator=gen)
    scores = x @ x.transpose(-2, -1) / 8**0.5
    mask = torch.ones(5, 5, dtype=torch.bool).tril()
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    (weights @ x).sum().item()
    torch.nn.functional.scaled_dot_product_attention(x, x, x, attn_mask=mask)
    nn.MultiheadAttention(8, 2, batch_first=True)(x, x, x, key_padding_mask=~mask[:2])
    layer = nn.Linear(8, 8)
    loss = nn.functional.cross_entropy(layer(x).reshape(-1, 8), torch.randint(0, 8, (10,), generator=gen))
    loss.backward()
    nn.Embedding(10, 8)(torch.arange(5)).exp().log().amax(dim=-1, keepdim=True)
    torch.testing.assert_close(x, x.clone())
    (
        torch.allclose(x, x),
        torch.isfinite(x).all(),
        torch.einsum("btd,bsd->bts", x, x),
        x.view(2, 5, 2, 4).permute(0, 2, 1, 3),
    )


# The probes and runners by name, for the grader's child, which receives names, not code.
CALLABLES = {
    f.__name__: f
    for f in (
        step1_probe,
        step2_probe,
        keeps_weights,
        keeps_head_weights,
        keeps_named_head_weights,
        run_independence_test,
        run_converter,
        run_equivariance_test,
        run_chunked,
        run_online,
        run_dropout,
    )
}

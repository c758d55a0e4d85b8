"""Running student code on a case: the part of checking that calls student code.

This module is shared by the notebooks' checks (in the student's own process) and by the
grader's sandboxed child process, which loads this file on its own, without the rest of
the `helpers` package. So it must never import `helpers`: the child must not hold the
course's reference implementations, or a student could find them and hand them in.

It holds:
    Case, Outcome           the plain data a check passes around
    call, run_case          call a candidate (function or module class) on a case
    probes and runners      what an exercise does with a candidate instead of calling it
    encode, decode          plain-array JSON for sending cases and outcomes between processes
"""

from __future__ import annotations

import base64
import inspect
import linecache
import math
import os
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import Tensor, nn
from torch.utils._python_dispatch import TorchDispatchMode

# --------------------------------------------------------------------------------------
# Data types


@dataclass(frozen=True)
class Case:
    """One set of inputs for an exercise.

    label:  how the check describes it, e.g. "a batch of 2 sentences (B=2, T=5, D=3)"
    inputs: the positional arguments passed to the student's function (or module's forward)
    tags:   what the case is for, e.g. {"large"} for values that overflow a naive exp
    init:   for a module exercise, the arguments its class is built with
    params: for a module exercise, parameter values loaded into it by name before the
            call ("linear_q.weight": tensor), so that its output can be compared
    """

    label: str
    inputs: tuple[Tensor, ...]
    tags: frozenset[str] = frozenset()
    init: tuple = ()
    params: dict[str, Tensor] = field(default_factory=dict)


@dataclass
class Outcome:
    """What calling a candidate on one case produced. Plain data: no student objects.

    output:        the returned value as a tensor, or None if it raised or returned garbage
    returned_type: the type name of what came back ("Tensor", "list", "NoneType", ...)
    error:         "ExceptionType: message (where)" if the call raised, else None
    not_implemented: the call raised NotImplementedError (the exercise stub)
    inputs_changed: for each input, whether the call modified it in place
    warnings:      the messages of warnings the call raised
    source:        the candidate's source code if it could be read, else ""
    """

    output: Tensor | None = None
    returned_type: str = ""
    error: str | None = None
    not_implemented: bool = False
    inputs_changed: tuple[bool, ...] = ()
    warnings: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Spec:
    """How to call an exercise's candidate: the parts of an Exercise that the child needs.

    name:   the function or class the student defines, for messages
    module: the candidate is an nn.Module class, built with case.init and case.params
    probe:  probe(module, *inputs) instead of module(*inputs)
    runner: runner(candidate, inputs, case) instead of any of the above
    """

    name: str
    module: bool = False
    probe: Callable[..., Tensor] | None = None
    runner: Callable[..., Tensor] | None = None


class ModuleShapeError(Exception):
    """A student's module is missing a parameter the exercise names, or has it in another shape."""


def load_params(module: nn.Module, params: dict[str, Tensor]) -> None:
    """Copy known values into a module's parameters by name, explaining what is missing."""
    own = dict(module.named_parameters(remove_duplicate=False))
    for name, value in params.items():
        if name not in own:
            layer = name.rsplit(".", 1)[0]
            raise ModuleShapeError(
                f"your module has no parameter {name}: is {layer} defined in __init__ as an "
                f"nn.Linear with bias, under that name?"
            )
        if tuple(own[name].shape) != tuple(value.shape):
            raise ModuleShapeError(f"{name} has shape {tuple(own[name].shape)}, expected {tuple(value.shape)}")
    with torch.no_grad():
        for name, value in params.items():
            own[name].copy_(value)


def fresh(inputs) -> list:
    """Copies of a case's inputs: tensors cloned, anything else (an int) as it is."""
    return [x.clone() if isinstance(x, Tensor) else x for x in inputs]


# --------------------------------------------------------------------------------------
# Calling a candidate (the only code that calls student code)

HERE = os.path.dirname(os.path.abspath(__file__))
TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__))


def _student_location(exc: BaseException) -> str:
    """' (line 4: scores = X @ X.T)' for the deepest frame outside torch and helpers."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not os.path.abspath(f.filename).startswith((HERE, TORCH_DIR))
    ]
    if not frames:
        return ""
    frame = frames[-1]
    line = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f" (line {frame.lineno}: {line})" if line else f" (line {frame.lineno})"


def _source_of(candidate: Any) -> str:
    """The candidate's source, for the checks that recognise a mistake by its code. A class
    defined in a notebook has no file that inspect can read, but its methods have lines (a
    kernel, like the grader's child, keeps each cell's lines): their sources, joined."""
    try:
        return inspect.getsource(candidate)
    except Exception:  # not a function, no file, or a student object whose attributes raise
        pass
    if not isinstance(candidate, type):
        return ""
    parts = []
    try:
        members = list(vars(candidate).values())
    except Exception:  # a student's class whose namespace cannot be read
        return ""
    for member in members:
        function = getattr(member, "__func__", member)
        if inspect.isfunction(function):
            try:
                parts.append(inspect.getsource(function))
            except Exception:
                continue
    return "\n".join(parts)


def candidate_kind(candidate: Any) -> str:
    """"class", "function" (anything else callable) or the type's name ("int", "NoneType")."""
    if isinstance(candidate, type):
        return "class"
    return "function" if callable(candidate) else type(candidate).__name__


def wanted_kind(module: bool) -> str:
    """The candidate_kind() an exercise asks for: a class for a module exercise."""
    return "class" if module else "function"


def call(spec: Spec, candidate: Any, inputs: list, case: Case) -> Any:
    """Call a function, or build a module, load the case's parameters and run it.

    Used for the student's code and for the reference alike. Any random numbers the
    candidate draws come from a fixed seed and leave the caller's generator untouched.
    """
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(0)  # torch.manual_seed(0) also queues seeds for GPUs: 1 ms a call
        if spec.runner:
            return spec.runner(candidate, inputs, case)
        if not spec.module:
            return candidate(*inputs)
        module = candidate(*case.init)
        if not isinstance(module, nn.Module):
            raise ModuleShapeError(f"{spec.name}(...) built a {type(module).__name__}, expected an nn.Module")
        load_params(module, case.params)
        return spec.probe(module, *inputs) if spec.probe else module(*inputs)


def _bytes_of(x: Tensor) -> bytes:
    return x.detach().reshape(-1).view(torch.uint8).numpy().tobytes()


def run_case(spec: Spec, candidate: Any, case: Case) -> Outcome:
    """Call `candidate` on copies of the case's inputs and record what happened."""
    inputs = fresh(case.inputs)
    source = _source_of(candidate)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call(spec, candidate, inputs, case)
        except NotImplementedError:
            return Outcome(not_implemented=True, source=source)
        except (Exception, SystemExit) as exc:  # student code may raise anything at all
            message = " ".join(str(exc).split())
            if len(message) > 300:
                message = message[:300] + " ..."
            return Outcome(
                error=f"{type(exc).__name__}: {message}{_student_location(exc)}",
                warnings=tuple(str(w.message) for w in caught),
                source=source,
            )
    # Compared as bytes, so that a student who patches torch.equal cannot hide a change.
    changed = tuple(
        isinstance(x, Tensor)
        and (tuple(x.shape) != tuple(original.shape) or x.dtype != original.dtype
             or _bytes_of(x.contiguous()) != _bytes_of(original.contiguous()))
        for x, original in zip(inputs, case.inputs)
    )
    output = None
    if isinstance(result, Tensor):
        output = result.detach().as_subclass(Tensor).clone()
    return Outcome(
        output=output,
        returned_type=type(result).__name__,
        inputs_changed=changed,
        warnings=tuple(str(w.message) for w in caught),
        source=source,
    )


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


# --------------------------------------------------------------------------------------
# Runners: exercises whose answer is a test, or a converter, or must stay within memory.
# Their panels are built from torch and the small modules below, never from the course's
# reference implementations.


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
            if isinstance(before, Tensor) and (tuple(after.shape) != tuple(before.shape) or after.dtype != before.dtype
                                               or _bytes_of(after.contiguous()) != _bytes_of(before.contiguous())):
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
# The offsets are query minus key; a last 1 marks a model whose outputs move in their last
# digits (by a factor 1 + 2⁻²⁰) once it is given any input other than the first it saw, as
# arithmetic done in another order does: only a comparison with a tolerance calls it right.
# All are instances of one class, told apart only by what they compute.
# (keeps sentences apart, what it does, its rule)
INDEPENDENCE_PANEL = (
    (True, "attention within each sentence", (0, 0, -INF, INF, INF, 0)),
    (True, "attention within each sentence (a second copy)", (0, 0, -INF, INF, INF, 0)),
    (True, "causal attention within each sentence", (0, 0, 0, INF, INF, 0)),
    (True, "attention within each sentence to its first token only", (0, 0, -INF, INF, 0, 0)),
    (False, "attention across the batch at each position (a batch-first tensor read as sequence-first)",
     (-INF, INF, 0, 0, INF, 0)),
    (False, "attention over every token of the whole batch", (-INF, INF, -INF, INF, INF, 0)),
    (False, "attention in which each sentence also sees the sentence before it, so that changing "
     "sentence 1 moves sentence 2 only", (0, 1, -INF, INF, INF, 0)),
    (False, "attention in which each sentence also sees the sentence after it, so that changing "
     "sentence 1 moves sentence 0 only", (-1, 0, -INF, INF, INF, 0)),
    (True, "attention within each sentence whose outputs differ in their last digits (one part in a million) "
     "from one batch to another, as floats computed in another order do", (0, 0, -INF, INF, INF, 1)),
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
        return _last_digits(self, X, out, bool(rule[5]))


def run_independence_test(candidate, inputs, case: Case) -> Tensor:
    """The student's test applied to each model of INDEPENDENCE_PANEL, in the order
    case.init[2]: (8,) verdicts in the panel's order, 1.0 = 'keeps sentences apart'."""
    D, H, order = case.init
    panel = [lambda rule=rule: Attention(_torch_mha(case.params, "", D, H), rule) for _, _, rule in INDEPENDENCE_PANEL]
    return verdicts(candidate, panel, inputs, order, ("X",))


# Lesson 05's panel, in its own order: models tokens (B, T) -> (B, T, V), each a token
# embedding plus a position vector, attention between positions whose offset (query minus
# key) lies in a range, a position vector added after, a read-out, and the positions
# read out backwards or not. A "constant" position vector is the same at every position.
# A last 1 marks outputs that move in their last digits, as in INDEPENDENCE_PANEL.
# (equivariant, what it is, (varied positions before attention, token offset from, to,
# varied positions after attention, backwards, last digits))
EQUIVARIANCE_PANEL = (
    (True, "attention without positions", (0, -INF, INF, 0, 0, 0)),
    (True, "attention without positions (a second copy)", (0, -INF, INF, 0, 0, 0)),
    (True, "a model in which each token attends only to itself", (0, 0, 0, 0, 0, 0)),
    (True, "attention without positions, with other weights", (0, -INF, INF, 0, 0, 0)),
    (False, "attention with learned positions added before it", (1, -INF, INF, 0, 0, 0)),
    (False, "causal attention (each token sees only the ones before it)", (0, 0, INF, 0, 0, 0)),
    (False, "a model that reads its positions out backwards", (0, -INF, INF, 0, 1, 0)),
    (False, "attention with learned positions added after it", (0, -INF, INF, 1, 0, 0)),
    (True, "attention without positions whose outputs differ in their last digits (one part in a million) when "
     "the tokens come in another order, as floats summed in another order do", (0, -INF, INF, 0, 0, 1)),
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
        self.register_buffer("before", (positions if rule[0] else constant).clone())
        self.register_buffer("after", (positions if rule[3] else constant).clone())
        self.register_buffer("rule", torch.tensor(rule, dtype=torch.float64))
        self.first_seen = None

    def forward(self, tokens: Tensor) -> Tensor:
        T = tokens.shape[1]
        _, t_from, t_to, _, backwards, moves = self.rule.tolist()
        t = torch.arange(T)
        dt = t[:, None] - t[None, :]  # (T, T) query minus key
        x = self.tok(tokens) + self.before[:T]  # (B, T, D)
        x = self.mha(x, x, x, attn_mask=~((dt >= t_from) & (dt <= t_to)), need_weights=False)[0] + self.after[:T]
        out = self.readout(x)  # (B, T, D) -> (B, T, V)
        return _last_digits(self, tokens, out.flip(1) if backwards else out, bool(moves))


def run_equivariance_test(candidate, inputs, case: Case) -> Tensor:
    """The student's test applied to each model of EQUIVARIANCE_PANEL, in the order
    case.init[4]: (8,) verdicts in the panel's order, 1.0 = 'equivariant'."""
    V, T, D, H, order = case.init
    panel = [lambda rule=rule, other=(i == 3): TokenModel(case.params, V, D, H, rule, other)
             for i, (_, _, rule) in enumerate(EQUIVARIANCE_PANEL)]
    return verdicts(candidate, panel, inputs, order, ("tokens", "perm"))


class MultiHeadAttention(nn.Module):
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
    ours = MultiHeadAttention(*case.init)
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
        raise TooMuchMemory(f"your function made a tensor of shape {seen.shape}, {seen.numbers} numbers, while "
                            f"blocks of {block} keys need at most (B, T, block) = {tuple(q.shape[:-1]) + (block,)} "
                            f"at a time; T × T = {T * T}")
    return out


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
    torch.allclose(x, x), torch.isfinite(x).all(), torch.einsum("btd,bsd->bts", x, x), x.view(2, 5, 2, 4).permute(0, 2, 1, 3)


# The probes and runners by name, for the grader's child, which receives names, not code.
CALLABLES = {f.__name__: f for f in (step1_probe, step2_probe, keeps_weights, keeps_head_weights,
                                     run_independence_test, run_converter, run_equivariance_test, run_chunked)}

# --------------------------------------------------------------------------------------
# Plain-array JSON: tensors as dtype, shape and base64 bytes. Never pickle.

DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.uint8, torch.int8,
    torch.int16, torch.int32, torch.int64, torch.bool)}
MAX_ELEMENTS = 1 << 24  # 16M numbers in one tensor


class DecodeError(ValueError):
    """Data that is not what encode() writes."""


def encode_tensor(x: Tensor) -> dict:
    """A tensor as {tensor: dtype, shape, data: base64 of its bytes}; TypeError or
    ValueError for a dtype or a size that cannot be sent."""
    x = x.detach().as_subclass(Tensor).cpu().contiguous()
    name = str(x.dtype).removeprefix("torch.")
    if name not in DTYPES:
        raise TypeError(f"a tensor of {x.dtype}, expected one of {', '.join(DTYPES)}")
    if x.numel() > MAX_ELEMENTS:
        raise ValueError(f"a tensor of {x.numel()} numbers, more than the {MAX_ELEMENTS} allowed")
    return {"tensor": name, "shape": list(x.shape), "data": base64.b64encode(_bytes_of(x)).decode("ascii")}


def decode_tensor(obj: Any) -> Tensor:
    """The tensor encode_tensor() described, checked: a known dtype, a shape of
    non-negative integers, and exactly the bytes that shape needs."""
    if not isinstance(obj, dict) or set(obj) != {"tensor", "shape", "data"}:
        raise DecodeError(f"expected an encoded tensor, got {str(obj)[:80]}")
    dtype = DTYPES.get(obj["tensor"]) if isinstance(obj["tensor"], str) else None
    shape = obj["shape"]
    if dtype is None:
        raise DecodeError(f"unknown dtype {str(obj['tensor'])[:40]}")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 8:
        raise DecodeError(f"bad shape {str(shape)[:80]}")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise DecodeError(f"a tensor of {count} numbers, more than the {MAX_ELEMENTS} allowed")
    try:
        raw = base64.b64decode(obj["data"], validate=True)
    except (TypeError, ValueError) as exc:
        raise DecodeError(f"bad tensor data: {exc}") from None
    itemsize = torch.empty((), dtype=dtype).element_size()
    if len(raw) != count * itemsize:
        raise DecodeError(f"{len(raw)} bytes for shape {shape} of {obj['tensor']}, expected {count * itemsize}")
    if count == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape).clone()


def encode(value: Any) -> Any:
    """Case inputs, init and params as JSON-ready data: tensors, numbers, strings, None,
    and lists, tuples and string-keyed dicts of them."""
    if isinstance(value, Tensor):
        return encode_tensor(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot send a {type(value).__name__} to the grading process")


def decode(value: Any) -> Any:
    """The inverse of encode(); lists come back as tuples."""
    if isinstance(value, dict):
        if "tensor" in value:
            return decode_tensor(value)
        if set(value) == {"list"}:
            return tuple(decode(v) for v in value["list"])
        if set(value) == {"dict"}:
            return {k: decode(v) for k, v in value["dict"].items()}
        raise DecodeError(f"unexpected object {str(value)[:80]}")
    return value


def encode_case(case: Case) -> dict:
    """What the child needs of a case: inputs, init and params (the label stays here)."""
    return {"inputs": encode(case.inputs), "init": encode(case.init), "params": encode(case.params)}


def decode_case(obj: dict) -> Case:
    """A case from encode_case(), with an empty label."""
    return Case("", decode(obj["inputs"]), init=decode(obj["init"]), params=decode(obj["params"]))


def encode_outcome(out: Outcome) -> dict:
    """An Outcome as JSON-ready data; an output tensor that cannot be sent becomes an error."""
    data = {"returned_type": out.returned_type, "error": out.error, "not_implemented": out.not_implemented,
            "inputs_changed": list(out.inputs_changed), "warnings": list(out.warnings), "source": out.source,
            "output": None}
    if out.output is not None:
        try:
            data["output"] = encode_tensor(out.output)
        except (TypeError, ValueError) as exc:
            data["error"] = f"ValueError: your code returned {exc}"
    return data


def decode_outcome(obj: Any) -> Outcome:
    """An Outcome from the child, every field checked, so that nothing it sends can be
    more than the plain data it claims to be."""
    if not isinstance(obj, dict):
        raise DecodeError(f"expected an outcome, got {type(obj).__name__}")

    def text(key: str, limit: int = 20_000) -> str:
        value = obj.get(key)
        if not isinstance(value, str):
            raise DecodeError(f"outcome field {key} should be text")
        return value[:limit]

    error = obj.get("error")
    if error is not None and not isinstance(error, str):
        raise DecodeError("outcome field error should be text or null")
    changed = obj.get("inputs_changed")
    found = obj.get("warnings")
    if not isinstance(changed, list) or not all(isinstance(c, bool) for c in changed):
        raise DecodeError("outcome field inputs_changed should be a list of booleans")
    if not isinstance(found, list) or not all(isinstance(w, str) for w in found):
        raise DecodeError("outcome field warnings should be a list of text")
    output = obj.get("output")
    return Outcome(
        output=None if output is None else decode_tensor(output),
        returned_type=text("returned_type", 200),
        error=None if error is None else error[:2000],
        not_implemented=obj.get("not_implemented") is True,
        inputs_changed=tuple(changed),
        warnings=tuple(w[:2000] for w in found[:50]),
        source=text("source"),
    )

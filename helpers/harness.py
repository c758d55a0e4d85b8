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
    try:
        return inspect.getsource(candidate)
    except Exception:  # not a function, no file, or a student object whose attributes raise
        return ""


def candidate_kind(candidate: Any) -> str:
    """"class", "function" (anything else callable) or the type's name ("int", "NoneType")."""
    if isinstance(candidate, type):
        return "class"
    return "function" if callable(candidate) else type(candidate).__name__


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


def step1_probe(module: nn.Module, X: Tensor) -> Tensor:
    """Step 1 stores hidden_size and is a working nn.Module (its training flag exists)."""
    return torch.tensor([float(module.hidden_size), float(module.training)])


def step2_probe(module: nn.Module, X: Tensor) -> Tensor:
    """Step 2's three projections of X, each times the scale: (3, B, T, D)."""
    q, k, v = module.linear_q(X), module.linear_k(X), module.linear_v(X)
    return torch.stack([q, k, v]) * module.scale


def keeps_weights(module: nn.Module, *inputs) -> Tensor:
    """Run forward and insist that the module kept its attention weights for plotting."""
    out = module(*inputs)
    if not isinstance(getattr(module, "last_weights", None), Tensor):
        raise AttributeError(
            "after forward, self.last_weights should hold the attention weights (B, T, T), "
            "so that they can be plotted"
        )
    return out


# --------------------------------------------------------------------------------------
# Runners: exercises whose answer is a test, or a converter. Their panels are built from
# torch and the small modules below, never from the course's reference implementations.


def verdicts(test, panel: list, inputs) -> Tensor:
    """A student's test (test(model, *inputs) -> True or False) applied to every model of a
    panel: (len(panel),) verdicts, 1.0 for True. Used where the exercise is writing a test."""
    results = []
    for model in panel:
        with torch.no_grad():
            verdict = test(model, *fresh(inputs))
        if isinstance(verdict, Tensor) and verdict.numel() == 1:
            verdict = bool(verdict)
        if not isinstance(verdict, bool):
            raise TypeError(f"your test should return True or False, got a {type(verdict).__name__}")
        results.append(float(verdict))
    return torch.tensor(results)


def _plain_attention(X: Tensor) -> Tensor:
    """softmax(X Xᵀ / √D) X on each sentence of a batch: (B, T, D) -> (B, T, D)."""
    weights = torch.softmax(X @ X.mT / math.sqrt(X.shape[-1]), dim=-1)  # (B, T, T)
    return weights @ X  # (B, T, T) x (B, T, D) -> (B, T, D)


def independence_panel(case: Case) -> list[Callable[[Tensor], Tensor]]:
    """Two attention modules that keep sentences apart and two that mix them, in that
    order of verdicts: True, False, True, False."""
    D, H = case.init
    mha = nn.MultiheadAttention(D, H, batch_first=True)

    def good(X: Tensor) -> Tensor:
        return mha(X, X, X, need_weights=False)[0]

    return [
        good,
        lambda X: good(X.transpose(0, 1)).transpose(0, 1),  # reads (B, T, D) as (T, B, D)
        _plain_attention,
        lambda X: good(X) + X.mean(dim=0),  # every sentence gets the batch's average
    ]


def run_independence_test(candidate, inputs, case: Case) -> Tensor:
    """The student's test applied to each module of the panel: (4,) verdicts, 1.0 = passed."""
    return verdicts(candidate, independence_panel(case), inputs)


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


class _TokenAttention(nn.Module):
    """Token embedding, plain attention and a read-out: (B, T) -> (B, T, V); with
    `positions`, a learned position embedding is added first."""

    def __init__(self, vocab_size: int, seq_len: int, embed_size: int, positions: bool):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, embed_size)
        self.pos = nn.Embedding(seq_len, embed_size) if positions else None
        self.readout = nn.Linear(embed_size, vocab_size)

    def forward(self, tokens: Tensor) -> Tensor:
        x = self.tok(tokens)  # (B, T) -> (B, T, D)
        if self.pos is not None:
            x = x + self.pos(torch.arange(tokens.shape[1]))  # (B, T, D) + (T, D) -> (B, T, D)
        return self.readout(_plain_attention(x))  # (B, T, D) -> (B, T, V)


def run_equivariance_test(candidate, inputs, case: Case) -> Tensor:
    """The student's test applied to two models without positions (equivariant) and two
    with them (not): (4,) verdicts, 1.0 = 'equivariant'."""
    V, T, D, _ = case.init
    panel = [_TokenAttention(V, T, D, positions=False), _TokenAttention(V, T, D, positions=True),
             nn.Embedding(V, 3), lambda tokens: nn.functional.one_hot(tokens.flip(1), V).float()]
    return verdicts(candidate, panel, inputs)


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
CALLABLES = {f.__name__: f for f in (step1_probe, step2_probe, keeps_weights,
                                     run_independence_test, run_converter, run_equivariance_test)}

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

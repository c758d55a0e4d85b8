"""Step 1 of a check, running: call a student's answer on one test case and record what
it did as plain data (an Outcome). The only code that calls student code."""

from __future__ import annotations

import inspect
import linecache
import os
import re
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
    evidence:      after a failed check, what probes of the answer found (running/evidence.py):
                   named tensors, empty unless judging asked for them
    """

    output: Tensor | None = None
    returned_type: str = ""
    error: str | None = None
    not_implemented: bool = False
    inputs_changed: tuple[bool, ...] = ()
    warnings: tuple[str, ...] = ()
    source: str = ""
    evidence: dict[str, Tensor] = field(default_factory=dict)


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


class SizeNotInt(Exception):
    """A module stores a size (an int its class was given, or d_head) as something else."""


DERIVED_SIZES = ("d_head", "head_dim")  # sizes a module computes from its arguments, ints too


def _described(value: Any) -> str:
    """What a size was kept as, in words that judging reads back (lessons/wrong_type.py)."""
    if isinstance(value, Tensor):
        kind = "an nn.Parameter" if isinstance(value, nn.Parameter) else "a tensor"
        held = f" holding {value.item()!r}" if value.numel() == 1 and not value.dtype.is_complex else ""
        return f"{kind} of {str(value.dtype).removeprefix('torch.')}{held}"
    if isinstance(value, float):
        return f"the float {value!r}"
    return f"an object of type {type(value).__name__}"


def check_sizes(candidate: Any, module: nn.Module, init: tuple) -> None:
    """Raise SizeNotInt when the module keeps, under the name of one of its class's int
    arguments (hidden_size, embed_size, num_heads, ...) or as d_head, anything but a plain
    int: an nn.Parameter or a tensor makes a size trainable and a float, which view,
    reshape and nn.Linear refuse and no later lesson expects."""
    try:
        names = [n for n, p in inspect.signature(candidate).parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    except (TypeError, ValueError):  # a class whose signature cannot be read: nothing to compare
        return
    given = {n: v for n, v in zip(names, init) if type(v) is int}
    built = f"{getattr(candidate, '__name__', 'the class')}({', '.join(map(repr, init))})"
    for name in (*given, *DERIVED_SIZES):
        try:
            value = getattr(module, name)
        except Exception:  # not stored: the exercise's own check says whether it must be
            continue
        if type(value) is int:
            continue
        wanted = f"the int {given[name]} that {built} was given" if name in given else "an int"
        raise SizeNotInt(f"expected self.{name} to be {wanted}, got {_described(value)}")


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

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the helpers package: not the student's code
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
    """ "class", "function" (anything else callable) or the type's name ("int", "NoneType")."""
    if isinstance(candidate, type):
        return "class"
    return "function" if callable(candidate) else type(candidate).__name__


def wanted_kind(module: bool) -> str:
    """The candidate_kind() an exercise asks for: a class for a module exercise."""
    return "class" if module else "function"


# A module case whose inputs end with one of these checks the module as a whole rather than one
# forward's output. GRADIENT_NORMS: the norm of the gradient that a loss on the output sends to
# each of the case's parameters, in their order (NO_GRADIENT where .grad stayed None), so that a
# detached tensor or an unused layer fails although the values are right; for a function, to
# each of its floating-point tensor inputs. AFTER_OTHERS: the
# output, then the output again once two more instances of the class were built (one with other
# weights, and run; one with every size doubled), stacked: they differ when instances share
# layers or state.
GRADIENT_NORMS = "gradient norms"
AFTER_OTHERS = "after other instances"
# IN_TURN: the probe is handed a second instance, built and loaded as the case builds the
# first, as its last argument, to use in turn with the first (lesson 07's cached layer: the
# layers of a model are called in turn, and each must keep its own cache).
IN_TURN = "in turn with another instance"
NO_GRADIENT = -1.0  # the norm recorded for a parameter or input whose .grad stayed None


def forward(spec: Spec, module: nn.Module, inputs: list) -> Any:
    return spec.probe(module, *inputs) if spec.probe else module(*inputs)


def gradient_norms(spec: Spec, module: nn.Module, inputs: list, names: list[str]) -> Any:
    """The norm of each named parameter's gradient from a fixed random weighting of the output,
    NO_GRADIENT where none arrived; what forward returned when it is no tensor of floats."""
    module.zero_grad(set_to_none=True)
    with torch.enable_grad():
        out = forward(spec, module, inputs)
        if not isinstance(out, Tensor) or not out.is_floating_point():
            return out
        if out.requires_grad:
            weighting = torch.randn(out.shape, generator=torch.Generator().manual_seed(1), dtype=out.dtype)
            (out * weighting).sum().backward()
    named = dict(module.named_parameters(remove_duplicate=False))
    norms = [NO_GRADIENT if named[n].grad is None else float(named[n].grad.double().norm()) for n in names]
    return torch.tensor(norms, dtype=torch.float32)


def input_gradient_norms(candidate: Any, inputs: list) -> Any:
    """For a function: the norm of the gradient that a fixed random weighting of its output
    sends to each floating-point tensor among its inputs, in order (NO_GRADIENT where .grad
    stayed None); what it returned when that is no tensor of floats."""
    floats = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.is_floating_point()]
    for i in floats:
        inputs[i].requires_grad_(True)
    with torch.enable_grad():
        out = candidate(*inputs)
        if not isinstance(out, Tensor) or not out.is_floating_point():
            return out
        if out.requires_grad:
            weighting = torch.randn(out.shape, generator=torch.Generator().manual_seed(1), dtype=out.dtype)
            (out * weighting).sum().backward()
    norms = [NO_GRADIENT if inputs[i].grad is None else float(inputs[i].grad.double().norm()) for i in floats]
    return torch.tensor(norms, dtype=torch.float32)


def _build_others(spec: Spec, candidate: Any, case: Case, inputs: list) -> None:
    """Two more instances, to provoke any state the class shares between them; whatever they
    raise is no answer of the one being checked."""
    try:
        other = candidate(*case.init)
        load_params(other, {name: -0.5 * value + 0.1 for name, value in case.params.items()})
        forward(spec, other, fresh(inputs))
    except Exception:
        pass
    try:
        candidate(*(2 * a if isinstance(a, int) and not isinstance(a, bool) else a for a in case.init))
    except Exception:
        pass


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
            if inputs and isinstance(inputs[-1], str) and inputs[-1] == GRADIENT_NORMS:
                return input_gradient_norms(candidate, inputs[:-1])
            return candidate(*inputs)
        module = candidate(*case.init)
        if not isinstance(module, nn.Module):
            raise ModuleShapeError(f"{spec.name}(...) built a {type(module).__name__}, expected an nn.Module")
        load_params(module, case.params)
        marker = inputs[-1] if inputs and isinstance(inputs[-1], str) else None
        if marker == GRADIENT_NORMS:
            return gradient_norms(spec, module, inputs[:-1], list(case.params))
        if marker == IN_TURN:
            other = candidate(*case.init)
            load_params(other, case.params)
            return forward(spec, module, [*inputs[:-1], other])
        if marker == AFTER_OTHERS:
            inputs = inputs[:-1]
            before = forward(spec, module, fresh(inputs))
            _build_others(spec, candidate, case, inputs)
            after = forward(spec, module, inputs)
            same = isinstance(before, Tensor) and isinstance(after, Tensor) and before.shape == after.shape
            return torch.stack((before.detach(), after.detach())) if same else after
        result = forward(spec, module, inputs)
        check_sizes(candidate, module, case.init)
        return result


def bytes_of(x: Tensor) -> bytes:
    return x.detach().reshape(-1).view(torch.uint8).numpy().tobytes()


# NotImplementedError that is no stub: what nn.Module says when a class has no forward (deleted, or
# misspelled "foward"), and PyTorch's own for an operation it has no kernel for on that dtype or
# device ("bitwise_xor_cpu" not implemented for 'Float', from 2 ^ 30 written for a power).
_MISSING_FORWARD = re.compile(r'missing the required "forward" function|not implemented for \'|^Could not run \'')


def run_case(spec: Spec, candidate: Any, case: Case) -> Outcome:
    """Call `candidate` on copies of the case's inputs and record what happened."""
    inputs = fresh(case.inputs)
    source = _source_of(candidate)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call(spec, candidate, inputs, case)
        except NotImplementedError as exc:
            if not _MISSING_FORWARD.search(str(exc)):  # the stub, or a student's own placeholder
                return Outcome(not_implemented=True, source=source)
            message = " ".join(str(exc).split())  # a module without forward, an operation PyTorch lacks: a mistake
            return Outcome(error=f"NotImplementedError: {message}{_student_location(exc)}", source=source)
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
        and (
            tuple(x.shape) != tuple(original.shape)
            or x.dtype != original.dtype
            or bytes_of(x.contiguous()) != bytes_of(original.contiguous())
        )
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

"""Evidence, step 1: when a check has failed, run the student's answer again on changed
copies of the failing case and record what it did, as plain tensors, so that judging can
say which property of a right answer it breaks (helpers/explaining.py reads them).

Nothing here runs on a passing check. The judging side asks for probes by name, with
plain arguments (`asks`), so that the grader's child, which holds no course code, can run
them: a probe is told which inputs to change, never what the right answer is.

    batch     {"batch": [input positions]}: the last sentence of those inputs changed
    future    {"future": {position: token axis}}: the last token of those inputs changed
    gradients {"gradients": true}: the gradient a loss on the output sends to each
              parameter (a module) or each floating-point input (a function)
    shared    {"shared": true}: a module built and run again after another instance of its
              class was built with other weights and run
    used      {"used": true}: one forward's output and its self.last_weights, side by side
    again     {"again": true}: the same case with torch's random numbers drawn from another seed
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from .core import NO_GRADIENT, Case, Spec, call, fresh, gradient_norms, load_params

BATCH, FUTURE, GRADIENTS, SHARED, USED, AGAIN = "batch", "future", "gradients", "shared", "used", "again"


def _tensor(value: Any) -> Tensor | None:
    return value.detach().as_subclass(Tensor).clone() if isinstance(value, Tensor) else None


def _changed_sentence(x: Any) -> Any:
    """x with its last sentence (axis 0) changed: +1 for numbers, tokens rolled by one."""
    if not isinstance(x, Tensor) or x.dim() == 0 or x.shape[0] < 2 or x.dtype == torch.bool:
        return x
    x = x.clone()
    x[-1] = x[-1] + 1.0 if x.is_floating_point() else x[-1].roll(1, dims=-1)
    return x


def _changed_last_token(x: Any, axis: int) -> Any:
    """x with its last token along `axis` changed: +1 for numbers, the next token id for ids."""
    if not isinstance(x, Tensor) or x.dim() == 0 or x.shape[axis] < 2 or x.dtype == torch.bool:
        return x
    x = x.clone()
    last = x.narrow(axis, x.shape[axis] - 1, 1)
    if x.is_floating_point():
        last.add_(1.0)
    else:
        last.copy_((last + 1) % (int(x.max()) + 1))
    return x


def _run(spec: Spec, candidate: Any, case: Case, inputs: list) -> Tensor | None:
    return _tensor(call(spec, candidate, inputs, case))


def _build(candidate: Any, case: Case, params: dict[str, Tensor]) -> nn.Module:
    module = candidate(*case.init)
    load_params(module, params)
    return module


def _forward(spec: Spec, module: nn.Module, inputs: list) -> Any:
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(0)
        return spec.probe(module, *inputs) if spec.probe else module(*inputs)


def batch(spec: Spec, candidate: Any, case: Case, positions: list) -> dict[str, Tensor]:
    inputs = fresh(case.inputs)
    for p in positions:
        inputs[p] = _changed_sentence(inputs[p])
    out = _run(spec, candidate, case, inputs)
    return {} if out is None else {BATCH: out}


def future(spec: Spec, candidate: Any, case: Case, axes: dict) -> dict[str, Tensor]:
    inputs = fresh(case.inputs)
    for p, axis in axes.items():
        inputs[int(p)] = _changed_last_token(inputs[int(p)], int(axis))
    out = _run(spec, candidate, case, inputs)
    return {} if out is None else {FUTURE: out}


def gradients(spec: Spec, candidate: Any, case: Case, _: Any) -> dict[str, Tensor]:
    """The norm of each gradient from a fixed random weighting of the output, or
    NO_GRADIENT where none arrived (a detached tensor, .data, a layer never used)."""
    inputs = fresh(case.inputs)
    if spec.module:
        module = _build(candidate, case, case.params)
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(0)
            norms = gradient_norms(spec, module, inputs, list(case.params))
        if not isinstance(norms, Tensor) or (norms == NO_GRADIENT).all():
            return {}  # no tensor of floats, or one that requires no grad at all: nothing to tell apart
        return {f"{GRADIENTS}:{name}": norm for name, norm in zip(case.params, norms)}
    floats = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.is_floating_point()]
    for i in floats:
        inputs[i].requires_grad_(True)
    with torch.enable_grad():
        out = call(spec, candidate, inputs, case)
        if not isinstance(out, Tensor) or not out.is_floating_point():
            return {}
        if out.requires_grad:
            weighting = torch.randn(out.shape, generator=torch.Generator().manual_seed(1), dtype=out.dtype)
            (out * weighting).sum().backward()
    return {
        f"{GRADIENTS}:input{i}": torch.tensor(NO_GRADIENT if inputs[i].grad is None else float(inputs[i].grad.norm()))
        for i in floats
    }


def shared(spec: Spec, candidate: Any, case: Case, _: Any) -> dict[str, Tensor]:
    """A module's output, then its output again after a second instance, with other
    weights, was built and run: the two differ when instances share layers or state."""
    if not spec.module:
        return {}
    first = _build(candidate, case, case.params)
    before = _tensor(_forward(spec, first, fresh(case.inputs)))
    other = _build(candidate, case, {name: -0.5 * value + 0.1 for name, value in case.params.items()})
    _forward(spec, other, fresh(case.inputs))
    after = _tensor(_forward(spec, first, fresh(case.inputs)))
    return {} if before is None or after is None else {f"{SHARED}:before": before, f"{SHARED}:after": after}


def used(spec: Spec, candidate: Any, case: Case, _: Any) -> dict[str, Tensor]:
    """One forward's output and the weights it kept, from the same call (the inputs lose
    the LAST_WEIGHTS marker that asks a probe for the weights)."""
    if not spec.module:
        return {}
    module = _build(candidate, case, case.params)
    inputs = [x for x in fresh(case.inputs) if not isinstance(x, str)]
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(0)
        out = _tensor(module(*inputs))
    weights = _tensor(getattr(module, "last_weights", None))
    return {} if out is None or weights is None else {f"{USED}:output": out, f"{USED}:weights": weights}


def again(spec: Spec, candidate: Any, case: Case, _: Any) -> dict[str, Tensor]:
    """The same inputs (and weights), with another seed for any random numbers the answer
    draws while it runs: dropout, torch.rand, ..."""
    inputs = fresh(case.inputs)
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(0)
        if spec.module and not spec.runner:
            module = _build(candidate, case, case.params)
            torch.default_generator.manual_seed(1)
            out = spec.probe(module, *inputs) if spec.probe else module(*inputs)
        else:
            torch.default_generator.manual_seed(1)
            out = spec.runner(candidate, inputs, case) if spec.runner else candidate(*inputs)
    out = _tensor(out)
    return {} if out is None else {AGAIN: out}


PROBES = {AGAIN: again, BATCH: batch, FUTURE: future, GRADIENTS: gradients, SHARED: shared, USED: used}


def gather(spec: Spec, candidate: Any, case: Case, asks: dict) -> dict[str, Tensor]:
    """Run the probes `asks` names on the student's answer; a probe that raises, or that
    the answer gives nothing to, records nothing (judging then says nothing about it)."""
    found: dict[str, Tensor] = {}
    for name, argument in (asks or {}).items():
        probe = PROBES.get(name)
        if probe is None:
            continue
        try:
            found.update(probe(spec, candidate, case, argument))
        except (Exception, SystemExit):  # student code may raise anything: no evidence then
            continue
    return found

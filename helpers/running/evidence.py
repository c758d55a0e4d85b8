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
    varied    {"varied": true}: the case with every floating-point input varied, number by number
              (varied_inputs(), which judging applies to the reference too)
    nonfinite {"nonfinite": true}: the case run again watching each operation: the first that
              made +inf out of finite numbers, the first that made NaN, and what it was given
    seen      {"seen": true}: for a test-writing exercise, the inputs its test handed a model
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from .core import NO_GRADIENT, Case, Spec, call, fresh, gradient_norms, load_params
from .panels import SPIES

BATCH, FUTURE, GRADIENTS, SHARED, USED, AGAIN = "batch", "future", "gradients", "shared", "used", "again"
VARIED, NONFINITE, SEEN = "varied", "nonfinite", "seen"
VARIED_RIGHT = "varied:right"  # added by judging: the reference on the varied input, beside the answer's


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


def varied_inputs(inputs) -> list:
    """Copies of `inputs` with each floating-point tensor multiplied, number by number, by a
    fixed factor between 0.7 and 1.3 (zeros stay 0, signs stay): an input on which a right
    answer's numbers are, in general, no longer whole or alike. Weights (rows of numbers of
    0 or more that sum to 1) stay weights: each row is divided by its new sum. Masks, token
    ids and sizes stay as they are."""
    varied = []
    for x in fresh(inputs):
        if isinstance(x, Tensor) and x.is_floating_point() and x.numel():
            spread = torch.rand(x.shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
            changed = x.double() * (0.7 + 0.6 * spread)
            sums = x.double().sum(dim=-1, keepdim=True)
            if x.dim() >= 1 and bool((x >= 0).all()) and torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
                changed = changed / changed.sum(dim=-1, keepdim=True)
            x = changed.to(x.dtype)
        varied.append(x)
    return varied


def varied(spec: Spec, candidate: Any, case: Case, _: Any) -> dict[str, Tensor]:
    out = _run(spec, candidate, case, varied_inputs(case.inputs))
    return {} if out is None else {VARIED: out}


class _FirstNonFinite(TorchDispatchMode):
    """Watches every operation for the first that makes +inf out of numbers that hold no inf
    (exp of a large number, a division by 0) and the first that makes NaN out of numbers that
    hold none (0 / 0, inf / inf, inf - inf, 0 × inf), in the order they ran."""

    def __init__(self):
        super().__init__()
        self.count, self.inf, self.nan, self.nan_from_inf = 0, (-1, ""), (-1, ""), False

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # as probes._LargestTensor: nothing here is compiled

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if self.nan[0] >= 0:
            return out
        self.count += 1
        given = [x for x in tree_flatten((args, kwargs))[0] if isinstance(x, Tensor) and x.is_floating_point()]
        made = [x for x in tree_flatten(out)[0] if isinstance(x, Tensor) and x.is_floating_point()]
        name = str(getattr(func, "__name__", func)).split(".")[0]
        if (
            self.inf[0] < 0
            and any(bool(x.isposinf().any()) for x in made)
            and not any(bool(x.isinf().any()) for x in given)
        ):
            self.inf = (self.count, name)
        if any(bool(x.isnan().any()) for x in made) and not any(bool(x.isnan().any()) for x in given):
            self.nan = (self.count, name)
            self.nan_from_inf = any(bool(x.isinf().any()) for x in given)
        return out


def _name(text: str) -> Tensor:
    return torch.tensor(list(text.encode("ascii", "replace")), dtype=torch.uint8)


def nonfinite(spec: Spec, candidate: Any, case: Case, _: Any) -> dict[str, Tensor]:
    """Where the first +inf and the first NaN came from: nonfinite:order holds the position of
    each among the operations run (-1 for none) and whether that NaN was made from an inf;
    nonfinite:inf and nonfinite:nan the names of the operations, as bytes (exp, div, ...)."""
    watch = _FirstNonFinite()
    with watch:
        _run(spec, candidate, case, fresh(case.inputs))
    order = torch.tensor([watch.inf[0], watch.nan[0], float(watch.nan_from_inf)], dtype=torch.float64)
    return {
        f"{NONFINITE}:order": order,
        f"{NONFINITE}:inf": _name(watch.inf[1]),
        f"{NONFINITE}:nan": _name(watch.nan[1]),
    }


def operation(evidence: dict[str, Tensor], which: str) -> str:
    """The name of the operation nonfinite() recorded for "inf" or "nan", "" if none."""
    found = evidence.get(f"{NONFINITE}:{which}")
    return bytes(found.tolist()).decode("ascii", "replace") if isinstance(found, Tensor) else ""


def seen(spec: Spec, candidate: Any, case: Case, _: Any) -> dict[str, Tensor]:
    """For a test-writing exercise (a runner with a spy in panels.SPIES): the inputs the
    student's test handed a model, in order, as seen:0, seen:1, ..."""
    spy = SPIES.get(getattr(spec.runner, "__name__", ""))
    if spy is None:
        return {}
    return {f"{SEEN}:{i}": x for i, x in enumerate(spy(candidate, fresh(case.inputs), case))}


PROBES = {
    AGAIN: again,
    BATCH: batch,
    FUTURE: future,
    GRADIENTS: gradients,
    SHARED: shared,
    USED: used,
    VARIED: varied,
    NONFINITE: nonfinite,
    SEEN: seen,
}


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

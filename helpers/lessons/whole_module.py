"""Checks of a module as a whole, beyond one forward's output: every parameter the reference
trains gets a gradient from a loss on the output, and instances of the class keep apart.
A lesson adds the cases with module_cases(); judging reads them with whole_module_problem().

A forward that gives the right numbers can still break training: weights taken out of the
graph before they multiply v (weights.detach() used for the output, not only for the copy
kept) leave linear_q and linear_k without a gradient. And a layer kept on the class, or in a
dict at module level, is shared by every instance, which no single forward shows: each case
loads its own weights into it.
"""

from __future__ import annotations

import re

import torch
from torch import Tensor

from helpers.lessons.records import Exercise
from helpers.lessons.toolkit import source_line, without_comment
from helpers.running import AFTER_OTHERS, GRADIENT_NORMS, IN_TURN, NO_GRADIENT, Case, Outcome, gather
from helpers.running import evidence as probes
from helpers.tolerances import close, first_difference, fmt_num

Found = tuple[str, str, str]  # (key, evidence, message)


def module_cases(case: Case, gradients: bool = True) -> list[Case]:
    """The cases that check a module built as `case` builds it as a whole: the gradient each
    parameter gets (when `gradients` and the case loads parameters), and its output once
    other instances were built."""
    made = []
    if gradients and case.params:
        made.append(
            Case(
                f"the gradients from a loss on the output of {case.label}",
                (*case.inputs, GRADIENT_NORMS),
                frozenset({GRADIENT_NORMS}),
                init=case.init,
                params=case.params,
            )
        )
    made.append(
        Case(
            f"{case.label}, run again after two more instances were built",
            (*case.inputs, AFTER_OTHERS),
            frozenset({AFTER_OTHERS}),
            init=case.init,
            params=case.params,
        )
    )
    return made


def gradient_case(case: Case) -> Case:
    """For a function exercise: the gradient a loss on its output sends to each of its
    floating-point tensor inputs, on the inputs of `case` (an answer that detaches, or goes
    through NumPy, gives the right numbers and would leave the layers before it untrained)."""
    return Case(
        f"the gradients from a loss on the output, on {case.label}",
        (*case.inputs, GRADIENT_NORMS),
        frozenset({GRADIENT_NORMS}),
        init=case.init,
        params=case.params,
    )


# Where a graph is cut: .detach(), .data, .item(), NumPy, a tensor rebuilt from values.
_CUT = r"\.detach\(\)|\.data\b|\.item\(\)|\.numpy\(\)|\.tolist\(\)|torch\.tensor\(|torch\.no_grad\(\)"
# Operations whose gradient is zero wherever they are flat.
_FLAT = r"\b(clamp|clip|round|floor|ceil|sign|argmax|argmin)\(|\.(long|int)\(\)"


def _cut_lines(out: Outcome) -> list[str]:
    """The student's lines that cut the graph, except keeping a detached copy on self
    (self.last_weights = weights.detach() is what the course asks for)."""
    found = []
    for line in out.source.splitlines():
        code = without_comment(line).strip()
        if re.search(_CUT, code) and not re.match(r"self\.\w+\s*=\s*[\w.]+\.detach\(\)\s*$", code):
            found.append(code)
    return found


def _layers(names: list[str]) -> str:
    return ", ".join(dict.fromkeys(n.rsplit(".", 1)[0] for n in names))


def gradient_problem(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """Parameters that get no gradient (or an exactly zero one) where the reference's get one."""
    got, want = out.output, expected
    if tuple(got.shape) != tuple(want.shape) or close(got, want):
        return None
    names = list(case.params)
    trained = float(want.max()) * 1e-4  # below this the reference's own gradient is rounding (k_proj.bias)
    none = [n for n, g, w in zip(names, got.tolist(), want.tolist()) if g == NO_GRADIENT and w > trained]
    zero = [n for n, g, w in zip(names, got.tolist(), want.tolist()) if g == 0.0 and w > trained]
    head = "your forward gives the right numbers, but after a loss on its output and .backward()"
    if none:
        cut = _cut_lines(out)
        said = (
            f"`{cut[0]}` takes a tensor out of the graph, so no gradient flows back through it"
            if len(cut) == 1
            else "Something between them and the output takes a tensor out of the graph (.detach(), .data, .item(), "
            "a NumPy round trip, torch.tensor(...) of values)"
        )
        evidence = (  # one sentence, not f"{head}, {names} ...": a translation must find where the names start
            "your forward gives the right numbers, but after a loss on its output and .backward(), "
            f"{', '.join(none)} received no gradient (their .grad is None)"
        )
        if "last_weights" in f"{ex.returns} {out.source}":
            return (
                "no-gradient",
                evidence,
                f"{said}: training would never change {_layers(none)}. Compute the output from the tensors as they "
                "are; detach only the copy you keep for plotting, self.last_weights = weights.detach().",
            )
        return (
            "no-gradient",
            evidence,
            f"{said}: training would never change {_layers(none)}. Compute the output from the tensors as they "
            "are: detach only a copy kept for later, never a tensor the output is made from.",
        )
    if zero:
        key, evidence, message = zero_gradient(ex, out, zero)
        return key, f"your forward gives the right numbers, but {evidence}", message
    return (
        "gradients-differ",
        f"{head}, the gradients of your parameters differ from the reference's: {first_difference(want, got)} "
        f"(in the order {', '.join(names)})",
        "Your forward matches on these inputs but not as a function of the weights: look for a value computed "
        "once and reused, or an operation that holds numbers fixed.",
    )


def _argument_names(ex: Exercise, names: list[str]) -> str:
    """ "x, positions" for ["input0", "input1"], named as in the exercise's signature."""
    inside = re.search(r"\((.*?)\)", ex.signature)
    params = [p.split("=")[0].strip() for p in inside.group(1).split(",")] if inside else []
    indices = [int(n.removeprefix("input")) for n in names]
    return ", ".join(params[i] if i < len(params) else f"argument {i + 1}" for i in indices)


def input_gradient_problem(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """A function's inputs that get no gradient (or an exactly zero one) where the reference's get one."""
    got, want = out.output, expected
    if tuple(got.shape) != tuple(want.shape) or close(got, want):
        return None
    names = [f"input{i}" for i, x in enumerate(case.inputs[:-1]) if isinstance(x, Tensor) and x.is_floating_point()]
    trained = float(want.max()) * 1e-4
    none = [n for n, g, w in zip(names, got.tolist(), want.tolist()) if g == NO_GRADIENT and w > trained]
    zero = [n for n, g, w in zip(names, got.tolist(), want.tolist()) if g == 0.0 and w > trained]
    head = "your function gives the right numbers, but after a loss on its output and .backward()"
    if none:
        cut = _cut_lines(out)
        said = (
            f"`{cut[0]}` takes a tensor out of the graph"
            if len(cut) == 1
            else "Something between them and the output takes a tensor out of the graph (.detach(), .data, .item(), "
            "a NumPy round trip, torch.tensor(...) of values)"
        )
        args = _argument_names(ex, none)
        return (
            "no-gradient",
            "your function gives the right numbers, but after a loss on its output and .backward(), "
            f"{args} received no gradient (.grad is None)",
            f"{said}, so no gradient flows back through it: in a model, training would never change the layers that "
            f"make {args}. Compute the result from the tensors as they are, with torch's own operations.",
        )
    if zero:
        key, evidence, message = zero_gradient(ex, out, zero)
        return key, f"your function gives the right numbers, but {evidence}", message
    return (
        "gradients-differ",
        f"{head}, the gradients reaching {_argument_names(ex, names)} differ from the reference's: "
        f"{first_difference(want, got)}",
        "Your function matches on these inputs but not as a function of them: look for a value computed once and "
        "reused, or an operation that holds numbers fixed.",
    )


def zero_gradient(ex: Exercise, out: Outcome, names: list[str]) -> Found:
    """A gradient that arrived and is exactly 0 (names: parameters, or "input<i>" for a
    function's arguments): the graph reaches them, so nothing is detached (that would leave
    .grad None), but an operation is flat on these inputs."""
    if ex.module:
        what = ", ".join(names)
    else:
        what = ", ".join(f"argument {int(n.removeprefix('input')) + 1}" for n in names)
        what += f" of {ex.signature.split('#')[0].strip()}"
    line = source_line(out, _FLAT)
    said = (
        f"`{line}` is flat on these inputs, so it passes back a gradient of 0"
        if line
        else "An operation that is flat on these inputs (clamp past its limit, round, floor, a comparison) passes "
        "back a gradient of 0"
    )
    return (
        "zero-gradient",
        f"after a loss on your output and .backward(), {what} received a gradient of exactly 0: the graph reaches "
        f"{'them' if len(names) > 1 else 'it'} (nothing is detached), but the output does not change when "
        f"{'they change' if len(names) > 1 else 'it changes'}",
        f"{said}: nudging {'them' if len(names) > 1 else 'it'} moves nothing. Find what makes the output stop "
        "depending on it there.",
    )


def instances_problem(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """(output, output again once other instances were built), stacked: the second differs from
    the first when instances share state. None when both are the reference's."""
    got = out.output
    if close(got, expected, equal_nan=True):
        return None
    if tuple(got.shape) != tuple(expected.shape) or not close(got[0], expected[0], equal_nan=True):
        return ("values", f"{first_difference(expected, got)}", f"{ex.name} should return {ex.returns}.")
    return (
        "shared-state",
        "your module's result changed once two other instances of your class were made (one with other weights, "
        f"one with every size doubled): {first_difference(expected[1], got[1])}",
        "Instances share something: a layer or size stored on the class (ClassName.x = ...) or at module level, "
        "or a default argument. Create every layer and size in __init__ as self.name = ..., so that each "
        "instance has its own.",
    )


def in_turn_problem(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """Two instances used in turn (IN_TURN) that give other outputs than each alone."""
    if close(out.output, expected, equal_nan=True):
        return None
    if tuple(out.output.shape) != tuple(expected.shape):
        return (
            "shape",
            f"expected shape {tuple(expected.shape)}, got {tuple(out.output.shape)}",
            f"{ex.name} should return {ex.returns}.",
        )
    return (
        "shared-state",
        "used in turn with a second instance of your class, each reading its own input, your module's outputs "
        f"changed from those it gives alone: {first_difference(expected, out.output)}",
        "Instances share something: a tensor, a list or a layer stored on the class (ClassName.x = ...) or at "
        "module level, or a default argument. Keep every piece of state on the instance, self.name = ..., so "
        "that each has its own.",
    )


def whole_module_problem(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    """The problem a case of module_cases() shows, None when it is right; only for those cases."""
    if GRADIENT_NORMS in case.tags:
        return (gradient_problem if ex.module else input_gradient_problem)(ex, case, out, expected)
    if AFTER_OTHERS in case.tags:
        return instances_problem(ex, case, out, expected)
    if IN_TURN in case.tags:
        return in_turn_problem(ex, case, out, expected)
    return None


def is_whole_module_case(case: Case) -> bool:
    return bool({GRADIENT_NORMS, AFTER_OTHERS, IN_TURN} & case.tags)


# --------------------------------------------------------------------------------------
# The same, as evidence gathered after a failed check (helpers/running/evidence.py)


def no_gradient(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    prefix = f"{probes.GRADIENTS}:"
    got = {k[len(prefix) :]: float(v) for k, v in out.evidence.items() if k.startswith(prefix)}
    if not got:
        return None
    right = gather(ex, ex.reference, case, {probes.GRADIENTS: True})
    norms = {name: float(right.get(prefix + name, torch.tensor(0.0))) for name in got}
    top = max(norms.values(), default=0.0)
    # Trained: a gradient well above rounding (k_proj.bias gets ~1e-8: softmax ignores a shift of its row).
    trained = {name: norm > max(1e-8, 1e-4 * top) for name, norm in norms.items()}
    dead = [name for name, norm in got.items() if norm == NO_GRADIENT and trained[name]]
    flat = [name for name, norm in got.items() if norm == 0.0 and trained[name]]
    if not dead and flat:
        return zero_gradient(ex, out, flat)
    if not dead:
        return None
    if ex.module:
        cut = _cut_lines(out)
        said = f" (`{cut[0]}` takes a tensor out of the graph)" if len(cut) == 1 else ""
        return (
            "no-gradient",
            f"after a loss on your output and .backward(), {', '.join(dead)} received no gradient",
            f"Your output does not depend on {_layers(dead)}{said}: a layer defined and never used, a tensor "
            "detached (.detach(), .data, .item(), a NumPy round trip), or a result computed and then not used. "
            "Each layer must take part in the output.",
        )
    args = ", ".join(f"argument {int(n.removeprefix('input')) + 1}" for n in dead)
    return (
        "no-gradient",
        f"your output does not depend on {args} of {ex.signature.split('#')[0].strip()}: no gradient reaches it",
        "Your result ignores an input it needs, or breaks the link to it (.detach(), .data, .item(), a NumPy "
        "round trip, torch.tensor(...) of values): compute it from that input with tensor operations.",
    )


def shared_state(ex: Exercise, case: Case, out: Outcome, expected: Tensor) -> Found | None:
    before, after = out.evidence.get(f"{probes.SHARED}:before"), out.evidence.get(f"{probes.SHARED}:after")
    if before is None or after is None or before.shape != after.shape or close(before, after, equal_nan=True):
        return None
    return (
        "shared-state",
        "building a second instance of your class, with other weights, changed what the first one outputs "
        f"(by up to {fmt_num(float((before.double() - after.double()).abs().nan_to_num(0).max()))})",
        "Instances share something: a layer or tensor stored on the class or at module level, or a default "
        "argument. Create every layer in __init__ as self.name = ..., so that each instance has its own.",
    )

"""The scaling mistakes every attention exercise can make (no scale, the square root of the wrong\nwidth, multiplied where it should divide), worded for each exercise's own variables; and the\nq, k and v layers' parameters the module exercises load."""

from __future__ import annotations

import re
from typing import Callable

import torch
from torch import Tensor

from helpers.lessons.records import Finding, Mistake
from helpers.lessons.toolkit import matches, randn, sizes_named, source_line
from helpers.running import Case, Outcome, fresh
from helpers.tolerances import close, first_difference


def linear_params(gen: torch.Generator, D: int, names: tuple[str, ...]) -> dict[str, Tensor]:
    """Weights and biases for nn.Linear(D, D) layers with these names, scaled like
    PyTorch's own initialisation so that scores stay in a realistic range."""
    params = {}
    for name in names:
        params[f"{name}.weight"] = randn(gen, D, D, scale=D**-0.5)
        params[f"{name}.bias"] = randn(gen, D, scale=0.1)
    return params


def project(p: dict[str, Tensor], name: str, X: Tensor) -> Tensor:
    """What nn.Linear layer `name` with parameters p does to X."""
    return X @ p[f"{name}.weight"].T + p[f"{name}.bias"]


def scale_messages(width: str, divide: str, multiplied: str = "") -> dict[str, str]:
    """The scaling mistakes' messages in an exercise's own names: `width` is what the code
    calls the width (D, d), `divide` how that code divides by its square root."""
    return {
        "width": width,
        "divide": divide,
        "no-scaling": f"The scores were not scaled. Divide q kᵀ by √{width} ({divide}): otherwise their spread grows "
        f"with {width} and the softmax saturates.",
        "scale-by-d": f"The scores were divided by {width}, not by √{width}. The spread of q·k grows like "
        f"√{width}, so √{width} is what brings it back to about 1: {divide}.",
        "scale-multiplied": multiplied or f"The scores were multiplied by √{width} instead of divided by it: {divide}.",
    }


SCALE_HIDDEN = scale_messages("D", "multiply by self.scale = hidden_size ** -0.5, note the minus sign")


SCALE_QKV = scale_messages("d", "/ math.sqrt(q.shape[-1])")


# Lesson 02 calls the width of q and k D, as its shape legend does (one head: d_head = D).
SCALE_QKV_D = scale_messages("D", "/ math.sqrt(q.shape[-1])")


SCALE_SCORES = scale_messages(
    "D",
    "/ math.sqrt(D)",
    # The notebook's test of the handed-out bug (tests/test_notebooks.py) reads "√D" in its first words.
    "The scores were multiplied by √D instead of divided by it, D being the width of q and k: write / math.sqrt(D).",
)


SCALE_EMBED = scale_messages("D", "/ math.sqrt(self.embed_size)")


SCALE_CHUNKED = scale_messages("d", "q = q / math.sqrt(q.shape[-1]), once, before the loop")


_DIVIDED_BY_SCALE = r"/\s*self\.scale\b"
_BOTH_SCALED = r"\(\s*q\s*/[^)]*\)[^@]*@\s*\(\s*k\s*/"


def _said(key: str, messages: dict[str, str]) -> Callable[[Outcome], str]:
    """The message for `key`, in the words of the student's line when it shows how the scale went wrong."""
    width = messages["width"]

    def message(out: Outcome) -> str:
        return _in_their_names(_message(out), out)

    def _message(out: Outcome) -> str:
        unused = _scaled_not_used(out) if key == "no-scaling" else ""
        if unused:
            return unused
        divided = source_line(out, _DIVIDED_BY_SCALE) if key == "scale-multiplied" else ""
        both = source_line(out, _BOTH_SCALED) if key == "scale-by-d" else ""
        if divided:
            return (
                f"`{divided}` divides by self.scale, and self.scale = hidden_size ** -0.5 is already 1 / √{width}: "
                f"dividing by it multiplies the scores by √{width}. Multiply by it: * self.scale."
            )
        if both:
            return (
                f"`{both}` divides both q and k by √{width}, so their product q kᵀ is divided by √{width} twice, "
                f"that is by {width}. Scale once, the scores: {messages['divide']}."
            )
        scaling = _scaling_lines(out)
        if key == "scale-by-d" and len(scaling) >= 2:  # the division advised is written, twice
            return (
                f"Your code scales by √{width} twice, `{scaling[0]}` and `{scaling[1]}`, so the scores are divided "
                f"by {width}. Scale once, the scores."
            )
        if key == "no-scaling" and scaling:  # a scale is written, and does not reach the scores
            return (
                f"`{scaling[0]}` scales, but on this input the scores the softmax is given are not scaled: check "
                "that the scaled tensor is the one that reaches the softmax on every path (with a mask and without), "
                "and that nothing undoes the scale."
            )
        return messages[key]

    return message


def _scaling_lines(out: Outcome) -> list[str]:
    """The student's lines that scale by a square root (math.sqrt, ** 0.5, ** -0.5, self.scale), one
    entry per scaling on a line."""
    found = []
    for raw in (out.source or "").splitlines():
        line = source_line(Outcome(source=raw), r".")
        if not line or re.match(r"self\.\w+\s*=(?!=)", line):  # a scale stored, not applied
            continue
        hits = len(re.findall(r"sqrt\(|\*\*\s*\(?\s*-?\s*0?\.5\b|\*\s*self\.scale\b", line))
        found += [line] * hits
    return found


def _in_their_names(message: str, out: Outcome) -> str:
    """A message's fix in names the student's code has: self.embed_size only where it stores it."""
    if "self.embed_size" in message and "self.embed_size" not in out.source:
        return message.replace("self.embed_size", "X.shape[-1]")
    return message


def _scaled_not_used(out: Outcome) -> str:
    """Scores computed with the scale on one line, and a softmax of an unscaled product on another."""
    scaled = source_line(out, r"^\s*(\w+)\s*=.*@.*(sqrt|scale|\*\*)")
    name = scaled.split("=", 1)[0].strip() if scaled else ""
    softmax = source_line(out, r"softmax\(\s*[^,]*@") if name else ""
    if not softmax or re.search(rf"\b{re.escape(name)}\b", softmax):
        return ""
    return (
        f"`{softmax}` takes the softmax of the product itself, unscaled: your scaled {name}, `{scaled}`, never "
        f"reaches it. Give the softmax {name}: torch.softmax({name}, dim=-1)."
    )


def scale_mistakes(
    formula: Callable[..., Tensor], width: Callable[..., int], messages: dict[str, str]
) -> tuple[Mistake, ...]:
    """The three scaling mistakes for formula(*args, scale=...); width(*args) is the D
    (or d) whose square root the scores should be divided by; `messages` say it in the
    exercise's own names (scale_messages)."""
    return (
        matches("no-scaling", _said("no-scaling", messages), lambda *a: formula(*a, scale=1.0), "unscaled scores"),
        matches(
            "scale-by-d",
            _said("scale-by-d", messages),
            lambda *a: formula(*a, scale=1.0 / width(*a)),
            "scores divided by the width",
        ),
        matches(
            "scale-multiplied",
            _said("scale-multiplied", messages),
            lambda *a: formula(*a, scale=width(*a) ** 0.5),
            "scores multiplied by the width's square root",
        ),
        wrong_size_scale(formula, width, messages["divide"]),
    )


def wrong_size_scale(formula: Callable[..., Tensor], width: Callable[..., int], divide: str) -> Mistake:
    """Scores divided by the square root of another size of the input than the width."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        args = ([case.params] if case.params else []) + fresh(case.inputs)
        right = width(*args)
        for n, name in sizes_named(case).items():
            if n in (1, right):
                continue
            try:
                wrong = formula(*args, scale=n**-0.5)
            except RuntimeError:
                continue
            if close(out.output, wrong, equal_nan=True) and not close(wrong, expected):
                return (
                    f"{first_difference(expected, out.output)}; your result equals the scores divided by "
                    f"√{n}, and {n} is {name}",
                    f"The scores were divided by the square root of the wrong size: √{n}, {name}, instead of "
                    f"the width of q and k, √{right}: {divide}.",
                )
        return None

    return Mistake("scale-wrong-size", found)


def width_of_X(p, X, *rest) -> int:
    return X.shape[-1]


def width_of_q(q, *rest) -> int:
    return q.shape[-1]

"""The panels of models that judge a student's test (exercises 4.4 and 5.2), and the mistakes
such a test makes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from helpers.lessons.records import Finding, Mistake
from helpers.lessons.toolkit import Message, say, source_line
from helpers.running import Case, Outcome


@dataclass(frozen=True)
class Panel:
    """What the parent knows of a test-writing exercise's panel (running.*_PANEL):
    members:  (the right verdict, what the model is, its rule) in the panel's own order
    noun:     what the models are called, in the plural: "modules"
    yes, no:  what a right True and a right False say of them (plural verbs): "keep sentences apart"
    order_at: where the case's init keeps the shuffled order"""

    members: tuple
    noun: str
    yes: str
    no: str
    order_at: int

    def wrong(self, got: Tensor, expected: Tensor) -> str:
        """Which models got the wrong verdict, e.g. 'your test said True for 2 modules that mix
        sentences, among them <what the first one is>; and False for a module that keeps
        sentences apart: <what it is>'."""
        parts = []
        for right in (True, False):
            wrong = [i for i in range(len(self.members)) if bool(expected[i]) == right and got[i] != expected[i]]
            if not wrong:
                continue
            said, kind = ("False", self.yes) if right else ("True", self.no)
            first = self.members[wrong[0]][1]
            if len(wrong) == 1:
                parts.append(f"{said} for one of the {self.noun} that {kind}: {first}")
            else:
                parts.append(f"{said} for {len(wrong)} {self.noun} that {kind}, among them {first}")
        # one f-string a whole, so that the checks' catalogs hold it as one message
        if len(parts) == 2:
            return f"your test said {parts[0]}; and {parts[1]}"
        return f"your test said {''.join(parts)}"


STATEFUL_MESSAGE = (
    "Your test's answer depends on something besides the model it is given: a counter, a variable "
    "kept between calls, random numbers. It must give the same answer every time it is given the "
    "same model: run the model on both inputs and compare, on every call."
)


EXACT_MESSAGE = (
    "Your test compares with == (or torch.equal), which wants every bit equal; floats computed in a "
    "different order differ in their last digits. Compare with torch.allclose."
)


def test_mistakes(
    panel: Panel,
    always_true: Message,
    always_false: Message,
    inverted: str,
    otherwise: Message,
    patterns: tuple[Mistake, ...] = (),
    asks: tuple = (),
) -> tuple[Mistake, ...]:
    """The mistakes of a test written for a panel of models: one answer for every model,
    answers that change between identical models or alternate call by call, the opposite
    answers, exact comparison of floats, then `patterns` particular to the exercise, and
    last, any other wrong answers, listed model by model with the message `otherwise`.
    A message may depend on the test's code (a function of the outcome); `asks` is the
    evidence (Mistake.asks) that the mistakes of every verdict alike, and the others, ask for."""
    n = len(panel.members)

    def differs_on_copies(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != (n,) or got[0] == got[1]:  # the panel's first two models are exact copies
            return None
        return (
            f"your test said {'True' if got[0] else 'False'} for {panel.members[0][1]} and "
            f"{'True' if got[1] else 'False'} for an exact copy of it",
            STATEFUL_MESSAGE,
        )

    def alternates(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != (n,):
            return None
        in_calls = [bool(got[i]) for i in case.init[panel.order_at]]
        if not all(a != b for a, b in zip(in_calls, in_calls[1:])):
            return None
        said = ", ".join(str(v) for v in in_calls)
        return (
            f"in the order the models were given to it, your test said {said}: it alternates, whatever the model",
            STATEFUL_MESSAGE,
        )

    def exact(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        compares_exactly = re.search(r"==|\.equal\(|torch\.equal", out.source)
        if not compares_exactly or re.search(r"allclose|isclose|assert_close", out.source):
            return None
        if tuple(got.shape) != (n,) or not ((got <= expected).all() and (got < expected).any()):
            return None
        return panel.wrong(got, expected), EXACT_MESSAGE

    def always(key: str, value: bool, message: Message) -> Mistake:
        def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
            got = out.output
            if tuple(got.shape) != (n,) or not (got == float(value)).all():
                return None
            wrong = int((expected != float(value)).sum())
            kind = panel.no if value else panel.yes
            return f"your test said {value} for all {n} {panel.noun}, {wrong} of which {kind}", say(message, out)

        return Mistake(key, found, asks=asks)

    def anything_else(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        if tuple(out.output.shape) != (n,):
            return None
        return panel.wrong(out.output, expected), say(otherwise, out)

    return (
        Mistake("stateful", differs_on_copies),
        always("always-true", True, always_true),
        always("always-false", False, always_false),
        Mistake(
            "inverted",
            lambda case, out, expected: (panel.wrong(out.output, expected), inverted)
            if tuple(out.output.shape) == (n,) and torch.equal(out.output, 1 - expected)
            else None,
        ),
        Mistake("stateful", alternates),
        Mistake("exact-equality", exact),
        *patterns,
        Mistake("verdicts", anything_else, asks=asks),
    )


def _pattern(key: str, message: str, test: Callable[[Tensor, Tensor], bool], panel: Panel) -> Mistake:
    """A test whose verdicts (in the panel's order) pass test(got, expected)."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != (len(panel.members),) or not test(got, expected):
            return None
        return panel.wrong(got, expected), message

    return Mistake(key, found)


def _source_pattern(key: str, message: str, source: str, panel: Panel) -> Mistake:
    """A test with wrong verdicts whose code matches `source`."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        if tuple(out.output.shape) != (len(panel.members),) or not source_line(out, source):
            return None
        return panel.wrong(out.output, expected), message

    return Mistake(key, found)


def _tolerance_in(out: Outcome) -> str:
    """The tolerance the test's code passes, as written ("atol=0.5"), when it is large
    enough to let a real difference through; "" if the code names none."""
    for name, value in re.findall(r"\b(atol|rtol)\s*=\s*([0-9][0-9.]*(?:e-?\d+)?)", out.source):
        if float(value) >= 1e-3:
            return f"{name}={value}"
    return ""


def loose_tolerance(key: str, panel: Panel, members: list[int], what: str, fix: str) -> Mistake:
    """A test whose code passes a large atol or rtol, that said True for some of the panel's
    `members` that differ from a right model by a small amount (`what`, "a module that leaks
    0.05 of sentence 1 into the others") and gave every other model its right verdict."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != (len(panel.members),):
            return None
        wrong = set((got != expected).nonzero().flatten().tolist())
        if not wrong or not wrong <= set(members) or not got[sorted(wrong)].all():
            return None
        written = _tolerance_in(out)
        if not written:
            return None  # the same verdicts come from comparing argmax, rounding, ...: not a tolerance
        return (
            panel.wrong(got, expected),
            f"Your test passed {what}: {written} is far too loose. Floats computed in another order differ by about 1e-6, "
            f"so torch.allclose's own tolerances (rtol=1e-5, atol=1e-8) are enough, and they catch this one. "
            f"{fix}",
        )

    return Mistake(key, found)

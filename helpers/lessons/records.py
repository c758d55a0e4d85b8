"""The records a lesson declares: its exercises, each with its known mistakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import Tensor

from helpers.running import Case, Outcome

Finding = tuple[str, str]  # (evidence with numbers, the likely mistake and its fix)


@dataclass(frozen=True)
class Mistake:
    """A known mistake. `found(case, outcome, expected)` returns a Finding or None.

    The evidence says what was expected and what was got, with numbers; the message
    names the likely mistake and how to fix it. `on_error` mistakes look only at calls
    that raised; the others only at calls that returned a tensor, `weights` ones only at
    the cases that compare what a module kept in self.last_weights (tagged LAST_WEIGHTS).

    `unless` is the fix the message recommends, as a pattern of a line of code (or a function
    of the outcome that gives one): where the student's code already has that line, the
    mistake is not named, since its fix would change nothing; the rules after it, and the
    evidence, speak instead. `asks` names the evidence (helpers/running/evidence.py) that
    tells this mistake apart from others giving the same numbers: a check that names it
    gathers that evidence and judges again, and found() reads it in outcome.evidence.
    """

    key: str
    found: Callable[[Case, Outcome, Tensor], Finding | None]
    on_error: bool = False
    weights: bool = False  # looks at cases that compare self.last_weights, and only at those
    unless: str | Callable[[Outcome], str] = ""
    asks: tuple[tuple[str, object], ...] = ()  # (probe, its argument) pairs, as gather() takes them


@dataclass(frozen=True)
class Produces:
    """What an exercise's answer produces: how a failed check gathers evidence about it and
    explains it (helpers/explaining.py), for any mistake, catalogued or not. An exercise
    opts in by declaring it (Exercise.produces); every field is optional.

    what:      "weights" (each row over the last axis sums to 1, masked keys get 0), "mask"
               (booleans, True = may attend), "scores" or "output". Weights and masks are
               drawn beside the expected ones when a check fails.
    batch:     positions of the inputs whose first axis holds the sentences of a batch:
               changing one sentence must leave the other sentences' outputs alone
    tokens:    {input position: its token axis}: with a causal mask among the inputs (or
               causal=True), changing the last token must leave earlier outputs alone
    mask:      the position of the input that is a mask (True = may attend), or None
    causal:    the answer itself must be causal, whatever its inputs
    axes:      the course's names of the output's axes, ("B", "T", "T"), for messages
    family:    a parameterised copy of the reference (helpers/lessons/variants.py) whose
               knobs are tried on a wrong output: "softmax over dim -2", "not scaled", ...
    from_weights: for a module keeping self.last_weights: (case, weights) -> the output that
               forward gives when those weights are the ones it uses
    """

    what: str = "output"
    batch: tuple[int, ...] = ()
    tokens: dict[int, int] = field(default_factory=dict)
    mask: int | None = None
    causal: bool = False
    axes: tuple[str, ...] = ()
    family: Callable | None = None
    from_weights: Callable[[Case, Tensor], Tensor] | None = None


@dataclass(frozen=True)
class Exercise:
    """One graded exercise.

    id:         "1.2"; the first line of the exercise cell is "# Exercise 1.2"
    notebook:   the course notebook it belongs to, "01"
    name:       the function (or class) the student defines
    title:      a few words for tables and feedback
    points:     what a pass earns (all or nothing); difficulty: 1 to 3 stars; minutes: a budget
    signature:  how it is called, for messages
    returns:    what a right answer returns, for messages
    reference:  the course's answer, in helpers/attention.py, named like `name`
    make_cases: (torch.Generator) -> [Case]: the test inputs, drawn from the generator so
                that the grader's fresh draws differ from the notebook's
    mistakes:   the known mistakes, tried in order (toolkit.matches, toolkit.raised, ...)
    module, probe, runner: for a class (see below), or an answer that is not called once
    produces:   what the answer produces (Produces), so that a failed check explains mistakes
                nobody catalogued from evidence; None: only the catalogued ones are named
    handed_out, handed_out_mistake: for a "spot the bug" exercise, the buggy line(s) the
                student's notebook hands out (the master's STUB block, uncommented) and the
                key of the mistake its check names for them: an answer that still holds those
                lines and fails with that mistake is "not fixed yet", not merely failed
    """

    id: str
    notebook: str
    name: str
    title: str
    points: int
    difficulty: int  # 1 to 3 stars
    minutes: int
    signature: str
    returns: str
    reference: Callable[..., Tensor]
    make_cases: Callable[[torch.Generator], list[Case]]
    mistakes: tuple[Mistake, ...] = field(default=())
    module: bool = False  # the student writes an nn.Module class, not a function
    probe: Callable[..., Tensor] | None = None  # probe(module, *inputs); default: module(*inputs)
    runner: Callable[..., Tensor] | None = None  # runner(candidate, inputs, case) for anything else
    produces: Produces | None = None  # what it produces, for evidence on failure (see Produces)
    handed_out: str = ""  # a spot-the-bug exercise's buggy code, as handed out
    handed_out_mistake: str = ""  # ... and the mistake its check names for it


@dataclass(frozen=True)
class Lesson:
    """One lesson: its master notebook solutions/<notebook>.ipynb and its graded exercises.

    number:    "01", also the module's name (helpers/lessons/lesson01.py)
    title:     as the course map and the progress table show it
    notebook:  the notebook's file name without .ipynb, in solutions/ and notebooks/
    provides:  what its notebook imports from helpers.attention (results of earlier
               lessons): the grader's child gets these, and no other reference code
    exercises: in the order the notebook asks them
    """

    number: str
    title: str
    notebook: str
    provides: tuple[str, ...]
    exercises: list[Exercise]

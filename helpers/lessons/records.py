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
    """

    key: str
    found: Callable[[Case, Outcome, Tensor], Finding | None]
    on_error: bool = False
    weights: bool = False  # looks at cases that compare self.last_weights, and only at those


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

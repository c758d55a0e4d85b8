"""Helpers for the self-attention course.

Shape legend, used everywhere in the course:
    B  batch size (number of sentences)
    T  sequence length (tokens per sentence)
    D  model width (numbers per token)
    H  number of heads, d_head = D / H

Modules:
    attention  reference implementations, shared by checks, grader and demos
    exercises  the registry of graded exercises
    running    step 1 of a check: calling student code on a case (the checks and the grader's child)
    checks     the student-facing check() and progress()
    plot       heatmaps and line charts
    data       the toy embeddings
    cost       lesson 06's time and peak-memory measurements
    build      solutions/ -> notebooks/
    online     the course's repository: every notebook's setup cell, Colab and Binder links
    editions   English, 繁體中文, 简体中文: the edition in force, its words (catalogs: units, catalogs)
    grade      the instructor's grader; sandbox is its worker
"""

from __future__ import annotations

import importlib

# What `from helpers import ...` gives a notebook, loaded on first use, so that the
# grader and the build do not pay for matplotlib. The grader's child gets check() as a
# stand-in that grades, and the others as functions that do nothing.
EXPORTS = {
    "check": "helpers.checks",
    "progress": "helpers.checks",
    "attention_heatmap": "helpers.plot",
    "explore_attention": "helpers.plot",
    "head_grid": "helpers.plot",
    "line_chart": "helpers.plot",
    "set_edition": "helpers.editions",  # the setup cell of a Chinese notebook calls it (helpers/online.py)
}
__all__ = list(EXPORTS)

# Modules of this package a notebook imports that the grader's child gets only as stubs
# that raise: slow (training, measuring) and never needed to grade an answer.
SKIPPED_WHILE_GRADING = ("training", "cost")


def __getattr__(name: str):
    if name in EXPORTS:
        return getattr(importlib.import_module(EXPORTS[name]), name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")

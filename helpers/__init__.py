"""Helpers for the self-attention course.

Shape legend, used everywhere in the course:
    B  batch size (number of sentences)
    T  sequence length (tokens per sentence)
    D  model width (numbers per token)
    H  number of heads, d_head = D / H

Modules:
    attention  reference implementations, shared by checks, grader and demos
    exercises  the registry of graded exercises
    harness    calling student code on a case (shared by the checks and the grader's child)
    checks     the student-facing check() and progress()
    plot       heatmaps and line charts
    data       the toy embeddings
    cost       lesson 06's time and peak-memory measurements
    build      solutions/ -> notebooks/
    online     the course's repository: every notebook's setup cell, Colab and Binder links
    grade      the instructor's grader; sandbox is its worker
"""

from __future__ import annotations

import importlib

# What `from helpers import ...` gives a notebook, loaded on first use, so that the
# grader and the build do not pay for matplotlib.
_EXPORTS = {
    "check": "helpers.checks",
    "progress": "helpers.checks",
    "attention_heatmap": "helpers.plot",
    "explore_attention": "helpers.plot",
    "head_grid": "helpers.plot",
    "line_chart": "helpers.plot",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")

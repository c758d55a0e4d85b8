"""Helpers for the self-attention course.

Shape legend, used everywhere in the course:
    B  batch size (number of sentences)
    T  sequence length (tokens per sentence)
    D  model width (numbers per token)
    H  number of heads, d_head = D / H

Modules:
    attention  reference implementations, shared by checks, grader and demos
    exercises  the registry of graded exercises
    checks     the student-facing check() and progress()
    plot       heatmaps and line charts
    data       the toy embeddings
    build      solutions/ -> notebooks/
"""

from helpers.checks import check, progress
from helpers.plot import attention_heatmap, explore_attention, head_grid, line_chart

__all__ = ["check", "progress", "attention_heatmap", "explore_attention", "head_grid", "line_chart"]

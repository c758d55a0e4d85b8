"""Building blocks for describing mistakes and drawing test inputs, shared by the lessons."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Callable

import torch
from torch import Tensor

from helpers import running
from helpers.lessons.kept_weights import merged_axes
from helpers.lessons.records import Finding, Mistake
from helpers.running import Case, Outcome, fresh
from helpers.running import evidence as probes
from helpers.tolerances import close, first_difference, fmt_index, fmt_num

Message = str | Callable[[Outcome], str]  # a message, or one chosen by what the outcome shows


def say(message: Message, out: Outcome) -> str:
    return message(out) if callable(message) else message


def matches(
    key: str,
    message: Message,
    buggy: Callable[..., Tensor],
    what: str,
    with_init: bool = False,
    weights: bool = False,
    if_all_nan: str | Callable[[Outcome], str] = "",
    unless: str | Callable[[Outcome], str] = "",
) -> Mistake:
    """A mistake recognised because the output equals what a buggy formula gives.

    `what` describes the buggy formula, e.g. "X Xᵀ X". For a case with params (a module
    exercise) the formula gets them first: buggy(params, *inputs); with_init puts the
    module's constructor arguments before them: buggy(init, params, *inputs). With
    `weights`, it looks at the cases that compare self.last_weights, and the formula
    gets the inputs without the LAST_WEIGHTS marker. An output with no finite number at
    all equals every formula that gives NaN everywhere, which says little: for such an
    output the code must also match `if_all_nan`, a pattern of the line that does it.
    Where two mistakes give the same numbers, `unless` (Mistake.unless) is the fix the
    message recommends: code that already has it made the other one.
    """

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        inputs = fresh(case.inputs[:-1] if weights else case.inputs)
        args = ([case.init] if with_init else []) + ([case.params] if case.params else []) + inputs
        try:
            wrong = buggy(*args)
        except (RuntimeError, TypeError, IndexError):  # the buggy formula does not apply to these inputs (mask=None)
            return None
        if not close(out.output, wrong, equal_nan=True) or close(wrong, expected, equal_nan=True):
            return None
        if if_all_nan and not torch.isfinite(out.output).any():
            pattern = if_all_nan(out) if callable(if_all_nan) else if_all_nan
            if not pattern or not source_line(out, pattern):
                return None
        if tuple(expected.shape) != tuple(wrong.shape):
            how = f"expected shape {tuple(expected.shape)}, got {tuple(wrong.shape)}"
        else:
            how = first_difference(expected, out.output)
        return f"{how}; your result equals {what}", say(message, out)

    return Mistake(key, found, weights=weights, unless=unless)


def without_comment(line: str) -> str:
    """One line of code without its comment: Python's tokenizer knows a "#" in a string from
    one that starts a comment. A line cut off mid-statement ends the tokens early; what came
    before is kept."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return line[: token.start[1]].rstrip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return line.rstrip()


def source_line(out: Outcome, pattern: str) -> str:
    """The first line of the candidate's code that matches `pattern`, stripped of its comment;
    "" if none."""
    for line in out.source.splitlines():
        code = without_comment(line)
        if re.match(r"\s*(def|class) ", code) or re.match(r"\s*[rbuf]*(\"|')", code):
            continue  # a function's name or a docstring says nothing about what the code does
        if re.search(pattern, code):
            return code.strip()
    return ""


def code_lines(text: str) -> list[str]:
    """A program's lines without comments, spaces or empty lines: what two programs are
    compared by (a spot-the-bug answer against the code it was handed out with)."""
    lines = (re.sub(r"\s+", "", line.split("#", 1)[0]) for line in text.splitlines())
    return [line for line in lines if line]


def rows_sum_to_one(key: str, by_dim: dict[int, Message], otherwise: str | None = None, unless: str = "") -> Mistake:
    """Rows (the last dimension) must sum to 1. Found when the values sum to 1 along another
    dimension instead (`by_dim` maps that dimension, negative, to its message), or, with
    `otherwise` given, whenever the rows do not sum to 1 (`unless`: Mistake.unless)."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != tuple(expected.shape) or not torch.isfinite(got).all():
            return None
        sums = got.double().sum(dim=-1)
        if torch.allclose(sums, torch.ones_like(sums), atol=1e-3):
            return None
        worst = torch.unravel_index((sums - 1).abs().argmax(), sums.shape)
        worst = tuple(int(i) for i in worst)
        evidence = (
            f"expected every row (the last dimension) to sum to 1, got row {fmt_index(worst)} "
            f"summing to {fmt_num(float(sums[worst]))}"
        )
        for dim in range(-2, -got.dim() - 1, -1):
            other = got.double().sum(dim=dim)
            if torch.allclose(other, torch.ones_like(other), atol=1e-3):
                if dim in by_dim:
                    return f"{evidence}; your values sum to 1 along dim {got.dim() + dim} instead", say(
                        by_dim[dim], out
                    )
        return (evidence, otherwise) if otherwise else None

    return Mistake(key, found, unless=unless)


EXP_TAKEN = r"\bexp_?\(|\bmath\.e\b|\btorch\.e\b"  # the code takes exp itself (torch.softmax never overflows)
MAX_TAKEN = r"\b(amax|max)\(|logsumexp"  # ... and subtracts a maximum (or uses logsumexp) somewhere


def overflowed(out: Outcome) -> bool | None:
    """Whether the answer, run again watching each operation (evidence.nonfinite), made +inf
    with exp (or a power) before any NaN, and that NaN, if any, from the inf: an overflow. None
    when that evidence was not gathered."""
    order = out.evidence.get(f"{probes.NONFINITE}:order")
    if order is None or order.numel() != 3:
        return None
    inf_at, nan_at, nan_from_inf = (float(x) for x in order)
    exp_made_it = probes.operation(out.evidence, "inf").startswith(("exp", "pow"))
    return inf_at >= 0 and exp_made_it and (nan_at < 0 or (inf_at < nan_at and bool(nan_from_inf)))


def non_finite_on_large(key: str, message: str) -> Mistake:
    """NaN or inf in the output on a case tagged "large", from exp overflowing: the code takes exp
    itself and subtracts no maximum, and, once the answer was run again watching each operation,
    exp made an inf before any NaN. A NaN from 0 / 0 on large values is no overflow."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if "large" not in case.tags or torch.isfinite(got).all():
            return None
        seen = overflowed(out)
        if seen is False or (seen is None and not source_line(out, EXP_TAKEN)):
            return None
        n_bad = int((~torch.isfinite(got)).sum())
        return f"expected finite numbers, got {n_bad} NaN or inf of {got.numel()}", message

    return Mistake(key, found, unless=MAX_TAKEN, asks=((probes.NONFINITE, True),))


def non_finite_in_low_rows(key: str, message: str) -> Mistake:
    """NaN or inf in an output row whose input row lies far below zero (max < -80),
    where exp underflows to 0 unless the row's own maximum was subtracted."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if tuple(got.shape) != tuple(expected.shape):
            return None
        low = case.inputs[0].amax(dim=-1) < -80
        bad = (~torch.isfinite(got)).any(dim=-1)
        if not (low & bad).any():
            return None
        row = tuple(int(i) for i in (low & bad).nonzero()[0])
        return f"expected finite numbers, got NaN or inf in row {fmt_index(row)}", message

    return Mistake(key, found, unless=ROW_MAX)


ROW_MAX = r"\b(amax|max)\(\s*(dim\s*=\s*)?-1\b|logsumexp\("  # each row's own maximum, as the fix takes it


def raised(
    key: str, message: Message, error: str = "", source: str = "", warning: str = "", both: bool = False
) -> Mistake:
    """The call raised, and its error matches the regular expression `error`, or a line of
    the candidate's code matches `source` (with `both`, the error and the code must both
    match), or one of its warnings contains `warning`. A `def` line, a docstring or a
    comment is not code: stable_softmax( is no call of max(."""

    def found(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
        by_error = bool(error) and bool(re.search(error, out.error))
        by_source = bool(source) and bool(source_line(out, source))
        by_warning = bool(warning) and any(warning in w for w in out.warnings)
        if ((by_error and by_source) if both else (by_error or by_source)) or by_warning:
            return f"your code raised {out.error}", say(message, out)
        return None

    return Mistake(key, found, on_error=True)


def _tensor_as_bool(out: Outcome) -> str:
    line = re.search(r"\(line \d+: (.*)\)$", out.error)
    test = re.match(r"(?:el)?if\s+(not\s+)?([A-Za-z_][\w.]*)\s*:", line.group(1)) if line else None
    if test and not test.group(1):
        name = test.group(2)
        return (
            f"`if {name}:` asks a whole tensor for one True or False, which Python cannot have from more than "
            f"one value. To ask whether {name} was given at all, write `if {name} is not None:`."
        )
    return (
        "A tensor of more than one value stood where Python needs one True or False (if, while, and, or, not). "
        "To test that an argument was given, write `is not None`; to test its values, reduce them first, "
        "with .all() or .any()."
    )


def _right_numbers_other_shape(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """The right numbers in another shape: an axis of size 1 added or lost, or one repeated."""
    got = out.output
    if tuple(got.shape) == tuple(expected.shape) or got.dim() == expected.dim() == 0:
        return None
    if got.numel() == expected.numel() and tuple(got.squeeze().shape) == tuple(expected.squeeze().shape):
        if not close(got.reshape(expected.shape), expected):
            return None
        shapes = f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}; the numbers are right"
        if got.dim() > expected.dim():
            return (
                shapes,
                f"Your result has an extra axis of size 1 (keepdim=True, unsqueeze or [None] adds one): "
                f"only its shape is off. Return shape {tuple(expected.shape)}.",
            )
        return (
            shapes,
            f"Your result lost an axis of size 1 (a reduction without keepdim=True, squeeze, or indexing "
            f"drops one): only its shape is off. Return shape {tuple(expected.shape)}; unsqueeze puts the axis back.",
        )
    if got.dim() != expected.dim() or got.numel() <= expected.numel():
        return None
    try:
        spread = expected.expand(got.shape)
    except RuntimeError:
        return None
    if not close(got, spread):
        return None
    axes = [i for i, (a, b) in enumerate(zip(expected.shape, got.shape)) if a == 1 and b != 1]
    return (
        f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}: the right numbers, repeated along "
        f"axis {', '.join(str(a) for a in axes)}",
        f"Your result repeats the same numbers along an axis that should have size 1 (expand or repeat made "
        f"it). Keep shape {tuple(expected.shape)}: broadcasting stretches an axis of size 1 wherever it is "
        "used, without a copy.",
    )


LAST_WEIGHTS = running.LAST_WEIGHTS  # tags a case that compares self.last_weights (its inputs end with it)


MUST_RAISE = running.MUST_RAISE  # tags a case whose constructor must raise (its only input is it)


def weights_case(label: str, inputs: tuple, init: tuple, params: dict[str, Tensor]) -> Case:
    """A module case that compares what forward kept in self.last_weights."""
    return Case(
        f"the weights kept in self.last_weights by {label}",
        (*inputs, LAST_WEIGHTS),
        frozenset({LAST_WEIGHTS}),
        init=init,
        params=params,
    )


WEIGHTS_ARE_SCORES = (
    "self.last_weights holds the scores, before the softmax. Keep the weights, after it: the "
    "numbers the heatmaps show, every row summing to 1 (or 0 where every key is masked)."
)


def last_weights_mistakes(scores: Callable[..., Tensor], layout: str, **init) -> tuple[Mistake, ...]:
    """What a module can get wrong in self.last_weights: the scores instead of the weights,
    or anything else (shape or values), checked against the reference's weights.
    scores(params, X, mask, masked=...) gives the module's scores."""

    def anything_else(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        kept = source_line(out, r"self\.last_weights\s*=(?!=)(?!\s*None\s*$)")
        if tuple(got.shape) != tuple(expected.shape):
            evidence = f"expected self.last_weights of shape {tuple(expected.shape)}, {layout}, got {tuple(got.shape)}"
            merged = merged_axes(got, expected, layout)
            if merged:
                return f"{evidence}: the right weights, {merged[0]}", merged[1]
        else:
            evidence = f"in self.last_weights, {first_difference(expected, got)}"
        if kept:  # the line the message would have them write is there: say what it keeps instead
            what = (
                f"a tensor of shape {tuple(got.shape)}"
                if tuple(got.shape) != tuple(expected.shape)
                else "other numbers"
            )
            return evidence, (
                f"`{kept}` keeps {what}: self.last_weights should hold the attention weights that forward used, "
                f"{layout}: after the mask and the softmax, the very tensor that multiplies v."
            )
        return evidence, (
            f"self.last_weights should hold the attention weights that forward used, {layout}: after "
            "the mask and the softmax, before they multiply v. Assign them there: "
            "self.last_weights = weights.detach()."
        )

    return (
        matches("weights-are-scores", WEIGHTS_ARE_SCORES, lambda *a: scores(*a), "the scores", weights=True, **init),
        matches(
            "weights-are-scores",
            WEIGHTS_ARE_SCORES,
            lambda *a: scores(*a, masked=True),
            "the scores with the masked ones at -inf",
            weights=True,
            **init,
        ),
        Mistake("last-weights", anything_else, weights=True),
    )


def alike(x: Tensor) -> bool:
    """Every number of `x` the same (to float noise)."""
    x = x.double().reshape(-1)
    return x.numel() < 2 or bool(torch.allclose(x, x[:1].expand_as(x), rtol=1e-6, atol=1e-9))


def same_factor_again(out: Outcome, c: float, want: Tensor) -> bool | None:
    """Where the right numbers `want` are all alike, one factor between them and the answer's is a
    coincidence unless the input varied number by number (evidence.varied), whose right numbers
    differ, shows it again: True when it does, None when it does not or was not gathered; False
    where the right numbers differ (the factor needs no second input)."""
    if not alike(want):
        return False
    again, right = out.evidence.get(probes.VARIED), out.evidence.get(probes.VARIED_RIGHT)
    if again is None or right is None or tuple(again.shape) != tuple(right.shape) or alike(right):
        return None
    return True if torch.allclose(again.double(), c * right.double(), rtol=1e-3, atol=1e-5) else None


def randn(gen: torch.Generator, *shape: int, scale: float = 1.0, shift: float = 0.0) -> Tensor:
    """float32 whatever torch's default dtype, so that a notebook's set_default_dtype changes no case."""
    return torch.randn(*shape, generator=gen, dtype=torch.float32) * scale + shift


def randint(gen: torch.Generator, low: int, high: int) -> int:
    """One whole number from low to high, both included."""
    return int(torch.randint(low, high + 1, (1,), generator=gen))


def sentence_cases(gen: torch.Generator) -> list[Case]:
    """Single sentences (T, D) with T != D, one of them holding a repeated token."""
    repeated = randn(gen, 6, 4)
    repeated[4] = repeated[0]  # like "the" appearing twice
    return [
        Case("a sentence of T=5 tokens, D=3", (randn(gen, 5, 3),)),
        Case("a sentence of T=4 tokens, D=6", (randn(gen, 4, 6),)),
        Case("a sentence of T=6 tokens, D=4 with a repeated token", (repeated,)),
    ]


def score_cases(gen: torch.Generator) -> list[Case]:
    """Score tensors for softmax: square first (so a missing keepdim gives wrong numbers
    rather than an error), then batched, wide, large and mixed-scale scores."""
    mixed = torch.cat([randn(gen, 1, 5, scale=5, shift=800), randn(gen, 1, 5, scale=5, shift=-800)])
    return [
        Case("scores of shape (5, 5)", (randn(gen, 5, 5, scale=2),)),
        Case("a batch of scores of shape (2, 3, 4)", (randn(gen, 2, 3, 4, scale=2),)),
        Case("scores of shape (3, 7)", (randn(gen, 3, 7, scale=2),)),
        Case(
            "large scores of shape (3, 4), around 1000", (randn(gen, 3, 4, scale=5, shift=1000),), frozenset({"large"})
        ),
        Case("scores of shape (2, 5): one row around +800, one around -800", (mixed,)),
        Case("scores of shape (3, 6), each row spread from about -150 to +150", (wide_rows(gen, 3, 6),)),
    ]


def wide_rows(gen: torch.Generator, rows: int, S: int) -> Tensor:
    """Rows whose scores span about 300, in a random order: exp(max - min) and even
    exp(max - mean) overflow float32 (above about 88), so only subtracting the maximum works."""
    spread = torch.linspace(-150, 150, S, dtype=torch.float32) + randn(gen, rows, S, scale=5)
    return torch.stack([row[torch.randperm(S, generator=gen)] for row in spread])


def batch_cases(gen: torch.Generator) -> list[Case]:
    """Batches (B, T, D) with B, T and D all different, then large values and B=1."""
    return [
        Case("a batch of 2 sentences (B=2, T=5, D=3)", (randn(gen, 2, 5, 3),)),
        Case("a batch of 3 sentences (B=3, T=4, D=6)", (randn(gen, 3, 4, 6),)),
        Case(
            "a batch with large values (B=2, T=4, D=3, entries around ±25)",
            (randn(gen, 2, 4, 3, scale=25),),
            frozenset({"large"}),
        ),
        Case("a single sentence as a batch (B=1, T=6, D=4)", (randn(gen, 1, 6, 4),)),
    ]


def axis_names(x: Tensor) -> tuple[str, ...]:
    """The course's names for the axes of an input: (B, T, D), (T, D), tokens (B, T), (B, H, T, d_head)."""
    if x.dim() == 4:
        return ("B", "H", "T", "d_head")
    if x.dim() == 3:
        return ("B", "T", "D")
    return ("B", "T") if not x.is_floating_point() else ("T", "D")


def sizes_named(case: Case) -> dict[int, str]:
    """Each size of the case's first tensor input, by the course's name for its axis ("5": "T")."""
    first = next((x for x in case.inputs if isinstance(x, Tensor)), None)
    named: dict[int, list[str]] = {}
    if first is not None:
        for n, name in zip(first.shape, axis_names(first)):
            named.setdefault(n, []).append(name)
    return {n: " or ".join(dict.fromkeys(names)) for n, names in named.items()}

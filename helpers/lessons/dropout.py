"""Exercise 4.6, attention dropout: its test inputs and the mistakes its check names.

An answer in training draws random numbers, so the check compares what the runner measured
of it (helpers/running/dropout.py, SUMMARY), not its numbers; in evaluation and with p = 0
it compares the output itself. Every case gives v = [identity | ones], so that the output
is the weights after dropout beside their row sums, and the evidence can quote them.
"""

from __future__ import annotations

import re

import torch
from torch import Tensor

from helpers.lessons.records import Finding, Mistake
from helpers.lessons.scaling import SCALE_QKV, scale_mistakes, width_of_q
from helpers.lessons.toolkit import randn, source_line
from helpers.running import Case, Outcome
from helpers.running.dropout import DROPPED_TOLERANCE, SUMMARY
from helpers.tolerances import fmt_num

SAMPLED = "sampled"  # a case in training with p > 0: the runner hands back SUMMARY's measurements
EVAL = "eval"  # a case with training=False: nothing may be dropped or rescaled
FIELD = {name: i for i, name in enumerate(SUMMARY)}


def identity_and_ones(B: int, H: int, T: int) -> Tensor:
    """v of shape (B, H, T, T + 1): the identity beside a column of ones, so that weights @ v
    is the weights themselves beside their row sums."""
    eye = torch.eye(T, dtype=torch.float32).expand(B, H, T, T)  # float32 whatever the default dtype
    return torch.cat([eye, torch.ones(B, H, T, 1, dtype=torch.float32)], dim=-1)


def dropout_cases(gen: torch.Generator) -> list[Case]:
    """Evaluation first, where nothing is random, so that a mistake in the attention itself
    is named there for what it is; then training with p = 0.25 on 3,456 weights (enough to
    measure the share dropped), p = 0, and training with p = 0.6."""
    return [
        _case(gen, B, H, T, d, p, training)
        for B, H, T, d, p, training in (
            (2, 3, 5, 8, 0.25, False),
            (2, 3, 24, 8, 0.25, True),
            (2, 2, 5, 4, 0.0, True),
            (2, 3, 24, 8, 0.6, True),
        )
    ]


def _case(gen: torch.Generator, B: int, H: int, T: int, d: int, p: float, training: bool) -> Case:
    mode = "in training" if training else "in evaluation (training=False)"
    label = (
        f"q, k of shape ({B}, {H}, {T}, {d}) and v = [identity | ones] of shape ({B}, {H}, {T}, {T + 1}), "
        f"p = {p:g}, {mode}"
    )
    tags = {SAMPLED} if training and p > 0 else ({EVAL} if not training else set())
    v = identity_and_ones(B, H, T)
    return Case(label, (randn(gen, B, H, T, d), randn(gen, B, H, T, d), v, p, training), frozenset(tags))


def _near(x: float, target: float, rel: float = 0.02) -> bool:
    return abs(x - target) <= rel * abs(target)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _summary(case: Case, out: Outcome, expected: Tensor) -> dict[str, float] | None:
    """The measurements of a training case, by name; None for other cases (or an output the
    runner could not measure)."""
    got = out.output
    if SAMPLED not in case.tags or tuple(got.shape) != (len(SUMMARY),) or tuple(expected.shape) != (len(SUMMARY),):
        return None
    return {name: float(got[i]) for i, name in enumerate(SUMMARY)}


def _p(case: Case) -> float:
    return float(case.inputs[3])


def _dropout_line(out: Outcome) -> str:
    """The line of the answer that drops weights, for quoting."""
    return source_line(out, r"dropout|Dropout|rand|bernoulli")


def _quoted(out: Outcome) -> str:
    line = _dropout_line(out)
    return f" (`{line}`)" if line else ""


def _wrong_shape(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """An output of another shape (in training, the runner hands it back unmeasured)."""
    got = out.output
    if SAMPLED in case.tags and tuple(got.shape) == (len(SUMMARY),):
        return None
    want = tuple(case.inputs[0].shape[:-1]) + (case.inputs[2].shape[-1],)
    if tuple(got.shape) == want:
        return None
    return (
        f"expected the output's shape {want}, (..., T, d_v) like v's rows, got {tuple(got.shape)}",
        "attention_with_dropout returns the weights after dropout times v: (..., T, T) x (..., T, d_v) -> "
        "(..., T, d_v). Return weights @ v, not the weights or anything else.",
    )


def _not_finite(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """NaN or inf, which the runner hands back unmeasured in training."""
    got = out.output
    if tuple(got.shape) == (len(SUMMARY),) or torch.isfinite(got).all():
        return None
    bad = int((~torch.isfinite(got)).sum())
    inf = source_line(out, r"-\s*(math\.|torch\.)?inf|float\(\s*['\"]-inf")
    if inf:
        why = (
            f"`{inf}` gives weights -inf, and weights @ v turns them into -inf and NaN. A dropped weight is 0; "
            "-inf belongs to scores, before the softmax, for masks (lesson 03), not to dropout."
        )
    else:
        why = (
            "Look for a division by zero: the kept weights are divided by 1 - p, which is 0 only for p = 1; "
            "dividing by p instead gives inf for p = 0."
        )
    return f"expected finite numbers, got {bad} NaN or inf of {got.numel()}", why


def _same_twice(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    s = _summary(case, out, expected)
    if s is None or s["same_twice"] != 1 or s["dropped"] == 0:
        return None
    return (
        "two calls in a row, with torch's generator moved on between them, dropped exactly the same weights",
        "Your dropout drops the same weights on every call: the random numbers come from a generator seeded "
        "inside the function (torch.manual_seed, or torch.Generator().manual_seed(...)). Draw from torch's "
        "default generator (torch.rand_like(weights), F.dropout), so that each training step drops other "
        "weights; seed once, outside, to make a run repeatable.",
    )


def _nothing_dropped(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    s = _summary(case, out, expected)
    if s is None or s["dropped"] != 0 or s["ratio_spread"] != 0 or not _near(s["kept_ratio"], 1.0):
        return None
    inverted = _inverted_test(out)
    why = (
        inverted
        if inverted
        else "Is `training` ignored, or p never used? In training, drop each weight with probability p "
        "(torch.rand_like(weights) < p marks those) and divide the kept ones by 1 - p."
    )
    return (
        f"in training with p = {_p(case):g}, expected about {_pct(_p(case))} of the weights set to 0, got none: "
        "every weight is what it would be without dropout",
        why,
    )


def _inverted_test(out: Outcome) -> str:
    """The message for a test of `training` the wrong way round, quoting it; "" if none."""
    line = source_line(out, r"if\s+not\s+training\b|if\s+training\s*(==|is)\s*False")
    return f"`{line}` drops in evaluation and not in training: the test is the wrong way round." if line else ""


def _before_softmax(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    s = _summary(case, out, expected)
    if s is None or s["dropped"] != 0 or s["ratio_spread"] == 0 or s["rows_sum_to_one"] != 1:
        return None
    return (
        f"in training with p = {_p(case):g}, expected about {_pct(_p(case))} of the weights set to 0, got none; "
        "the weights differ from the ones without dropout, yet every row still sums to 1",
        f"Dropout came before the softmax{_quoted(out)}: it zeroed scores (or q, or k), and a score of 0 is "
        "not a weight of 0: exp(0) = 1, and the softmax spreads every row over all the keys again. Apply "
        "dropout to the weights, after the softmax and before weights @ v.",
    )


def _keep_probability(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    s, p = _summary(case, out, expected), _p(case)
    if s is None or abs(p - 0.5) < 2 * DROPPED_TOLERANCE or abs(s["dropped"] - (1 - p)) > DROPPED_TOLERANCE:
        return None
    return (
        f"with p = {p:g}, expected about {_pct(p)} of the weights set to 0, got {_pct(s['dropped'])}, about 1 - p",
        f"p is the probability of DROPPING a weight, as in nn.Dropout(p) and F.dropout(x, p){_quoted(out)}: "
        "you kept each weight with probability p. Drop where torch.rand_like(weights) < p (keep where it is "
        ">= p), and divide the kept ones by 1 - p.",
    )


def _structured(field: str, evidence: str, message: str):
    """The weights dropped in blocks rather than each on its own: SUMMARY's `field` is 1."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        s = _summary(case, out, expected)
        if s is None or s[field] != 1 or s["dropped"] == 0:
            return None
        return evidence, message.format(quoted=_quoted(out))

    return found


def _on_output(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    s = _summary(case, out, expected)
    if s is None or s["sum_gap"] == 0 or s["dropped"] == 0:
        return None
    return (
        f"the output's last column (v's column of ones) should be the sum of the weights after dropout, "
        f"but differs from it by up to {fmt_num(s['sum_gap'])}",
        f"Dropout was applied to the output, weights @ v, instead of the weights{_quoted(out)}: that zeroes "
        "numbers of the result, not the share each key gets. Drop weights first, then multiply: "
        "dropout(weights) @ v. (Dropout on a layer's output exists too, but it is another dropout, "
        "outside attention.)",
    )


def _renormalised(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    s = _summary(case, out, expected)
    if s is None or s["rows_sum_to_one"] != 1 or s["dropped"] == 0:
        return None
    return (
        "the weights after dropout have zeros, and every row still sums to 1: each row was divided by its new sum",
        "You renormalised the rows after dropout (divided each by its new sum, or gave the dropped keys -inf "
        "before the softmax). Dropout keeps each weight's EXPECTED value instead: divide "
        "every kept weight by 1 - p, the same number everywhere. A row then sums to 1 only on average, and "
        "that is intended: it is what makes dropout a noise the model learns to be robust to.",
    )


def _rescaled_by(factor, message: str):
    """The kept weights, all of them, multiplied by factor(p) instead of 1 / (1 - p)."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        s, p = _summary(case, out, expected), _p(case)
        if s is None or s["ratio_spread"] != 0 or s["dropped"] != p or not _near(s["kept_ratio"], factor(p)):
            return None
        return (
            f"with p = {p:g}, expected the kept weights multiplied by 1 / (1 - p) = {fmt_num(1 / (1 - p))}, "
            f"got them multiplied by {fmt_num(s['kept_ratio'])}",
            message,
        )

    return found


def _anything_else(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Any other measurement of a training case that differs from the reference's."""
    s = _summary(case, out, expected)
    if s is None:
        return None
    want = {name: float(expected[i]) for i, name in enumerate(SUMMARY)}
    said = {
        "kept_ratio": f"the kept weights multiplied by {fmt_num(s['kept_ratio'])}, not by 1 / (1 - p) = "
        f"{fmt_num(want['kept_ratio'])}",
        "ratio_spread": "kept weights rescaled by different numbers (up to "
        f"{fmt_num(100 * s['ratio_spread'])}% apart), not all by 1 / (1 - p)",
        "dropped": f"{_pct(s['dropped'])} of the weights set to 0, not about {_pct(_p(case))}",
        "sum_gap": "an output whose column of ones is not the sum of the weights after dropout",
        "same_twice": "the same weights dropped on two calls in a row",
        "rows_sum_to_one": "rows that still sum to 1 after dropout",
        "same_for_every_query": "whole columns of weights dropped together",
        "whole_rows": "whole rows of weights dropped together",
        "same_in_every_matrix": "the same weights dropped in every sentence and head",
    }
    wrong = [said[name] for name in SUMMARY if abs(s[name] - want[name]) > 1e-3 * max(1.0, abs(want[name]))]
    if not wrong:
        return None
    return (
        f"in training with p = {_p(case):g}: " + "; ".join(wrong),
        "Attention dropout zeroes each weight, after the softmax, with probability p, and divides the kept ones "
        "by 1 - p; then weights @ v. torch.rand_like(weights) < p marks the weights to drop.",
    )


def _eval_weights(case: Case, out: Outcome, expected: Tensor) -> tuple[Tensor, Tensor] | None:
    """In evaluation: the answer's weights (its output's first T columns) and the right ones."""
    got = out.output
    if EVAL not in case.tags or tuple(got.shape) != tuple(expected.shape) or not torch.isfinite(got).all():
        return None
    T = case.inputs[0].shape[-2]
    return got[..., :T].double(), expected[..., :T].double()


def _dropped_in_eval(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    weights = _eval_weights(case, out, expected)
    if weights is None:
        return None
    after, want = weights
    zeros = int(((after.abs() < 1e-12) & (want > 0)).sum())
    if not zeros:
        return None
    line = _dropout_line(out)
    how = _inverted_test(out) or (
        f"`{line}` drops whatever `training` says: F.dropout(x, p) is in training mode unless given "
        "training=training, and a new nn.Dropout(p) is in training mode until .eval()."
        if line and re.search(r"dropout|Dropout", line)
        else "In evaluation (training=False) dropout does nothing: skip it, so that a trained model's "
        "output does not change from one call to the next."
    )
    return f"in evaluation (training=False), expected no weight set to 0, got {zeros} of {want.numel()}", how


def _rescaled_in_eval(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    weights, p = _eval_weights(case, out, expected), _p(case)
    if weights is None or not torch.allclose(weights[0], weights[1] / (1 - p), rtol=1e-4, atol=1e-6):
        return None
    return (
        f"in evaluation (training=False), expected the weights as they are, got them divided by 1 - p = {1 - p:g}",
        "In evaluation nothing is dropped, so nothing is rescaled either: the division by 1 - p belongs "
        "with the dropping, in training only.",
    )


DROPOUT_MISTAKES = (
    *scale_mistakes(
        lambda q, k, v, p, training, scale: torch.softmax(q @ k.mT * scale, dim=-1) @ v, width_of_q, SCALE_QKV
    ),
    Mistake("shape", _wrong_shape),
    Mistake("non-finite", _not_finite),
    Mistake("same-mask-every-call", _same_twice),
    Mistake("no-dropout-in-training", _nothing_dropped),
    Mistake("before-softmax", _before_softmax),
    Mistake("keep-probability", _keep_probability),
    Mistake(
        "same-mask-every-matrix",
        _structured(
            "same_in_every_matrix",
            "every sentence and head dropped exactly the same weights",
            "One (T, T) mask was drawn and broadcast over every sentence and head{quoted}: each (sentence, head) "
            "should drop weights of its own. Draw the mask the shape of the weights: torch.rand_like(weights) < p.",
        ),
    ),
    Mistake(
        "dropout-on-v",
        _structured(
            "same_for_every_query",
            "every key was dropped for all the queries of a (T, T) matrix or for none: whole columns of the "
            "weights are 0",
            "Whole keys were dropped{quoted}: a mask the same for every query, as dropout on v (or on k) gives, "
            "or a mask of shape (..., 1, T). Attention dropout zeroes each weight on its own: dropout(weights) @ v, "
            "with a mask the shape of the weights, (..., T, T).",
        ),
    ),
    Mistake(
        "whole-rows",
        _structured(
            "whole_rows",
            "every query's row of weights was dropped whole or kept whole",
            "Whole queries were dropped{quoted}: one random number per row, a mask of shape (..., T, 1). Attention "
            "dropout zeroes each weight on its own, with a mask the shape of the weights, (..., T, T).",
        ),
    ),
    Mistake("dropout-on-output", _on_output),
    Mistake("renormalised", _renormalised),
    Mistake(
        "no-rescaling",
        _rescaled_by(
            lambda p: 1.0,
            "The kept weights were not rescaled. Divide them by 1 - p: each weight survives with probability "
            "1 - p, so dividing by it keeps its expected value, and a row's sum stays 1 on average, as in "
            "evaluation.",
        ),
    ),
    Mistake(
        "rescaled-by-p",
        _rescaled_by(
            lambda p: 1 / p, "The kept weights were divided by p: divide by 1 - p, the probability of being KEPT."
        ),
    ),
    Mistake(
        "rescaled-by-p",
        _rescaled_by(
            lambda p: p, "The kept weights were multiplied by p: divide by 1 - p, the probability of being KEPT."
        ),
    ),
    Mistake(
        "multiplied-by-keep",
        _rescaled_by(
            lambda p: 1 - p,
            "The kept weights were multiplied by 1 - p: DIVIDE by it, so that their expected value is the weight "
            "without dropout.",
        ),
    ),
    Mistake("dropout-in-eval", _dropped_in_eval),
    Mistake("rescaled-in-eval", _rescaled_in_eval),
    Mistake("dropout", _anything_else),
)

"""Lesson 06."""

from __future__ import annotations

import re
from typing import Callable

import torch
from torch import Tensor

from helpers import attention as ref
from helpers.lessons import variants
from helpers.lessons.common import MATMUL_SIZES
from helpers.lessons.records import Exercise, Finding, Lesson, Mistake, Produces
from helpers.lessons.scaling import SCALE_CHUNKED, scale_mistakes, width_of_q
from helpers.lessons.toolkit import matches, raised, randint, randn, source_line, without_comment
from helpers.running import Case, Outcome, run_chunked, run_online
from helpers.tolerances import first_difference


def rising(gen: torch.Generator, *shape: int) -> Tensor:
    """Scores that tend to rise along the last dimension, so later blocks raise the maximum."""
    return randn(gen, *shape, scale=2.0) + torch.arange(shape[-1], dtype=torch.float32) * 0.8


def falling(gen: torch.Generator, rows: int, S: int, block: int) -> Tensor:
    """Scores whose maximum falls by about 160 from each block to the next: a running
    maximum that forgets the earlier blocks ends far below the row's maximum."""
    return randn(gen, rows, S, scale=2.0) + 300 - 160 * (torch.arange(S) // block).float()


def online_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case("scores (3, 10) in blocks of 4 (the last block has 2)", (rising(gen, 3, 10), 4)),
        Case("scores (2, 3, 9) in blocks of 2 (the last block has 1)", (rising(gen, 2, 3, 9), 2)),
        Case("large scores (2, 12), around 500, in blocks of 5", (rising(gen, 2, 12) + 500, 5)),
        Case("scores (2, 11), around -1000, in blocks of 3", (rising(gen, 2, 11) - 1000, 3)),
        Case("scores (3, 12) whose maximum falls from 300 by 160 a block, in blocks of 4", (falling(gen, 3, 12, 4), 4)),
        Case(
            "scores (2, 9): one row around +500, one around -500, in blocks of 4",
            (torch.cat([rising(gen, 1, 9) + 500, rising(gen, 1, 9) - 500]), 4),
        ),
    ]


def chunk_cases(gen: torch.Generator) -> list[Case]:
    def qkv(B, T, d):
        return randn(gen, B, T, d, scale=3.0), randn(gen, B, T, d), randn(gen, B, T, d)

    def far_below(B, T, d):  # q·k / √d ≈ -10 · 10 · d / √d = -200: exp underflows unless m starts at -inf
        q = 10.0 + 0.1 * randn(gen, B, T, d)
        return q, -10.0 + 0.1 * randn(gen, B, T, d), randn(gen, B, T, d)

    def far_apart(B, T, d):  # queries of alternating sign: scores near +200 in one row, -200 in the next
        sign = torch.tensor([1.0, -1.0], dtype=torch.float32).repeat((T + 1) // 2)[:T, None]
        q = sign * (10.0 + 0.1 * randn(gen, B, T, d))
        return q, 10.0 + 0.1 * randn(gen, B, T, d), randn(gen, B, T, d)

    T = randint(gen, 80, 120)
    return [
        Case("q, k, v (1, 10, 4) in blocks of 4 keys (the last block has 2)", (*qkv(1, 10, 4), 4)),
        Case("q, k, v (2, 13, 8) in blocks of 5 keys (the last block has 3)", (*qkv(2, 13, 8), 5)),
        Case("q, k, v (2, 6, 3) in one block of 6 keys", (*qkv(2, 6, 3), 6)),
        Case("q, k, v (2, 7, 4) whose scores are all around -200, in blocks of 3 keys", (*far_below(2, 7, 4), 3)),
        Case(
            "q, k, v (2, 6, 4) whose rows of scores are around +200 and -200 in turn, in blocks of 3 keys",
            (*far_apart(2, 6, 4), 3),
        ),
        Case(f"q, k, v (2, {T}, 8) in blocks of 8 keys, watching the largest tensor made", (*qkv(2, T, 8), 8)),
    ]


def _blocks(S: int, block: int, drop_tail: bool) -> range:
    return range(0, S - block + 1, block) if drop_tail else range(0, S, block)


# k or v sliced on the last axis, d: v[..., a:b] or v[:, :, a:b], with no `, :` after the slice.
_SLICED_ON_D = re.compile(r"\b([kv])\[\s*(?:\.\.\.|:\s*,\s*:)\s*,\s*[^\],:]*:[^\],]*\]")


def _sliced_on_d(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """The sizes of a product did not fit, and the code (or the line that raised) slices k or
    v on their last axis, the features, instead of on the tokens."""
    if not re.search(MATMUL_SIZES + "|must match the size", out.error or ""):
        return None
    line = re.search(r"\(line \d+: (.*)\)$", out.error)
    found = _SLICED_ON_D.search(line.group(1) if line else "") or _SLICED_ON_D.search(out.source)
    if not found:
        return None
    name = found.group(1)
    return (
        f"your code raised {out.error}",
        f"You sliced {name} on its last axis, d (the features): {found.group(0)} takes some of every token's "
        f"numbers, not a block of tokens. The tokens are on the second-to-last axis: "
        f"{name}[..., start:start + block, :].",
    )


def _running_max(m: Tensor, block_max: Tensor, forget: bool) -> Tensor:
    return block_max if forget else torch.maximum(m, block_max)


def _online(
    scores,
    block,
    *,
    rescale=True,
    per_block=False,
    drop_tail=False,
    start=float("-inf"),
    forget=False,
    inverted=False,
    block_with_old_max=False,
    global_max=False,
    after_adding=False,
    short=False,
    stays=False,
    sum_start=0.0,
):
    """online_softmax with one thing changed for a mistake (after_adding: the sum rescaled after
    the new block was added, so that block is rescaled too; short: each block's slice one number
    short; stays: m never set to m_new, the last m_new used at the end)."""
    if per_block:
        return torch.cat(
            [torch.softmax(scores[..., i : i + block], dim=-1) for i in range(0, scores.shape[-1], block)], -1
        )
    m = torch.full(scores.shape[:-1] + (1,), start)
    s = torch.full(scores.shape[:-1] + (1,), sum_start)
    for i in _blocks(scores.shape[-1], block, drop_tail):
        chunk = scores[..., i : i + block - 1 if short else i + block]
        if chunk.shape[-1] == 0:
            continue
        m_new = _running_max(m, chunk.max() if global_max else chunk.amax(dim=-1, keepdim=True), forget)
        factor = torch.exp(m_new - m) if inverted else torch.exp(m - m_new)
        added = torch.exp(chunk - (m if block_with_old_max else m_new)).sum(dim=-1, keepdim=True)
        s = (s + added) * factor if after_adding else (s * factor if rescale else s) + added
        m = m if stays else m_new
    return torch.exp(scores - (m_new if stays else m)) / s


def _chunked(
    q,
    k,
    v,
    block,
    *,
    rescale=True,
    per_block=False,
    drop_tail=False,
    scale=None,
    rescale_out=True,
    rescale_sum=True,
    divide=True,
    start=float("-inf"),
    inverted=False,
    raw=False,
    averaged=False,
    each_block=False,
    short=False,
    block_with_old_max=False,
    stays=False,
    global_max=False,
):
    """chunked_attention with one thing changed for a mistake (scale: what q is multiplied by,
    1/√d unless given; raw: an inverted factor left to give NaN on the first block; averaged:
    the blocks' own softmaxes averaged; each_block: out divided by s in every block; short:
    each block's slice one key short; global_max: one running maximum for every query of the batch)."""
    q = q * (q.shape[-1] ** -0.5 if scale is None else scale)
    m = torch.full(q.shape[:-1] + (1,), start)
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    blocks = _blocks(k.shape[-2], block, drop_tail)
    for i in blocks:
        end = i + block - 1 if short else i + block
        scores = q @ k[..., i:end, :].mT
        if per_block or averaged:
            out = out + torch.softmax(scores, dim=-1) @ v[..., i:end, :]
            continue
        m_new = torch.maximum(m, scores.max() if global_max else scores.amax(dim=-1, keepdim=True))
        if inverted:
            rescale_by = torch.exp(m_new - m) if raw else torch.exp(m_new - m).nan_to_num(0.0, posinf=0.0)
        else:
            rescale_by = torch.exp(m - m_new) if rescale else 1.0
        exps = torch.exp(scores - (m if block_with_old_max else m_new))
        s = (s * rescale_by if rescale_sum else s) + exps.sum(dim=-1, keepdim=True)
        out = (out * rescale_by if rescale_out else out) + exps @ v[..., i:end, :]
        if each_block:
            out = out / s
        m = m if stays else m_new
    if averaged:
        return out / len(blocks)
    return out if per_block or each_block or not divide else out / s


def _values_not_sliced(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """A block's weights (…, block) met all of v (…, T, d): the line of the error multiplies
    by v itself, and the sizes that did not fit are the block's and T."""
    sizes = re.search(r"to be: \[\d+, (\d+)\] but got: \[\d+, (\d+)\]", out.error or "")
    line = re.search(r"\(line \d+: (.*)\)$", out.error or "")
    q, k, v, block = case.inputs
    T = k.shape[-2]
    if not sizes or not line or not re.search(r"@\s*v\b(?!\s*\[)", line.group(1)):
        return None
    left, right = (int(g) for g in sizes.groups())
    if right != T or left == T or left > block:
        return None
    return (
        f"your code raised {out.error}: {left} is the block's length, {right} is T",
        f"`{line.group(1)}` multiplies one block's weights, (B, T, {left}), by all of v, (B, T, d), with its "
        f"{T} keys: the weights of a block of keys go with the same block of values, "
        "v[..., start : start + block, :].",
    )


BLOCK_MESSAGES = {
    "no-rescale": "When a block raises the running maximum from m to m_new, everything summed so far was computed "
    "with exp(x - m) and is now too large by exp(m - m_new). Multiply the running sum (and, in attention, the running "
    "output) by exp(m - m_new) before adding the new block.",
    "per-block": "You normalised each block on its own, so each block's weights sum to 1 and a row sums to the number "
    "of blocks. Keep one running maximum and one running sum over all blocks, and divide once, at the end.",
    "last-block": "The last block was skipped: when the length is not a multiple of the block size, the final block is "
    "shorter. Loop over range(0, {length}, block), and slicing [start : start + block] takes the short block as it is.",
}


def _no_rescale(out: Outcome) -> str:
    """The message for a result without rescaling: when the code does compute exp(m - m_new)
    but sets m = m_new on an earlier line, that order is the mistake."""
    lines = [without_comment(line).strip() for line in out.source.splitlines()]
    rescale = next((i for i, line in enumerate(lines) if re.search(r"exp\(\s*m\s*-\s*m_new\s*\)", line)), None)
    update = next((i for i, line in enumerate(lines) if re.fullmatch(r"m\s*=\s*m_new", line)), None)
    if rescale is not None and update is not None and update < rescale:
        return (
            f"`{lines[update]}` comes before `{lines[rescale]}`, so m already equals m_new there: the factor is "
            "exp(0) = 1 and nothing is ever rescaled. Compute the factor first, and set m = m_new last, at the end "
            "of the loop's body."
        )
    return BLOCK_MESSAGES["no-rescale"]


def block_mistakes(formula: Callable[..., Tensor], length: str) -> tuple[Mistake, ...]:
    """The mistakes of a loop over blocks of a sequence whose length the exercise calls `length`."""
    return (
        matches(
            "no-rescale",
            _no_rescale,
            lambda *a: formula(*a, rescale=False),
            "the result without rescaling when the maximum grows",
        ),
        matches(
            "per-block",
            BLOCK_MESSAGES["per-block"],
            lambda *a: formula(*a, per_block=True),
            "each block normalised on its own",
        ),
        matches(
            "last-block",
            BLOCK_MESSAGES["last-block"].format(length=length),
            lambda *a: formula(*a, drop_tail=True),
            "the result without the last, shorter block",
        ),
    )


def _running_max_names(out: Outcome) -> tuple[str, str]:
    """(the running maximum, the new one) as the code names them: the name started at -inf, and
    the name given torch.maximum of it; ("m", "m_new") where the code does not show them."""
    start = re.search(r"^\s*(\w+)\s*=\s*torch\.full\(.*-\s*(inf|float\(\s*['\"]-inf)", out.source or "", re.M)
    old = start.group(1) if start else "m"
    grown = re.search(rf"^\s*(\w+)\s*=\s*torch\.maximum\(\s*{re.escape(old)}\b", out.source or "", re.M)
    return old, grown.group(1) if grown else "m_new"


def _exp_of(first: str, second: str) -> str:
    """A pattern for exp(first - second), as a call or a method; first may be a pattern."""
    return rf"exp\(\s*{first}\s*-\s*{second}\s*\)|\(\s*{first}\s*-\s*{second}\s*\)\.exp\("


def _inverted_factor(out: Outcome) -> str:
    """exp(m_new - m) in the code's own names."""
    old, new = _running_max_names(out)
    return _exp_of(re.escape(new), re.escape(old))


def _old_max_exponent(out: Outcome) -> str:
    """exp(x - m), x any name but the two maxima, in the code's own names."""
    old, new = _running_max_names(out)
    return _exp_of(rf"(?!{re.escape(new)}\b|{re.escape(old)}\b)\w+", re.escape(old))


def _rescaled_after_adding(out: Outcome) -> str:
    line = source_line(out, r"\(\s*s\s*\+.*\)\s*\*|\*=")
    quoted = f"`{line}` rescales" if line else "You rescaled"
    return (
        f"{quoted} the running sum after adding the new block's terms, so those terms, already taken with "
        "m_new, are shrunk by exp(m - m_new) too. Only the old sum was computed with the old maximum: rescale it "
        "first, then add, s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)."
    )


def _normalised_each_block(out: Outcome) -> str:
    line = source_line(out, r"/\s*s\b")
    quoted = f"`{line}` divides" if line else "You divided"
    return (
        f"{quoted} the running output by the running sum in every block, and the next block then rescales and adds "
        "unnormalised terms to that normalised output: the blocks end up mixed with weights that do not match. Keep "
        "out as a running sum of exp(score - m) · v, like s, and divide once, after the loop: return out / s."
    )


def _max_never_kept(out: Outcome) -> str:
    old, new = _running_max_names(out)
    return (
        f"{old} is never given {new}'s value, so it stays -inf: every block's factor exp({old} - {new}) is "
        f"exp(-inf) = 0 and wipes out what was summed so far: only the last block counts. End the loop's body "
        f"with {old} = {new}, after the factor is taken."
    )


def _max_kept(out: Outcome) -> str:
    """The line that keeps the new maximum, old = new, as the code names them: where the code has
    it, a result of the last block alone comes from the sum (and output) being replaced instead."""
    old, new = _running_max_names(out)
    return rf"^\s*{re.escape(old)}\s*=\s*{re.escape(new)}\s*$"


def _running_sum_replaced(out: Outcome, attention: bool) -> str:
    """Only the last block's terms are left in the running sum (and output): a line that sets
    the running sum anew, from the block alone, in every block."""
    start = re.search(r"^\s*(\w+)\s*=\s*torch\.zeros", out.source or "", re.M)
    name = start.group(1) if start else "s"
    line = source_line(
        out, rf"^\s*{re.escape(name)}\s*=(?!=)(?!.*\b{re.escape(name)}\b)(?!\s*torch\.(zeros|full|empty))"
    )
    what = "running sum and output" if attention else "running sum"
    quoted = f"`{line}` sets {name} anew in every block" if line else f"Your loop sets the {what} anew in every block"
    carry = (
        "s = s * rescale + exps.sum(dim=-1, keepdim=True) and out = out * rescale + exps @ v_block, with "
        "rescale = torch.exp(m - m_new)"
        if attention
        else "s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)"
    )
    return (
        f"Only the last block's terms are left in the {what}: {quoted}, from that block alone, instead of carrying "
        f"over what the earlier blocks summed. Rescale what was summed so far and add the block's terms: {carry}."
    )


def _block_one_short(out: Outcome) -> str:
    line = source_line(out, r"\+\s*[\w.]+\s*-\s*1\b")
    quoted = f"`{line}`: " if line else ""
    return (
        f"{quoted}Python's slices stop before their end, so [start : start + block - 1] leaves out the last key of "
        "every block, and those keys are never attended. Slice [start : start + block]: it holds exactly block keys "
        "(fewer in the last block)."
    )


def _final_no_shift(out: Outcome) -> str:
    line = source_line(out, r"exp\(\s*scores\s*\)")
    quoted = f"`{line}`" if line else "Your last step"
    return (
        f"{quoted} takes exp(scores) without the running maximum, while s summed exp(x - m): each row comes out "
        "exp(m) times too large (or inf). Shift the numerator as the sum was shifted: torch.exp(scores - m) / s."
    )


def _not_online(out: Outcome) -> str:
    """The message for a softmax that reduced whole rows, quoting the line that did it."""
    line = re.search(r"\(line \d+: (.*)\)$", out.error or "")
    if line:
        return (
            f"`{line.group(1)}` takes a maximum, a sum or a softmax along whole rows at once, which an online softmax "
            "never does, even where the numbers come out right: it reads each row in blocks, and each block only "
            "updates the running maximum m and the running sum s. Take every maximum and every sum over one block, "
            "chunk = scores[..., start : start + block]; the whole row is needed only at the end, "
            "torch.exp(scores - m) / s."
        )
    return (
        "Your function takes a maximum, a sum or a softmax along whole rows at once, which an online softmax never "
        "does, even where the numbers come out right: it reads each row in blocks, and each block only updates the "
        "running maximum m and the running sum s. Take every maximum and every sum over one block, "
        "chunk = scores[..., start : start + block]; the whole row is needed only at the end, torch.exp(scores - m) / s."
    )


_SIZE_ERROR = r"size of tensor a \(\d+\) must match the size of tensor b"
_STATE_WITHOUT_AXIS = r"torch\.(full|zeros|ones|empty)\(\s*scores\.shape\[:-1\]\s*[,)]"


def _state_without_axis(out: Outcome) -> str:
    line = source_line(out, _STATE_WITHOUT_AXIS)
    return (
        f"`{line}` starts the running state with shape (...,), without the trailing axis of size 1, so it lines "
        "up with a block's last axis (its keys) instead of its rows. Start m and s with the axis: "
        "scores.shape[:-1] + (1,), and keep it in every reduction with keepdim=True."
    )


_SLICES_AXIS_1 = r"scores\[\s*:\s*,\s*[^\],]*:"


def _slices_axis_1(out: Outcome) -> str:
    line = source_line(out, _SLICES_AXIS_1)
    return (
        f"`{line}` slices axis 1, which is the last axis only when scores is 2-D: for scores of shape (B, T, S) "
        "it cuts the rows, not the keys. Slice the last axis, whatever the number of axes before it: "
        "scores[..., start : start + block]."
    )


# A slice of the first axis with a loop's bounds: scores[start : start + block], k[i:i + block].
_FIRST_AXIS = r"\b(scores|k|v|q)\[\s*[\w.]+\s*:\s*[^\],]+\]"


def _sliced_first_axis(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """A block sliced from the first axis of an input with more than one: the rows (6.1) or
    the sentences (6.2), not the keys."""
    found = re.search(_FIRST_AXIS, out.source or "")
    line = source_line(out, _FIRST_AXIS)
    if not found or not line:
        return None
    name = found.group(1)
    x = {"scores": 0, "q": 0, "k": 1, "v": 2}.get(name)
    x = case.inputs[x] if x is not None and x < len(case.inputs) else None
    if not isinstance(x, Tensor) or x.dim() < 2:
        return None
    if out.error:
        evidence = f"your code raised {out.error}"
    elif out.output is not None and expected is not None:
        evidence = (
            f"expected shape {tuple(expected.shape)}, got {tuple(out.output.shape)}"
            if out.output.shape != expected.shape
            else first_difference(expected, out.output)
        )
    else:
        return None
    if name == "scores":
        return (
            evidence,
            f"`{line}` slices the first axis of scores, its rows, not the last, its keys: for scores of shape "
            f"{tuple(x.shape)} a 'block' is a group of rows. Slice the last axis, whatever the number of axes before "
            "it: scores[..., start : start + block].",
        )
    return (
        evidence,
        f"`{line}` slices the first axis of {name}, the sentences of the batch (B = {x.shape[0]}), not its keys: the "
        f"tokens are the second-to-last axis, {name}[:, start : start + block] (or {name}[..., start : start + block, :]).",
    )


EXERCISES_06 = [
    Exercise(
        id="6.1",
        notebook="06",
        name="online_softmax",
        title="Online softmax",
        points=3,
        difficulty=2,
        minutes=20,
        signature="online_softmax(scores, block)  # scores: (..., S)",
        returns="softmax over the last dimension, found in one pass over blocks with a running max and sum",
        reference=ref.online_softmax,
        make_cases=online_cases,
        produces=Produces(what="weights", family=variants.softmax_family()),
        runner=run_online,
        mistakes=(
            raised("state-without-axis", _state_without_axis, error=_SIZE_ERROR, source=_STATE_WITHOUT_AXIS, both=True),
            raised(
                "slices-axis-1", _slices_axis_1, error=_SIZE_ERROR + "|^NotOnline", source=_SLICES_AXIS_1, both=True
            ),
            Mistake("sliced-first-axis", _sliced_first_axis, on_error=True),
            Mistake("sliced-first-axis", _sliced_first_axis),
            raised("not-online", lambda out: _not_online(out), error=r"^NotOnline"),
            matches(
                "final-no-shift",
                _final_no_shift,
                lambda scores, block: torch.exp(scores)
                / torch.exp(scores - scores.amax(-1, keepdim=True)).sum(-1, keepdim=True),
                "exp(scores) / s, without - m",
            ),
            *block_mistakes(_online, "S"),
            matches(
                "global-max",
                "A row far below the largest score came out NaN: its exponentials were taken "
                "against the maximum of the whole tensor, so they are all 0, and 0 / 0 is NaN. Keep one running "
                "maximum per row: chunk.amax(dim=-1, keepdim=True), not chunk.max().",
                lambda *a: _online(*a, global_max=True),
                "one running maximum for the whole tensor",
            ),
            matches(
                "max-starts-at-zero",
                "Your running maximum starts at 0, so it never drops below 0: on a row "
                "whose scores are all far below 0, every exp(x - m) is 0 and the sum is 0, hence 0 / 0 = NaN. "
                "Start m at -inf: torch.full(..., float('-inf')).",
                lambda *a: _online(*a, start=0.0),
                "a running maximum that starts at 0",
            ),
            matches(
                "max-forgotten",
                "Your running maximum is each block's own maximum, forgetting the earlier "
                "blocks': when a later block's maximum is much lower, exp(x - m) of the earlier, larger scores "
                "overflows. Keep the largest so far: m_new = torch.maximum(m, block's maximum).",
                lambda *a: _online(*a, forget=True),
                "a maximum that forgets the earlier blocks",
            ),
            matches(
                "rescale-inverted",
                "The rescaling factor is upside down: the old sum was computed with exp(x - m) "
                "and must become exp(x - m_new), so multiply it by exp(m - m_new), which is at most 1, not by "
                "exp(m_new - m).",
                lambda *a: _online(*a, inverted=True),
                "the sum rescaled by exp(m_new - m)",
                if_all_nan=_inverted_factor,
            ),
            matches(
                "block-one-short",
                lambda out: _block_one_short(out),
                lambda *a: _online(*a, short=True),
                "every block without its last number",
            ),
            matches(
                "phantom-score",
                "You start with m = 0 and s = 1: that is the sum of one score of 0 already seen, exp(0 - 0) = 1, "
                "which every row then carries, though no such score exists. Start from nothing: m at -inf and "
                "s at 0, torch.full(..., float('-inf')) and torch.zeros(...).",
                lambda *a: _online(*a, start=0.0, sum_start=1.0),
                "a sum that starts at 1, for a score of 0 that is not there",
            ),
            matches(
                "max-never-kept",
                lambda out: _max_never_kept(out),
                lambda *a: _online(*a, stays=True),
                "the running maximum left at -inf, each block's sum replacing the last",
                unless=_max_kept,
            ),
            matches(
                "running-sum-replaced",
                lambda out: _running_sum_replaced(out, attention=False),
                lambda *a: _online(*a, stays=True),
                "exp(scores) divided by the sum over the last block alone",
            ),
            matches(
                "rescaled-after-adding",
                lambda out: _rescaled_after_adding(out),
                lambda *a: _online(*a, after_adding=True),
                "the sum rescaled after the new block was added",
            ),
            matches(
                "block-before-max",
                "The new block's exponentials were taken with the old maximum: update the "
                "maximum first, m_new = torch.maximum(m, block's maximum), then add exp(block - m_new). On the "
                "first block the old maximum is -inf, and exp(x + inf) is inf.",
                lambda *a: _online(*a, block_with_old_max=True),
                "the new block taken with the old maximum",
            ),
            matches(
                "not-divided",
                "The last step is missing: softmax(x) = exp(x - m) / s, with s the running sum.",
                lambda scores, block: torch.exp(scores - scores.amax(dim=-1, keepdim=True)),
                "exp(scores - m) without dividing by the sum",
            ),
        ),
    ),
    Exercise(
        id="6.2",
        notebook="06",
        name="chunked_attention",
        title="Chunked attention",
        points=3,
        difficulty=3,
        minutes=25,
        signature="chunked_attention(q, k, v, block)  # q, k, v: (B, T, d)",
        returns="softmax(q kᵀ / √d) v, shape (B, T, d), computed over blocks of keys",
        reference=ref.chunked_attention,
        make_cases=chunk_cases,
        produces=Produces(batch=(0, 1, 2), axes=("B", "T", "d"), family=variants.attention_family()),
        runner=run_chunked,
        mistakes=(
            raised(
                "not-chunked",
                "Your function builds a tensor as large as the whole (T, T) score matrix, which is "
                "what chunking must avoid: compute one block's scores at a time, (B, T, block), fold them into the "
                "running maximum, sum and output, and never keep or concatenate them all.",
                error=r"^TooMuchMemory",
            ),
            Mistake("sliced-on-d", _sliced_on_d, on_error=True),
            Mistake("sliced-first-axis", _sliced_first_axis, on_error=True),
            Mistake("sliced-first-axis", _sliced_first_axis),
            Mistake("values-not-sliced", _values_not_sliced, on_error=True),
            *block_mistakes(_chunked, "T"),
            matches(
                "out-not-rescaled",
                "You rescaled the running sum but not the running output: when a block raises "
                "the maximum, out was computed with the old m too. Multiply both by exp(m - m_new): "
                "out = out * rescale + exps @ v_block.",
                lambda *a: _chunked(*a, rescale_out=False),
                "the output without rescaling",
            ),
            *(
                matches(
                    "rescale-inverted",
                    "The rescaling factor is upside down: the running sum and output were "
                    "computed with exp(score - m) and must become exp(score - m_new), so multiply them by "
                    "exp(m - m_new), which is at most 1, not by exp(m_new - m)."
                    + (" On the first block m is -inf, so exp(m_new - m) is inf, and 0 × inf is NaN." if raw else ""),
                    lambda *a, raw=raw: _chunked(*a, inverted=True, raw=raw),
                    "the sum and output rescaled by exp(m_new - m)",
                    if_all_nan=_inverted_factor,
                )
                for raw in (False, True)
            ),
            matches(
                "block-before-max",
                "The block's exponentials were taken with the old maximum m, before it was updated: on the first "
                "block m is -inf, so exp(score - m) is inf, and the NaN that follows fills the output. Update the "
                "maximum first, m_new = torch.maximum(m, the block's maximum), then exps = torch.exp(scores - m_new).",
                lambda *a: _chunked(*a, block_with_old_max=True),
                "the block's exponentials taken with the old maximum",
                if_all_nan=_old_max_exponent,
            ),
            matches(
                "max-never-kept",
                lambda out: _max_never_kept(out),
                lambda *a: _chunked(*a, stays=True),
                "the running maximum left at -inf, each block's sum and output replacing the last",
                unless=_max_kept,
            ),
            matches(
                "running-sum-replaced",
                lambda out: _running_sum_replaced(out, attention=True),
                lambda *a: _chunked(*a, stays=True),
                "attention over the last block of keys alone",
            ),
            matches(
                "normalised-each-block",
                lambda out: _normalised_each_block(out),
                lambda *a: _chunked(*a, each_block=True),
                "the running output divided by the running sum in every block",
            ),
            matches(
                "blocks-averaged",
                "You took a separate softmax over each block of keys and averaged the blocks' outputs: each "
                "block's weights then sum to 1 on their own, so a block of small scores counts as much as one of "
                "large scores. One softmax runs over all the keys: keep a running maximum, sum and output across "
                "the blocks, rescaled when the maximum grows, and divide once, at the end.",
                lambda *a: _chunked(*a, averaged=True),
                "the average of each block's own softmax attention",
            ),
            matches(
                "block-one-short",
                lambda out: _block_one_short(out),
                lambda *a: _chunked(*a, short=True),
                "every block without its last key",
            ),
            matches(
                "sum-not-rescaled",
                "You rescaled the running output but not the running sum: when a block "
                "raises the maximum, s was summed with the old m too. Multiply both by exp(m - m_new).",
                lambda *a: _chunked(*a, rescale_sum=False),
                "the sum without rescaling",
            ),
            matches(
                "global-max",
                "A query whose scores are all far below another query's came out NaN: its exponentials "
                "were taken against a maximum it shares with other queries, so they are all 0, and 0 / 0 is "
                "NaN. Keep one running maximum per query, the maximum over the keys only: "
                "scores.amax(dim=-1, keepdim=True).",
                lambda *a: _chunked(*a, global_max=True),
                "one running maximum shared by the queries",
            ),
            matches(
                "max-starts-at-zero",
                "Your running maximum starts at 0, so it never drops below 0: when a "
                "query's scores are all far below 0, every exp(score - m) is 0, the sum is 0 and out / s is "
                "0 / 0 = NaN. Start m at -inf: torch.full(..., float('-inf')).",
                lambda *a: _chunked(*a, start=0.0),
                "a running maximum that starts at 0",
            ),
            matches(
                "not-divided",
                "The last step is missing: the running output is a sum of exp(score - m) · v, "
                "and attention's weights sum to 1 only once it is divided by the running sum: return out / s.",
                lambda *a: _chunked(*a, divide=False),
                "the running output not divided by the sum",
            ),
            *scale_mistakes(
                lambda q, k, v, block, scale: _chunked(q, k, v, block, scale=scale), width_of_q, SCALE_CHUNKED
            ),
        ),
    ),
]


LESSON = Lesson(
    number="06",
    title="What attention costs",
    notebook="06-what-attention-costs",
    provides=("attention_from_qkv",),  # what its notebook imports from helpers.attention
    exercises=EXERCISES_06,
)

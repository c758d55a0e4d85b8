"""Lesson 08: attention in today's LLMs (RoPE, grouped-query attention, sliding windows)."""

from __future__ import annotations

import re

import torch
from torch import Tensor

from helpers import attention as ref
from helpers.lessons import wrong_type
from helpers.lessons.lesson02 import no_super_init
from helpers.lessons.lesson03 import _fully_masked_row, _padding, mask_mistakes
from helpers.lessons.lesson04 import _mask_heads
from helpers.lessons.reading import arguments
from helpers.lessons.records import Exercise, Finding, Lesson, Mistake, Produces
from helpers.lessons.scaling import SCALE_QKV, project, scale_mistakes, width_of_q
from helpers.lessons.toolkit import (
    Message,
    last_weights_mistakes,
    matches,
    raised,
    randint,
    randn,
    source_line,
    weights_case,
)
from helpers.lessons.whole_module import gradient_case, module_cases
from helpers.running import Case, Outcome, keeps_head_weights
from helpers.tolerances import close, first_difference


def _line(out: Outcome, pattern: str) -> str:
    """The student's first line matching `pattern`, without its comment (what the messages quote)."""
    return source_line(out, pattern).split("#", 1)[0].strip()


# --------------------------------------------------------------------------------------
# 8.1 RoPE and 8.2 RoPE in attention


def rope_cases(gen: torch.Generator) -> list[Case]:
    """d even and never 2 (one pair cannot tell the pairings apart); one case with heads, one
    without; positions that start past 0, as after a prompt; a base other than 10000; d = 64;
    then the gradient reaching x (RoPE turns the q and k of layers that train)."""
    start, T = randint(gen, 20, 60), randint(gen, 4, 7)
    base = float(randint(gen, 50, 900))
    far = randint(gen, 5, 30)
    cases = [
        Case("x (2, 3, 5, 8): B=2, H=3, T=5, d=8, positions 0 ... 4", (randn(gen, 2, 3, 5, 8), torch.arange(5), 1e4)),
        Case("x (3, 6, 4) without a head axis, positions 0 ... 5", (randn(gen, 3, 6, 4), torch.arange(6), 1e4)),
        Case(
            f"x (2, 2, {T}, 6) at positions {start} ... {start + T - 1}, as for tokens that come after a prompt",
            (randn(gen, 2, 2, T, 6), torch.arange(start, start + T), 1e4),
        ),
        Case(f"x (1, 2, 6, 12), positions 0 ... 5, base={base:g}", (randn(gen, 1, 2, 6, 12), torch.arange(6), base)),
        Case(
            f"x (1, 1, 4, 64): d=64, positions {far} ... {far + 3}",
            (randn(gen, 1, 1, 4, 64), torch.arange(far, far + 4), 1e4),
        ),
    ]
    return cases + [gradient_case(cases[0])]


def _rope(
    x,
    positions,
    base,
    *,
    interleaved=False,
    signs=(-1.0, 1.0),
    restart=False,
    fixed_base=None,
    step=2.0,
    rising=False,
    doubled_angles=False,
    halves_swapped=False,
):
    """apply_rope with one thing changed for a mistake: pairs of neighbours (interleaved),
    the rotation's signs (first half x1 cos + s0 x2 sin, second x2 cos + s1 x1 sin), positions
    0 ... T - 1 (restart), a base written in the code (fixed_base), θ_i = base^(-step i / d)
    (rising: +), angles laid out for neighbours (each twice in a row) used on halves, or the
    two turned halves put back in the wrong order (halves_swapped)."""
    d = x.shape[-1]
    half = d // 2
    exponent = step * torch.arange(half, dtype=torch.float32) / d
    freqs = (base if fixed_base is None else fixed_base) ** (exponent if rising else -exponent)  # (d/2,)
    pos = torch.arange(x.shape[-2]) if restart else positions
    angles = pos.to(torch.float32)[:, None] * freqs  # (T, d/2)
    if doubled_angles:
        angles = angles.repeat_interleave(2, dim=-1)  # (T, d): θ0, θ0, θ1, θ1, ...
        return x * angles.cos() + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * angles.sin()
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = (x[..., 0::2], x[..., 1::2]) if interleaved else (x[..., :half], x[..., half:])
    first, second = x1 * cos + signs[0] * x2 * sin, x2 * cos + signs[1] * x1 * sin
    if interleaved:
        return torch.stack([first, second], dim=-1).flatten(-2)  # back to x0', x1', x2', ...
    return torch.cat([second, first] if halves_swapped else [first, second], dim=-1)


def _quoting(pattern: str, said: str, otherwise: str) -> Message:
    """A message that quotes the student's first line matching `pattern` in `said` ({line}),
    or says `otherwise` when no line does."""

    def message(out: Outcome) -> str:
        line = _line(out, pattern)
        return said.format(line=line) if line else otherwise

    return message


HALF_SPLIT = (
    "x1, x2 = x[..., :d // 2], x[..., d // 2:], then torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)"
)

INTERLEAVED = (
    "Your rotation pairs neighbours, (x0, x1), (x2, x3), ...: that is the other RoPE convention, the one of the RoPE "
    "paper and of Meta's original Llama code, and it is a correct RoPE, relative offsets and all. This course pairs "
    "number i with number i + d/2 (the two halves), as Hugging Face's Llama, Mistral and Qwen code does. The two "
    "give the same scores only once q's and k's numbers are reordered, so weights trained with one convention do "
    "not work with the other. Pair the halves: " + HALF_SPLIT + "."
)

ROPE_MESSAGES = {
    "interleaved-pairs": _quoting(
        r"::\s*2|view\([^)]*,\s*2\s*\)|reshape\([^)]*,\s*2\s*\)|unflatten|view_as_complex",
        "`{line}` pairs neighbours. " + INTERLEAVED,
        INTERLEAVED,
    ),
    "rotates-backwards": "Your pairs turn the wrong way, by minus the angle: the first half must be x1·cos − x2·sin and "
    "the second x1·sin + x2·cos. Scores still depend on the offset alone, but mirrored (an offset of +3 scores as "
    "−3 should), so nothing trained with RoPE would work with it.",
    "not-a-rotation": "The minus sign is missing: x1·cos + x2·sin together with x2·cos + x1·sin is no rotation (it "
    "changes each pair's length, where a rotation keeps it), so scores no longer depend on the offset alone. The "
    "first half is x1·cos − x2·sin.",
    "positions-restart": _quoting(
        r"arange\(\s*(\w+\.shape\[|\w+\.size\(|T\b|len\()",
        "`{line}` numbers the tokens 0 ... T − 1 whatever positions were given: on this case they start later, as "
        "they do for tokens generated after a prompt (lesson 07's cache). Take the angles from the argument: "
        "positions[:, None] * freqs.",
        "Your angles come from positions 0 ... T − 1, not from the positions given: on this case they start later, "
        "as they do for tokens generated after a prompt (lesson 07's cache). Use positions[:, None] * freqs.",
    ),
    "base-ignored": _quoting(
        r"10000|10_000|1e4|1e\+?04",
        "`{line}` writes the base into the code, so the base passed in is ignored. Models differ here (Llama 2 uses "
        "10 000, Llama 3 500 000): use the argument, base ** (-2 * i / d).",
        "Your frequencies use base 10 000 whatever base was passed. Models differ here (Llama 2 uses 10 000, Llama 3 "
        "500 000): use the argument, base ** (-2 * i / d).",
    ),
    "halves-swapped": "Your two halves come back in the wrong order: each pair is turned right, but x1's new value "
    "(x1·cos − x2·sin) must stay in the first half and x2's (x1·sin + x2·cos) in the second: torch.cat([x1 * cos - "
    "x2 * sin, x1 * sin + x2 * cos], dim=-1).",
    "frequency-exponent": "Your frequencies are base^(−i/d): the exponent is missing its 2. Pair i turns at "
    "θ_i = base^(−2i/d) for i = 0 ... d/2 − 1, from 1 down to about 1/base: base ** (-torch.arange(0, d, 2) / d).",
    "frequencies-rising": "Your frequencies grow, base^(+2i/d), so most pairs turn thousands of radians a step. They "
    "should fall from 1 down to about 1/base: θ_i = base^(−2i/d), the minus sign in the exponent (or 1 / base ** ...).",
    "angles-doubled-in-place": _quoting(
        r"repeat_interleave",
        "`{line}` lays each frequency out twice in a row (θ0, θ0, θ1, θ1, ...), which is the layout for pairs of "
        "neighbours; but you rotate the halves, where number i and number i + d/2 must turn by the same angle. Put "
        "the two copies side by side instead: torch.cat([angles, angles], dim=-1).",
        "Your angles are laid out for pairs of neighbours (θ0, θ0, θ1, θ1, ...) but you rotate the halves, where "
        "number i and number i + d/2 must turn by the same angle: torch.cat([angles, angles], dim=-1).",
    ),
}


_SIZES = r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)"


def _sizes_met(out: Outcome) -> set[int]:
    """The two sizes a broadcasting error says did not fit, or none."""
    found = re.search(_SIZES, out.error or "")
    return {int(found.group(1)), int(found.group(2))} if found else set()


def _angles_not_outer(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """positions (T,) times freqs (d/2,) without an axis: T met d/2."""
    x = case.inputs[0]
    T, half = x.shape[-2], x.shape[-1] // 2
    if T == half or _sizes_met(out) != {T, half}:
        return None
    return (
        f"your code raised {out.error}: {T} is T, the positions; {half} is d/2, the frequencies",
        "The positions (T,) met the frequencies (d/2,) side by side, on one axis. Each position needs every "
        "frequency: give positions an axis, positions[:, None] * freqs, (T, 1) * (d/2,) -> (T, d/2).",
    )


def _angles_half_width(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """cos and sin of d/2 angles met all d numbers of x."""
    d = case.inputs[0].shape[-1]
    if _sizes_met(out) != {d, d // 2}:
        return None
    return (
        f"your code raised {out.error}: {d} is d, {d // 2} is d/2",
        f"cos and sin have d/2 = {d // 2} columns, one per pair, and met all d = {d} numbers of x. Either turn the "
        "halves, x1 = x[..., :d // 2] and x2 = x[..., d // 2:], each with those d/2 angles, or lay the angles out "
        "once per half: torch.cat([angles, angles], dim=-1).",
    )


def _rope_mistake(key: str, what: str, **change) -> Mistake:
    return matches(key, ROPE_MESSAGES[key], lambda x, p, b: _rope(x, p, b, **change), what)


def rope_attention_cases(gen: torch.Generator) -> list[Case]:
    start = randint(gen, 10, 40)
    cases = [
        Case(
            "q, k, v (2, 2, 5, 8) at positions 0 ... 4",
            (randn(gen, 2, 2, 5, 8), randn(gen, 2, 2, 5, 8), randn(gen, 2, 2, 5, 8), torch.arange(5)),
        ),
        Case(
            f"q, k, v (1, 3, 6, 4) at positions {start} ... {start + 5}",
            (randn(gen, 1, 3, 6, 4), randn(gen, 1, 3, 6, 4), randn(gen, 1, 3, 6, 4), torch.arange(start, start + 6)),
        ),
        Case(
            "q, k, v (3, 1, 4, 6) at positions 0 ... 3",
            (randn(gen, 3, 1, 4, 6), randn(gen, 3, 1, 4, 6), randn(gen, 3, 1, 4, 6), torch.arange(4)),
        ),
    ]
    return cases + [gradient_case(cases[0])]


def _rope_attention(q, k, v, positions, *, rotate="qk", causal=True, scale=None):
    """rope_attention with one thing changed: which of q, k, v are rotated, the causal mask, the scale."""
    q = ref.apply_rope(q, positions) if "q" in rotate else q
    k = ref.apply_rope(k, positions) if "k" in rotate else k
    v = ref.apply_rope(v, positions) if "v" in rotate else v
    scores = q @ k.mT * (q.shape[-1] ** -0.5 if scale is None else scale)
    return ref.masked_softmax(scores, ref.causal_mask(q.shape[-2]) if causal else None) @ v


ROPE_ON_VALUES = (
    "The values were rotated too. RoPE turns q and k so that their scores depend on the offset between two tokens; "
    "v carries what a token says, and turning it by its position writes absolute positions into the output (shift "
    "every position by 100 and the output changes, though no offset did). Rotate q and k only."
)


def _rope_on_values(out: Outcome) -> str:
    line = _line(out, r"\bv\w*\s*=\s*apply_rope\(")
    return f"`{line}`: {ROPE_ON_VALUES}" if line else ROPE_ON_VALUES


# --------------------------------------------------------------------------------------
# 8.3 repeat_kv and 8.4 GroupedQueryAttention


def repeat_cases(gen: torch.Generator) -> list[Case]:
    """(B, H_kv, T, d) with every size different, then one kv head (any repeat is right) and
    one group per head (nothing to repeat); then the gradient reaching x (the key/value heads
    of a layer that trains)."""
    cases = [
        Case("x (2, 3, 5, 4): 3 key/value heads, each for a group of 2 query heads", (randn(gen, 2, 3, 5, 4), 2)),
        Case("x (1, 2, 4, 6): 2 key/value heads, each for a group of 3 query heads", (randn(gen, 1, 2, 4, 6), 3)),
        Case("x (2, 1, 3, 5): one key/value head for 4 query heads (multi-query)", (randn(gen, 2, 1, 3, 5), 4)),
        Case("x (3, 4, 2, 5): groups of 1 (multi-head attention)", (randn(gen, 3, 4, 2, 5), 1)),
    ]
    return cases + [gradient_case(cases[0])]


def _tiled(x, groups):
    return x.repeat(1, groups, 1, 1)


def _kv_tiled(out: Outcome) -> str:
    repeat = _line(out, r"\.repeat\(|\.tile\(")
    expand = _line(out, r"expand")
    if repeat:
        how = f"`{repeat}` lays the whole set of key/value heads down again and again"
    elif expand:
        how = f"`{expand}` puts the copies' axis in front of the key/value heads, so reshaping lays the whole set down again and again"
    else:
        how = "Your copies lay the whole set of key/value heads down again and again"
    return (
        f"{how}: query heads 0, 1, 2, ... read kv heads 0, 1, ..., H_kv − 1, 0, 1, ... But a group is a run of "
        "consecutive query heads: heads 0 ... groups − 1 share kv head 0, the next run kv head 1, as "
        "F.scaled_dot_product_attention(..., enable_gqa=True) and every GQA model's weights assume. Repeat each head "
        "in place: x.repeat_interleave(groups, dim=1)."
    )


REPEAT_MISTAKES = (
    matches("kv-tiled", _kv_tiled, _tiled, "x.repeat(1, groups, 1, 1), the heads tiled"),
    matches(
        "repeated-tokens",
        "You repeated the tokens (dim=2), not the heads: each key/value head must be copied for its group of query "
        "heads, along dim=1: x.repeat_interleave(groups, dim=1).",
        lambda x, g: x.repeat_interleave(g, dim=2),
        "the tokens repeated",
    ),
    matches(
        "repeated-features",
        "You repeated the numbers of each head (the last axis), not the heads: along dim=1, "
        "x.repeat_interleave(groups, dim=1).",
        lambda x, g: x.repeat_interleave(g, dim=-1),
        "each head's numbers repeated",
    ),
    matches(
        "repeat-flattened",
        "repeat_interleave without dim flattens the tensor first, so the result is one long row of numbers. "
        "Say which axis: x.repeat_interleave(groups, dim=1).",
        lambda x, g: x.repeat_interleave(g),
        "x.repeat_interleave(groups), flattened",
    ),
    matches(
        "group-axis-kept",
        "The copies are right but still on an axis of their own, (B, H_kv, groups, T, d_head): fold that axis into "
        "the heads, .reshape(B, H_kv * groups, T, d_head), so that q's H heads meet H copies.",
        lambda x, g: x[:, :, None].expand(-1, -1, g, -1, -1),
        "(B, H_kv, groups, T, d_head)",
    ),
)


def gqa_params(gen: torch.Generator, D: int, H: int, H_kv: int) -> dict[str, Tensor]:
    """Weights and biases of q_proj and out_proj (D, D), k_proj and v_proj (H_kv · d_head, D),
    scaled like PyTorch's own initialisation."""
    kv = H_kv * (D // H)
    params = {}
    for name, rows in (("q_proj", D), ("k_proj", kv), ("v_proj", kv), ("out_proj", D)):
        params[f"{name}.weight"] = randn(gen, rows, D, scale=D**-0.5)
        params[f"{name}.bias"] = randn(gen, rows, scale=0.1)
    return params


def gqa_cases(gen: torch.Generator) -> list[Case]:
    """B, T, D, H and H_kv different in the first case; multi-query with a causal mask; a padding
    mask on a batch of B = H sentences (a mask without its head axis goes silently wrong);
    multi-head (H_kv = H) with a fully masked row; then the weights it keeps."""
    cases = []
    for label, B, T, D, H, H_kv, mask in (
        ("no mask", 5, 7, 24, 6, 3, None),
        ("a causal mask (6, 6), one key/value head", 3, 6, 16, 4, 1, ref.causal_mask(6)),
        ("a padding mask (4, 1, 5), lengths [5, 3, 2, 4]", 4, 5, 16, 4, 2, _padding([5, 3, 2, 4], 5)),
        ("a mask (2, 4, 4) that hides every key from one query", 2, 4, 12, 3, 3, _fully_masked_row(2, 4)),
    ):
        X = randn(gen, B, T, D)
        cases.append(
            Case(
                f"GroupedQueryAttention({D}, {H}, {H_kv}) on (B={B}, T={T}, D={D}) with {label}",
                (X,) if mask is None else (X, mask),
                init=(D, H, H_kv),
                params=gqa_params(gen, D, H, H_kv),
            )
        )
    B, T, D, H, H_kv = 2, 5, 12, 6, 2
    cases.append(
        weights_case(
            f"GroupedQueryAttention({D}, {H}, {H_kv}) on (B={B}, T={T}, D={D}) with a causal mask (5, 5)",
            (randn(gen, B, T, D), ref.causal_mask(T)),
            (D, H, H_kv),
            gqa_params(gen, D, H, H_kv),
        )
    )
    return cases + module_cases(cases[0])


def _gqa_scores(init, p, X, mask=None, *, tiled=False, scale=None, masked=False):
    """GroupedQueryAttention(*init)'s scores (B, H, T, T) from parameters p, kv heads tiled if
    `tiled`, scaled by `scale` (default 1/√d_head), masked scores at -inf if `masked`."""
    D, H, H_kv = init
    q = ref.split_heads(project(p, "q_proj", X), H)
    k = (_tiled if tiled else ref.repeat_kv)(ref.split_heads(project(p, "k_proj", X), H_kv), H // H_kv)
    scores = q @ k.mT * ((D // H) ** -0.5 if scale is None else scale)
    return scores.masked_fill(~ref.heads_mask(mask), float("-inf")) if masked and mask is not None else scores


def _gqa(
    init,
    p,
    X,
    mask=None,
    *,
    tiled=False,
    scale=None,
    softmax=ref.masked_softmax,
    heads_mask=ref.heads_mask,
    values="v_proj",
    out=True,
):
    """GroupedQueryAttention(*init) from parameters p, with one thing changed for a mistake."""
    D, H, H_kv = init
    scores = _gqa_scores(init, p, X, tiled=tiled, scale=scale)
    v = (_tiled if tiled else ref.repeat_kv)(ref.split_heads(project(p, values, X), H_kv), H // H_kv)
    mixed = ref.merge_heads(softmax(scores, heads_mask(mask)) @ v)  # (B, T, D)
    return project(p, "out_proj", mixed) if out else mixed


def _gqa_from_weights(case: Case, weights: Tensor) -> Tensor:
    """The output of GroupedQueryAttention(*case.init) when `weights` (B, H, T, T) are the
    weights its forward used: weights @ v, v's heads repeated, merged, through out_proj."""
    D, H, H_kv = case.init
    p = {name: value.double() for name, value in case.params.items()}
    X = case.inputs[0].double()
    v = ref.repeat_kv(ref.split_heads(project(p, "v_proj", X), H_kv), H // H_kv)  # (B, H, T, d_head)
    return project(p, "out_proj", ref.merge_heads(weights.double() @ v))


def gqa_mistake(key: str, message: Message, what: str, **change) -> Mistake:
    return matches(key, message, lambda init, p, X, mask=None: _gqa(init, p, X, mask, **change), what, with_init=True)


_SHAPE_ERROR = r"^ModuleShapeError: (k|v)_proj\.weight has shape \((\d+), (\d+)\), expected \((\d+), (\d+)\)"


def _kv_projection_width(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """k_proj or v_proj made as wide as q_proj: the check could not load kv-sized weights into it."""
    found = re.search(_SHAPE_ERROR, out.error or "")
    if not found or found.group(2) != found.group(3):
        return None
    D, H, H_kv = case.init
    return (
        f"your code raised {out.error}",
        f"{found.group(1)}_proj gives each token {found.group(2)} numbers, as many as q_proj: in "
        f"GroupedQueryAttention({D}, {H}, {H_kv}) the keys and values have num_kv_heads = {H_kv} heads of "
        f"d_head = {D // H}, that is {H_kv * (D // H)} numbers: nn.Linear(embed_size, num_kv_heads * d_head). That "
        "smaller width is the whole point: it is what the cache keeps.",
    )


def _kv_split_by_heads(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """k or v split into num_heads heads of the wrong width: repeated, they have num_heads ·
    groups heads that meet q's num_heads; not repeated, a d_head that does not fit q's."""
    if not case.init:
        return None
    D, H, H_kv = case.init
    groups, d = H // H_kv, D // H
    error = out.error or ""
    sizes = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", error)
    product = re.search(r"to be: \[\d+, (\d+)\] but got: \[\d+, (\d+)\]", error)
    if groups == 1 or not (
        (sizes and {int(g) for g in sizes.groups()} == {H, H * groups})
        or (product and (int(product.group(1)), int(product.group(2))) == (d, d // groups))
    ):
        return None
    return (
        f"your code raised {out.error}",
        f"k and v seem split into num_heads = {H} heads, but k_proj and v_proj give {H_kv} heads' worth of numbers "
        f"({H_kv} × d_head = {H_kv * d}): split them with num_kv_heads, split_heads(self.k_proj(X), "
        "self.num_kv_heads), and only then repeat each for its group.",
    )


def _kv_not_repeated(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """q's num_heads met k's or v's num_kv_heads on the head axis."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    sizes = {int(found.group(1)), int(found.group(2))} if found else set()
    if not case.init or sizes != {case.init[1], case.init[2]}:
        return None
    H, H_kv = case.init[1:]
    return (
        f"your code raised {out.error}: {H} is num_heads, {H_kv} is num_kv_heads",
        f"q has {H} heads and k, v have {H_kv}: repeat each key/value head for its group of "
        f"{H // H_kv} query heads before the product, k = repeat_kv(k, self.num_heads // self.num_kv_heads), "
        "and the same for v.",
    )


def _groups_miscounted(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """k and v repeated num_kv_heads or num_heads times instead of num_heads // num_kv_heads."""
    if not case.init:
        return None
    D, H, H_kv = case.init
    for times, name in ((H_kv, "num_kv_heads"), (H, "num_heads")):
        if H_kv * times != H and _sizes_met(out) == {H, H_kv * times}:
            return (
                f"your code raised {out.error}: {H} is num_heads, {H_kv * times} is {H_kv} key/value heads repeated "
                f"{times} times",
                f"Each key/value head was repeated {name} = {times} times, giving {H_kv * times} heads for q's {H}. "
                "It serves a group of num_heads // num_kv_heads query heads: repeat it that many times, "
                "repeat_kv(k, self.num_heads // self.num_kv_heads).",
            )
    return None


_SCALE_D = (
    "The scores were divided by √D (the whole width). Each head's q·k sums only d_head = D / num_heads products, "
    "so divide by √d_head."
)


# The wrong scales, from embed_size D and d_head: what the scores were multiplied by.
WRONG_SCALES = {"sqrt-D": lambda D, d: D**-0.5, "d_head": lambda D, d: 1 / d, "times-sqrt-d": lambda D, d: d**0.5}


def _scaled(wrong: str):
    """_gqa with its scores multiplied by WRONG_SCALES[wrong] instead of 1/√d_head."""

    def formula(init, p, X, mask=None):
        return _gqa(init, p, X, mask, scale=WRONG_SCALES[wrong](init[0], init[0] // init[1]))

    return formula


GQA_MISTAKES = (
    no_super_init,
    Mistake("kv-projection-width", _kv_projection_width, on_error=True),
    Mistake("kv-split-by-heads", _kv_split_by_heads, on_error=True),
    Mistake("kv-not-repeated", _kv_not_repeated, on_error=True),
    Mistake("groups-miscounted", _groups_miscounted, on_error=True),
    gqa_mistake("kv-tiled", _kv_tiled, "the key/value heads tiled, not repeated in place", tiled=True),
    matches("scale-by-sqrt-D", _SCALE_D, _scaled("sqrt-D"), "scores divided by √D", with_init=True),
    gqa_mistake(
        "no-scaling",
        "The scores were not scaled: divide them by √d_head, math.sqrt(self.d_head).",
        "unscaled scores",
        scale=1.0,
    ),
    matches(
        "scale-by-d",
        "The scores were divided by d_head, not by √d_head: the spread of q·k grows like √d_head, so divide by "
        "math.sqrt(self.d_head).",
        _scaled("d_head"),
        "scores divided by d_head",
        with_init=True,
    ),
    matches(
        "scale-multiplied",
        "The scores were multiplied by √d_head instead of divided by it: / math.sqrt(self.d_head).",
        _scaled("times-sqrt-d"),
        "scores multiplied by √d_head",
        with_init=True,
    ),
    gqa_mistake("mask-not-broadcast", _mask_heads, "the mask applied without a head axis", heads_mask=lambda m: m),
    gqa_mistake(
        "no-out-proj",
        "The output skips out_proj: pass the merged heads through self.out_proj, which mixes what the heads found.",
        "the merged heads without out_proj",
        out=False,
    ),
    gqa_mistake(
        "keys-as-values",
        "You multiplied the weights by the keys; take the values: weights @ v, with v from v_proj.",
        "weights @ k",
        values="k_proj",
    ),
    *mask_mistakes(lambda init, p, X, mask=None, *, softmax: _gqa(init, p, X, mask, softmax=softmax), with_init=True),
    *last_weights_mistakes(
        lambda init, p, X, mask=None, *, masked=False: _gqa_scores(init, p, X, mask, masked=masked),
        "(B, H, T, T)",
        with_init=True,
    ),
)


# --------------------------------------------------------------------------------------
# 8.5 the KV cache's memory and 8.6 a sliding window


def cache_cases(gen: torch.Generator) -> list[Case]:
    """Context lengths drawn up to 200 000; layers, heads, width and bytes all different in the
    first case, so that each factor left out gives its own wrong number."""

    def lengths(n: int) -> Tensor:  # a short context first: T - 1 tokens must differ from T beyond rounding
        return torch.cat(
            [torch.randint(1, 65, (1,), generator=gen), torch.randint(1, 200_001, (n - 1,), generator=gen)]
        )

    return [
        Case("T of shape (4,), 6 layers, 3 kv heads, d_head 64, 4 bytes a number", (lengths(4), 6, 3, 64, 4)),
        Case("T of shape (3,), 32 layers, 8 kv heads, d_head 128, 2 bytes a number", (lengths(3), 32, 8, 128, 2)),
        Case("T of shape (2,), 1 layer, 1 kv head, d_head 16, 1 byte a number", (lengths(2), 1, 1, 16, 1)),
    ]


def _cache_factor(key: str, message: str, factor, what: str) -> Mistake:
    """The right formula times factor(layers, kv_heads, d_head, bytes)."""
    return matches(key, message, lambda T, *n: ref.kv_cache_gib(T, *n) * factor(*n), what)


def _bytes_ignored(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """A fixed number of bytes a number, the argument never read: the right figure times c / bytes."""
    names = arguments(out)
    size = case.inputs[4]
    if len(names) < 5 or source_line(out, rf"\b{re.escape(names[4])}\b"):
        return None  # the argument is read: some other factor is wrong
    for fixed in (2, 4, 8):  # 1 is counting numbers, not bytes: numbers-not-bytes
        wrong = ref.kv_cache_gib(*case.inputs[:4], fixed)
        if fixed != size and close(out.output, wrong) and not close(wrong, expected):
            return (
                f"{first_difference(expected, out.output)}; your result equals the formula with {fixed} bytes a "
                f"number, where bytes_per_number is {size}",
                f"Your code never reads {names[4]}: it counts {fixed} bytes a number whatever it is given, here "
                f"{size}. Use the argument: models are served in 2 bytes a number (bfloat16), trained in 4 "
                "(float32), and quantised to 1 or less.",
            )
    return None


CACHE_MISTAKES = (
    wrong_type.ROUNDED_DOWN,  # floats too: (... // 2**30).float()
    Mistake("bytes-ignored", _bytes_ignored),
    _cache_factor(
        "keys-only",
        "Your figure is half the right one: the cache holds the keys AND the values, two tensors of the same size, "
        "so the formula starts with 2 ·.",
        lambda *n: 0.5,
        "the keys alone",
    ),
    _cache_factor(
        "one-layer",
        "Your figure is that of one layer: every layer has its own attention, so its own keys and values. Multiply "
        "by num_layers.",
        lambda layers, *n: 1 / layers,
        "one layer's cache",
    ),
    _cache_factor(
        "one-kv-head",
        "Your figure is that of one key/value head: each layer keeps num_kv_heads of them. Multiply by num_kv_heads.",
        lambda layers, heads, *n: 1 / heads,
        "one key/value head's cache",
    ),
    _cache_factor(
        "numbers-not-bytes",
        "You counted numbers, not bytes: multiply by bytes_per_number (2 for bfloat16 or float16, 4 for float32).",
        lambda layers, heads, d, size: 1 / size,
        "the count of numbers, in units of 2^30",
    ),
    _cache_factor(
        "bits-not-bytes",
        "Your figure is 8 times too large: bytes_per_number already counts bytes, not bits.",
        lambda *n: 8.0,
        "bits instead of bytes",
    ),
    _cache_factor(
        "gb-not-gib",
        "You divided by 10^9, giving gigabytes (GB); the exercise asks for gibibytes, GiB = 2^30 bytes, the unit "
        "PyTorch and most tools report memory in: divide by 2**30.",
        lambda *n: 2**30 / 1e9,
        "bytes / 10^9",
    ),
    _cache_factor(
        "mib-not-gib", "Your figure is in MiB (2^20 bytes): divide by 2**30 for GiB.", lambda *n: 1024.0, "bytes / 2^20"
    ),
    _cache_factor(
        "kib-not-gib",
        "Your figure is in KiB (2^10 bytes): divide by 2**30 for GiB.",
        lambda *n: 2.0**20,
        "bytes / 2^10",
    ),
)


def _other_width(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """The band of another window: what sliding_window_mask(T, w) gives for some other w."""
    T, window = case.inputs
    got = out.output
    if got.dtype != torch.bool or tuple(got.shape) != (T, T):
        return None
    for w in range(1, T + 1):
        if w != window and torch.equal(got, ref.sliding_window_mask(T, w)) and not torch.equal(got, expected):
            keys = "key" if w == 1 else "keys"
            return (
                f"your mask is a window of {w} {keys} (each query, itself and the {w - 1} before it), not {window}",
                f"Your band has the right shape and the wrong width, off by {w - window:+d}: query i sees itself and "
                "the window − 1 keys before it, i − window < j <= i. Check the number you compare i − j with.",
            )
    return None


def window_cases(gen: torch.Generator) -> list[Case]:
    T = randint(gen, 7, 12)
    window = randint(gen, 3, T - 3)
    T1, T2 = randint(gen, 4, 8), randint(gen, 3, 6)
    return [
        Case(f"T={T}, window={window}", (T, window)),
        Case(f"T={T1}, window=1: each token sees itself only", (T1, 1)),
        Case(f"T={T2}, window={T2 + 2}, longer than the sequence: plain causal", (T2, T2 + 2)),
        Case("T=1, window=4", (1, 4)),
    ]


def _band(T, window, low, high):
    """(T, T) booleans, True where low(i, window) <= j <= high(i, window)."""
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return (j >= low(i, window)) & (j <= high(i, window))


def _window_mistake(key: str, message: Message, low, high, what: str) -> Mistake:
    return matches(key, message, lambda T, w: _band(T, w, low, high), what)


WIDE = "Off by one: your window holds window + 1 keys. Query i sees itself and the window − 1 keys before it"


def _too_wide(out: Outcome) -> str:
    """Quoting the line: triu(-window) keeps one diagonal too many; >= takes one key too many."""
    triu = _line(out, r"triu\(")
    if triu:
        return (
            f"`{triu}`: {WIDE}. triu(-window) keeps the diagonals down to window below the main one, which is "
            "window + 1 diagonals with it: keep triu(1 - window)."
        )
    compared = _line(out, r">=")
    if compared:
        return f"`{compared}`: {WIDE}: j > i − window, with >, not >=."
    return f"{WIDE}: i − window < j <= i."


def _window_inverted(out: Outcome) -> str:
    line = _line(out, r"~")
    how = f"`{line}` inverts it: drop the ~." if line else "Swap the comparisons: (j <= i) & (j > i - window)."
    return (
        "Your mask is the wrong way round: True must mark the keys a query MAY attend (as in "
        f"F.scaled_dot_product_attention and lesson 03's masks). {how}"
    )


def _bool_subtraction(out: Outcome) -> str:
    line = re.search(r"\(line \d+: (.*)\)$", out.error or "")
    quoted = f"`{line.group(1)}` subtracts one mask from another, and " if line else ""
    return (
        f"{quoted}PyTorch does not subtract boolean tensors. To take one mask's True cells out of another, keep what "
        "is True in the first and not in the second: causal & ~too_far."
    )


WINDOW_MISTAKES = (
    raised(
        "bool-subtraction",
        lambda out: _bool_subtraction(out),
        error=r"Subtraction, the `-` operator, with two bool tensors is not supported",
    ),
    _window_mistake("window-too-wide", _too_wide, lambda i, w: i - w, lambda i, w: i, "i − window <= j <= i"),
    _window_mistake(
        "window-too-narrow",
        "Off by one: your window holds window − 1 keys. Query i sees itself and the window − 1 keys before it: "
        "i − window < j <= i.",
        lambda i, w: i - w + 2,
        lambda i, w: i,
        "i − window + 1 < j <= i",
    ),
    _window_mistake(
        "window-not-causal",
        "Your window reaches into the future: key j within window of query i on either side. In a decoder a token "
        "never sees the tokens after it; the window only limits how far back it looks: i − window < j <= i.",
        lambda i, w: i - w + 1,
        lambda i, w: i + w - 1,
        "|i − j| < window",
    ),
    _window_mistake(
        "window-ahead",
        "Your window looks ahead, at the token itself and the window − 1 after it: a decoder's window looks back, "
        "i − window < j <= i (the lower triangle, as lesson 03's causal mask).",
        lambda i, w: i,
        lambda i, w: i + w - 1,
        "i <= j < i + window",
    ),
    _window_mistake(
        "window-ignored",
        "That is lesson 03's causal mask: the window is missing, so every query still sees every earlier key. Add "
        "the second condition: j > i − window.",
        lambda i, w: i - 10**9,
        lambda i, w: i,
        "the causal mask, no window",
    ),
    _window_mistake(
        "hides-itself",
        "Your window leaves out the token itself: the diagonal (j = i) must be True, as in the causal mask. Query i "
        "sees keys i − window < j <= i.",
        lambda i, w: i - w,
        lambda i, w: i - 1,
        "i − window <= j < i",
    ),
    Mistake("window-other-width", _other_width),
    matches(
        "inverted-mask",
        _window_inverted,
        lambda T, w: ~ref.sliding_window_mask(T, w),
        "the sliding-window mask inverted",
    ),
)


EXERCISES_08 = [
    Exercise(
        id="8.1",
        notebook="08",
        name="apply_rope",
        title="Rotary position embeddings",
        points=3,
        difficulty=3,
        minutes=25,
        signature="apply_rope(x, positions, base=10000.0)  # x: (..., T, d); positions: (T,)",
        returns="x with each pair (x[i], x[i + d/2]) turned by position · base^(−2i/d), shape (..., T, d)",
        reference=ref.apply_rope,
        make_cases=rope_cases,
        produces=Produces(batch=(0,), axes=("B", "H", "T", "d")),
        mistakes=(
            Mistake("angles-not-outer", _angles_not_outer, on_error=True),
            Mistake("angles-half-width", _angles_half_width, on_error=True),
            _rope_mistake("interleaved-pairs", "RoPE on pairs of neighbours (2i, 2i + 1)", interleaved=True),
            _rope_mistake("rotates-backwards", "every pair turned by minus its angle", signs=(1.0, -1.0)),
            _rope_mistake("not-a-rotation", "x1·cos + x2·sin, x2·cos + x1·sin", signs=(1.0, 1.0)),
            _rope_mistake("positions-restart", "RoPE at positions 0 ... T − 1", restart=True),
            _rope_mistake("base-ignored", "RoPE with base 10000", fixed_base=1e4),
            _rope_mistake("halves-swapped", "each pair turned, the halves put back swapped", halves_swapped=True),
            _rope_mistake("frequency-exponent", "θ_i = base^(−i/d)", step=1.0),
            _rope_mistake("frequencies-rising", "θ_i = base^(+2i/d)", rising=True),
            _rope_mistake("angles-doubled-in-place", "angles θ0, θ0, θ1, θ1, ... on halves", doubled_angles=True),
        ),
    ),
    Exercise(
        id="8.2",
        notebook="08",
        name="rope_attention",
        title="Spot the bug: what RoPE rotates",
        points=1,
        difficulty=1,
        minutes=10,
        signature="rope_attention(q, k, v, positions)  # q, k, v: (B, H, T, d); positions: (T,)",
        returns="causal attention of RoPE-rotated q and k over v as it is, shape (B, H, T, d)",
        reference=ref.rope_attention,
        make_cases=rope_attention_cases,
        handed_out=(
            "q = apply_rope(q, positions)\n"
            "k = apply_rope(k, positions)\n"
            "v = apply_rope(v, positions)\n"
            "return F.scaled_dot_product_attention(q, k, v, is_causal=True)"
        ),
        handed_out_mistake="rope-on-values",
        produces=Produces(batch=(0, 1, 2), tokens={0: -2, 1: -2, 2: -2}, causal=True, axes=("B", "H", "T", "d")),
        mistakes=(
            matches("rope-on-values", _rope_on_values, lambda *a: _rope_attention(*a, rotate="qkv"), "v rotated too"),
            matches(
                "keys-not-rotated",
                "Only q was rotated: k must turn by its own position too, so that the score sees the difference of "
                "the two angles, the offset: k = apply_rope(k, positions).",
                lambda *a: _rope_attention(*a, rotate="q"),
                "q rotated, k not",
            ),
            matches(
                "queries-not-rotated",
                "Only k was rotated: q must turn by its own position too: q = apply_rope(q, positions).",
                lambda *a: _rope_attention(*a, rotate="k"),
                "k rotated, q not",
            ),
            matches(
                "no-rope",
                "Nothing was rotated: without RoPE the scores know nothing of positions. Rotate q and k: "
                "apply_rope(q, positions), apply_rope(k, positions).",
                lambda *a: _rope_attention(*a, rotate=""),
                "attention without RoPE",
            ),
            matches(
                "not-causal",
                "Every query sees the tokens after it too: a decoder's attention is causal. Keep is_causal=True (or "
                "lesson 03's causal mask).",
                lambda *a: _rope_attention(*a, causal=False),
                "attention without the causal mask",
            ),
            *scale_mistakes(lambda *a, scale: _rope_attention(*a, scale=scale), width_of_q, SCALE_QKV),
        ),
    ),
    Exercise(
        id="8.3",
        notebook="08",
        name="repeat_kv",
        title="Spot the bug: sharing key/value heads",
        points=1,
        difficulty=1,
        minutes=10,
        signature="repeat_kv(x, groups)  # x: (B, H_kv, T, d_head)",
        returns="(B, H_kv · groups, T, d_head), kv head g repeated for query heads g · groups ... (g + 1) · groups − 1",
        reference=ref.repeat_kv,
        make_cases=repeat_cases,
        handed_out="return x.repeat(1, groups, 1, 1)",
        handed_out_mistake="kv-tiled",
        produces=Produces(batch=(0,), axes=("B", "H", "T", "d_head")),
        mistakes=REPEAT_MISTAKES,
    ),
    Exercise(
        id="8.4",
        notebook="08",
        name="GroupedQueryAttention",
        title="GroupedQueryAttention",
        points=3,
        difficulty=3,
        minutes=25,
        signature="class GroupedQueryAttention(nn.Module) with __init__(self, embed_size, num_heads, num_kv_heads) "
        "and forward(self, X, mask=None)",
        returns="out_proj(merged heads), shape (B, T, D), keeping self.last_weights (B, H, T, T); k_proj and v_proj "
        "of width num_kv_heads · d_head",
        reference=ref.GroupedQueryAttention,
        make_cases=gqa_cases,
        produces=Produces(batch=(0,), tokens={0: -2}, mask=1, axes=("B", "T", "D"), from_weights=_gqa_from_weights),
        module=True,
        probe=keeps_head_weights,
        mistakes=GQA_MISTAKES,
    ),
    Exercise(
        id="8.5",
        notebook="08",
        name="kv_cache_gib",
        title="The KV cache's memory",
        points=1,
        difficulty=1,
        minutes=10,
        signature="kv_cache_gib(T, num_layers, num_kv_heads, d_head, bytes_per_number)  # T: (n,) integers",
        returns="2 · T · num_layers · num_kv_heads · d_head · bytes_per_number / 2^30, shape (n,), floats",
        reference=ref.kv_cache_gib,
        make_cases=cache_cases,
        produces=Produces(axes=("n",)),
        mistakes=CACHE_MISTAKES,
    ),
    Exercise(
        id="8.6",
        notebook="08",
        name="sliding_window_mask",
        title="A sliding-window mask",
        points=2,
        difficulty=2,
        minutes=10,
        signature="sliding_window_mask(T, window)",
        returns="(T, T) booleans, True where i − window < key j <= query i",
        reference=ref.sliding_window_mask,
        make_cases=window_cases,
        produces=Produces(what="mask", axes=("T", "T")),
        mistakes=WINDOW_MISTAKES,
    ),
]


LESSON = Lesson(
    number="08",
    title="Attention in today's LLMs",
    notebook="08-attention-in-todays-llms",
    # what its notebook imports from helpers.attention: none of them uses a lesson 08 answer
    provides=("MultiHeadAttention", "masked_softmax", "merge_heads", "sliding_window_attention", "split_heads"),
    exercises=EXERCISES_08,
)

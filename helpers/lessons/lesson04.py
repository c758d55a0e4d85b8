"""Lesson 04."""

from __future__ import annotations

import itertools
import re
from typing import Callable

import torch
from torch import Tensor, nn

from helpers import attention as ref
from helpers import running
from helpers.lessons import layouts, reading, variants
from helpers.lessons.dropout import DROPOUT_MISTAKES, dropout_cases
from helpers.lessons.lesson01 import SOFTMAX_OVER_LAST, WRONG_AXIS_MESSAGE, dot_T_on_batch
from helpers.lessons.lesson02 import no_super_init
from helpers.lessons.lesson03 import HEAD, MASK_MESSAGES, _fully_masked_row, _padding, mask_mistakes
from helpers.lessons.panels import Panel, _pattern, loose_tolerance, test_mistakes
from helpers.lessons.records import Exercise, Finding, Lesson, Mistake, Produces
from helpers.lessons.scaling import linear_params, project
from helpers.lessons.toolkit import (
    MUST_RAISE,
    Message,
    last_weights_mistakes,
    matches,
    raised,
    randint,
    randn,
    source_line,
    weights_case,
)
from helpers.lessons.whole_module import module_cases
from helpers.running import Case, Outcome, keeps_named_head_weights, run_converter, run_dropout, run_independence_test
from helpers.running import evidence as probes
from helpers.tolerances import close, first_difference


def split_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case(f"x of shape ({B}, {T}, {D}) split into {H} heads", (randn(gen, B, T, D), H))
        for B, T, D, H in ((2, 5, 12, 3), (3, 4, 8, 2), (1, 6, 6, 6))
    ]


def merge_cases(gen: torch.Generator) -> list[Case]:
    return [
        Case(f"x of shape ({B}, {H}, {T}, {d}) from {H} heads", (randn(gen, B, H, T, d),))
        for B, H, T, d in ((2, 3, 5, 4), (3, 2, 4, 6), (1, 4, 6, 2))
    ]


def mha_cases(gen: torch.Generator) -> list[Case]:
    """MultiHeadAttention with B, T, D and H different; the masked cases with a batch axis have
    B == H, so a mask that was not given a head axis is silently applied to the wrong heads,
    not an error. Then the weights it kept, and sizes its constructor must refuse."""
    cases = []
    for label, B, T, D, H, mask in (
        ("no mask", 3, 5, 12, 4, None),
        ("a padding mask (2, 1, 4), lengths [4, 2]", 2, 4, 8, 2, _padding([4, 2], 4)),
        ("a causal mask (6, 6)", 3, 6, 8, 4, ref.causal_mask(6)),
        ("no mask, 8 heads", 2, 7, 16, 8, None),
        ("a mask (3, 4, 4) that hides every key from one query", 3, 4, 12, 3, _fully_masked_row(3, 4)),
    ):
        X = randn(gen, B, T, D)
        cases.append(
            Case(
                f"MultiHeadAttention({D}, {H}) on (B={B}, T={T}, D={D}) with {label}",
                (X,) if mask is None else (X, mask),
                init=(D, H),
                params=linear_params(gen, D, HEAD),
            )
        )
    B, T, D, H = 2, 5, 12, 2
    cases.append(
        weights_case(
            f"MultiHeadAttention({D}, {H}) on (B={B}, T={T}, D={D}) with a padding mask (2, 1, 5), lengths [5, 3]",
            (randn(gen, B, T, D), _padding([5, 3], T)),
            (D, H),
            linear_params(gen, D, HEAD),
        )
    )
    cases += module_cases(cases[2])
    H = randint(gen, 3, 5)
    D = H * randint(gen, 2, 4) + randint(gen, 1, H - 1)
    cases.append(
        Case(
            f"MultiHeadAttention({D}, {H}): {D} is not divisible by {H}",
            (MUST_RAISE,),
            frozenset({MUST_RAISE}),
            init=(D, H),
        )
    )
    return cases


def _split_view_only(x, H):
    B, T, D = x.shape
    return x.reshape(B, H, T, D // H)


def _merge_reshape_only(x):
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)


def _mha_scores(
    p, X, mask=None, *, H, split=ref.split_heads, swap_qk=False, scale: float | str | None = None, masked=False
):
    """MultiHeadAttention's scores (B, H, T, T), scaled by `scale` (default 1/√d_head; "D" for
    1/√D), with masked scores at -inf if `masked`."""
    q, k = (split(project(p, n, X), H) for n in ("q_proj", "k_proj"))
    if swap_qk:
        q, k = k, q
    if scale == "d_head":  # by mistake 1/d_head
        scale = 1 / (X.shape[-1] // H)
    elif scale is None or scale == "D":  # 1/√d_head, or by mistake 1/√D
        scale = (X.shape[-1] // (1 if scale == "D" else H)) ** -0.5
    scores = q @ k.mT * scale
    return scores.masked_fill(~ref.heads_mask(mask), float("-inf")) if masked and mask is not None else scores


def _mha(
    p,
    X,
    mask=None,
    *,
    H,
    split=ref.split_heads,
    merge=ref.merge_heads,
    scale=None,
    out=True,
    mask_for_heads=ref.heads_mask,
    swap_qk=False,
    out_params=None,
    softmax=ref.masked_softmax,
    values="v_proj",
):
    """MultiHeadAttention from parameters p, with one thing changed for a mistake."""
    scores = _mha_scores(p, X, H=H, split=split, swap_qk=swap_qk, scale=scale)
    v = split(project(p, values, X), H)
    mixed = merge(softmax(scores, mask_for_heads(mask)) @ v)
    return project(out_params or p, "out_proj", mixed) if out else mixed


def _mha_weights(init, p, X, mask=None):
    """The weights (B, H, T, T) that MultiHeadAttention(*init) with parameters p keeps."""
    return ref.masked_softmax(_mha_scores(p, X, H=init[1]), ref.heads_mask(mask))


def _heads_against_tokens(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """The number of heads met another size on one axis: something was not split into heads,
    or a mask's head axis went in at the wrong place."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    if not found or not case.inputs or not isinstance(case.inputs[0], Tensor):
        return None
    B, T, D = case.inputs[0].shape
    H = case.init[1]
    sizes = {int(found.group(1)), int(found.group(2))}
    if H not in sizes or len(sizes) != 2:
        return None
    names = {"B, the sentences": B, "T, the tokens": T, "H, the heads": H, "D": D, "d_head": D // H}

    def what(n: int) -> str:
        return " or ".join(name for name, size in names.items() if size == n) or "none of B, T, H, D"

    a, b = (int(g) for g in found.groups())
    evidence = f"your code raised {out.error}: {a} is {what(a)}; {b} is {what(b)}"
    mask = case.inputs[1] if len(case.inputs) > 1 else None
    if isinstance(mask, Tensor) and mask.dim() == 2 and sizes == {T, H}:
        return (
            evidence,
            "The heads met the tokens on one axis, on a case whose mask is (T, T). A (T, T) mask "
            "needs no head axis: it broadcasts over B and H as it is. If you gave it one, mask.unsqueeze(1) "
            "made it (T, 1, T), which lines T up with the heads: add the head axis only to a 3-D mask, "
            "(B, 1, T) or (B, T, T), e.g. `if mask is not None and mask.dim() == 3`. If not, check that q, k "
            "and v are all split into (B, H, T, d_head).",
        )
    return (
        evidence,
        "The heads met another size on the same axis. Every tensor in a head's attention must be "
        "(B, H, T, ...): q, k AND v split with the same view and transpose, and a (B, 1, T) or (B, T, T) mask "
        "given its head axis at position 1, mask.unsqueeze(1).",
    )


def _head_sizes_named(out: Outcome) -> str:
    """4.3 asks __init__ to store num_heads and d_head: what it stored instead, by name."""
    found = re.search(r"has no attribute (.*?); its __init__ stored: (.*?)(?: \(line \d+.*)?$", out.error or "")
    missing = found.group(1).split(" and no ") if found else ["num_heads", "d_head"]
    stored = [n for n in (found.group(2).split(", ") if found else []) if n != "nothing"]
    layers = {"q_proj", "k_proj", "v_proj", "out_proj", "last_weights", "embed_size"}
    others = [n for n in stored if n not in layers]
    instead = f" Yours stores {', '.join('self.' + n for n in others)} instead." if others else ""
    fixes = {"num_heads": "self.num_heads = num_heads", "d_head": "self.d_head = embed_size // num_heads"}
    return (
        f"Exercise 4.3 asks __init__ to store {' and '.join('self.' + n for n in missing)}, by exactly "
        f"{'these names' if len(missing) > 1 else 'this name'}: code that uses your module reads them "
        f"(exercise 4.5 reads ours.num_heads).{instead} Write {'; '.join(fixes[n] for n in missing)}."
    )


def _refused_right_sizes(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """The constructor's own ValueError, raised for sizes that divide: its test is inverted."""
    if not (out.error or "").startswith("ValueError") or len(case.init) < 2 or not re.search(r"\braise\b", out.error):
        return None
    D, H = case.init[:2]
    if not isinstance(D, int) or not isinstance(H, int) or H == 0 or D % H:
        return None
    test = source_line(out, r"^\s*if\b.*%")
    quoted = f"`{test}` is" if test else "Your test is"
    return (
        f"your code raised {out.error}, building {case.label.split(' on ')[0]}: {D} is divisible by {H}",
        f"{quoted} the wrong way round: it raises when the sizes divide (a remainder of 0) and lets through the "
        "ones that do not. Raise when there is a remainder: if embed_size % num_heads != 0: (or if embed_size % "
        "num_heads:).",
    )


def _heads_along_tokens(out: Outcome) -> str:
    line = source_line(out, r"cat\(")
    quoted = f"`{line}` puts" if line else "Your code puts"
    return (
        f"{quoted} the heads one after another along the tokens' axis, (B, H · T, d_head): each head's tokens follow "
        "the previous head's. Side by side means along the last axis, each token's d_head numbers of head 0, then "
        "head 1, ...: torch.cat([x[:, h] for h in range(H)], dim=-1)."
    )


def _mask_heads(out: Outcome) -> str:
    """The head axis missing, or put in front of the batch (the line quoted)."""
    line = source_line(out, r"mask\s*\.\s*unsqueeze\(\s*0\s*\)|mask\s*\[\s*None\s*\]")
    if not line:
        return MASK_HEADS_MESSAGE
    return (
        f"`{line}` adds the head axis in front of the batch: a padding mask (B, 1, T) becomes (1, B, 1, T), so "
        "sentence b's mask lands on head b. The head axis goes second: mask.unsqueeze(1) gives (B, 1, 1, T), "
        "the same for every head."
    )


def mha_mistake(key: str, message: Message, what: str, unless: str = "", **change) -> Mistake:
    """A MultiHeadAttention mistake: _mha with one thing changed, H taken from the case's
    constructor arguments (embed_size, num_heads); `unless`: Mistake.unless."""

    def buggy(init, p, X, mask=None):
        return _mha(p, X, mask, H=init[1], **change)

    return matches(key, message, buggy, what, with_init=True, unless=unless)


def axes_mistake(names: tuple[str, ...]) -> Mistake:
    """The right numbers with the axes in another order: the result equals the expected one
    with its axes permuted. `names` name the expected axes, e.g. ("B", "H", "T", "d_head")."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        got = out.output
        if got.dim() != expected.dim():
            return None
        for order in itertools.permutations(range(expected.dim())):
            if list(order) != sorted(order) and close(got, expected.permute(order)):
                have = ", ".join(names[i] for i in order)
                return (
                    f"expected shape ({', '.join(names)}) = {tuple(expected.shape)}, got {tuple(got.shape)}: "
                    f"the right numbers, with the axes in the order ({have})",
                    f"Every number is right but the axes are in the wrong order: you have ({have}), the "
                    f"exercise wants ({', '.join(names)}). Check which two axes your transpose (or permute) swaps.",
                )
        return None

    return Mistake("wrong-axes", found)


def _hard_coded_heads(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Heads split right, but into a number of heads written in the code instead of num_heads."""
    x, num_heads = case.inputs[0], case.inputs[1]
    got = out.output
    if got.dim() != 4 or got.shape[1] == num_heads or x.shape[-1] % got.shape[1]:
        return None
    h = int(got.shape[1])
    line = source_line(out, rf"(view|reshape)\([^)]*[,(]\s*{h}\s*,")
    B, T, D = x.shape
    if not line or not close(got, x.view(B, T, h, D // h).transpose(1, 2)):
        return None
    return (
        f"expected shape {tuple(expected.shape)} for num_heads = {num_heads}, got {tuple(got.shape)}: {h} heads",
        f"`{line}` splits D into {h} heads, a number written in the code, where num_heads = {num_heads} here. "
        "Use the argument: x.view(B, T, num_heads, D // num_heads).transpose(1, 2).",
    )


def misplaced_mistake(
    source: Callable[[Case], Tensor], message: str, atoms: Callable[[Case], tuple[Tensor, tuple[str, ...]]]
) -> Mistake:
    """A result holding exactly the numbers of the input, moved to other places; with the order
    in which the code read them (`atoms`: the input viewed along its smallest named axes) when
    a reshape of some order of those axes gives the result."""

    def found(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
        x, got = source(case), out.output
        if got.numel() != x.numel() or close(got, expected):
            return None
        if not torch.equal(got.detach().double().flatten().sort().values, x.double().flatten().sort().values):
            return None
        how = (
            first_difference(expected, got)
            if got.shape == expected.shape
            else (f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}")
        )
        order = layouts.read_order(out, *atoms(case), got, expected)
        return f"{how}; your result holds the same numbers as x, in other places", f"{order} {message}".strip()

    return Mistake("misplaced", found)


def _split_atoms(case: Case) -> tuple[Tensor, tuple[str, ...]]:
    x, H = case.inputs[0], int(case.inputs[1])
    B, T, D = x.shape
    return x.view(B, T, H, D // H), ("B", "T", "H", "d_head")


SPLIT_MESSAGE = (
    "You reshaped (B, T, D) straight to (B, H, T, d_head). That cuts the numbers in memory order, so a "
    "'head' gets pieces of different tokens. View as (B, T, H, d_head) first, then swap T and H: "
    ".transpose(1, 2)."
)


MERGE_MESSAGE = (
    "You reshaped (B, H, T, d_head) straight to (B, T, D), mixing tokens between heads. Swap H and T "
    "back first: x.transpose(1, 2) gives (B, T, H, d_head), then .reshape(B, T, D)."
)


SCALE_D_MESSAGE = (
    "The scores were divided by √D (the whole width). Each head's q·k sums only d_head = D / H products, "
    "so divide by √d_head."
)


ACROSS_BATCH_MESSAGE = (
    "Your output mixes the sentences of a batch: each token attends to tokens of OTHER sentences, "
    "at the same position. That is what happens when a (B, T, D) tensor is read as sequence-first "
    "(T, B, D). Keep the batch axis first and attend over dim 1, the tokens."
)


HEADS_COMBINED = (
    "You {how} the heads into (B, T, d_head): merging puts them side by side, (B, T, H · d_head) = "
    "(B, T, D). Concatenate them, don't {verb} them: transpose(1, 2), then reshape."
)


def _split_keep_T(x, H):
    B, T, D = x.shape
    return x.view(B, T, H, D // H)


def _split_interleaved(x, H):
    B, T, D = x.shape
    return x.reshape(B, T, D // H, H).permute(0, 3, 1, 2)


def _split_into_batch(x, H):
    B, T, D = x.shape
    return ref.split_heads(x, H).reshape(B * H, T, D // H)


def _sizes_swapped(out: Outcome) -> str:
    if source_line(out, r"\.split\("):
        return (
            "x.split(n) cuts pieces of n numbers, not n pieces: you made D // num_heads heads of num_heads "
            "numbers. Use x.split(D // num_heads, dim=-1), or x.chunk(num_heads, dim=-1)."
        )
    return (
        "You made D // num_heads heads of num_heads numbers each: the two sizes are swapped. "
        "x.view(B, T, num_heads, D // num_heads), then .transpose(1, 2)."
    )


def _transpose_before_split(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """.view() refused a transposed tensor on a line that transposes x before splitting it."""
    line = re.search(r"\(line \d+: (.*)\)$", out.error or "")
    if "view size is not compatible" not in (out.error or "") or not line:
        return None
    if not re.search(r"transpose\([^)]*\)\s*\.\s*view\(", line.group(1)):
        return None
    return (
        f"your code raised {out.error}",
        f"`{line.group(1)}` transposes before it splits: x.transpose(1, 2) is (B, D, T), and no view or reshape "
        "of it gives each head its own d_head numbers per token, so .reshape would run and still be wrong. Split "
        "D first, then bring the heads forward: x.view(B, T, num_heads, D // num_heads).transpose(1, 2).",
    )


EXERCISES_04 = [
    Exercise(
        id="4.1",
        notebook="04",
        name="split_heads",
        title="Spot the bug: splitting heads",
        points=1,
        difficulty=1,
        minutes=10,
        signature="split_heads(x, num_heads)  # x: (B, T, D)",
        returns="x split into heads, shape (B, H, T, d_head)",
        reference=ref.split_heads,
        make_cases=split_cases,
        produces=Produces(batch=(0,), axes=("B", "H", "T", "d_head")),
        handed_out="return x.view(B, num_heads, T, D // num_heads)",
        handed_out_mistake="view-no-transpose",
        mistakes=(
            Mistake("hard-coded-heads", _hard_coded_heads),
            matches("view-no-transpose", SPLIT_MESSAGE, _split_view_only, "a plain view to (B, H, T, d_head)"),
            Mistake("transpose-before-split", _transpose_before_split, on_error=True),
            matches(
                "split-no-transpose",
                "You split each token's numbers into heads, (B, T, H, d_head), but left "
                "the heads behind the tokens: swap T and H with .transpose(1, 2) to get (B, H, T, d_head).",
                _split_keep_T,
                "x.view(B, T, H, d_head) without the transpose",
            ),
            matches(
                "interleaved",
                "Each head got every H-th number of a token instead of d_head neighbours: you cut "
                "D as (d_head, H). Cut it as (H, d_head), x.view(B, T, H, d_head), then .transpose(1, 2).",
                _split_interleaved,
                "D cut as (d_head, H)",
            ),
            matches(
                "heads-in-batch",
                "You folded the heads into the batch axis, (B · H, T, d_head). Keep them on an "
                "axis of their own, (B, H, T, d_head): later code needs B and H apart.",
                _split_into_batch,
                "(B · H, T, d_head)",
            ),
            matches(
                "sizes-swapped",
                _sizes_swapped,
                lambda x, H: torch.stack(x.split(H, dim=-1), dim=1),
                "D // num_heads heads of num_heads numbers",
            ),
            raised(
                "chunk-wrong-dim",
                "x.chunk(num_heads, dim=1) cuts the tokens (dim 1) into groups, not each "
                "token's numbers: cut along the last dimension, x.chunk(num_heads, dim=-1).",
                error=r"stack expects each tensor to be equal size|must match the size",
                source=r"(chunk|split)\([^)]*dim\s*=\s*1\b",
                both=True,
            ),
            axes_mistake(("B", "H", "T", "d_head")),
            misplaced_mistake(
                lambda case: case.inputs[0],
                "Your result holds every number of x, but not where the "
                "heads expect them. Only view as (B, T, H, d_head), which cuts each token's D numbers "
                "into H runs of d_head, then transpose(1, 2), which moves the heads in front of the "
                "tokens.",
                _split_atoms,
            ),
        ),
    ),
    Exercise(
        id="4.2",
        notebook="04",
        name="merge_heads",
        title="Merging heads",
        points=2,
        difficulty=2,
        minutes=10,
        signature="merge_heads(x)  # x: (B, H, T, d_head)",
        returns="the heads side by side again, shape (B, T, D)",
        reference=ref.merge_heads,
        make_cases=merge_cases,
        produces=Produces(batch=(0,), axes=("B", "T", "D")),
        mistakes=(
            matches("merge-no-transpose", MERGE_MESSAGE, _merge_reshape_only, "a plain reshape to (B, T, D)"),
            raised(
                "not-contiguous",
                "After transpose the tensor is not contiguous in memory, so .view() refuses it. "
                "Use .reshape(B, T, D), or .contiguous().view(B, T, D).",
                error=r"view size is not compatible",
            ),
            matches(
                "merge-not-flattened",
                "You brought the tokens forward, (B, T, H, d_head), but did not put the "
                "heads side by side: finish with .reshape(B, T, H * d_head).",
                lambda x: x.transpose(1, 2),
                "x.transpose(1, 2)",
            ),
            matches(
                "heads-combined",
                HEADS_COMBINED.format(how="added up", verb="sum"),
                lambda x: x.sum(dim=1),
                "x.sum(dim=1)",
            ),
            matches(
                "heads-combined",
                HEADS_COMBINED.format(how="averaged", verb="average"),
                lambda x: x.mean(dim=1),
                "x.mean(dim=1)",
            ),
            matches(
                "heads-along-tokens",
                _heads_along_tokens,
                lambda x: torch.cat(x.unbind(1), dim=1),
                "the heads concatenated along dim 1, the tokens",
            ),
            axes_mistake(("B", "T", "D")),
            misplaced_mistake(
                lambda case: case.inputs[0],
                "Your result holds every number of x, but not where they "
                "belong: token t must get head 0's d_head numbers, then head 1's, and so on. "
                "transpose(1, 2) back to (B, T, H, d_head), then reshape to (B, T, D).",
                lambda case: (case.inputs[0], ("B", "H", "T", "d_head")),
            ),
        ),
    ),
]


def _across_batch(init, p, X, mask=None):
    """What attention computes when (B, T, D) is read as sequence-first: T 'batches' of B."""
    if mask is not None:
        raise RuntimeError("this mistake is recognised on inputs without a mask")
    return _mha(p, X.transpose(0, 1), H=init[1]).transpose(0, 1)


MASK_HEADS_MESSAGE = (
    "Your mask was not given a head axis. Scores are (B, H, T, T); a padding mask (B, 1, T) meets them "
    "as (1, B, 1, T), so sentence b's mask lands on head b. Insert the head axis: mask.unsqueeze(1) "
    "gives (B, 1, 1, T), the same for every head. (A (T, T) mask needs nothing.)"
)


def independence_cases(gen: torch.Generator) -> list[Case]:
    """Batches of three and four sentences, each with the panel of models in a shuffled order."""
    n = len(running.INDEPENDENCE_PANEL)
    return [
        Case(
            f"a batch (B={B}, T={T}, D={D}) and a panel of {n} attention modules",
            (randn(gen, B, T, D),),
            init=(D, H, tuple(torch.randperm(n, generator=gen).tolist())),
            params=linear_params(gen, D, HEAD),
        )
        for B, T, D, H in ((3, 5, 8, 2), (4, 4, 6, 3))
    ]


TENSOR_VERDICT = raised(
    "tensor-verdict",
    "Your test returned a one-element tensor, not Python's True or False: comparisons such as "
    "(a - b).abs().max() < 1e-5, and .all() or .any(), give tensors. torch.allclose(...) returns a bool; otherwise "
    "wrap the result: bool(...) (or .item()).",
    error=r"should return True or False, got a tensor",
)


INDEPENDENCE = Panel(running.INDEPENDENCE_PANEL, "modules", "keep sentences apart", "mix sentences", order_at=2)


LEAKS = [i for i, (_, what, _) in enumerate(running.INDEPENDENCE_PANEL) if "moves sentence" in what]


FIRST_TOKEN = next(i for i, (_, what, _) in enumerate(running.INDEPENDENCE_PANEL) if "first token" in what)


SMALL_LEAK = next(i for i, (_, _, rule) in enumerate(running.INDEPENDENCE_PANEL) if rule[6] and not rule[7])


SUMS_KEPT = next(i for i, (_, _, rule) in enumerate(running.INDEPENDENCE_PANEL) if rule[6] and rule[7])


def _only_sums_kept_missed(got: Tensor, expected: Tensor) -> bool:
    wrong = (got != expected).nonzero().flatten().tolist()
    return wrong == [SUMS_KEPT] and bool(got[SUMS_KEPT])


def _compares_sums(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Only the leak that keeps every sum passed, and the code sums or averages the outputs."""
    got = out.output
    line = source_line(out, r"\.(sum|mean)\(|\b(sum|mean)\(")
    if tuple(got.shape) != (len(INDEPENDENCE.members),) or not line or not _only_sums_kept_missed(got, expected):
        return None
    return (
        INDEPENDENCE.wrong(got, expected),
        f"Your test compares sums (or means) of the outputs: `{line}`. A module that moves the other sentences' "
        "numbers by 0.05, up in one half and down in the other, keeps every sum, and your test passed it. "
        "Compare the outputs themselves, number by number: torch.allclose(attention(changed)[others], "
        "out[others]).",
    )


def _batches_seen(case: Case, out: Outcome) -> list[Tensor] | None:
    """The batches the test handed a model (evidence.seen), None when that was not gathered."""
    seen = [out.evidence[k] for k in sorted(out.evidence) if k.startswith(f"{probes.SEEN}:")]
    return seen or None


def _every_sentence_changed(case: Case, seen: list[Tensor]) -> bool:
    """Whether one of the batches the test ran differs from X in every sentence."""
    X = case.inputs[0]
    return X.shape[0] > 1 and any(
        tuple(x.shape) == tuple(X.shape) and bool((x != X).reshape(X.shape[0], -1).any(dim=-1).all()) for x in seen
    )


def _changed_whole_batch(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Every verdict False, and the test changes the whole batch (X + 1) without picking a sentence:
    seen in what it handed a model (evidence.seen), or, before that evidence, in its code."""
    got = out.output
    if tuple(got.shape) != (len(INDEPENDENCE.members),) or got.any():
        return None
    X = (reading.arguments(out)[1:2] or ["X"])[0]
    seen = _batches_seen(case, out)
    if seen is not None:
        if not _every_sentence_changed(case, seen):
            return None
        line = source_line(out, rf"=.*\b{re.escape(X)}\b.*[-+*/]\s*[\d.]|=\s*[\d.]+\s*[-+*/].*\b{re.escape(X)}\b")
        how = (
            f"`{line}` changes the whole batch"
            if line
            else "the batch it ran the modules on differs from X in every sentence"
        )
    else:
        line = source_line(out, r"=\s*(X\s*[-+*/]|[-+*/]?\s*\d[\d.]*\s*[-+*/]\s*X\b)(?!\s*\[)")
        if not line or re.search(r"\w\[\s*\d+\s*\]\s*[-+*/]?=|\[\s*\d+\s*\]\s*\.\w+_\(", out.source):
            return None
        how = f"`{line}` changes the whole batch"
    return (
        f"your test said False for all {len(got)} modules, {int(expected.sum())} of which keep sentences apart",
        f"Your test changed every sentence: {how}, so every sentence's output "
        "moves, even in a module that keeps sentences apart. Change sentence 1 only (changed = X.clone(); "
        "changed[1] += 1), and compare the other sentences' outputs.",
    )


ALWAYS_FALSE = (
    "Your test failed modules that keep sentences apart, saying False for every module. Compare only "
    "the sentences you did not change (torch.arange(B) != 1 selects them), with torch.allclose."
)


def _always_false(out: Outcome) -> str:
    """What to compare, unless the test already compares some sentences with torch.allclose:
    then which sentences it changes and which it compares is what to look at."""
    if not (source_line(out, r"allclose|isclose|assert_close") and source_line(out, r"!=")):
        return ALWAYS_FALSE
    return (
        "Your test failed modules that keep sentences apart, saying False for every module. Print which sentences "
        "of your changed batch differ from X, and which sentences you compare: only sentence 1 may change, and "
        "only the others may be compared."
    )


def _all_said(out: Outcome, value: bool) -> bool:
    got = out.output
    return tuple(got.shape) == (len(INDEPENDENCE.members),) and bool((got == float(value)).all())


def _change_thrown_away(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Every verdict True, and a line whose whole statement is arithmetic, changed[1] + 1:
    its result is thrown away, so nothing was changed."""
    line = reading.discarded(out)
    if not line or not _all_said(out, True):
        return None
    found = re.match(r"(.+?)\s*([-+*/])\s*(.+)$", line)
    fix = f"{found.group(1)} {found.group(2)}= {found.group(3)}" if found else "assign the result"
    return (
        f"your test said True for all {len(expected)} modules, {int((expected == 0).sum())} of which mix sentences",
        f"`{line}` computes a changed sentence and throws it away: the statement stores nothing, so the copy is "
        f"still X, both runs see the same batch, and every module looks as if it kept sentences apart. Store the "
        f"change: {fix}.",
    )


def _change_never_reached(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Every verdict True, and the test ran a model more than once, each time on X itself
    (evidence.seen): the change it makes never reached the module, however it was lost."""
    seen = _batches_seen(case, out) or []
    X = case.inputs[0]
    if len(seen) < 2 or not _all_said(out, True) or not all(x.shape == X.shape and torch.equal(x, X) for x in seen):
        return None
    return (
        f"your test said True for all {len(expected)} modules, {int((expected == 0).sum())} of which mix sentences; "
        f"every batch it ran them on was X itself, unchanged",
        "The change your test makes never reaches the module: each batch it runs the module on equals X, so "
        "every module looks as if it kept sentences apart. Run the module on the changed copy: changed = "
        "X.clone(); changed[1] += 1; then compare attention(changed) with attention(X) on the other sentences.",
    )


def _changed_another_sentence(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Every verdict False, the code changes sentence a and leaves sentence b out of the comparison."""
    changed = re.search(r"^\s*(\w+)\[\s*(-?\d+)\s*\]\s*(?:[-+*/]?=(?!=)|\.\w+_\()", out.source or "", re.M)
    left_out = re.search(r"!=\s*(-?\d+)\b", out.source or "")
    B = case.inputs[0].shape[0]
    if not changed or not left_out or not _all_said(out, False):
        return None
    a, b = changed.group(2), left_out.group(1)
    if int(a) % B == int(b) % B:
        return None
    line = source_line(out, rf"^\s*{re.escape(changed.group(1))}\[\s*{re.escape(a)}\s*\]")
    keep = source_line(out, rf"!=\s*{re.escape(b)}\b")
    return (
        f"your test said False for all {len(expected)} modules, {int(expected.sum())} of which keep sentences apart",
        f"Your test changes sentence {a} (`{line}`) but leaves sentence {b} out of the comparison (`{keep}`): "
        f"sentence {a}, which you changed, is compared, so its output moves in every module. Change the sentence you "
        f"leave out: {changed.group(1)}[{b}], or leave out sentence {a}.",
    )


def _only_leaks_missed(got: Tensor, expected: Tensor) -> bool:
    wrong = (got != expected).nonzero().flatten().tolist()
    return bool(wrong) and set(wrong) <= set(LEAKS) and bool(got[wrong].all())


def _only_first_token_passed(got: Tensor, expected: Tensor) -> bool:
    keeps = [i for i, (right, _, _) in enumerate(running.INDEPENDENCE_PANEL) if right]
    return bool(got[FIRST_TOKEN]) and not any(got[i] for i in keeps if i != FIRST_TOKEN)


def _test_changed_X(out: Outcome) -> str:
    alias = source_line(out, r"^\s*\w+\s*=\s*X\s*$")
    if alias:
        return (
            f"Your test changed the batch it was given: `{alias}` does not copy, it gives the caller's X another "
            "name, so changing it changes X. Make a copy: changed = X.clone()."
        )
    return (
        "Your test changed the batch it was given, in place (an assignment into X, +=, or a method ending in _). "
        "Change a copy instead: changed = X.clone()."
    )


def converter_cases(gen: torch.Generator) -> list[Case]:
    cases = []
    for label, B, T, D, H, lengths in (
        ("no padding", 3, 5, 12, 4, None),
        ("a key_padding_mask, lengths [4, 2]", 2, 4, 8, 2, [4, 2]),
    ):
        X = randn(gen, B, T, D)
        inputs = (X,) if lengths is None else (X, ~_padding(lengths, T)[:, 0, :])
        cases.append(
            Case(
                f"MultiHeadAttention({D}, {H}) on (B={B}, T={T}, D={D}) with {label}",
                inputs,
                init=(D, H),
                params=linear_params(gen, D, HEAD),
            )
        )
    return cases


def _fresh_torch_out_proj(init) -> dict[str, Tensor]:
    """The out_proj a new nn.MultiheadAttention gets in the converter's seeded run."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        running.MultiHeadAttentionWeights(*init)
        fresh_layer = nn.MultiheadAttention(init[0], init[1], batch_first=True).out_proj
    return {"out_proj.weight": fresh_layer.weight.detach(), "out_proj.bias": fresh_layer.bias.detach()}


def _converted(init, p, X, key_padding_mask=None, *, heads=None, **change):
    mask = None if key_padding_mask is None else ~key_padding_mask[:, None, :]
    return _mha(p, X, mask, H=heads or init[1], **change)


def _with(p: dict[str, Tensor], **changes: Callable[[Tensor], Tensor]) -> dict[str, Tensor]:
    """p with some parameters changed: _with(p, q_proj_bias=torch.zeros_like) changes "q_proj.bias"."""
    new = dict(p)
    for name, change in changes.items():
        layer, what = name.rsplit("_", 1)
        new[f"{layer}.{what}"] = change(p[f"{layer}.{what}"])
    return new


def converter_mistake(
    key: str, message: Message, what: str, params: Callable[..., dict] | None = None, **change
) -> Mistake:
    """A converter mistake: the output of _converted with the parameters params(init, p) and
    one thing changed."""

    def buggy(init, p, X, *mask):
        return _converted(init, params(init, p) if params else p, X, *mask, **change)

    return matches(key, message, buggy, what, with_init=True)


def _stacked_as(p: dict[str, Tensor], order: tuple[str, str, str]) -> dict[str, Tensor]:
    """The parameters nn.MultiheadAttention reads when ours' projections are stacked in `order`."""
    new = dict(p)
    for slot, source in zip("qkv", order):
        for what in ("weight", "bias"):
            new[f"{slot}_proj.{what}"] = p[f"{source}_proj.{what}"]
    return new


def _not_mha(out: Outcome) -> str:
    if "got a NoneType" in out.error:
        made = re.search(r"^\s*(\w+)\s*=\s*(?:torch\.)?(?:nn\.)?MultiheadAttention\(", out.source or "", re.M)
        return f"to_torch_mha returned nothing: did you forget `return {made.group(1) if made else 'theirs'}`?"
    return (
        "to_torch_mha should create a new nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True), "
        "copy ours' weights into it, and return it."
    )


ZERO = torch.zeros_like


EXERCISES_04 += [
    Exercise(
        id="4.3",
        notebook="04",
        name="MultiHeadAttention",
        title="MultiHeadAttention",
        points=3,
        difficulty=3,
        minutes=30,
        signature="class MultiHeadAttention(nn.Module) with __init__(self, embed_size, num_heads) and forward(self, X, mask=None)",
        returns="out_proj(merged heads), shape (B, T, D), keeping self.last_weights (B, H, T, T)",
        reference=ref.MultiHeadAttention,
        make_cases=mha_cases,
        produces=Produces(
            batch=(0,),
            tokens={0: -2},
            mask=1,
            axes=("B", "T", "D"),
            family=variants.module_family("q_proj", "k_proj", "v_proj", "out_proj", scale="d_head", heads=True),
            from_weights=variants.from_weights("v_proj", "out_proj", heads=True),
        ),
        module=True,
        probe=keeps_named_head_weights,
        mistakes=(
            no_super_init,
            raised("head-sizes-named", _head_sizes_named, error=r"^MissingAttribute: "),
            Mistake("refuses-right-sizes", _refused_right_sizes, on_error=True),
            dot_T_on_batch,
            mha_mistake("view-no-transpose", SPLIT_MESSAGE, "heads split by a plain view", split=_split_view_only),
            mha_mistake(
                "merge-no-transpose", MERGE_MESSAGE, "heads merged by a plain reshape", merge=_merge_reshape_only
            ),
            mha_mistake("scale-by-sqrt-D", SCALE_D_MESSAGE, "scores divided by √D", scale="D"),
            mha_mistake(
                "no-scaling",
                "The scores were not scaled: divide them by √d_head, "
                "math.sqrt(self.d_head), so that their spread does not grow with the width of a head.",
                "unscaled scores",
                scale=1.0,
            ),
            mha_mistake(
                "scale-by-d",
                "The scores were divided by d_head, not by √d_head: the spread of q·k grows "
                "like √d_head, so divide by math.sqrt(self.d_head).",
                "scores divided by d_head",
                scale="d_head",
            ),
            matches("across-batch", ACROSS_BATCH_MESSAGE, _across_batch, "attention across the batch", with_init=True),
            mha_mistake(
                "no-out-proj",
                "The output skips out_proj: pass the merged heads through self.out_proj, which "
                "mixes what the heads found.",
                "the merged heads without out_proj",
                out=False,
            ),
            mha_mistake(
                "mask-not-broadcast", _mask_heads, "the mask applied without a head axis", mask_for_heads=lambda m: m
            ),
            mha_mistake(
                "mask-ignored",
                MASK_MESSAGES["mask-ignored"],
                "what you get with no mask",
                mask_for_heads=lambda m: None,
            ),
            *mask_mistakes(
                lambda init, p, X, mask=None, *, softmax: _mha(p, X, mask, H=init[1], softmax=softmax), with_init=True
            ),
            mha_mistake(
                "wrong-axis",
                "Your weights were normalised over the queries (dim=-2). " + WRONG_AXIS_MESSAGE,
                "softmax over dim=-2",
                unless=SOFTMAX_OVER_LAST,
                softmax=lambda s, m: ref.masked_softmax(s.mT, m if m is None else m.mT).mT,
            ),
            mha_mistake(
                "keys-as-values",
                "You multiplied the weights by k; take the values: weights @ v.",
                "weights @ k",
                values="k_proj",
            ),
            Mistake("heads-against-tokens", _heads_against_tokens, on_error=True),
            matches(
                "heads-averaged",
                "self.last_weights holds the heads averaged into (B, T, T). Keep every head's "
                "weights, (B, H, T, T): head_grid and the explorer draw one heatmap per head.",
                lambda init, p, X, mask=None: _mha_weights(init, p, X, mask).mean(dim=1),
                "the weights averaged over the heads",
                with_init=True,
                weights=True,
            ),
            *last_weights_mistakes(
                lambda init, p, X, mask=None, *, masked=False: _mha_scores(p, X, mask, H=init[1], masked=masked),
                "(B, H, T, T)",
                with_init=True,
            ),
        ),
    ),
    Exercise(
        id="4.4",
        notebook="04",
        name="sentences_independent",
        title="A test that finds mixed sentences",
        points=2,
        difficulty=2,
        minutes=15,
        signature="sentences_independent(attention, X)  # attention: (B, T, D) -> (B, T, D)",
        returns="True when changing one sentence leaves every other sentence's output unchanged",
        reference=ref.sentences_independent,
        make_cases=independence_cases,
        runner=run_independence_test,
        mistakes=(
            raised("in-place", _test_changed_X, error=r"^ChangedItsInput"),
            raised(
                "not-a-verdict",
                "Your test should end with `return` and a True or False, such as torch.allclose(...), not print it.",
                error=r"should return True or False, got a NoneType",
            ),
            TENSOR_VERDICT,
            Mistake("changed-whole-batch", _changed_whole_batch),
            Mistake("change-thrown-away", _change_thrown_away),
            Mistake("change-never-reached", _change_never_reached),
            Mistake("changed-another-sentence", _changed_another_sentence),
            *test_mistakes(
                INDEPENDENCE,
                "Your test passed modules that mix the sentences of a batch. Change one sentence (X[1] + 1, say), "
                "run the module again, and compare the OTHER sentences' outputs: they must not move.",
                _always_false,
                "Your test answers the opposite question: it returns True for modules that mix sentences. Return "
                "True when the other sentences' outputs stay the same.",
                "Change sentence 1 only (changed = X.clone(); changed[1] += 1), run the module on X and on changed, "
                "and compare the outputs of every other sentence with torch.allclose.",
                patterns=(
                    Mistake("compares-sums", _compares_sums),
                    loose_tolerance(
                        "loose-tolerance",
                        INDEPENDENCE,
                        [SMALL_LEAK, SUMS_KEPT],
                        "a module that leaks 0.05 of sentence 1 into the others",
                        "Leave atol out.",
                    ),
                    _pattern(
                        "missed-leak",
                        "Some modules mix only two sentences: changing sentence 1 moves only the "
                        "sentence before it, or only the one after it. Change sentence 1 and compare every "
                        "other sentence, all of them (torch.arange(B) != 1), not just one.",
                        _only_leaks_missed,
                        INDEPENDENCE,
                    ),
                    _pattern(
                        "changed-every-sentence",
                        "Your test changed something in every sentence, so that "
                        "only a module that reads each sentence's first token alone kept the ones you compare "
                        "unchanged. X[:, 1] is token 1 of every sentence; sentence 1 is X[1]: change that one "
                        "only, and compare the others.",
                        _only_first_token_passed,
                        INDEPENDENCE,
                    ),
                ),
                asks=((probes.SEEN, True),),
            ),
        ),
    ),
    Exercise(
        id="4.5",
        notebook="04",
        name="to_torch_mha",
        title="Your weights in nn.MultiheadAttention",
        points=2,
        difficulty=2,
        minutes=15,
        signature="to_torch_mha(ours)  # ours: a MultiHeadAttention",
        returns="an nn.MultiheadAttention(batch_first=True) with the same weights, giving the same outputs",
        reference=ref.to_torch_mha,
        make_cases=converter_cases,
        produces=Produces(batch=(0,), axes=("B", "T", "D")),
        runner=run_converter,
        mistakes=(
            raised("not-mha", _not_mha, error=r"should return an nn\.MultiheadAttention"),
            raised(
                "state-dict-names",
                "nn.MultiheadAttention names its parameters in_proj_weight, in_proj_bias, "
                "out_proj.weight and out_proj.bias: ours' q_proj, k_proj and v_proj have no place of their own "
                "there. Stack their weights with torch.cat([...]) and copy them into in_proj_weight (and the "
                "biases into in_proj_bias).",
                error=r"Error\(s\) in loading state_dict for MultiheadAttention",
            ),
            raised(
                "copy-needs-no-grad",
                "Copying into a parameter changes it in place, which autograd refuses for "
                "a tensor it tracks: do the copying inside `with torch.no_grad():`.",
                error=r"leaf Variable that requires grad is being used in an in-place operation",
            ),
            raised(
                "assign-not-copy",
                "A parameter cannot be replaced by a plain tensor: copy into it instead, "
                "theirs.in_proj_weight.copy_(...), inside `with torch.no_grad():`.",
                error=r"cannot assign .* as parameter",
            ),
            raised(
                "cat-wrong-dim",
                "Put the three (D, D) weights on top of each other: torch.cat([...], dim=0) "
                "gives in_proj_weight's shape, (3D, D). Side by side (dim=1) they make (D, 3D).",
                error=r"must match the size of tensor b",
                source=r"cat\(.*dim\s*=\s*(1|-1)\b",
                both=True,
            ),
            raised(
                "cat-wrong-dim",
                "torch.cat([q, k, v weights]) is already (3D, D), in_proj_weight's shape: "
                "transposing it makes (D, 3D). Copy it as it is.",
                error=r"must match the size of tensor b",
                source=r"cat\(.*\)\s*\.\s*(T\b|t\(\)|mT\b|transpose)",
                both=True,
            ),
            raised(
                "stack-not-cat",
                "torch.stack puts the three (D, D) weights on a new axis, (3, D, D); "
                "in_proj_weight is (3D, D): join them with torch.cat([...]) instead.",
                error=r"must match the size of tensor b|doesn't match the broadcast shape",
                source=r"\bstack\(",
                both=True,
            ),
            raised(
                "separate-proj-weights",
                "theirs.q_proj_weight is None: nn.MultiheadAttention keeps separate q, k "
                "and v weights only when kdim or vdim differ from embed_dim. Here they are stacked in "
                "in_proj_weight, (3D, D), in the order q, k, v, and in_proj_bias likewise.",
                error=r"'NoneType' object has no attribute",
                source=r"[qkv]_proj_weight",
                both=True,
            ),
            matches(
                "not-batch-first",
                "nn.MultiheadAttention is sequence-first by default: it read your (B, T, D) "
                "batch as (T, B, D) and attended across sentences. Create it with batch_first=True.",
                lambda init, p, X, *m: _across_batch(init, p, X),
                "attention across the batch",
                with_init=True,
            ),
            converter_mistake(
                "qkv-order",
                "q and k are swapped: in_proj_weight stacks the projections in the order q, k, v.",
                "q and k swapped",
                swap_qk=True,
            ),
            *(
                converter_mistake(
                    "qkv-order",
                    f"Your in_proj_weight stacks the projections in the order {', '.join(order)}; "
                    "nn.MultiheadAttention reads them as q, k, v: torch.cat([ours.q_proj.weight, "
                    "ours.k_proj.weight, ours.v_proj.weight]), and the biases in the same order.",
                    f"the projections stacked {', '.join(order)}",
                    params=(lambda order: lambda init, p: _stacked_as(p, order))(order),
                )
                for order in (("q", "v", "k"), ("v", "k", "q"), ("k", "v", "q"), ("v", "q", "k"))
            ),
            converter_mistake(
                "out-proj-not-copied",
                "out_proj still holds nn.MultiheadAttention's own random weights: "
                "copy out_proj.weight and out_proj.bias too.",
                "the output through a new out_proj",
                out_params=None,
                params=lambda init, p: {**p, **_fresh_torch_out_proj(init)},
            ),
            converter_mistake(
                "out-proj-not-copied",
                "out_proj.bias was not copied: nn.MultiheadAttention starts "
                "it at zeros. Copy ours.out_proj.bias too.",
                "the output with out_proj's bias at 0",
                params=lambda init, p: _with(p, out_proj_bias=ZERO),
            ),
            converter_mistake(
                "out-proj-not-copied",
                "out_proj.weight was not copied, only its bias: copy ours.out_proj.weight too.",
                "the output through a new out_proj.weight",
                params=lambda init, p: {**p, "out_proj.weight": _fresh_torch_out_proj(init)["out_proj.weight"]},
            ),
            converter_mistake(
                "biases-not-copied",
                "in_proj_bias was not copied: nn.MultiheadAttention starts it at "
                "zeros. Copy torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]) into it.",
                "the output with q, k and v's biases at 0",
                params=lambda init, p: _with(p, q_proj_bias=ZERO, k_proj_bias=ZERO, v_proj_bias=ZERO),
            ),
            converter_mistake(
                "no-bias",
                "Your nn.MultiheadAttention ran as if it had no biases at all: either "
                "ours' biases were never copied (in_proj_bias and out_proj.bias start at zeros), or "
                "it was created with bias=False, which leaves nowhere to copy them. Keep bias at its "
                "default, True, and copy into in_proj_bias and out_proj.bias too.",
                "the output without any bias",
                params=lambda init, p: _with(
                    p, q_proj_bias=ZERO, k_proj_bias=ZERO, v_proj_bias=ZERO, out_proj_bias=ZERO
                ),
            ),
            converter_mistake(
                "weights-transposed",
                "nn.Linear keeps its weight as (out, in), and in_proj_weight "
                "stacks them just as they are: copy the weights without transposing them.",
                "the weights transposed",
                params=lambda init, p: _with(p, q_proj_weight=torch.t, k_proj_weight=torch.t, v_proj_weight=torch.t),
            ),
            converter_mistake(
                "weights-transposed",
                "nn.Linear keeps its weight as (out, in), and "
                "nn.MultiheadAttention's are the same way round: copy them without transposing.",
                "every weight transposed",
                params=lambda init, p: _with(
                    p, q_proj_weight=torch.t, k_proj_weight=torch.t, v_proj_weight=torch.t, out_proj_weight=torch.t
                ),
            ),
            converter_mistake(
                "wrong-num-heads",
                "nn.MultiheadAttention(embed_dim, num_heads) was given another number "
                "of heads than ours has: pass ours.num_heads, so that it splits D the same way.",
                "one head",
                heads=1,
            ),
            matches(
                "wrong-num-heads",
                "nn.MultiheadAttention(embed_dim, num_heads) was given another number of heads "
                "than ours has (d_head, perhaps): pass ours.num_heads, so that it splits D the same way.",
                lambda init, p, X, *m: _converted(init, p, X, *m, heads=init[0] // init[1]),
                "d_head heads",
                with_init=True,
            ),
        ),
    ),
    Exercise(
        id="4.6",
        notebook="04",
        name="attention_with_dropout",
        title="Attention dropout",
        points=2,
        difficulty=2,
        minutes=15,
        signature="attention_with_dropout(q, k, v, p, training)  # q, k: (..., T, d), v: (..., T, d_v)",
        returns="softmax(q kᵀ / √d) with dropout on the weights, times v: shape (..., T, d_v)",
        reference=ref.attention_with_dropout,
        make_cases=dropout_cases,
        runner=run_dropout,
        mistakes=DROPOUT_MISTAKES,
    ),
]


LESSON = Lesson(
    number="04",
    title="Many heads",
    notebook="04-many-heads",
    provides=(
        "SingleHeadAttention",
        "causal_mask",
        "masked_softmax",
        "padding_mask",
    ),  # what its notebook imports from helpers.attention
    exercises=EXERCISES_04,
)

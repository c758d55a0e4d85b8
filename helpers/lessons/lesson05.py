"""Lesson 05."""

from __future__ import annotations

import re

import torch
from torch import Tensor

from helpers import attention as ref
from helpers import running
from helpers.lessons.lesson03 import HEAD, size_cases
from helpers.lessons.lesson04 import TENSOR_VERDICT, _mha
from helpers.lessons.panels import Panel, _source_pattern, loose_tolerance, test_mistakes
from helpers.lessons.records import Exercise, Finding, Lesson, Mistake, Produces
from helpers.lessons.scaling import linear_params, project
from helpers.lessons.toolkit import matches, raised, randn, source_line
from helpers.lessons.whole_module import module_cases
from helpers.running import Case, Outcome, run_equivariance_test


def tiny_params(gen: torch.Generator, V: int, T: int, D: int) -> dict[str, Tensor]:
    """Parameters of a ReversalModel: embeddings, attention (named attention.*) and read-out."""
    params = {"tok.weight": randn(gen, V, D), "pos.weight": randn(gen, T, D)}
    params.update({f"attention.{k}": v for k, v in linear_params(gen, D, HEAD).items()})
    params.update({"readout.weight": randn(gen, V, D, scale=D**-0.5), "readout.bias": randn(gen, V, scale=0.1)})
    return params


def reversal_model_cases(gen: torch.Generator) -> list[Case]:
    cases = []
    for B, V, T, D, H in ((3, 10, 6, 8, 2), (2, 7, 5, 12, 3)):
        tokens = torch.randint(0, V, (B, T), generator=gen)
        cases.append(
            Case(
                f"ReversalModel({V}, {T}, {D}, {H}) on tokens of shape ({B}, {T})",
                (tokens,),
                init=(V, T, D, H),
                params=tiny_params(gen, V, T, D),
            )
        )
    B, V, seq_len, T, D, H = 2, 9, 8, 5, 8, 2  # sequences shorter than seq_len: positions for T tokens only
    tokens = torch.randint(0, V, (B, T), generator=gen)
    cases.append(
        Case(
            f"ReversalModel({V}, {seq_len}, {D}, {H}) on tokens of shape ({B}, {T}), shorter than "
            f"seq_len = {seq_len}",
            (tokens,),
            init=(V, seq_len, D, H),
            params=tiny_params(gen, V, seq_len, D),
        )
    )
    return cases + module_cases(cases[0])


def _scores_met_vectors(case: Case, out: Outcome) -> Finding | None:
    """V read-out scores met D-wide vectors on one axis: something was added after the read-out."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    V, D = case.init[0], case.init[2]
    if not found or V == D or {int(found.group(1)), int(found.group(2))} != {V, D}:
        return None
    return (
        f"your code raised {out.error}: {V} is V, the read-out's scores per token; {D} is D, the width of token "
        "and position vectors",
        "Vectors of width D (token or position vectors) met the read-out's scores, of width V: the read-out comes "
        "last. Add the positions to the token vectors, before attention: "
        "self.readout(self.attention(self.tok(tokens) + self.pos(positions))).",
    )


def _whole_position_table(case: Case, out: Outcome, expected: Tensor | None) -> Finding | None:
    """Tokens shorter than seq_len met seq_len positions: the whole table was added."""
    found = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", out.error or "")
    T, seq_len = case.inputs[0].shape[-1], case.init[1]
    if not found or T == seq_len or {int(found.group(1)), int(found.group(2))} != {T, seq_len}:
        return None
    evidence = f"your code raised {out.error}: {T} is T, the tokens given; {seq_len} is seq_len"
    line = re.search(r"\(line \d+: (.*)\)$", out.error)
    if re.search(r"pos\.weight\b", line.group(1) if line else "") or re.search(r"pos\.weight\b", out.source):
        return (
            evidence,
            f"self.pos.weight is the whole position table, seq_len = {seq_len} rows: it fits only "
            f"sequences of exactly seq_len tokens, and these have T = {T}. Look up the positions of the tokens "
            "given: self.pos(torch.arange(tokens.shape[1])).",
        )
    return (
        evidence,
        f"Your positions have seq_len = {seq_len} rows, but these sequences have T = {T} tokens: "
        "positions must follow the tokens given, not the longest sequence the model allows. Use "
        "self.pos(torch.arange(tokens.shape[1])).",
    )


def _tiny(init, p, tokens, positions="before", readout=True):
    """ReversalModel from parameters p, with the positions added before attention, after
    it, not at all, multiplied, or looked up by token ("tokens", "tokens-clamped"), by
    sentence ("batch"), backwards ("reversed") or from 1 ("from-1", the last clamped)
    instead of by position 0 ... T - 1; without the read-out if not `readout`."""
    attention = {k.removeprefix("attention."): v for k, v in p.items() if k.startswith("attention.")}
    x = p["tok.weight"][tokens]
    table = p["pos.weight"]
    B, T = tokens.shape
    pos = table[:T]
    if positions == "tokens":
        if int(tokens.max()) >= table.shape[0]:
            raise RuntimeError("a token is past the end of the position table")
        x = x + table[tokens]
    if positions == "tokens-clamped":
        x = x + table[tokens.clamp(max=table.shape[0] - 1)]
    if positions == "batch":
        if B > table.shape[0]:
            raise RuntimeError("more sentences than positions")
        x = x + table[:B, None, :]
    if positions == "reversed":
        x = x + pos.flip(0)
    if positions == "from-1":
        x = x + table[torch.arange(1, T + 1).clamp(max=table.shape[0] - 1)]
    if positions == "multiplied":
        x = x * pos
    if positions == "before":
        x = x + pos
    x = _mha(attention, x, H=init[3])
    if positions == "after":
        x = x + pos
    return project(p, "readout", x) if readout else x


POSITIONS_FROM_1 = r"arange\(\s*1\s*,"


def _combined_by(out: Outcome, pattern: str, what: str, fix: str) -> str:
    """The message for token and position vectors combined the wrong way, quoting the line."""
    line = source_line(out, pattern)
    quoted = f"`{line}`" if line else "Your forward"
    return f"{quoted} {what}: {fix}."


def _scaled_tokens(init, p, tokens):
    """ReversalModel with the token vectors multiplied by √D before the positions are added."""
    D = p["tok.weight"].shape[-1]
    scaled = {**p, "tok.weight": p["tok.weight"] * D**0.5}
    return _tiny(init, scaled, tokens)


def _is_flip_like(perm: Tensor) -> bool:
    """Whether a permutation leaves a model that reads positions backwards looking equivariant."""
    T = len(perm)
    return bool(torch.equal(perm, torch.arange(T)) or torch.equal(perm.flip(0), T - 1 - perm))


def equivariance_cases(gen: torch.Generator) -> list[Case]:
    """Token batches, a permutation that tells every model of the panel apart, and the panel
    in a shuffled order."""
    n = len(running.EQUIVARIANCE_PANEL)
    cases = []
    for B, T, V, D, H in ((4, 6, 10, 8, 2), (3, 5, 7, 6, 3)):
        tokens = torch.randint(0, V, (B, T), generator=gen)
        perm = torch.randperm(T, generator=gen)
        while _is_flip_like(perm) or perm[-1] == T - 1:  # the last position must move, or one model hides
            perm = torch.randperm(T, generator=gen)
        params = tiny_params(gen, V, T, D)
        params.update({f"other.{k}": v for k, v in linear_params(gen, D, HEAD).items()})
        order = tuple(torch.randperm(n, generator=gen).tolist())
        cases.append(
            Case(
                f"tokens of shape ({B}, {T}), the permutation {perm.tolist()} and a panel of {n} models",
                (tokens, perm),
                init=(V, T, D, H, order),
                params=params,
            )
        )
    return cases


EQUIVARIANCE = Panel(running.EQUIVARIANCE_PANEL, "models", "are equivariant", "are not equivariant", order_at=4)


def _always_false(out: Outcome) -> str:
    """What to compare, unless the test already compares with the output permuted, with torch.allclose:
    then what each side holds is what to look at."""
    if source_line(out, r"allclose|isclose|assert_close") and source_line(out, r"\)\s*\[\s*:\s*,\s*perm\s*\]"):
        return (
            "Your test called models without positions not equivariant, although it compares with the output "
            "permuted: print both sides for one such model, and check that the same permutation is taken on both, "
            "along the token axis (axis 1), and that neither side is permuted twice."
        )
    return (
        "Your test called models without positions not equivariant. Compare model(tokens[:, perm]) with "
        "model(tokens)[:, perm], the same permutation on both sides, along the token axis, with "
        "torch.allclose."
    )


SLIGHT_POSITIONS = next(i for i, (_, _, rule) in enumerate(running.EQUIVARIANCE_PANEL) if 0 < rule[6] < 1)
LAST_ONLY = next(i for i, (_, _, rule) in enumerate(running.EQUIVARIANCE_PANEL) if rule[3] == 2)


def _part_of_output(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """True for the model that moves only its last position's outputs, and right on every other
    model: the test looks at part of what the model returns (one element, one position)."""
    got = out.output
    if tuple(got.shape) != (len(EQUIVARIANCE.members),) or set((got != expected).nonzero().flatten().tolist()) != {
        LAST_ONLY
    }:
        return None
    line = source_line(out, r"\[[^\]]*\b\d+\b[^\]]*\]|argmax|argmin|\.item\(\)")
    written = f" (`{line}`)" if line else ""
    return (
        EQUIVARIANCE.wrong(got, expected),
        "That model's outputs move only at the last position when the tokens are permuted, so your test "
        f"looks at only part of what the model returns{written}. Compare the whole outputs: "
        "torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm]).",
    )


def _compares_shapes(case: Case, out: Outcome, expected: Tensor) -> Finding | None:
    """Every verdict True, and the code compares shapes (.shape or .size()) and no values."""
    got = out.output
    if tuple(got.shape) != (len(EQUIVARIANCE.members),) or not got.all():
        return None
    line = source_line(out, r"\.shape\b|\.size\(\)")
    if not line or re.search(r"allclose|isclose|assert_close|equal\(|\.abs\(", out.source):
        return None
    return (
        f"your test said True for all {len(got)} models, {int((1 - expected).sum())} of which are not equivariant",
        f"Your test compares shapes: `{line}`. Every model gives outputs of the same shape, equivariant or "
        "not, so the answer is always True. Compare the values: "
        "torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm]).",
    )


EXERCISES_05 = [
    Exercise(
        id="5.1",
        notebook="05",
        name="ideal_keys",
        title="Read the heatmap: the ideal pattern",
        points=1,
        difficulty=1,
        minutes=5,
        signature="ideal_keys(T)",
        returns="for each query i, the key it should attend to when reversing: T - 1 - i, shape (T,)",
        reference=ref.ideal_keys,
        make_cases=size_cases,
        produces=Produces(axes=("T",)),
        mistakes=(
            matches(
                "identity",
                "That is every token attending to itself, the diagonal. To write output i of the "
                "reversal, query i needs input token T - 1 - i.",
                lambda T: torch.arange(T),
                "0, 1, ..., T - 1",
            ),
            matches(
                "off-by-one",
                "Off by one: positions run from 0 to T - 1, so query 0 needs key T - 1, not T.",
                lambda T: torch.arange(T, 0, -1),
                "T, T - 1, ..., 1",
            ),
            matches(
                "stops-early",
                "The last key, 0, is missing: torch.arange stops before its end, so count down "
                "to -1 to include 0: torch.arange(T - 1, -1, -1).",
                lambda T: torch.arange(T - 1, 0, -1),
                "T - 1, ..., 1",
            ),
            matches(
                "one-hot-pattern",
                "That is the whole (T, T) pattern, the heatmap. The exercise asks for the key "
                "of each query, T numbers: entry i is T - 1 - i.",
                lambda T: torch.eye(T).flip(1),
                "the (T, T) anti-diagonal",
            ),
        ),
    ),
    Exercise(
        id="5.2",
        notebook="05",
        name="is_permutation_equivariant",
        title="A permutation-equivariance test",
        points=2,
        difficulty=2,
        minutes=15,
        signature="is_permutation_equivariant(model, tokens, perm)  # tokens: (B, T); perm: (T,)",
        returns="True when model(tokens[:, perm]) equals model(tokens)[:, perm]",
        reference=ref.is_permutation_equivariant,
        make_cases=equivariance_cases,
        runner=run_equivariance_test,
        mistakes=(
            raised(
                "in-place",
                "Your test changed the tokens (or perm) it was given: an assignment into them, such as "
                "tokens[:] = ..., writes into the caller's tensor. Make a new one instead: "
                "permuted = tokens[:, perm].",
                error=r"^ChangedItsInput",
            ),
            raised(
                "not-a-verdict",
                "Your test should end with `return` and a True or False, such as torch.allclose(...), not print it.",
                error=r"should return True or False, got a NoneType",
            ),
            TENSOR_VERDICT,
            raised(
                "vocab-axis",
                "out[..., perm] permutes the LAST axis of the output, the V scores of each token; "
                "perm reorders the positions, the second axis: out[:, perm].",
                error=r"must match the size of tensor b|out of bounds|out of range",
                source=r"\[\s*(\.\.\.|:\s*,\s*:)\s*,\s*perm\s*\]",
                both=True,
            ),
            raised(
                "batch-axis",
                "perm permutes the T positions of each sequence, so index the token axis, the second "
                "one: tokens[:, perm] (and out[:, perm]), not tokens[perm], which permutes the sequences.",
                error=r"^IndexError",
                source=r"(tokens|out\w*|\))\[\s*perm\s*\]",
                both=True,
            ),
            Mistake("compares-shapes", _compares_shapes),
            *test_mistakes(
                EQUIVARIANCE,
                "Your test called models with positions equivariant. Permute the tokens of every sentence "
                "(tokens[:, perm]), run the model, and compare with the original output permuted the same way "
                "(out[:, perm]).",
                _always_false,
                "Your test answers the opposite question: it returns True for models that are not equivariant.",
                "Compare model(tokens[:, perm]) with model(tokens)[:, perm], with torch.allclose.",
                patterns=(
                    Mistake("part-of-output", _part_of_output),
                    loose_tolerance(
                        "loose-tolerance",
                        EQUIVARIANCE,
                        [SLIGHT_POSITIONS],
                        "a model whose outputs move by about 0.03 when the tokens are permuted (its positions "
                        "are 0.01 of their usual size)",
                        "Leave atol out.",
                    ),
                    _source_pattern(
                        "compares-predictions",
                        "Your test compares the predicted tokens, argmax over the V scores, not the outputs: a model "
                        "whose scores move when the tokens are permuted, but not enough to change which score is "
                        "largest, passes as equivariant. Compare the outputs themselves: "
                        "torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm]).",
                        r"\.argmax\(|torch\.argmax\(|\.max\(\s*(dim\s*=\s*)?-1\s*\)\.indices",
                        EQUIVARIANCE,
                    ),
                    _source_pattern(
                        "inverse-perm",
                        "perm.argsort() is the inverse permutation: permuting the input "
                        "by perm permutes the output by perm itself. Use perm on both sides.",
                        r"argsort|inverse",
                        EQUIVARIANCE,
                    ),
                ),
            ),
        ),
    ),
    Exercise(
        id="5.3",
        notebook="05",
        name="ReversalModel",
        title="Adding positions",
        points=3,
        difficulty=2,
        minutes=15,
        signature="class ReversalModel(BagOfTokens) with forward(self, tokens)",
        returns="readout(attention(tok(tokens) + pos(positions))), shape (B, T, V)",
        reference=ref.ReversalModel,
        make_cases=reversal_model_cases,
        produces=Produces(batch=(0,), axes=("B", "T", "V")),
        module=True,
        mistakes=(
            Mistake("whole-position-table", _whole_position_table, on_error=True),
            raised(
                "positions-from-tokens",
                "self.pos(tokens) looks up each token's VALUE in the position table. "
                "The positions are 0, 1, ..., T - 1: self.pos(torch.arange(tokens.shape[1])).",
                error=r"index out of range|out of bounds",
                source=r"pos\(\s*tokens\s*\)",
                both=True,
            ),
            raised(
                "positions-of-batch",
                "tokens.shape[0] is B, the number of sequences; the positions run along "
                "the tokens, T = tokens.shape[1]: self.pos(torch.arange(tokens.shape[1])).",
                error=r"must match the size of tensor b|out of range|out of bounds",
                source=r"(tokens|x)\.(shape\[0\]|size\(0\))",
                both=True,
            ),
            matches(
                "positions-from-tokens",
                "self.pos(tokens) looks up each token's VALUE in the position table. "
                "The positions are 0, 1, ..., T - 1: self.pos(torch.arange(tokens.shape[1])).",
                lambda *a: _tiny(*a, positions="tokens"),
                "positions looked up by token",
                with_init=True,
            ),
            matches(
                "no-positions",
                "The positions never reach the model: add self.pos(torch.arange(T)) to the token "
                "vectors before attention.",
                lambda *a: _tiny(*a, positions="none"),
                "the model without positions",
                with_init=True,
            ),
            matches(
                "positions-after-attention",
                "The positions were added after attention: attention itself then still "
                "cannot tell positions apart. Add them to the token vectors before attention.",
                lambda *a: _tiny(*a, positions="after"),
                "positions added after attention",
                with_init=True,
            ),
            matches(
                "positions-from-tokens",
                "self.pos(tokens) looks up each token's VALUE in the position table "
                "(clamped here to fit it). The positions are 0, 1, ..., T - 1: "
                "self.pos(torch.arange(tokens.shape[1])).",
                lambda *a: _tiny(*a, positions="tokens-clamped"),
                "positions looked up by token value, clamped to the table",
                with_init=True,
            ),
            matches(
                "positions-of-batch",
                "Each sentence got one position vector for all its tokens, the one of its "
                "index in the batch: torch.arange(tokens.shape[0]) counts the B sentences. The positions run along "
                "the tokens, T = tokens.shape[1]: self.pos(torch.arange(tokens.shape[1])).",
                lambda *a: _tiny(*a, positions="batch"),
                "position b added to every token of sentence b",
                with_init=True,
            ),
            matches(
                "positions-reversed",
                "Your positions run backwards, T - 1 down to 0: token i must get position i, "
                "self.pos(torch.arange(T)), so that the same position always means the same place. (Reversing "
                "is what the model should learn, not what its positions say.)",
                lambda *a: _tiny(*a, positions="reversed"),
                "positions T - 1, ..., 0",
                with_init=True,
            ),
            raised(
                "positions-from-1",
                lambda out: f"`{source_line(out, POSITIONS_FROM_1)}` starts the positions at 1: the first token is "
                "position 0, and the table's rows run 0 to seq_len - 1, so position T is past its end. Use "
                "torch.arange(T), 0 to T - 1.",
                error=r"index out of range",
                source=POSITIONS_FROM_1,
                both=True,
            ),
            matches(
                "positions-from-1",
                "Your positions start at 1: the first token is position 0, and the table has "
                "rows 0 to seq_len - 1. Use torch.arange(T), 0 to T - 1.",
                lambda *a: _tiny(*a, positions="from-1"),
                "positions 1, ..., T (the last clamped to the table)",
                with_init=True,
            ),
            matches(
                "positions-multiplied",
                lambda out: _combined_by(
                    out,
                    r"\*\s*self\.pos\b|pos\w*\([^)]*\)\s*\*|\bpos\w*\s*\*|attention\([^)]*\*",
                    "multiplies the token vectors by the position vectors",
                    "add them, so that each keeps its own information: token vectors + position vectors",
                ),
                lambda *a: _tiny(*a, positions="multiplied"),
                "token vectors times position vectors",
                with_init=True,
            ),
            matches(
                "tokens-scaled",
                lambda out: _combined_by(
                    out,
                    r"\*\s*(math\.sqrt|\w+\s*\*\*\s*0?\.5)|sqrt",
                    "multiplies the token vectors by √D before adding the positions, as the Transformer paper's "
                    "embeddings do",
                    "this model adds them as they are, token vectors + position vectors: drop the factor",
                ),
                _scaled_tokens,
                "token vectors times √D, plus position vectors",
                with_init=True,
            ),
            matches(
                "no-readout",
                "You returned attention's output, (B, T, D): the model ends with the read-out, "
                "self.readout(...), which gives a score for each of the V tokens, (B, T, V).",
                lambda *a: _tiny(*a, readout=False),
                "attention's output without the read-out",
                with_init=True,
            ),
            Mistake("scores-met-vectors", lambda case, out, expected: _scores_met_vectors(case, out), on_error=True),
        ),
    ),
]


LESSON = Lesson(
    number="05",
    title="Watching attention learn",
    notebook="05-watching-attention-learn",
    provides=("BagOfTokens", "MultiHeadAttention"),  # what its notebook imports from helpers.attention
    exercises=EXERCISES_05,
)

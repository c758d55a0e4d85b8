"""The words for a knob of an exercise's family (helpers/lessons/variants.py) turned away
from the right setting, part of step 2 (judging): what the student's output equals, and
what to do, in the student's terms where their code shows them (their argument names, their
line). helpers/explaining.py finds the knobs; this says them.

    describe(name, value, parts, out) -> (what the output equals, what to do)
"""

from __future__ import annotations

import re

from helpers import transforms
from helpers.lessons import reading, variants
from helpers.lessons.toolkit import source_line
from helpers.running import Outcome

ROLES = {"q": "queries", "k": "keys", "v": "values", "x": "input X"}


def _name(role: str, parts: variants.Parts, out: Outcome) -> str:
    """q, k or v as the student knows it: their argument's name, or the layer that makes it."""
    name = (parts.names or {}).get(role, role)
    if name.startswith("arg:"):
        args = reading.arguments(out)
        at = int(name[4:]) if name[4:].isdigit() else -1
        return args[at] if 0 <= at < len(args) else role
    return name


def _quoted(out: Outcome, pattern: str, verb: str, otherwise: str) -> str:
    line = source_line(out, pattern)
    return f"`{line}` {verb}" if line else otherwise


def _swap(value: str, parts: variants.Parts, out: Outcome) -> tuple[str, str]:
    """One of q, k, v replaced by another tensor: "v=q", "q=x", "v=v(q)"."""
    role, source = value.split("=")
    module = not (parts.names or {}).get("q", "").startswith("arg:") and parts.names is not None
    if source == "v(q)":  # the value layer handed the queries
        layer, q = _name("v", parts, out), _name("q", parts, out)
        said = _quoted(out, rf"{re.escape(layer)}\(\s*(?!X\b|x\b|inputs?\b|hidden\b)\w", "hands", "Your code hands")
        return (
            f"the values computed from the queries, {layer}(q), instead of from the input X",
            f"{said} {layer} the queries: every projection takes the input itself. v = self.{layer}(X), "
            f"as q = self.{q}(X).",
        )
    if source == "x":
        layer = _name(role, parts, out)
        return (
            f"the {ROLES[role]} taken as X itself, without their layer {layer}",
            f"The {ROLES[role]} are X projected by their own layer: {role} = self.{layer}(X). Your code uses X "
            f"where {role} belongs.",
        )
    mine, theirs = _name(role, parts, out), _name(source, parts, out)
    if module:
        line = source_line(out, rf"^\s*{role}\w*\s*=.*\b{re.escape(theirs)}\(")
        # one layer under two names (self.q_proj = self.k_proj = nn.Linear(...)): forward is right,
        # the constructor is not, so the message must point there, not at a line forward already has
        shared = source_line(
            out,
            rf"self\.{re.escape(mine)}\s*=\s*self\.{re.escape(theirs)}\b|self\.{re.escape(theirs)}\s*=\s*self\.{re.escape(mine)}\b",
        )
        if shared and not line:
            return (
                f"the {ROLES[role]} taken from the {ROLES[source]}' layer, {theirs}, instead of {mine}",
                f"`{shared}` makes {mine} and {theirs} one layer under two names, so your {ROLES[role]} are "
                f"the {ROLES[source]}. Give each its own: self.{mine} = nn.Linear(...) on a line of its own.",
            )
        said = f" (`{line}`)" if line else ""
        return (
            f"the {ROLES[role]} taken from the {ROLES[source]}' layer, {theirs}, instead of {mine}",
            f"Each of q, k, v has its own layer: {role} = self.{mine}(X). Your {ROLES[role]} are the "
            f"{ROLES[source]}, {source} = self.{theirs}(X){said}.",
        )
    if role == "v":
        said = _quoted(out, rf"@\s*{re.escape(theirs)}\b", "multiplies", "Your code multiplies")
        return (
            f"{theirs} in the place of {mine}: the weights multiply the {ROLES[source]}",
            f"{said} the weights by {theirs}, the {ROLES[source]}: the output is a weighted sum of the values, "
            f"weights @ {mine}.",
        )
    return (
        f"{theirs} in the place of {mine}: the scores compare the {ROLES[source]} with themselves",
        f"The scores compare each query with each key, {_name('q', parts, out)} @ {_name('k', parts, out)}"
        f".transpose(-2, -1): your code uses {theirs} on both sides.",
    )


def _axis(value: int, parts: variants.Parts) -> tuple[int, str]:
    """(the dim, counted from the front, and its name) of an axis the softmax took instead of the keys'."""
    dims = (parts.scores if parts.scores is not None else parts.q).dim() + (1 if parts.heads else 0)
    named = {-2: "the queries"}
    if dims == 4:
        named.update({-3: "the heads", -4: "the sentences"})
    elif dims == 3:
        named[-3] = "the sentences"
    return dims + value, named.get(value, f"dim {value}")


def _normalise(value: str, parts: variants.Parts, out: Outcome) -> tuple[str, str]:
    if value.startswith("renormalised:"):
        dim, where = _axis(int(value.split(":")[1]), parts)
        return (
            f"the softmax taken over dim {dim} ({where}) and each row then divided by its sum: the rows sum to 1, "
            "but the numbers stay those of a softmax over the other axis",
            "Take the softmax over the keys, the last dimension: softmax(..., dim=-1). It sums to 1 along each row "
            "by itself, so no division by the row's sum is needed afterwards: dividing the rows of a softmax over "
            "another axis makes them sum to 1 without making them a softmax over the keys.",
        )
    if value == "sigmoid":
        return (
            "a sigmoid in place of the softmax: each weight squashed on its own, so a query's weights no longer "
            "share 1",
            "The weights are a softmax over each query's row, torch.softmax(scores, dim=-1): exp of each score "
            "divided by the row's sum, so that the weights compete. A sigmoid looks at one score at a time.",
        )
    if value == "negated":
        said = _quoted(out, r"exp\([^-]*\b(max|amax|min|amin|m|c|shift)\b[^-]*-", "takes", "Your code takes")
        return (
            "the softmax of the scores with their sign flipped: the smallest score gets the largest weight",
            f"{said} exp of a number minus each score, exp(m - x) = exp(-(x - m)): the signs are the wrong way "
            "round. The softmax is exp(x - m): each score minus its row's maximum.",
        )
    said = _quoted(out, r"/\s*[\w.()\[\]]*\.sum\(|/\s*torch\.sum\(", "divides", "Your code divides")
    return (
        "the scores divided by their row's sum, with no exp: not a softmax",
        f"{said} the scores by their sum, so a weight is negative where its score is, and huge where a row "
        "sums to near 0. A softmax takes exp first: e = exp(x - max), then e / e.sum(dim=-1, keepdim=True).",
    )


def _mask(value: str, out: Outcome) -> tuple[str, str]:
    words = {
        "ignored": ("the mask left out", "Use the mask: fill the scores of masked keys with -inf before the softmax."),
        "inverted": (
            "the mask used the wrong way round (True hiding a key)",
            "In the course's masks True means 'may attend': hide the keys where the mask is False, "
            "masked_fill(~mask, float('-inf')).",
        ),
        "transposed": (
            "the mask transposed, read as (key, query) instead of (query, key)",
            "mask[i, j] says whether query i may attend key j: use it as it comes, without .transpose or .mT "
            "(a causal mask transposed lets each query see the future and hides the past).",
        ),
        "after": (
            "the masked weights set to 0 after the softmax, so the other weights of those rows no longer sum to 1",
            "Mask the scores before the softmax (-inf there), so that the softmax shares each row among the "
            "allowed keys only.",
        ),
        "after-inverted": (
            "the mask applied after the softmax and the wrong way round: the allowed keys' weights set to 0, the "
            "masked keys' kept",
            "In the course's masks True means 'may attend': fill where the mask is False, ~mask, and do it to the "
            "scores before the softmax: scores.masked_fill(~mask, float('-inf')).",
        ),
        "after-softmax-again": (
            "the weights masked after the softmax and then put through a softmax again: the masked zeros become "
            "exp(0) = 1 there, and the masked keys get weight back",
            "Mask the scores, with -inf, before the one softmax: exp(-inf) = 0 keeps the masked keys at 0. A "
            "second softmax of weights gives every 0 weight again.",
        ),
        "plus-inf": (
            "the masked scores filled with +inf instead of -inf",
            f"{_quoted(out, r'masked_fill', 'fills', 'Your code fills')} the masked scores with +inf: exp(inf) "
            "is inf, and inf / inf is NaN. Fill with float('-inf'), whose exp is 0.",
        ),
        "zero-fill": (
            "the masked scores set to 0 instead of -inf before the softmax",
            f"{_quoted(out, r'masked_fill', 'fills', 'Your code fills')} the masked scores with 0, and exp(0) = 1: "
            "the masked keys still get weight. Fill with float('-inf'), whose exp is 0.",
        ),
    }
    if value == "ignored" and reading.mask_not_used(out):  # a fill written, that does not reach the softmax
        return words[value][0], reading.mask_not_used(out)
    if value == "inverted" and source_line(out, r"masked_fill_?\(\s*~"):  # the fill advised is there
        return (
            words[value][0],
            "Your code fills where ~mask is True, as it should, so the mask it fills with was turned around on "
            "the way: check each ~, == 0 or logical_not applied to the mask before that line (in the course's "
            "masks True means 'may attend').",
        )
    if value in words:
        return words[value]
    shift = int(value.split(":")[1])
    return (
        f"the causal diagonal moved by {shift:+d}: "
        + ("each query also sees the key after it" if shift > 0 else "each query is hidden from its own key"),
        "Query i may attend keys j <= i: the diagonal included, nothing after it.",
    )


def _empty(value: str, out: Outcome) -> tuple[str, str]:
    if value == "all-allowed":
        said = _quoted(out, r"\.all\(|torch\.all\(", "picks", "Your test picks")
        return (
            "zeros in the rows where every key is allowed (mask.all) instead of the rows where none is",
            f"{said} the rows in which every key may be attended. A row needs zeros when its query may attend no "
            "key at all: ~mask.any(dim=-1, keepdim=True).",
        )
    said = _quoted(out, r"\.any\(|\.all\(", "looks", "Your test looks")
    return (
        "the rows without keys looked for along the queries (dim=-2) instead of the keys (dim=-1)",
        f"{said} along the wrong axis: a query's row is empty when none of its keys, the last dimension, is "
        "allowed: ~mask.any(dim=-1, keepdim=True).",
    )


def describe(name: str, value, parts: variants.Parts, out: Outcome) -> tuple[str, str]:
    """(what the output equals, what to do) for one knob turned."""
    sizes = parts.sizes or {}
    if name == "axis":
        dim, where = _axis(value, parts)
        line = source_line(out, r"softmax\(.*dim\s*=\s*-1\b")  # the fix below, written: what else turns the axes
        return (
            f"the softmax taken over dim {dim} ({where}) instead of the last dimension (the keys)",
            f"`{line}` takes dim=-1, but of a tensor whose last axis is not the keys, or its weights are turned "
            "afterwards: check each transpose or permute before and after it. The softmax's last axis must be the "
            "keys, and its rows the queries."
            if line
            else "Take the softmax over the keys, the last dimension: softmax(..., dim=-1), so that each query's row "
            "of weights sums to 1.",
        )
    if name == "scale":
        right = variants.right_scale(parts)
        return (
            f"the scores multiplied by {transforms.factor(value, sizes)} instead of {transforms.factor(right, sizes)}",
            f"Multiply the scores by {transforms.factor(right, sizes)}"
            + (f" ({parts.scale} = {sizes[parts.scale]})" if parts.scale else "")
            + ": compare each multiplication or division of the scores with that.",
        )
    if name == "scale_on":
        right = transforms.factor(variants.right_scale(parts), sizes)
        return (
            f"the values multiplied by {right} instead of the scores",
            f"The scale, {right}, belongs to the scores, before the softmax: softmax(q kᵀ × scale) v. Scaling the values "
            "leaves the softmax unscaled and shrinks the output.",
        )
    if name == "scores":
        said = _quoted(out, r"softmax\(", "gives", "Your softmax gives")
        return (
            "every key given the same weight: the softmax handed a constant instead of the scores",
            f"{said} every key the same weight, 1 / (the number of keys): what it is handed is the same number "
            "everywhere, not the scores q kᵀ. Hand it the scores.",
        )
    if name == "heads":
        return (
            "one pattern of weights for every head, from the scores of the whole width",
            "Each head compares its own d_head numbers: split q and k into heads first, (B, H, T, d_head), then "
            "q @ k.transpose(-2, -1) gives each head its own (T, T) scores. Scores of the whole width, copied to "
            "every head, make the heads alike.",
        )
    if name == "swap":
        return _swap(value, parts, out)
    if name == "normalise":
        return _normalise(value, parts, out)
    if name == "mask":
        return _mask(value, out)
    if name == "empty":
        return _empty(value, out)
    if name == "weights_T":
        return (
            "the weights transposed (the keys as rows) before they multiply v",
            "Multiply weights @ v with the weights as they come out of the softmax: row i, query i.",
        )
    if name == "split" and value == "swapped":
        line = source_line(out, r"split_heads\(.*d_head\s*\)")
        return (
            "the heads split into d_head heads of H numbers each, the two sizes swapped"
            + (f" (`{line}` gives split_heads d_head where it takes the number of heads)" if line else ""),
            "Split into num_heads heads of d_head numbers: split_heads(x, self.num_heads), "
            "x.view(B, T, H, d_head).transpose(1, 2).",
        )
    if name == "split" and value == "untransposed":
        return (
            "the heads split by view(B, T, H, d_head) alone, without transpose(1, 2): the scores then compare the "
            "heads of each token with each other, (B, T, H, H), instead of the tokens of each head, (B, H, T, T)",
            "After view(B, T, H, d_head), bring the heads in front of the tokens with .transpose(1, 2), giving "
            "(B, H, T, d_head) (split_heads does both), so that each head attends over the T tokens.",
        )
    if name == "split":
        return (
            "the heads split as (d_head, H): each head taking every H-th number of a token instead of one slice",
            "Split with x.view(B, T, H, d_head).transpose(1, 2): head h gets numbers h·d_head to (h+1)·d_head - 1.",
        )
    return (
        "the heads merged as (d_head, H), their numbers interleaved, instead of side by side",
        "Merge with out.transpose(1, 2).reshape(B, T, D): head 0's numbers first, then head 1's, ...",
    )


KEYS = {"axis": "softmax-axis", "weights_T": "weights-transposed", "scale_on": "scaled-values", "empty": "empty-rows"}


def key(name: str, value) -> str:
    """The key a found knob is reported under: found-<knob>, or for a swap, found-v-from-q."""
    if name == "swap":
        role, source = str(value).split("=")
        return f"{role}-from-{'x' if source == 'x' else source.replace('(', '-').rstrip(')')}"
    if name in ("scores", "heads"):
        return f"{name}-{value}"
    if name == "normalise" and str(value).startswith("renormalised:"):
        return "softmax-axis-renormalised"
    if name == "normalise" and value != "sigmoid":
        return f"normalise-{value}"
    if name == "mask" and value in ("after-inverted", "after-softmax-again", "plus-inf", "zero-fill"):
        return f"mask-{value}"
    return KEYS.get(name, name)

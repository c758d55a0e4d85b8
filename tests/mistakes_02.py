"""Wrong answers to lesson 02's exercises, written the way students write them.
Each entry of MISTAKES: (exercise id, wrong answer, mistake key, phrase of its message)."""

import math

import torch
import torch.nn.functional as F
from torch import nn


class NoSuperInit(nn.Module):
    def __init__(self, hidden_size):
        self.hidden_size = hidden_size

    def forward(self, x):
        return x


class NoSuperInitWithLayers(nn.Module):
    def __init__(self, hidden_size):
        self.linear_q = nn.Linear(hidden_size, hidden_size)


class Step2(nn.Module):
    """A right step 2, to build the wrong versions on."""

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5


class ScaleMultiplied(Step2):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.scale = hidden_size**0.5


class ScaleByD(Step2):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.scale = 1 / hidden_size


class SharedLayer(Step2):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.linear_q = self.linear_k = self.linear_v = nn.Linear(hidden_size, hidden_size)


class NoBias(Step2):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size, bias=False)


class MissingLayer(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_kv = nn.Linear(hidden_size, 2 * hidden_size)
        self.scale = hidden_size**-0.5


class Forward(Step2):
    """A right step 3; each subclass below breaks one line of it."""

    def attend(self, q, k, v):
        scores = q @ k.transpose(-2, -1) * self.scale
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return weights @ v

    def forward(self, x):
        return self.attend(self.linear_q(x), self.linear_k(x), self.linear_v(x))


class ForwardNoScale(Forward):
    def attend(self, q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
        self.last_weights = weights
        return weights @ v


class ForwardScaleByD(Forward):
    def attend(self, q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1) / self.hidden_size, dim=-1)
        self.last_weights = weights
        return weights @ v


class ForwardDividedByScale(Forward):
    def attend(self, q, k, v):
        scores = q @ k.transpose(-2, -1) / self.scale
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return weights @ v


class ForwardScaleMultiplied(Forward):
    def attend(self, q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1) * math.sqrt(self.hidden_size), dim=-1)
        self.last_weights = weights
        return weights @ v


class ForwardWrongAxis(Forward):
    def attend(self, q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=1)
        self.last_weights = weights
        return weights @ v


class ForwardKeysAsValues(Forward):
    def forward(self, x):
        return self.attend(self.linear_q(x), self.linear_k(x), self.linear_k(x))


class ForwardSharedProjection(Forward):
    def forward(self, x):
        q = self.linear_q(x)
        return self.attend(q, q, q)


class ForwardTransposedScores(Forward):
    def forward(self, x):
        return self.attend(self.linear_k(x), self.linear_q(x), self.linear_v(x))


class ForwardReturnsWeights(Forward):
    def forward(self, x):
        super().forward(x)
        return self.last_weights


class ForwardDotT(Forward):
    def forward(self, x):
        q, k, v = self.linear_q(x), self.linear_k(x), self.linear_v(x)
        weights = torch.softmax(q @ k.T * self.scale, dim=-1)
        self.last_weights = weights
        return weights @ v


class ForwardForgetsWeights(Forward):
    def forward(self, x):
        q, k, v = self.linear_q(x), self.linear_k(x), self.linear_v(x)
        return F.scaled_dot_product_attention(q, k, v)


class ForwardNotDetached(Forward):
    def attend(self, q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)
        self.last_weights = weights  # no .detach(): the graph of the forward pass stays alive
        return weights @ v


class ForwardKeepsScores(Forward):
    def attend(self, q, k, v):
        scores = q @ k.transpose(-2, -1) * self.scale
        self.last_weights = scores  # kept before the softmax
        return torch.softmax(scores, dim=-1) @ v


def entropy_nan_on_zeros(weights):
    return -(weights * torch.log(weights)).sum(dim=-1)


def entropy_wrong_sign(weights):
    return torch.xlogy(weights, weights).sum(dim=-1)


def entropy_in_bits(weights):
    return -torch.xlogy(weights, weights).sum(dim=-1) / math.log(2)


def entropy_wrong_axis(weights):
    return -torch.xlogy(weights, weights).sum(dim=0)


def qkv_softmax_of_unset_name(q, k, v):  # the bug handed out in 2.5
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # noqa: F841 - the bug: scores computed, then unused
    weights = torch.softmax(weights, dim=-1)  # noqa: F821
    return weights @ v


qkv_unimported_F = {}
exec(
    "def attention_from_qkv(q, k, v):\n"
    "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
    "    weights = F.softmax(scores, dim=-1)\n"
    "    return weights @ v\n",
    {"math": math, "torch": torch},
    qkv_unimported_F,
)
qkv_unimported_F = qkv_unimported_F["attention_from_qkv"]  # lesson 02 never imports F


def qkv_unscaled(q, k, v):
    return torch.softmax(q @ k.transpose(-2, -1), dim=-1) @ v


def qkv_keys_as_values(q, k, v):
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ k


def scores_times_sqrt_d(q, k):  # the bug handed out in 2.6
    return q @ k.transpose(-2, -1) * math.sqrt(q.shape[-1])


def scores_scaled_both(q, k):
    D = q.shape[-1]
    return (q / math.sqrt(D)) @ (k / math.sqrt(D)).transpose(-2, -1)


def scores_over_d(q, k):
    return q @ k.transpose(-2, -1) / q.shape[-1]


def scores_unscaled(q, k):
    return q @ k.transpose(-2, -1)


def scores_k_q(q, k):
    return k @ q.transpose(-2, -1) / math.sqrt(q.shape[-1])


class ForwardTransposedValues(Forward):
    def attend(self, q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)
        self.last_weights = weights
        return weights @ v.transpose(-2, -1)


def entropy_log2_without_care(weights):
    return -(weights * torch.log2(weights)).sum(dim=-1)


def entropy_abs(weights):
    return (weights * weights.log()).sum(dim=-1).abs()


def qkv_values_twice(q, k, v):
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v
    return weights @ v


def scores_over_sqrt_T(q, k):
    return q @ k.transpose(-2, -1) / math.sqrt(k.shape[-2])


# --- named from their outcomes (issue 11's second round)


class Step1(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size

    def forward(self, X):
        return X


class Step1NotAModule:
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size

    def forward(self, X):
        return X


class Step1OtherName(Step1):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        del self.hidden_size
        self.size = hidden_size


class Step1FixedSize(Step1):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.hidden_size = 32


class Step1ForwardEmptied(Step1):
    def forward(self, X):
        return None


class Step1SuperGetsSize(nn.Module):
    def __init__(self, hidden_size):
        super(Step1SuperGetsSize, self).__init__(hidden_size=hidden_size)
        self.hidden_size = hidden_size


class Step1ReturnsSelf(Step1):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        return self


class Step2NoScale(Step2):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        del self.scale


class ForwardKeysAsQueries(Forward):
    def forward(self, x):
        q = self.linear_q(x)
        return self.attend(q, q, self.linear_v(x))


class ForwardTimesX(Forward):
    def forward(self, x):
        return self.attend(self.linear_q(x), self.linear_k(x), x)


class ForwardScaledWeights(Forward):
    def attend(self, q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1) / math.sqrt(self.hidden_size)
        self.last_weights = weights.detach()
        return weights @ v


def entropy_kept_dim(weights):
    return -torch.xlogy(weights, weights).sum(-1, keepdim=True)


def entropy_of_everything(weights):
    return torch.special.entr(weights).sum()


def entropy_with_epsilon(weights):
    return -(weights * (weights + 1e-3).log()).sum(-1)


def qkv_softmax_over_queries(q, k, v):
    return F.softmax(q @ k.mT / math.sqrt(q.shape[-1]), dim=1) @ v


def qkv_no_softmax(q, k, v):
    return (q @ k.mT / math.sqrt(q.shape[-1])) @ v


def qkv_softmax_of_v(q, k, v):
    return (q @ k.mT / math.sqrt(q.shape[-1])) @ torch.softmax(v, -1)


def qkv_weights_transposed(q, k, v):
    weights = torch.softmax(q @ k.mT / math.sqrt(q.shape[-1]), dim=-1)
    return weights.transpose(1, 2) @ v


def qkv_returns_weights(q, k, v):
    return torch.softmax(q @ k.mT / math.sqrt(q.shape[-1]), dim=-1)


def scores_softmaxed(q, k):
    return torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=2)


def scores_features(q, k):
    return torch.einsum("btd,bte->bde", q, k) / math.sqrt(q.shape[-1])


class ForwardKeysFromQueryLayer(Forward):
    def forward(self, x):
        q = self.linear_q(x)
        k = self.linear_q(x)  # copied from the line above
        return self.attend(q, k, self.linear_v(x))


class ForwardQueriesFromKeyLayer(Forward):
    def forward(self, x):
        q = self.linear_k(x)  # copied from the line below
        k = self.linear_k(x)
        return self.attend(q, k, self.linear_v(x))


def qkv_softmax_of_q(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # noqa: F841 (the bug: scores made, then unused)
    weights = torch.softmax(q, dim=-1)
    return weights @ v


def qkv_weights_times_v_twice(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1) @ v
    return weights @ v


def entropy_boolean_index(weights):
    w = weights[weights > 0]  # flattens every row into one vector
    return -(w * w.log()).sum(dim=-1)


class StoresByComparing(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size == hidden_size

    def forward(self, x):
        return x


class ScaleByPrecedence(Step2):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.scale = hidden_size ** -1/2  # fmt: skip


class LayersWithoutBias(Step2):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.linear_q = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_k = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_v = nn.Linear(hidden_size, hidden_size, bias=False)


def scaled_by_precedence(q, k):
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) * d ** -1/2  # fmt: skip


class ForwardMisspelled(nn.Module):
    """Step 1 with forward spelled foward: nn.Module's own forward raises NotImplementedError,
    which is not the exercise's stub."""

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size

    def foward(self, X):
        return X


class Step3ForwardMisspelled(Step2):
    def foward(self, X):
        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        return torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1) @ v


# --- named from the fourth independent set (a development set): each class of mistake in code of our own


class Step1SizeOnTheClass(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        type(self).hidden_size = hidden_size  # one size for every instance: the last one built wins

    def forward(self, x):
        return x


class Step2MinusBeforePower(Step2):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.scale = -hidden_size ** 0.5  # fmt: skip


class ForwardWeightsDetachedForUse(Forward):
    def attend(self, q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1).detach()
        self.last_weights = weights
        return weights @ v


def qkv_scaled_scores_left_unused(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # noqa: F841 (the mistake: computed, never used)
    attn = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
    return attn @ v


class ForwardRoundsQueries(Forward):
    def forward(self, x):
        q = torch.round(self.linear_q(x) * 1e6) / 1e6  # "reproducible" queries, and a gradient of 0
        return self.attend(q, self.linear_k(x), self.linear_v(x))


def entropy_summed_over_dim_1(weights):
    return torch.special.entr(weights).sum(1)


def scores_sqrt_of_a_number(q, k):
    return q @ k.transpose(-2, -1) / torch.sqrt(q.shape[-1])


MISTAKES = [
    ("2.2", ForwardMisspelled, "no-forward", "spelled exactly so (forward, not foward)"),
    ("2.4", Step3ForwardMisspelled, "no-forward", "Your class has no forward method"),
    ("2.2", StoresByComparing, "compared-not-assigned", "Assign with a single =: self.hidden_size = hidden_size"),
    ("2.3", ScaleByPrecedence, "power-precedence", "** binds tighter than /"),
    ("2.3", LayersWithoutBias, "bias-off", "remove bias=False"),
    ("2.6", scaled_by_precedence, "power-precedence", "Write d ** -0.5"),
    ("2.4", ForwardKeysFromQueryLayer, "keys-never-used", "makes the keys with the query layer, so k equals q"),
    ("2.4", ForwardQueriesFromKeyLayer, "queries-never-used", "makes the queries with the key layer, so q equals k"),
    ("2.4", ForwardDividedByScale, "scale-multiplied", "`scores = q @ k.transpose(-2, -1) / self.scale` divides"),
    ("2.6", scores_scaled_both, "scale-by-d", "divides both q and k by √D"),
    ("2.5", qkv_softmax_of_q, "softmax-of-q", "gives softmax the queries q"),
    ("2.5", qkv_weights_times_v_twice, "extra-v", "multiplies by v a second time"),
    ("2.1", entropy_boolean_index, "summed-all", "picks the numbers where the mask is True, from every row at once"),
    ("2.2", NoSuperInit, "no-super-init", "must call super().__init__()"),
    ("2.3", NoSuperInitWithLayers, "no-super-init", "must call super().__init__()"),
    ("2.3", ScaleMultiplied, "scale-multiplied", "multiplied by √D instead of divided"),
    ("2.3", ScaleByD, "scale-by-d", "divided by D, not by √D"),
    ("2.3", SharedLayer, "shared-projection", "all came from one projection"),
    ("2.3", NoBias, "bias-off", "your module has no parameter linear_k.bias"),
    ("2.3", MissingLayer, "missing-layer", "no layer linear_k (yours: `self.linear_kv = nn.Linear"),
    ("2.4", ForwardNoScale, "no-scaling", "were not scaled"),
    ("2.4", ForwardScaleByD, "scale-by-d", "divided by D, not by √D"),
    ("2.4", ForwardScaleMultiplied, "scale-multiplied", "multiplied by √D instead of divided"),
    ("2.4", ForwardWrongAxis, "wrong-axis", "normalised over the queries"),
    ("2.4", ForwardKeysAsValues, "keys-as-values", "You multiplied the weights by k"),
    ("2.4", ForwardSharedProjection, "shared-projection", "all came from one projection"),
    ("2.4", ForwardTransposedScores, "transposed-scores", "Your scores are k qᵀ"),
    ("2.4", ForwardReturnsWeights, "returned-weights", "You returned the attention weights"),
    ("2.4", ForwardDotT, "dot-T-on-batch", "`.T` reverses every dimension"),
    ("2.4", ForwardForgetsWeights, "no-last-weights", "self.last_weights should hold the attention weights"),
    ("2.4", ForwardNotDetached, "not-detached", "self.last_weights = weights.detach()"),
    ("2.4", ForwardKeepsScores, "weights-are-scores", "self.last_weights holds the scores, before the softmax"),
    ("2.5", qkv_unimported_F, "undefined-name", "`F` was never imported in this notebook"),
    ("2.1", entropy_nan_on_zeros, "zero-log-zero", "0 × -inf is NaN"),
    ("2.1", entropy_wrong_sign, "wrong-sign", "Your entropies are negative"),
    ("2.1", entropy_in_bits, "log2", "log base 2"),
    ("2.1", entropy_wrong_axis, "wrong-axis", "summed over the wrong dimension"),
    ("2.5", qkv_softmax_of_unset_name, "softmax-wrong-tensor", "give it the scores"),
    ("2.5", qkv_unscaled, "no-scaling", "were not scaled. Divide q kᵀ by √D (/ math.sqrt(q.shape[-1]))"),
    ("2.5", qkv_keys_as_values, "keys-as-values", "weights @ v"),
    ("2.6", scores_times_sqrt_d, "scale-multiplied", "multiplied by √D instead of divided"),
    ("2.6", scores_over_d, "scale-by-d", "divided by D, not by √D"),
    ("2.6", scores_unscaled, "no-scaling", "Divide q kᵀ by √D (/ math.sqrt(D))"),
    ("2.6", scores_k_q, "transposed-scores", "Your scores are k qᵀ"),
    ("2.4", ForwardTransposedValues, "values-transposed", "v goes into the product as it is"),
    ("2.1", entropy_log2_without_care, "zero-log-zero", "0 × log 0 came out as NaN"),
    ("2.1", entropy_abs, "zero-log-zero", "0 × log 0 came out as NaN"),
    ("2.5", qkv_values_twice, "extra-v", "multiplies by v a second time"),
    ("2.6", scores_over_sqrt_T, "scale-wrong-size", "divided by √5, and 5 is T"),
    ("2.2", Step1NotAModule, "not-a-module", "must be an nn.Module"),
    ("2.2", Step1OtherName, "no-hidden-size", "Your __init__ stored self.size, but no self.hidden_size"),
    ("2.2", Step1FixedSize, "hidden-size-value", "expected self.hidden_size = 8"),
    ("2.2", Step1ForwardEmptied, "forward-changed", "Leave forward as it was given"),
    ("2.2", Step1SuperGetsSize, "super-init-args", "takes no arguments"),
    ("2.2", Step1ReturnsSelf, "init-returns", "__init__ must not return anything"),
    ("2.3", Step2NoScale, "no-scale", "Your module has no self.scale"),
    ("2.4", ForwardKeysAsQueries, "keys-never-used", "Your scores are q qᵀ"),
    ("2.4", ForwardTimesX, "weights-times-X", "multiplied X itself"),
    ("2.4", ForwardScaledWeights, "scale-after-softmax", "applied to the weights, after the softmax"),
    ("2.1", entropy_kept_dim, "shape-of-right-numbers", "an extra axis of size 1"),
    ("2.1", entropy_of_everything, "summed-all", "one entropy for the whole tensor"),
    ("2.1", entropy_with_epsilon, "epsilon", "Your ε = 0.001"),
    ("2.5", qkv_softmax_over_queries, "wrong-axis", "normalised over the queries"),
    ("2.5", qkv_no_softmax, "no-softmax", "The softmax is missing"),
    ("2.5", qkv_softmax_of_v, "softmax-wrong-tensor", "softmax was applied to v"),
    ("2.5", qkv_weights_transposed, "weights-transposed", "transposed before they multiplied v"),
    ("2.5", qkv_returns_weights, "returned-weights", "shape (B, T, D)"),
    ("2.6", scores_softmaxed, "softmaxed", "stops before the softmax"),
    ("2.6", scores_features, "qt-k", "compares features with features"),
    ("2.2", Step1SizeOnTheClass, "shared-state", "your module's result changed once two other instances"),
    ("2.3", Step2MinusBeforePower, "minus-before-power", "** binds tighter than the minus sign"),
    (
        "2.4",
        ForwardWeightsDetachedForUse,
        "no-gradient",
        "linear_q.weight, linear_q.bias, linear_k.weight received no gradient",
    ),
    ("2.5", qkv_scaled_scores_left_unused, "no-scaling", "your scaled scores"),
    ("2.4", ForwardRoundsQueries, "zero-gradient", "linear_q.weight, linear_q.bias received a gradient of exactly 0"),
    ("2.1", entropy_summed_over_dim_1, "dim-1-not-last", "it adds up each column instead of each row"),
    ("2.6", scores_sqrt_of_a_number, "sqrt-of-number", "torch.sqrt takes a tensor"),
]

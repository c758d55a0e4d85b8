"""Wrong answers to lesson 01's exercises, written the way students write them.

Each entry of MISTAKES is (exercise id, wrong answer, the mistake key the check must
report, a phrase its message must contain). tests/test_checks_01.py asserts every one is
caught that way. Keep them in a real file: the checks read a function's source to
recognise some mistakes (.T on a batch), as they do in a notebook.
"""

import numpy as np
import torch
import torch.nn.functional as F

# --- 1.1 pairwise_scores(X): (T, D) -> (T, T)


def scores_xt_x(X):
    return X.T @ X


def scores_cosine(X):
    unit = F.normalize(X, dim=-1)
    return unit @ unit.T


def scores_list_of_lists(X):
    return [[float(a @ b) for b in X] for a in X]


def scores_no_return(X):
    X @ X.T


def scores_integer(X):
    return (X @ X.T).long()


def scores_in_place(X):
    X /= X.norm(dim=-1, keepdim=True).max()  # "normalise first", writing into the caller's X
    return X @ X.T


def scores_numpy(X):
    T = X.shape[0]
    scores = np.zeros((T, T))
    for i in range(T):
        for j in range(T):
            scores[i, j] = float(torch.dot(X[i], X[j]))
    return torch.from_numpy(scores)


def scores_x_at_x(X):
    return X @ X


def unimported(source: str, **names):
    """A function defined where only `names` exist, as in a notebook that never imported the rest."""
    space = dict(names)
    exec(source, space)
    return space[source.split("(", 1)[0].removeprefix("def ")]


# --- 1.2 stable_softmax(scores): (..., S) -> (..., S)


def softmax_wrong_axis(scores):
    return torch.softmax(scores, dim=0)


def softmax_over_dim_1(scores):
    shifted = scores - scores.amax(dim=1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=1, keepdim=True)


def softmax_naive(scores):
    exps = scores.exp()
    return exps / exps.sum(dim=-1, keepdim=True)


def softmax_global_max(scores):
    exps = (scores - scores.max()).exp()
    return exps / exps.sum(dim=-1, keepdim=True)


def softmax_in_place(scores):
    scores -= scores.amax(dim=-1, keepdim=True)
    exps = scores.exp()
    return exps / exps.sum(dim=-1, keepdim=True)


def softmax_no_keepdim(scores):
    exps = (scores - scores.max(dim=-1).values).exp()
    return exps / exps.sum(dim=-1, keepdim=True)


def softmax_sum_no_keepdim(scores):
    exps = (scores - scores.amax(dim=-1, keepdim=True)).exp()
    return exps / exps.sum(dim=-1)


def softmax_max_tuple(scores):
    exps = (scores - scores.max(dim=-1, keepdim=True)).exp()  # a (values, indices) pair
    return exps / exps.sum(dim=-1, keepdim=True)


def softmax_raises(scores):
    raise ValueError("nope")  # stable_softmax( holds max( but calls nothing


def softmax_row_min(scores):
    exps = (scores - scores.min(dim=-1, keepdim=True).values).exp()  # fine until a row spans more than ~88
    return exps / exps.sum(dim=-1, keepdim=True)


def softmax_row_mean(scores):
    exps = (scores - scores.mean(dim=-1, keepdim=True)).exp()
    return exps / exps.sum(dim=-1, keepdim=True)


def softmax_float64(scores):
    shifted = scores.double() - scores.double().amax(dim=-1, keepdim=True)  # "for precision"
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)


softmax_unimported_F = unimported("def stable_softmax(scores):\n    return F.softmax(scores, dim=-1)\n", torch=torch)


# --- 1.3 attention_weights(X): (B, T, D) -> (B, T, T)


def weights_softmax_over_queries(X):  # the bug the exercise hands out
    scores = X @ X.transpose(-2, -1)
    return torch.softmax(scores, dim=1)


def weights_softmax_over_batch(X):
    scores = X @ X.transpose(-2, -1)
    return torch.softmax(scores, dim=0)


def weights_dot_T(X):
    return torch.softmax(X @ X.T, dim=-1)


def weights_no_softmax(X):
    return X @ X.transpose(-2, -1)


def weights_xt_x(X):
    return torch.softmax(X.transpose(-2, -1) @ X, dim=-1)


# --- 1.4 simple_self_attention(X): (B, T, D) -> (B, T, D)


def attention_dot_T(X):
    weights = torch.softmax(X @ X.T, dim=-1)
    return weights @ X


def attention_no_softmax(X):
    scores = X @ X.transpose(-2, -1)
    return scores @ X


def attention_returns_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=-1)
    out = weights @ X  # noqa: F841 - the bug: the output is computed and dropped
    return weights


def weights_transposed_after_softmax(X):
    return torch.softmax(X @ X.transpose(-2, -1), dim=-1).transpose(-2, -1)


def attention_weights_transposed(X):
    weights = torch.softmax(X @ X.transpose(-2, -1), dim=-1)
    return weights.transpose(-2, -1) @ X


def attention_wrong_axis(X):
    scores = X @ X.transpose(-2, -1)
    return torch.softmax(scores, dim=1) @ X


def attention_xt_x(X):
    weights = torch.softmax(X.transpose(-2, -1) @ X, dim=-1)
    return X @ weights


def attention_naive_softmax(X):
    exps = (X @ X.transpose(-2, -1)).exp()
    return exps / exps.sum(dim=-1, keepdim=True) @ X


def attention_in_place(X):
    X -= X.mean(dim=-1, keepdim=True)  # "centre the vectors", in place
    weights = torch.softmax(X @ X.transpose(-2, -1), dim=-1)
    return weights @ X


def attention_exits(X):
    raise SystemExit("bye")


def scores_each_with_itself(X):
    return (X * X).sum(dim=-1)


def scores_divided_by_width(X):
    return X @ X.T / X.shape[-1]


def softmax_sum_of_everything(scores):
    exps = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    return exps / exps.sum()


def weights_dim_left_out(X):
    return F.softmax(X @ X.transpose(-2, -1))  # the implicit dim is 0 for a 3-D tensor


def attention_transposed_values(X):
    return torch.softmax(X @ X.transpose(1, 2), dim=-1) @ X.transpose(1, 2)


def attention_x_times_weights(X):
    weights = torch.softmax(X @ X.transpose(-2, -1), dim=-1)
    return X @ weights


def softmax_exp_of_the_sum(scores):
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    return shifted.exp() / shifted.sum(dim=-1, keepdim=True).exp()


# --- named from their outcomes (issue 11's second round)


def scores_loops_stop_early(X):
    T = len(X)
    scores = torch.zeros(T, T)
    for i in range(T - 1):
        for j in range(T - 1):
            scores[i, j] = X[i] @ X[j]
    return scores


def scores_lower_triangle_only(X):
    T = len(X)
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(i + 1):
            scores[i, j] = X[i] @ X[j]
    return scores


def scores_row_token_twice(X):
    T = len(X)
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = (X[i] * X[i]).sum()
    return scores


def scores_distances(X):
    return torch.cdist(X, X)


def scores_softmaxed(X):
    return F.softmax(X @ X.T, dim=1)


def softmax_divided_by_max(scores):
    top = scores.max(dim=-1, keepdim=True).values
    e = torch.exp(scores / top)
    return e / e.sum(-1, keepdim=True)


def weights_scaled_by_D(X):
    return torch.softmax(X @ X.transpose(1, 2) / X.shape[2], dim=2)


def weights_times_X(X):
    weights = torch.softmax(X @ X.transpose(-2, -1), dim=-1)
    return weights @ X


def attention_scaled(X):
    scores = X @ X.mT * X.shape[-1] ** -0.5
    return torch.softmax(scores, -1) @ X


def attention_over_whole_batch(X):
    B, T, D = X.shape
    tokens = X.view(B * T, D)
    return (torch.softmax(tokens @ tokens.T, dim=-1) @ tokens).view(B, T, D)


def attention_transpose_batch(X):
    scores = X @ X.transpose(0, 1)  # swaps B and T, not T and D
    return torch.softmax(scores, dim=-1) @ X


def weights_softmax_without_dim(X):
    return torch.softmax(X @ X.transpose(-2, -1))  # dim is required


def attention_returns_weights_too(X):
    weights = torch.softmax(X @ X.transpose(-2, -1), dim=-1)
    out = weights @ X
    return out, weights


# --- named from the fourth independent set (a development set): each class of mistake in code of our own


def scores_zeros_made_for_each_row(X):
    n = X.shape[0]
    for a in range(n):
        table = torch.zeros(n, n)
        for b in range(n):
            table[a, b] = (X[a] * X[b]).sum()
    return table


def scores_returned_after_first_row(X):
    n = X.shape[0]
    table = torch.zeros(n, n)
    for a in range(n):
        table[a] = X @ X[a]
        return table


def scores_from_columns(X):
    n = X.shape[0]
    table = torch.zeros(n, n)
    for a in range(n):
        for b in range(n):
            table[a, b] = (X[:, a] * X[:, b]).sum()
    return table


def softmax_capped(scores):
    e = scores.clip(max=50.0).exp()  # keeps exp finite, and flattens every score above 50
    return e / e.sum(-1, keepdim=True)


def softmax_denominator_unshifted(scores):
    top = scores.amax(dim=-1, keepdim=True)
    return (scores - top).exp() / scores.exp().sum(dim=-1, keepdim=True)


def attention_summed_over_queries(X):
    w = torch.softmax(X @ X.mT, dim=-1)
    return (w[..., None] * X[:, None, :, :]).sum(1)  # (B, T, T, D) summed over the queries


def scores_rows_stop_early(X):
    n = X.shape[0]
    table = torch.zeros(n, n)
    for a in range(n - 1):  # one row short
        for b in range(n):
            table[a, b] = X[a] @ X[b]
    return table


def scores_for_six_tokens(X):
    n = 6  # the notebook's example sentence
    table = torch.zeros(n, n)
    for a in range(n):
        for b in range(n):
            table[a, b] = X[a] @ X[b]
    return table


def softmax_shifted_by_column_max(scores):
    e = (scores - scores.amax(1, keepdim=True)).exp()
    return e / e.sum(-1, keepdim=True)


def attention_for_the_example_batch(X):
    X = X.view(2, 6, 4)  # the notebook's example sizes
    return torch.softmax(X @ X.mT, dim=-1) @ X


def scores_products_not_summed(X):
    n = X.shape[0]
    table = torch.zeros(n, n)
    for a in range(n):
        for b in range(n):
            table[a, b] = X[a] * X[b]
    return table


MISTAKES = [
    ("1.4", attention_returns_weights_too, "returned-tuple", "`return out, weights` returns a tuple"),
    ("1.3", weights_softmax_without_dim, "softmax-no-dim", "torch.softmax(scores, dim=-1)"),
    (
        "1.4",
        attention_transpose_batch,
        "transposed-batch",
        "transpose(0, 1) swaps the first two axes of a (B, T, D) tensor",
    ),
    ("1.1", scores_xt_x, "xt-x", "Xᵀ X"),
    ("1.1", scores_cosine, "cosine", "cosine similarity"),
    ("1.1", scores_list_of_lists, "not-a-tensor", "got a list"),
    ("1.1", scores_no_return, "returned-none", "forget `return`"),
    ("1.1", scores_integer, "not-float", "torch.int64"),
    ("1.1", scores_in_place, "in-place", "changed the caller's tensor"),
    ("1.2", softmax_over_dim_1, "wrong-axis", "which is the last axis only when the scores are 2-D"),
    ("1.2", softmax_wrong_axis, "wrong-axis", "softmax over the wrong dimension"),
    ("1.2", softmax_naive, "overflow", "overflows on large scores"),
    ("1.2", softmax_global_max, "global-max", "each row's own maximum"),
    ("1.2", softmax_in_place, "in-place", "changed the caller's tensor"),
    ("1.2", softmax_no_keepdim, "no-keepdim", "scores.max(dim=-1).values).exp()` takes the max without keepdim"),
    ("1.2", softmax_sum_no_keepdim, "no-keepdim", "`return exps / exps.sum(dim=-1)` takes the sum without keepdim"),
    ("1.2", softmax_max_tuple, "max-tuple", "returns a pair (values, indices)"),
    ("1.2", softmax_raises, "raised", "your code raised ValueError: nope"),
    ("1.2", softmax_row_min, "row-min", "subtracts each row's minimum, not its maximum"),
    ("1.2", softmax_row_mean, "row-mean", "subtracts each row's mean, not its maximum"),
    ("1.2", softmax_float64, "float64", "expected a tensor of torch.float32, got torch.float64"),
    ("1.2", softmax_unimported_F, "undefined-name", "add `import torch.nn.functional as F`"),
    ("1.1", scores_numpy, "float64", "NumPy computes in float64"),
    ("1.1", scores_x_at_x, "missing-transpose", "X @ X.T"),
    ("1.3", weights_softmax_over_queries, "wrong-axis", "softmax ran over dim=-2 (the queries), or the right"),
    ("1.3", weights_transposed_after_softmax, "wrong-axis", "or the right weights were transposed afterwards"),
    ("1.3", weights_softmax_over_batch, "wrong-axis", "over dim=0 (the sentences)"),
    ("1.3", weights_dot_T, "dot-T-on-batch", "X.transpose(-2, -1)"),
    ("1.3", weights_no_softmax, "no-softmax", "softmax that turns them into weights is missing"),
    ("1.3", weights_xt_x, "xt-x", "Xᵀ X"),
    ("1.4", attention_dot_T, "dot-T-on-batch", "`.T` reverses every dimension"),
    ("1.4", attention_no_softmax, "no-softmax", "forget the softmax"),
    ("1.4", attention_returns_weights, "returned-weights", "You returned the attention weights"),
    ("1.4", attention_wrong_axis, "wrong-axis", "softmax ran over dim=-2 (the queries), or the right"),
    ("1.4", attention_weights_transposed, "wrong-axis", "or the right weights were transposed afterwards"),
    ("1.4", attention_xt_x, "xt-x", "Xᵀ X"),
    ("1.4", attention_naive_softmax, "overflow", "overflows on large scores"),
    ("1.4", attention_in_place, "in-place", "changed the caller's tensor"),
    ("1.4", attention_exits, "raised", "SystemExit: bye"),
    ("1.1", scores_each_with_itself, "diagonal-only", "You paired each token with itself only"),
    ("1.1", scores_divided_by_width, "proportional", "0.3333 times the right one = 1 / 3"),
    ("1.2", softmax_sum_of_everything, "softmax-over-matrix", "divides by the sum over the whole tensor"),
    ("1.3", weights_dim_left_out, "wrong-axis", "over dim=0 (the sentences)"),
    ("1.4", attention_transposed_values, "matmul-sizes", "The two sides of @ do not fit"),
    ("1.4", attention_x_times_weights, "weights-second", "The weights come first"),
    ("1.2", softmax_exp_of_the_sum, "not-normalised", "each row must sum to 1"),
    ("1.1", scores_loops_stop_early, "entries-left-zero", "range(T - 1) never reaches token T - 1"),
    ("1.1", scores_lower_triangle_only, "entries-left-zero", "the zeros are every score above the diagonal"),
    ("1.1", scores_row_token_twice, "same-token", "holds X[i] · X[i] for every j"),
    ("1.1", scores_distances, "distance", "the distances between tokens"),
    ("1.1", scores_softmaxed, "softmaxed", "the scores before any softmax"),
    ("1.2", softmax_divided_by_max, "divided-by-max", "SUBTRACTS it"),
    ("1.3", weights_scaled_by_D, "scaled", "dividing X Xᵀ by D"),
    ("1.3", weights_times_X, "returned-output", "this function stops at the weights"),
    ("1.4", attention_scaled, "scaled", "dividing X Xᵀ by √D"),
    ("1.4", attention_over_whole_batch, "across-batch", "X was flattened to (B·T, D)"),
    ("1.1", scores_zeros_made_for_each_row, "entries-left-zero", "each pass starts again from a new tensor of zeros"),
    ("1.1", scores_returned_after_first_row, "entries-left-zero", "returns during the loop's first pass"),
    ("1.1", scores_from_columns, "index-past-end", "X[:, a] takes column a of X, one of its 3 features"),
    ("1.2", softmax_capped, "clamped", "caps the scores at 50 instead of shifting them"),
    ("1.2", softmax_denominator_unshifted, "shifted-on-one-side", "the shift no longer cancels"),
    ("1.4", attention_summed_over_queries, "summed-over-queries", "over i, the queries (dim 1)"),
    ("1.1", scores_rows_stop_early, "entries-left-zero", "`for a in range(n - 1):` stops one token early"),
    ("1.1", scores_for_six_tokens, "index-past-end", "`n = 6` writes a size into the code"),
    ("1.2", softmax_shifted_by_column_max, "dim-1-not-last", "each number is shifted by its column's maximum"),
    ("1.4", attention_for_the_example_batch, "sizes-written-in", "writes sizes into the code (2, 6, 4)"),
    ("1.1", scores_products_not_summed, "vector-into-one-entry", "puts a whole vector into one entry"),
]

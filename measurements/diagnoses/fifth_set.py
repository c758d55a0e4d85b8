A = []
def add(ex, id, kind, bug, code):
    A.append(dict(ex=ex, id=id, kind=kind, bug=bug, code=code.strip("\n")))

add('1.1', 'skips-diagonal', 'wrong', 'The inner loop runs over range(i) and mirrors each entry, so only off-diagonal pairs are filled: every diagonal entry scores[i, i] (a token with itself, |X[i]|²) stays 0.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(i):                       # symmetric: compute the lower half, mirror it
            scores[i, j] = torch.dot(X[i], X[j])
            scores[j, i] = scores[i, j]
    return scores
""")

add('1.1', 'feature-columns', 'wrong', 'Takes columns X[:, i] and X[:, j] (one feature across all tokens) instead of token rows X[i] and X[j], so it computes dot products between features: IndexError when T > D, wrong numbers (a corner of Xᵀ X) when T ≤ D.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[:, i], X[:, j])
    return scores
""")

add('1.1', 'range-T-minus-1', 'wrong', 'Both loops run over range(T - 1), an off-by-one, so the last row and the last column of scores are never filled and stay 0.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T - 1):
        for j in range(T - 1):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")

add('1.1', 'cosine-similarity', 'wrong', 'Divides each dot product by the norms of the two vectors, computing cosine similarity instead of the plain dot product the exercise asks for (and NaN for an all-zero token).', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j]) / (X[i].norm() * X[j].norm())   # how similar, in [-1, 1]
    return scores
""")

add('1.1', 'row-assignment', 'wrong', 'Assigns to scores[i] (the whole row) instead of scores[i, j], so each pass of the inner loop overwrites the row and every entry of row i ends up equal to X[i] · X[T-1].', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i] = torch.dot(X[i], X[j])
    return scores
""")

add('1.1', 'scaled-by-sqrt-D', 'wrong', 'Divides every dot product by √D, a scaling the exercise does not ask for (it belongs to lesson 02), so all scores are too small by that factor.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T, D = X.shape
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j]) / D ** 0.5
    return scores
""")

add('1.1', 'triple-loop', 'right', 'Correct: a third loop over the D features adds up the products by hand instead of torch.dot.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            total = 0.0
            for d in range(X.shape[1]):
                total = total + X[i, d] * X[j, d]
            scores[i, j] = total
    return scores
""")

add('1.2', 'inplace-shift', 'wrong', "Subtracts the row maximum in place (scores -= m): the result is right, but the caller's scores tensor is overwritten with the shifted scores.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    scores -= scores.amax(dim=-1, keepdim=True)          # (..., S) - (..., 1)
    exps = scores.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add('1.2', 'max-without-keepdim', 'wrong', "Takes the row maximum without keepdim=True, so its shape (...,) lines up with the last (column) axis: it raises a size mismatch when the number of rows differs from S, and for square input subtracts row j's maximum from every entry of column j, which is not a constant shift within a row (so not a softmax of the row).", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    m = scores.amax(dim=-1)                              # each row's maximum
    exps = torch.exp(scores - m)
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add('1.2', 'global-max', 'wrong', "Subtracts a single maximum over the whole tensor instead of each row's own, so a row whose scores all lie far (about 100 or more) below the global maximum underflows to all zeros and gives 0/0 = NaN.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    shifted = scores - scores.max()                      # nothing can exceed 0 now
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add('1.2', 'sum-over-dim0', 'wrong', 'Shifts by the row maximum correctly but normalises by the sum over dim 0 instead of the last dimension, so columns (across rows) sum to 1 rather than each row; right only for 1-D input.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=0, keepdim=True)
""")

add('1.2', 'no-normalisation', 'wrong', "Returns exp(scores − max) without dividing by the row sum, so each row's largest entry is 1 and the rows sum to more than 1.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    shifted = scores - scores.amax(dim=-1, keepdim=True)   # every exponent is at most 0
    return shifted.exp()
""")

add('1.2', 'reversed-sign', 'wrong', 'Writes exp(m − scores) instead of exp(scores − m), which is the softmax of the negated scores: the smallest score gets the largest weight (and large spreads overflow).', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    m = scores.amax(dim=-1, keepdim=True)                # (..., 1)
    exps = torch.exp(m - scores)
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add('1.2', 'returns-log-softmax', 'wrong', 'Returns the log-softmax, shifted − log Σ exp(shifted), and never exponentiates it, so the result is negative log-weights rather than weights that sum to 1.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    return shifted - shifted.exp().sum(dim=-1, keepdim=True).log()
""")

add('1.2', 'float64', 'wrong', 'Converts the scores to float64 for extra precision and returns float64, while the course requires float32 in, float32 out.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    s = scores.double()                                  # more precision, to be safe
    s = s - s.amax(dim=-1, keepdim=True)
    exps = s.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add('1.2', 'clamp-instead-of-shift', 'wrong', 'Prevents overflow by clamping the scores at 80 instead of subtracting the row maximum, which changes the numbers: every score above 80 becomes 80, so rows of large scores come out uniform instead of favouring their largest score.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    safe = scores.clamp(max=80.0)                        # exp(80) still fits in float32
    exps = safe.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add('1.2', 'hard-coded-dim1', 'wrong', 'Hard-codes dim=1 for the maximum and the sum, which is the last dimension only for 2-D input: a 3-D (B, T, S) tensor is normalised over its middle axis, and a 1-D tensor raises IndexError.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    m = scores.amax(dim=1, keepdim=True)                 # (rows, S) -> (rows, 1)
    exps = torch.exp(scores - m)
    return exps / exps.sum(dim=1, keepdim=True)
""")

add('1.2', 'logsumexp', 'right', 'Correct: exp(scores − logsumexp(scores)), with torch.logsumexp doing the max-shift internally.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    log_norm = torch.logsumexp(scores, dim=-1, keepdim=True)   # (..., 1), computed stably
    return torch.exp(scores - log_norm)
""")

add('1.3', 'softmax-dim0', 'wrong', 'Changes dim=1 to dim=0, the sentence axis, so each (query, key) entry is normalised across the sentences of the batch instead of across the keys of its row.', """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=0)
    return weights
""")

add('1.3', 'fixed-the-wrong-line', 'wrong', 'Leaves the softmax on dim=1 and rewrites the scores line instead, as Xᵀ X: the scores become (B, D, D) dot products between features and the real bug (normalising over queries) remains.', """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X.transpose(-2, -1) @ X                       # (B, D, T) x (B, T, D)
    weights = torch.softmax(scores, dim=1)
    return weights
""")

add('1.3', 'adds-sqrt-D-scaling', 'wrong', "Fixes the axis but also divides the scores by √D, which the lesson's softmax(X Xᵀ) does not do, so every row of weights is flatter than expected.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.transpose(-2, -1) / X.shape[-1] ** 0.5  # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)
    return weights
""")

add('1.3', 'softmax-over-whole-matrix', 'wrong', "Flattens each sentence's (T, T) scores and takes one softmax over all T² entries, so a whole sentence's weights sum to 1 instead of each query's row.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    B, T, _ = X.shape
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores.reshape(B, T * T), dim=-1).reshape(B, T, T)
    return weights
""")

add('1.3', 'renormalise-rows-after', 'wrong', 'Keeps the softmax over dim=1 (the queries) and then divides each row by its sum, so the rows do sum to 1 but the values are not a softmax over the keys.', """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=1)
    weights = weights / weights.sum(dim=-1, keepdim=True)  # make every row sum to 1
    return weights
""")

add('1.3', 'symmetric-transpose', 'right', 'Correct: X Xᵀ is symmetric, so the softmax over dim=1 transposed in each sentence equals the softmax over the last dimension.', """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T), symmetric
    weights = torch.softmax(scores, dim=1).transpose(-2, -1)   # columns of a symmetric matrix are its rows
    return weights
""")

add('1.4', 'returns-weights', 'wrong', 'Stops after the softmax and returns the (B, T, T) weights, never multiplying them by X to get the (B, T, D) output.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                     # (B, T, D) x (B, D, T) -> (B, T, T)
    out = torch.softmax(scores, dim=-1)                  # (B, T, T)
    return out
""")

add('1.4', 'transposed-weights', 'wrong', "Multiplies X by the transposed weights, so token i's output mixes the tokens with column i of the weights (how much each query attends to i), which does not sum to 1, instead of row i.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                     # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)              # (B, T, T)
    out = weights.transpose(-2, -1) @ X                  # (B, T, T) x (B, T, D) -> (B, T, D)
    return out
""")

add('1.4', 'flattened-batch', 'wrong', 'Flattens the batch into one sequence of B·T tokens, so every token attends to the tokens of all the sentences and the sentences mix.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    B, T, D = X.shape
    flat = X.reshape(B * T, D)                           # (B, T, D) -> (B*T, D)
    weights = torch.softmax(flat @ flat.T, dim=-1)       # (B*T, D) x (D, B*T) -> (B*T, B*T)
    out = (weights @ flat).reshape(B, T, D)              # (B*T, D) -> (B, T, D)
    return out
""")

add('1.4', 'loop-keeps-last', 'wrong', "Loops over the sentences but overwrites out on every pass, so it returns only the last sentence's (T, D) output instead of all B stacked into (B, T, D).", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    for b in range(X.shape[0]):
        weights = torch.softmax(X[b] @ X[b].T, dim=-1)   # (T, D) x (D, T) -> (T, T)
        out = weights @ X[b]                             # (T, T) x (T, D) -> (T, D)
    return out
""")

add('1.4', 'adds-residual', 'wrong', 'Adds a residual connection, X + weights @ X, that the exercise does not ask for, so every output is shifted by its own input vector.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                     # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)              # (B, T, T)
    out = X + weights @ X                                # keep the token itself, as transformers do
    return out
""")

add('1.4', 'divide-by-row-sum', 'wrong', "Normalises the raw scores by their row sum instead of applying a softmax, so weights can be negative or larger than 1 (and infinite when a row's scores sum to 0).", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                     # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = scores / scores.sum(dim=-1, keepdim=True)  # each row sums to 1
    out = weights @ X                                    # (B, T, T) x (B, T, D) -> (B, T, D)
    return out
""")

add('1.4', 'softmax-without-dim', 'wrong', "Calls softmax without dim; for a 3-D tensor PyTorch's legacy implicit choice is dim 0, so the weights are normalised across the sentences of the batch, not across keys.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                     # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.nn.functional.softmax(scores)        # (B, T, T)
    out = weights @ X                                    # (B, T, T) x (B, T, D) -> (B, T, D)
    return out
""")

add('1.4', 'einsum', 'right', "Correct: the two products written with torch.einsum and the course's stable_softmax.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = torch.einsum("bid,bjd->bij", X, X)          # (B, T, D), (B, T, D) -> (B, T, T)
    weights = stable_softmax(scores)                     # (B, T, T), rows sum to 1
    out = torch.einsum("bij,bjd->bid", weights, X)       # (B, T, T), (B, T, D) -> (B, T, D)
    return out
""")

add('2.1', 'log-of-zero', 'wrong', 'Computes −Σ w · log w directly, so any weight of exactly 0 gives 0 · log 0 = 0 · (−inf) = NaN instead of contributing 0.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return -(weights * torch.log(weights)).sum(dim=-1)
""")

add('2.1', 'missing-minus', 'wrong', 'Sums w · log w with torch.xlogy but drops the minus sign, returning the negative of the entropy (values ≤ 0).', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return torch.xlogy(weights, weights).sum(dim=-1)
""")

add('2.1', 'bits-not-nats', 'wrong', 'Uses log base 2, giving the entropy in bits instead of nats, too large by a factor 1/ln 2 ≈ 1.44.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    w = weights.clamp_min(1e-30)                        # log of 0 is -inf; 0 * log(1e-30) is 0
    return -(weights * torch.log2(w)).sum(dim=-1)
""")

add('2.1', 'mean-not-sum', 'wrong', 'Averages the −w log w terms over the row instead of summing them, so the entropy is divided by S.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return torch.special.entr(weights).mean(dim=-1)
""")

add('2.1', 'keepdim', 'wrong', 'Keeps the summed dimension (keepdim=True), returning shape (..., 1) instead of (...,).', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return torch.special.entr(weights).sum(dim=-1, keepdim=True)
""")

add('2.1', 'inplace-zero-patch', 'wrong', "Replaces the zero weights by 1 in place so that their terms become 1 · log 1 = 0: the entropies are right, but the caller's weights tensor is modified.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    weights[weights == 0] = 1.0                          # 1 * log 1 = 0, exactly what 0 * log 0 should give
    return -(weights * torch.log(weights)).sum(dim=-1)
""")

add('2.1', 'boolean-index-flattens', 'wrong', 'Drops the zeros with boolean indexing, weights[weights > 0], which flattens the tensor to 1-D, so the sum over dim=-1 adds up every row and returns one number.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    w = weights[weights > 0]                             # 0 * log 0 counts as 0, so leave the zeros out
    return -(w * torch.log(w)).sum(dim=-1)
""")

add('2.1', 'normalised-entropy', 'wrong', 'Divides the entropy by log S, returning the normalised entropy in [0, 1] rather than the entropy in nats the exercise asks for.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    S = weights.shape[-1]
    return torch.special.entr(weights).sum(dim=-1) / math.log(S)   # 1 for a uniform row
""")

add('2.1', 'nan-to-num', 'right', 'Correct: computes w · log w plainly and turns the NaN of 0 · log 0 into 0 with nan_to_num before summing.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    terms = torch.nan_to_num(weights * torch.log(weights), nan=0.0)   # 0 * -inf = nan -> 0
    return -terms.sum(dim=-1)
""")

add('2.2', 'no-super-init', 'wrong', "Never calls super().__init__(), so nn.Module's internal state (parameter dicts, hooks) is never set up and the module fails with AttributeError as soon as it is used (called, or asked for its parameters).", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        self.hidden_size = hidden_size

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.2', 'super-with-argument', 'wrong', 'Passes hidden_size to super().__init__(), which nn.Module does not accept, so constructing the module raises a TypeError.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.hidden_size = hidden_size

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.2', 'glossary-name', 'wrong', 'Stores the width as self.d_model (a name from the glossary) instead of self.hidden_size, so the attribute the exercise asks for does not exist.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.d_model = hidden_size

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.2', 'reversed-assignment', 'wrong', 'Writes the assignment backwards, hidden_size = self.hidden_size, which reads an attribute that does not exist yet, so constructing the module raises AttributeError.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        hidden_size = self.hidden_size

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.2', 'hidden-size-parameter', 'wrong', 'Stores hidden_size as a trainable nn.Parameter holding a float tensor instead of the plain int, so the empty module gains a parameter and hidden_size is no longer an integer.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = nn.Parameter(torch.tensor(float(hidden_size)))   # registered with the module

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.3', 'scale-positive-exponent', 'wrong', 'Drops the minus sign: self.scale = hidden_size ** 0.5 is √D instead of 1/√D.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** 0.5

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.3', 'scale-precedence', 'wrong', 'Writes hidden_size ** -1 / 2, which Python evaluates as (1/D) / 2 = 1/(2D), not D^(−1/2) = 1/√D.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -1 / 2

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.3', 'one-shared-layer', 'wrong', 'Chains the assignment, so linear_q, linear_k and linear_v are the same nn.Linear object: queries, keys and values share one set of weights and the module has a third of the parameters.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = self.linear_k = self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.3', 'raw-weight-parameters', 'wrong', 'Creates raw (D, D) nn.Parameter matrices instead of nn.Linear layers, so there is no bias, no .weight/.bias to load, and linear_q(X) cannot be called.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Parameter(torch.randn(hidden_size, hidden_size))   # W_q
        self.linear_k = nn.Parameter(torch.randn(hidden_size, hidden_size))   # W_k
        self.linear_v = nn.Parameter(torch.randn(hidden_size, hidden_size))   # W_v
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.3', 'no-bias', 'wrong', "Creates the three layers with bias=False, so the biases b_q, b_k, b_v of the lesson's q = X W_q + b_q are missing (3·D parameters fewer).", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_k = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_v = nn.Linear(hidden_size, hidden_size, bias=False)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.3', 'proj-names', 'wrong', 'Names the layers q_proj, k_proj and v_proj (names from the glossary) instead of linear_q, linear_k and linear_v, so nothing can be found or loaded under the required names.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.q_proj = nn.Linear(hidden_size, hidden_size)
        self.k_proj = nn.Linear(hidden_size, hidden_size)
        self.v_proj = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add('2.4', 'divides-by-scale', 'wrong', 'Divides the scores by self.scale, which is already 1/√D, so the scores are multiplied by √D instead of divided by it.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'weights-times-X', 'wrong', 'Multiplies the weights by X instead of by the value projection v, so linear_v is computed but never used (its parameters get no gradient).', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ X                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'detached-before-use', 'wrong', 'Detaches the weights before using them for the output (not only for the stored copy), so the output is right but no gradient reaches linear_q and linear_k.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1).detach()                   # (B, T, T)
        self.last_weights = weights
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'k-times-q', 'wrong', 'Computes k qᵀ instead of q kᵀ, so the score matrix is transposed: row i holds how key i matches every query, and the softmax normalises the wrong way.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = k @ q.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'keeps-scores', 'wrong', 'Stores the scaled scores in self.last_weights instead of the softmax weights, so the output is right but the kept matrix is not weights (its rows do not sum to 1).', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        self.last_weights = scores.detach()
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'never-keeps-weights', 'wrong', 'Never assigns self.last_weights, so it is still None after forward (the output itself is right).', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'linear-q-for-all', 'wrong', 'Uses linear_q for the keys and the values too, so linear_k and linear_v are never used (no gradient) and the scores are symmetric again, as in lesson 01.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q = k = v = self.linear_q(X)                                       # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'scale-after-softmax', 'wrong', 'Multiplies by the scale after the softmax, on the weights, so the softmax sees unscaled scores and the weights no longer sum to 1 (they sum to 1/√D).', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1)                                   # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1) * self.scale               # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'returns-tuple', 'wrong', 'Returns the pair (out, weights), as nn.MultiheadAttention does, instead of out alone.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out, weights
""")

add('2.4', 'values-from-queries', 'wrong', 'Computes the values from the queries, linear_v(q), instead of from X, chaining two projections.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q = self.linear_q(X)                                               # (B, T, D)
        k = self.linear_k(X)                                               # (B, T, D)
        v = self.linear_v(q)                                               # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'keeps-first-sentence', 'wrong', "Keeps only the first sentence's weights, weights[0] of shape (T, T), in self.last_weights instead of the whole (B, T, T) (the output is right).", """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        self.last_weights = weights[0].detach()                            # (T, T), the one we plot
        out = weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'sdpa-output', 'right', "Correct: the output from PyTorch's fused scaled_dot_product_attention (whose default scale is 1/√D), the weights computed separately for plotting.", """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        '''X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.'''

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v)   # (B, T, D), scale 1/sqrt(D)
        with torch.no_grad():
            self.last_weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)   # (B, T, T)
        return out
""")

add('2.5', 'recomputed-unscaled', 'wrong', 'Fixes the NameError by recomputing q kᵀ inside the softmax, which drops the division by √d: the scaled scores from the line above are never used.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)     # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('2.5', 'softmax-removed', 'wrong', 'Deletes the broken softmax line and multiplies the raw scaled scores by v, so no softmax is applied at all.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    return scores @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('2.5', 'returns-weights', 'wrong', "Fixes the softmax's input but returns the (B, T, T) weights instead of weights @ v.", """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                      # (B, T, T)
    return weights
""")

add('2.5', 'scaled-twice', 'wrong', 'Divides the already scaled scores by √d a second time inside the softmax, so the scores are divided by d.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores / math.sqrt(q.shape[-1]), dim=-1)   # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('2.5', 'weights-initialised-to-ones', 'wrong', 'Silences the error by initialising weights = torch.ones_like(scores) before the softmax, which turns those ones into uniform weights 1/T: the output is the plain average of v, ignoring the scores.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.ones_like(scores)                            # give weights a value first
    weights = torch.softmax(weights, dim=-1)                     # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('2.6', 'divides-by-d', 'wrong', 'Divides by d instead of √d, so the scores are too small by a further factor √d.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) / d                           # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add('2.6', 'sqrt-of-T', 'wrong', 'Divides by the square root of q.shape[1], which is T (the number of tokens), not d (the numbers per query).', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[1])       # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add('2.6', 'adds-softmax', 'wrong', 'Fixes the division but also applies a softmax, returning attention weights instead of the scaled scores the function is meant to return.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)   # (B, T, T)
""")

add('2.6', 'floor-division', 'wrong', 'Uses floor division // instead of /, so every scaled score is rounded down to a whole number.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) // math.sqrt(d)              # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add('2.6', 'divides-by-measured-std', 'wrong', 'Divides the scores by their measured standard deviation over the whole batch instead of by √d, so the scale depends on the data rather than being exactly 1/√d.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    scores = q @ k.transpose(-2, -1)                            # (B, T, d) x (B, d, T) -> (B, T, T)
    return scores / scores.std()                                # spread near 1, as section 3 wants
""")

add('2.6', 'scale-q-first', 'right', 'Correct: multiplies q by d ** -0.5 before the product, which gives the same scaled scores.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return (q * d ** -0.5) @ k.transpose(-2, -1)                # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add('3.1', 'upper-triangle', 'wrong', 'Takes the upper triangle with triu() (j ≥ i), so each query may attend to itself and the future instead of itself and the past.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.ones(T, T, dtype=torch.bool).triu()
""")

add('3.1', 'diagonal-excluded', 'wrong', 'Uses tril(diagonal=-1), which leaves out the diagonal: no token may attend to itself, and the first row has nothing at all to attend to.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal=-1)   # strictly the past
""")

add('3.1', 'ignore-convention', 'wrong', "Returns True for the future keys (j > i), nn.MultiheadAttention's 'may not attend' convention, exactly the inverse of the course's True = may attend.", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)     # the positions to hide
""")

add('3.1', 'additive-float-mask', 'wrong', 'Returns an additive float mask, 0 where attending is allowed and −inf where it is not, instead of booleans with True where j ≤ i.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.full((T, T), float("-inf")).triu(diagonal=1)      # add it to the scores
""")

add('3.1', 'extra-batch-axis', 'wrong', 'Adds a leading batch axis with unsqueeze(0), returning shape (1, T, T) instead of (T, T).', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.ones(T, T, dtype=torch.bool).tril().unsqueeze(0)  # (1, T, T), ready for a batch
""")

add('3.1', 'one-step-ahead', 'wrong', 'Uses tril(diagonal=1), which also lets each query see the next token j = i + 1, one position into the future.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal=1)
""")

add('3.1', 'arange-comparison', 'right', 'Correct: compares a column of query positions with a row of key positions, j <= i, by broadcasting.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    positions = torch.arange(T)
    return positions[None, :] <= positions[:, None]               # (1, T) <= (T, 1) -> (T, T)
""")

add('3.2', 'less-or-equal', 'wrong', "Compares j <= lengths[b] instead of j < lengths[b], an off-by-one that marks each sentence's first padding position as a real token.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    return (torch.arange(T) <= lengths[:, None])[:, None, :]      # (T,) vs (B, 1) -> (B, T) -> (B, 1, T)
""")

add('3.2', 'no-query-axis', 'wrong', 'Returns the (B, T) comparison without inserting the query axis, so the shape is (B, T) instead of (B, 1, T).', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    return torch.arange(T) < lengths[:, None]                     # (T,) vs (B, 1) -> (B, T)
""")

add('3.2', 'axis-at-the-end', 'wrong', 'Inserts the new axis last, [:, :, None], giving (B, T, 1): against (B, T, T) scores it masks whole rows of padded queries instead of columns of padded keys.', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    return (torch.arange(T) < lengths[:, None])[:, :, None]       # (B, T) -> (B, T, 1)
""")

add('3.2', 'tokens-first-table', 'wrong', 'Compares arange(T)[:, None] with lengths, building a (T, B) table with tokens first, so the result has shape (T, 1, B) with tokens and sentences swapped.', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    real = torch.arange(T)[:, None] < lengths                     # (T, 1) vs (B,) -> (T, B)
    return real[:, None, :]
""")

add('3.2', 'true-means-padding', 'wrong', "Marks padding as True (j >= lengths[b]), the convention of nn.MultiheadAttention's key_padding_mask, which is the inverse of the course's True = real token.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    return (torch.arange(T) >= lengths[:, None])[:, None, :]      # (B, 1, T): True at the <pad> keys
""")

add('3.2', 'masks-queries-too', 'wrong', 'Also masks the padded queries, returning a (B, T, T) mask whose padded rows are all False, instead of the (B, 1, T) mask of keys the exercise asks for.', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    real = torch.arange(T) < lengths[:, None]                     # (B, T)
    return real[:, :, None] & real[:, None, :]                    # (B, T, 1) & (B, 1, T) -> (B, T, T)
""")

add('3.2', 'overwrites-T', 'wrong', 'Overwrites the T argument with the longest length, so when the batch is padded beyond its longest sentence the mask is too short: (B, 1, max length) instead of (B, 1, T).', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    T = int(lengths.max())                                        # the longest sentence sets the width
    return (torch.arange(T) < lengths[:, None])[:, None, :]       # (B, 1, T)
""")

add('3.2', 'stacked-rows', 'right', 'Correct: one boolean row per sentence built in a loop, stacked and given the query axis.', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    rows = []
    for n in lengths.tolist():
        row = torch.zeros(T, dtype=torch.bool)
        row[:n] = True
        rows.append(row)
    return torch.stack(rows).unsqueeze(1)                          # (B, T) -> (B, 1, T)
""")

add('3.3', 'masked-fill-in-place', 'wrong', "Uses masked_fill_ (with the underscore), so the result is right but the caller's scores are overwritten with −inf at every masked position.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    scores.masked_fill_(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
""")

add('3.3', 'nan-rows-kept', 'wrong', 'Does not handle rows whose keys are all masked: all their scores are −inf and softmax returns NaN for them instead of zeros.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
""")

add('3.3', 'minus-1e9', 'wrong', 'Fills masked scores with −1e9 instead of −inf and adds no special case, so a row with every key masked comes out uniform (1/T on each masked key) instead of all zeros.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    return torch.softmax(scores.masked_fill(~mask, -1e9), dim=-1)   # finite, so never NaN
""")

add('3.3', 'true-means-masked', 'wrong', "Treats True as 'masked' (fills where mask is True), the inverse of the course's convention, so only the keys that should be hidden take part and the allowed ones get 0.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    return weights.masked_fill(mask.all(dim=-1, keepdim=True), 0.0)
""")

add('3.3', 'all-instead-of-any', 'wrong', 'Finds the empty rows with mask.all(dim=-1) instead of ~mask.any(dim=-1), so rows in which every key is allowed are zeroed and fully masked rows stay NaN.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(mask.all(dim=-1, keepdim=True), 0.0)
""")

add('3.3', 'inserts-query-axis', 'wrong', 'Inserts a query axis into the mask (mask[:, None, :]) as if it were a (B, T) key mask, so a (T, T) mask no longer broadcasts against (B, T, T) scores and (B, 1, T) or (B, T, T) masks produce a 4-D (B, B, T, T) result.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    mask = mask[:, None, :]                                       # one row of keys per sentence, for every query
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
""")

add('3.3', 'plus-inf', 'wrong', 'Fills the masked scores with +inf instead of −inf, so every row that has a masked key becomes NaN (inf − inf inside the softmax) instead of ignoring that key.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(~mask, float("inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
""")

add('3.3', 'empty-rows-by-sum', 'wrong', 'Looks for empty rows by testing whether the weights sum to 0, but a fully masked row is NaN (0/0) and its sum is NaN, not 0, so it is never zeroed.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    empty = weights.sum(dim=-1, keepdim=True) == 0                # rows with nothing to attend to
    return weights.masked_fill(empty, 0.0)
""")

add('3.3', 'one-minus-bool', 'wrong', 'Uses the tutorial recipe scores + (1 − mask) · (−1e9), but subtraction is not defined for a boolean tensor, so 1 − mask raises a RuntimeError.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores + (1 - mask) * -1e9, dim=-1)   # masked keys get a huge negative score
    return weights * mask.any(dim=-1, keepdim=True)
""")

add('3.3', 'empty-rows-wrong-axis', 'wrong', 'Detects empty rows with mask.any(dim=-2) (over queries) instead of dim=-1 (over keys), so a fully masked query row of a (T, T) or (B, T, T) mask keeps its NaNs.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-2, keepdim=True), 0.0)
""")

add('3.3', 'log-of-mask', 'right', 'Correct: adds log(mask) (0 where allowed, −inf where masked) to the scores, then turns the NaN of fully masked rows into zeros with nan_to_num.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    additive = torch.log(mask.to(scores.dtype))                   # log 1 = 0, log 0 = -inf
    weights = torch.softmax(scores + additive, dim=-1)            # a new tensor; scores untouched
    return torch.nan_to_num(weights, nan=0.0)                     # rows with every key masked -> 0
""")

add('3.4', 'fill-zero-before-softmax', 'wrong', 'Moves the mask before the softmax but keeps the fill value 0.0, so masked keys get score 0, which softmax turns into a positive weight e⁰/Σ instead of 0.', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores.masked_fill(~mask, 0.0), dim=-1)   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'softmax-again', 'wrong', 'Applies a second softmax to the masked weights to make the rows sum to 1, but the masked zeros become e⁰ = 1 in that softmax, so masked keys get weight again and the values are a softmax of probabilities.', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)   # (B, T, T)
    weights = torch.softmax(weights, dim=-1)                     # rows sum to 1 again
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'transposed-mask', 'wrong', "Masks the scores before the softmax but transposes the mask first, so it hides by query instead of by key: a (B, 1, T) padding mask becomes (B, T, 1), padded keys stay visible and the padded queries' rows become all −inf (NaN), and a causal mask becomes its transpose, letting every query see the future instead of the past.", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    scores = scores.masked_fill(~mask.transpose(-2, -1), float("-inf"))
    weights = torch.softmax(scores, dim=-1)                      # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'renormalise-over-queries', 'wrong', 'Keeps the mask after the softmax and renormalises, but divides by the sum over dim=1 (the queries, down each column) instead of the last dimension, so the rows still do not sum to 1 (and a key column that every query masks becomes 0/0 = NaN).', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)   # (B, T, T)
    weights = weights / weights.sum(dim=1, keepdim=True)         # renormalise what is left
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'drops-the-tilde', 'wrong', "Takes the ~ to be the bug and fills where mask is True, so the allowed keys' weights are zeroed and the masked keys keep theirs (still after the softmax).", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1).masked_fill(mask, 0.0)   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.5', 'out-proj-unused', 'wrong', 'Defines out_proj in __init__ but returns weights @ v without applying it, so out_proj is never used (its gradient stays None) and the output lacks the final projection.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)                          # (B, T, T)
        self.last_weights = weights.detach()
        return weights @ v                                                  # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'mask-ignored', 'wrong', 'Accepts the mask argument but never uses it: the softmax always runs over every key, so padded and future keys get weight.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                            # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                   # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'keeps-unmasked-weights', 'wrong', 'Stores the plain, unmasked softmax of the scores in self.last_weights while the output uses the masked weights, so the kept weights put weight on masked keys (the output is right).', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        self.last_weights = torch.softmax(scores, dim=-1).detach()         # for plotting
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)                          # (B, T, T)
        return self.out_proj(weights @ v)                                   # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'head-axis-unsqueeze', 'wrong', 'Gives the mask a head axis with mask.unsqueeze(1), a lesson 04 step, although a single head has no head axis: a (B, 1, T) mask becomes (B, 1, 1, T) and broadcasts the weights to 4-D, and a (T, T) mask becomes (T, 1, T), which lines its first axis up with the batch.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask.unsqueeze(1))            # reach every query
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                   # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'sqrt-of-T', 'wrong', 'Scales the scores by 1/√(X.shape[1]), which is 1/√T (tokens), instead of 1/√D with D = X.shape[-1].', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[1])           # (B, T, D) x (B, D, T) -> (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)                          # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                   # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'inverts-mask', 'wrong', "Inverts the mask before passing it on (~mask, nn.MultiheadAttention's True = ignore), so the head attends only to the keys that should be hidden.", """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, ~mask)                         # True = ignore
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                   # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'out-proj-built-in-forward', 'wrong', 'Creates the output projection inside forward, a fresh randomly initialised nn.Linear on every call that is not a registered parameter, so the output is random and out_proj can never be trained or loaded.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        D = X.shape[-1]
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(D)                    # (B, T, D) x (B, D, T) -> (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)                          # (B, T, T)
        self.last_weights = weights.detach()
        out_proj = nn.Linear(D, D)
        return out_proj(weights @ v)                                        # (B, T, D)
""")

add('3.5', 'scale-only-without-mask', 'wrong', 'Applies the 1/√D scale only in the no-mask branch, so whenever a mask is given the softmax sees unscaled scores.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1)                                   # (B, T, D) x (B, D, T) -> (B, T, T)
        if mask is None:
            weights = torch.softmax(scores * self.scale, dim=-1)
        else:
            weights = masked_softmax(scores, mask)                          # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                   # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'adds-dropout', 'wrong', 'Adds dropout on the weights with F.dropout, whose training argument defaults to True, which the exercise does not ask for: the output is random from call to call and the rows no longer sum to 1.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)                          # (B, T, T)
        weights = F.dropout(weights, p=0.1)                                 # as in the Transformer paper
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                   # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'mask-without-default', 'wrong', 'Declares forward(self, X, mask) without the default mask=None, so calling the head without a mask, head(X), raises a TypeError.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, D) x (B, D, T) -> (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)                          # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                   # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('3.5', 'sdpa-for-output', 'right', 'Correct: the output from F.scaled_dot_product_attention with the same boolean mask (whose fully masked rows also give zeros), and the weights from masked_softmax kept for plotting.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.scale = embed_size ** -0.5
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask) # (B, T, D), scale 1/sqrt(D)
        scores = q @ k.transpose(-2, -1) * self.scale                      # (B, T, T), for the plot only
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(attended)                                      # (B, T, D)
""")

add('4.1', 'strided-heads', 'wrong', 'Views each token as (d_head, H) instead of (H, d_head) and permutes to (B, H, T, d_head): the shape is right, but head h gets every H-th number of the token (a strided selection) instead of a contiguous slice of d_head numbers.', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.view(B, T, D // num_heads, num_heads).permute(0, 3, 1, 2)  # (B, T, D) -> (B, H, T, d_head)
""")

add('4.1', 'reshape-not-view', 'wrong', 'Replaces view with reshape, which reads the memory in the same order, so head 0 still receives whole tokens: the numbers are in exactly the same wrong places.', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.reshape(B, num_heads, T, D // num_heads)                  # (B, T, D) -> (B, H, T, d_head)
""")

add('4.1', 'transpose-before-reshape', 'wrong', "Transposes to (B, D, T) before reshaping to (B, H, T, d_head), so the reshape cuts feature-major memory into blocks: each head's rows mix several tokens' values of a few features instead of one token's d_head features.", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.transpose(1, 2).reshape(B, num_heads, T, D // num_heads)  # (B, D, T) -> (B, H, T, d_head)
""")

add('4.1', 'view-without-transpose-back', 'wrong', "Views as (B, T, H, d_head), which is the right first step, but never transposes, returning (B, T, H, d_head) with the token and head axes in each other's places.", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads)                     # (B, T, D) -> (B, T, H, d_head)
""")

add('4.1', 'transposes-last-two', 'wrong', 'Views as (B, T, H, d_head) and then swaps the last two axes (the transpose(-2, -1) habit from k), giving (B, T, d_head, H) instead of swapping T and H.', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).transpose(-2, -1)   # (B, T, H, d_head) -> ?
""")

add('4.1', 'chunks-tokens', 'wrong', "Chunks x along dim 1, the tokens, instead of the features, so each 'head' is a block of whole tokens with all D numbers: shape (B, H, T/H, D), and the wrong split when T is not a multiple of H.", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    return torch.stack(x.chunk(num_heads, dim=1), dim=1)               # H pieces side by side
""")

add('4.1', 'chunk-features', 'right', 'Correct: cuts the D features into H chunks of d_head and stacks them on a new head axis.', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    heads = x.chunk(num_heads, dim=-1)                                 # H x (B, T, d_head)
    return torch.stack(heads, dim=1)                                   # (B, H, T, d_head)
""")

add('4.2', 'reshape-without-transpose', 'wrong', "Reshapes (B, H, T, d_head) straight to (B, T, D) without transposing back first, so each output row is a run of one head's memory (several tokens of one head) instead of one token's heads side by side.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    B, H, T, d_head = x.shape
    return x.reshape(B, T, H * d_head)                                 # (B, H, T, d_head) -> (B, T, D)
""")

add('4.2', 'view-after-transpose', 'wrong', 'Calls view right after transpose(1, 2); the transposed tensor is not contiguous, so view raises a RuntimeError (reshape or .contiguous() is needed).', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    B, H, T, d_head = x.shape
    return x.transpose(1, 2).view(B, T, H * d_head)                    # (B, T, H, d_head) -> (B, T, D)
""")

add('4.2', 'interleaved-heads', 'wrong', "Permutes to (B, T, d_head, H) before flattening, so each token's numbers are interleaved across heads (head 0's first number, head 1's first number, …) instead of laid out head after head.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    B, H, T, d_head = x.shape
    return x.permute(0, 2, 3, 1).reshape(B, T, H * d_head)             # (B, T, d_head, H) -> (B, T, D)
""")

add('4.2', 'flatten-from-dim1', 'wrong', 'Flattens from dim 1 after the transpose, merging the token axis too, so the result is (B, T·D) instead of (B, T, D).', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    return x.transpose(1, 2).flatten(1)                                # (B, T, H, d_head) -> flattened
""")

add('4.2', 'swaps-batch-and-time', 'wrong', 'Transposes dims 0 and 2 (batch and time) instead of 1 and 2 (heads and time), so the reshape to (B, T, D) mixes numbers from different sentences.', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    B, H, T, d_head = x.shape
    return x.transpose(0, 2).reshape(B, T, H * d_head)                 # (T, H, B, d_head) -> (B, T, D)
""")

add('4.2', 'cat-along-tokens', 'wrong', 'Concatenates the heads along dim 1, the token axis, giving (B, H·T, d_head) instead of putting them side by side along the last dimension.', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    return torch.cat([x[:, h] for h in range(x.shape[1])], dim=1)      # H x (B, T, d_head)
""")

add('4.2', 'sums-heads', 'wrong', 'Adds the heads together (sum over dim 1) instead of concatenating them, returning (B, T, d_head) instead of (B, T, D).', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    return x.sum(dim=1)                                                # combine the heads: (B, T, d_head)
""")

add('4.2', 'unbind-cat', 'right', 'Correct: unbinds the heads and concatenates them along the last dimension, head 0 first.', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    return torch.cat(x.unbind(dim=1), dim=-1)                          # H x (B, T, d_head) -> (B, T, D)
""")

add('4.3', 'scale-by-full-D', 'wrong', "Scales the scores by 1/√D (the full embedding width, X.shape[-1]) instead of 1/√d_head, so every head's scores are too small by a factor √H.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])       # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'mask-without-head-axis', 'wrong', "Never gives a (B, 1, T) or (B, T, T) mask a head axis, so the mask's batch axis lines up with the head axis of the (B, H, T, T) scores: it fails to broadcast when B ≠ H, and when B = H sentence b's mask is applied to head b of every sentence.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, H, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'assert-not-valueerror', 'wrong', 'Checks divisibility with assert, which raises AssertionError (and is skipped entirely under python -O) instead of the ValueError the exercise asks for.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        assert embed_size % num_heads == 0, f"embed_size {embed_size} is not divisible by num_heads {num_heads}"
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'message-without-numbers', 'wrong', 'Raises ValueError with a fixed message that names neither number, while the exercise asks the message to say both embed_size and num_heads.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError("embed_size must be divisible by num_heads")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'weights-averaged-over-heads', 'wrong', 'Keeps the weights averaged over the heads, (B, T, T) as nn.MultiheadAttention returns them by default, in self.last_weights instead of the per-head (B, H, T, T) (the output is right).', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.mean(dim=1).detach()                # (B, T, T), like PyTorch
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'module-list-per-head', 'wrong', 'Builds q_proj, k_proj and v_proj as ModuleLists of H separate nn.Linear(D, d_head) layers instead of one nn.Linear(D, D) each: mathematically multi-head, but q_proj.weight and the other parameters the exercise names do not exist, so nothing can be loaded or copied into nn.MultiheadAttention.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.ModuleList([nn.Linear(embed_size, self.d_head) for _ in range(num_heads)])
        self.k_proj = nn.ModuleList([nn.Linear(embed_size, self.d_head) for _ in range(num_heads)])
        self.v_proj = nn.ModuleList([nn.Linear(embed_size, self.d_head) for _ in range(num_heads)])
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = torch.stack([proj(X) for proj in self.q_proj], dim=1)       # H x (B, T, d_head) -> (B, H, T, d_head)
        k = torch.stack([proj(X) for proj in self.k_proj], dim=1)       # (B, H, T, d_head)
        v = torch.stack([proj(X) for proj in self.v_proj], dim=1)       # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'splits-into-d-head-heads', 'wrong', 'Passes self.d_head to split_heads, which expects the number of heads, so q, k and v are cut into d_head heads of width H (and scaled by 1/√d_head although each head is H wide); right only when H = d_head.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.d_head)                    # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.d_head)
        v = split_heads(self.v_proj(X), self.d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'head-dim-name', 'wrong', "Stores the head width as self.head_dim (nn.MultiheadAttention's name) instead of self.d_head, so the attribute the exercise asks for is missing (the output is right).", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.head_dim = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)     # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'layers-before-super', 'wrong', 'Assigns the attributes and layers first and calls super().__init__() last, so assigning the first nn.Linear raises AttributeError: cannot assign module before Module.__init__() call.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None
        super().__init__()

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'mask-dim-on-none', 'wrong', "Calls mask.dim() without first checking that mask is not None, so forward(X) without a mask raises AttributeError ('NoneType' object has no attribute 'dim').", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, H, T, T)
        if mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'heads-folded-into-batch', 'wrong', 'Folds the heads into the batch axis and keeps self.last_weights with shape (B·H, T, T) instead of (B, H, T, T) (the output itself is right).', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        B, T, D = X.shape
        H, d = self.num_heads, self.d_head
        q = split_heads(self.q_proj(X), H).reshape(B * H, T, d)         # (B*H, T, d_head)
        k = split_heads(self.k_proj(X), H).reshape(B * H, T, d)         # (B*H, T, d_head)
        v = split_heads(self.v_proj(X), H).reshape(B * H, T, d)         # (B*H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d)                 # (B*H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.repeat_interleave(H, dim=0)                     # (B*H, 1 or T, T)
        weights = masked_softmax(scores, mask)                          # (B*H, T, T)
        self.last_weights = weights.detach()
        out = (weights @ v).reshape(B, H, T, d)                         # (B, H, T, d_head)
        return self.out_proj(merge_heads(out))                          # (B, T, D)
""")

add('4.3', 'scales-values', 'wrong', 'Divides the values v by √d_head instead of the scores, so the softmax sees unscaled scores and the output is also shrunk by √d_head before out_proj.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                 # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                 # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)                 # (B, H, T, d_head)

        v = v / math.sqrt(self.d_head)                                  # the scale
        scores = q @ k.transpose(-2, -1)                                # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                  # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'one-pattern-for-all-heads', 'wrong', 'Computes the scores from the full-width q and k before splitting and copies them to every head, so all heads share one (T, T) pattern over all D numbers instead of each head comparing its own d_head slice.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)        # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)       # (B, T, T)
        scores = scores.unsqueeze(1).expand(-1, self.num_heads, -1, -1) # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                    # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ split_heads(v, self.num_heads))     # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                       # (B, T, D)
""")

add('4.3', 'einsum-heads', 'right', 'Correct: splits heads with view and permute, computes scores and the weighted sum with einsum, and merges with permute and reshape.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size {embed_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        B, T, D = X.shape
        H, d = self.num_heads, self.d_head
        q = self.q_proj(X).view(B, T, H, d)                             # (B, T, H, d_head)
        k = self.k_proj(X).view(B, T, H, d)
        v = self.v_proj(X).view(B, T, H, d)
        scores = torch.einsum("bihe,bjhe->bhij", q, k) / math.sqrt(d)   # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask[:, None]                                        # add the head axis
        weights = masked_softmax(scores, mask)                          # (B, H, T, T)
        self.last_weights = weights.detach()
        out = torch.einsum("bhij,bjhe->bihe", weights, v)               # (B, T, H, d_head)
        return self.out_proj(out.reshape(B, T, D))                      # (B, T, D)
""")

add('4.4', 'changes-X-in-place', 'wrong', "Changes sentence 1 in place (X[1] += 1) instead of on a clone, so the verdict is right but the caller's batch is left modified.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    X[1] += 1                                                    # change sentence 1
    changed_out = attention(X)
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(out[others], changed_out[others])
""")

add('4.4', 'compares-sentence-1-too', 'wrong', 'Compares the outputs of all sentences, including sentence 1, which was changed on purpose, so it returns False even for modules that keep sentences apart.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1
    return torch.allclose(attention(changed), out)
""")

add('4.4', 'only-sentence-0', 'wrong', "Compares only sentence 0's output, so mixing that changes sentences 2, 3, … but leaves sentence 0 alone goes unnoticed.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1
    return torch.allclose(attention(changed)[0], out[0])          # the other sentence
""")

add('4.4', 'checks-sentence-1-changed', 'wrong', "Checks that sentence 1's own output changed, which says nothing about the other sentences, so it returns True for modules that mix sentences.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1
    return not torch.allclose(attention(changed)[1], out[1])      # the change reached sentence 1 only
""")

add('4.4', 'changes-every-sentence', 'wrong', "Adds 1 to the whole batch (X.clone() + 1) instead of only sentence 1, so every sentence's output changes and the test returns False for modules that keep sentences apart.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    changed = X.clone() + 1
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others])
""")

add('4.4', 'changes-token-1', 'wrong', 'Changes token 1 of every sentence (changed[:, 1]) instead of sentence 1 (changed[1]), so all sentences change and modules that keep sentences apart fail the test.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    changed = X.clone()
    changed[:, 1] += 1                                            # change sentence 1
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others])
""")

add('4.4', 'compares-inputs', 'wrong', 'Compares the inputs X and changed on the other sentences instead of the two outputs; the inputs always agree there, so it returns True for every module.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1
    changed_out = attention(changed)
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(X[others], changed[others])
""")

add('4.4', 'negated-result', 'wrong', "Returns the negation of the comparison, so it answers True exactly when the other sentences' outputs changed, i.e. when the module mixes sentences.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1
    others = torch.arange(X.shape[0]) != 1
    return not torch.allclose(attention(changed)[others], out[others])
""")

add('4.4', 'change-not-assigned', 'wrong', 'Writes changed[1] + 1 as a bare expression without assigning it, so the copy is never changed and the test returns True for every deterministic module.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    out = attention(X)
    changed = X.clone()
    changed[1] + 1                                                # change sentence 1
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others])
""")

add('4.4', 'loop-over-sentences', 'right', "Correct: changes a copy of sentence 1 and compares every other sentence's output one at a time, returning a plain bool.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''

    with torch.no_grad():
        before = attention(X)
        changed = X.clone()
        changed[1] += 1.0
        after = attention(changed)
    for b in range(X.shape[0]):
        if b != 1 and not torch.allclose(before[b], after[b]):
            return False
    return True
""")

add('4.5', 'sequence-first', 'wrong', 'Creates nn.MultiheadAttention without batch_first=True, so it reads the (B, T, D) input as sequence-first (T, B, D) and attends across the sentences of the batch.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.num_heads)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'k-q-v-order', 'wrong', 'Stacks the projections in the order k, q, v instead of q, k, v, so PyTorch uses our key weights for its queries and our query weights for its keys (transposed scores).', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.k_proj.weight, ours.q_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.k_proj.bias, ours.q_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'transposed-weights', 'wrong', 'Copies every weight matrix transposed (weight.T), as if nn.Linear stored (in, out), so each projection is applied with its transpose.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight.T, ours.k_proj.weight.T, ours.v_proj.weight.T]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight.T)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'weights-without-biases', 'wrong', 'Copies the weight matrices but none of the biases, so nn.MultiheadAttention keeps its initial zero biases for q, k, v and out_proj.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
    return mha
""")

add('4.5', 'forgets-out-proj', 'wrong', "Copies the input projections (weights and biases) but not out_proj, so PyTorch's own randomly initialised output projection is used.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    return mha
""")

add('4.5', 'd-head-as-num-heads', 'wrong', 'Passes ours.d_head as num_heads, so PyTorch splits into d_head heads of width H instead of H heads of width d_head (right only when the two are equal).', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.d_head, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'copy-without-no-grad', 'wrong', 'Copies into the parameters without torch.no_grad(), so copy_ on a leaf tensor that requires grad raises a RuntimeError.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.num_heads, batch_first=True)
    mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
    mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    mha.out_proj.weight.copy_(ours.out_proj.weight)
    mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'no-return', 'wrong', 'Builds and fills the nn.MultiheadAttention but never returns it, so the function returns None.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
""")

add('4.5', 'load-state-dict', 'right', "Correct: builds PyTorch's state dict by hand (q, k, v stacked in that order) and loads it with load_state_dict.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.q_proj.in_features

    mha = nn.MultiheadAttention(embed_size, ours.num_heads, batch_first=True)
    state = {
        "in_proj_weight": torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]).detach(),
        "in_proj_bias": torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]).detach(),
        "out_proj.weight": ours.out_proj.weight.detach(),
        "out_proj.bias": ours.out_proj.bias.detach(),
    }
    mha.load_state_dict(state)
    return mha
""")

add('5.1', 'off-by-one-high', 'wrong', 'Counts down from T to 1 with torch.arange(T, 0, -1), one too high everywhere: query 0 gets key T, which does not exist, and no query gets key 0.', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.arange(T, 0, -1)
""")

add('5.1', 'diagonal', 'wrong', "Returns torch.arange(T), the diagonal (each query attends to its own position), instead of the reversal's anti-diagonal T − 1 − i.", """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.arange(T)                                  # query i reads token i
""")

add('5.1', 'linspace-floats', 'wrong', 'Uses torch.linspace(T - 1, 0, T), which has the right values but as float32 instead of int64 integers (F.one_hot refuses floats).', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.linspace(T - 1, 0, T)                      # T - 1, T - 2, ..., 0
""")

add('5.1', 'misses-key-0', 'wrong', 'Writes torch.arange(T - 1, 0, -1), whose end is exclusive, so it stops at 1: only T − 1 entries, and the last query (which needs key 0) is missing.', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.arange(T - 1, 0, -1)                       # from the last key down to the first
""")

add('5.1', 'returns-pattern-matrix', 'wrong', 'Returns the (T, T) one-hot anti-diagonal matrix (the heatmap itself) instead of the (T,) tensor of key indices.', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.eye(T, dtype=torch.long).flip(dims=[1])    # 1 where query i should look
""")

add('5.1', 'python-list', 'wrong', 'Returns a Python list instead of a tensor (F.one_hot in the next cell needs a tensor).', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return list(range(T - 1, -1, -1))
""")

add('5.2', 'permutes-batch-axis', 'wrong', 'Indexes the first axis on both sides, tokens[perm] and output[perm], which permutes the sequences of the batch instead of the positions within each sequence (and raises IndexError when T > B).', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''

    return torch.allclose(model(tokens[perm]), model(tokens)[perm])
""")

add('5.2', 'output-not-permuted', 'wrong', 'Compares model(tokens[:, perm]) with the unpermuted model(tokens), which tests invariance rather than equivariance, so an equivariant model is reported False.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''

    return torch.allclose(model(tokens[:, perm]), model(tokens))
""")

add('5.2', 'inverse-permutation', 'wrong', 'Permutes the output with the inverse permutation, perm.argsort(), instead of perm itself, so an equivariant model fails for every permutation that is not its own inverse.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''

    inverse = perm.argsort()                                  # undo the shuffle on the output
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, inverse])
""")

add('5.2', 'exact-equality', 'wrong', 'Compares with torch.equal, exact bit-for-bit equality, so an equivariant model whose outputs differ only by floating-point rounding after the reordering is reported False.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''

    return torch.equal(model(tokens[:, perm]), model(tokens)[:, perm])
""")

add('5.2', 'permutes-tokens-in-place', 'wrong', "Permutes the caller's tokens in place (tokens[:] = tokens[:, perm]): the verdict is right, but the tokens are left shuffled.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''

    out = model(tokens)
    tokens[:] = tokens[:, perm]                               # shuffle the positions
    return torch.allclose(model(tokens), out[:, perm])
""")

add('5.2', 'permutes-vocab-axis', 'wrong', "Permutes the output's last axis (the V digit scores) with [..., perm] instead of its token axis, which fails on shapes when V ≠ T and compares the wrong numbers otherwise.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''

    return torch.allclose(model(tokens[:, perm]), model(tokens)[..., perm])
""")

add('5.2', 'compares-predictions-only', 'wrong', 'Compares only the argmax predictions, so a model whose outputs do change with position, just not enough to change its top digit, is wrongly reported equivariant.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''

    permuted = model(tokens[:, perm]).argmax(dim=-1)          # (B, T) predicted digits
    expected = model(tokens)[:, perm].argmax(dim=-1)
    return torch.equal(permuted, expected)
""")

add('5.2', 'per-sequence-loop', 'right', "Correct: compares each sequence's permuted output with the permuted original output, one sequence at a time.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''

    with torch.no_grad():
        permuted_out = model(tokens[:, perm])                     # (B, T, V)
        out = model(tokens)                                       # (B, T, V)
    return all(torch.allclose(permuted_out[b], out[b, perm], atol=1e-6) for b in range(tokens.shape[0]))
""")

add('5.3', 'positions-unused', 'wrong', "Never uses self.pos: forward is BagOfTokens' forward again, so the model stays permutation equivariant and cannot learn to reverse.", """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        x = self.digit_vectors(tokens)                     # (B, T) -> (B, T, D)
        return self.readout(self.attention(x))             # (B, T, D) -> (B, T, V)
""")

add('5.3', 'pos-of-token-values', 'wrong', 'Looks up self.pos with the token values instead of the positions 0 … T − 1, so the added vector depends on the digit, not on where it stands (and digits ≥ seq_len raise IndexError).', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        x = self.digit_vectors(tokens) + self.pos(tokens)  # (B, T, D) + (B, T, D)
        return self.readout(self.attention(x))             # (B, T, D) -> (B, T, V)
""")

add('5.3', 'positions-from-1', 'wrong', 'Numbers the positions 1 … T with torch.arange(1, T + 1), an off-by-one: the last position indexes row T of self.pos, which has only seq_len = T rows, and raises IndexError.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        positions = torch.arange(1, tokens.shape[1] + 1)   # first, second, ..., T-th
        x = self.digit_vectors(tokens) + self.pos(positions)   # (B, T, D) + (T, D)
        return self.readout(self.attention(x))             # (B, T, D) -> (B, T, V)
""")

add('5.3', 'positions-after-attention', 'wrong', 'Adds the position vectors after attention, just before the read-out, so attention itself still sees only the token vectors and cannot use order.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = self.attention(self.digit_vectors(tokens))     # (B, T, D)
        return self.readout(x + self.pos(positions))       # (B, T, D) + (T, D) -> (B, T, V)
""")

add('5.3', 'multiplies-positions', 'wrong', 'Multiplies the token vectors by the position vectors instead of adding them.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = self.digit_vectors(tokens) * self.pos(positions)   # (B, T, D) * (T, D)
        return self.readout(self.attention(x))             # (B, T, D) -> (B, T, V)
""")

add('5.3', 'detached-positions', 'wrong', 'Detaches the position vectors, so the forward output is right but self.pos never gets a gradient and the positions can never be learned.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = self.digit_vectors(tokens) + self.pos(positions).detach()   # (B, T, D) + (T, D)
        return self.readout(self.attention(x))             # (B, T, D) -> (B, T, V)
""")

add('5.3', 'no-readout', 'wrong', 'Returns the attention output (B, T, D) without the read-out, instead of scores over the V digits (B, T, V).', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = self.digit_vectors(tokens) + self.pos(positions)   # (B, T, D) + (T, D)
        return self.attention(x)                           # (B, T, D)
""")

add('5.3', 'positions-replace-tokens', 'wrong', "Replaces the token vectors by the position vectors instead of adding them, so the model's output no longer depends on the tokens at all.", """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        B, T = tokens.shape
        positions = torch.arange(T)                        # (T,)
        x = self.pos(positions).expand(B, T, -1)           # (T, D) -> (B, T, D)
        return self.readout(self.attention(x))             # (B, T, D) -> (B, T, V)
""")

add('5.3', 'fresh-embedding-in-forward', 'wrong', 'Creates a new, randomly initialised nn.Embedding inside forward instead of using self.pos, so the position vectors are random on every call, are not parameters of the model, and are never learned.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        x = self.digit_vectors(tokens)                     # (B, T, D)
        T, D = x.shape[1], x.shape[2]
        pos = nn.Embedding(T, D)(torch.arange(T))          # (T, D)
        return self.readout(self.attention(x + pos))       # (B, T, D) -> (B, T, V)
""")

add('5.3', 'pos-weight-slice', 'right', 'Correct: slices the first T rows of self.pos.weight instead of calling the embedding on arange(T).', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def digit_vectors(self, tokens):
        '''BagOfTokens' own nn.Embedding of the digits (the embedding that is not self.pos).'''
        embedding = next(m for name, m in self.named_modules() if isinstance(m, nn.Embedding) and name != "pos")
        return embedding(tokens)                           # (B, T) -> (B, T, D)

    def forward(self, tokens):
        T = tokens.shape[1]
        x = self.digit_vectors(tokens) + self.pos.weight[:T]    # (B, T, D) + (T, D)
        return self.readout(self.attention(x))             # (B, T, D) -> (B, T, V)
""")

add('6.1', 'drops-partial-block', 'wrong', 'Loops over S // block full blocks only, so when S is not a multiple of block the last, shorter block never enters the running maximum and sum (the rows then sum to more than 1).', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for i in range(S // block):
        chunk = scores[..., i * block : (i + 1) * block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'rescales-new-terms', 'wrong', "Multiplies the new block's sum by exp(m − m_new) instead of multiplying the old running sum, so the first block contributes nothing (its factor is exp(−inf) = 0) and later blocks are rescaled when they should not be.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s + torch.exp(m - m_new) * torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'rescale-sign-flipped', 'wrong', 'Rescales the running sum by exp(m_new − m) instead of exp(m − m_new); on the first block that is exp(+inf) and 0 · inf makes the sum NaN (and later the sum is inflated instead of shrunk).', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m_new - m) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'never-rescales', 'wrong', 'Never rescales the running sum when the maximum grows, so terms from earlier blocks stay measured against an older, smaller maximum and the denominator comes out too large.', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s + torch.exp(chunk - m).sum(dim=-1, keepdim=True)
    return torch.exp(scores - m) / s
""")

add('6.1', 'terms-against-old-max', 'wrong', 'Exponentiates the block against the previous maximum m instead of m_new; on the first block m = −inf, so every term is exp(+inf) = inf and the result is NaN or 0 instead of the softmax.', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'sum-overwritten', 'wrong', "Assigns each block's sum to s instead of adding it to the rescaled running sum, so only the last block's terms end up in the denominator.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'softmax-per-block', 'wrong', 'Takes a separate softmax inside each block and concatenates the pieces, so each block sums to 1 on its own instead of the whole row.', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    pieces = []
    for start in range(0, S, block):
        pieces.append(torch.softmax(scores[..., start : start + block], dim=-1))
    return torch.cat(pieces, dim=-1)
""")

add('6.1', 'sum-over-all-rows', 'wrong', "Sums each block's terms with .sum() and no dim, over every row at once, so all rows share one denominator (right only for 1-D input).", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum()
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'final-step-in-place', 'wrong', "Computes the final exp(scores − m) in place (sub_ and exp_), so the returned softmax is right but the caller's scores are overwritten with the numerators.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    scores.sub_(m).exp_()                                    # no extra (..., S) temporary
    return scores / s
""")

add('6.1', 'running-logsumexp', 'right', 'Correct: keeps one running log-sum-exp per row, combining blocks with torch.logaddexp, then returns exp(scores − lse).', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''

    S = scores.shape[-1]
    lse = torch.full(scores.shape[:-1] + (1,), float("-inf"))   # log of the running sum of exp
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        lse = torch.logaddexp(lse, torch.logsumexp(chunk, dim=-1, keepdim=True))
    return torch.exp(scores - lse)
""")

add('6.2', 'output-not-rescaled', 'wrong', "Rescales the running sum but not the running output, so earlier blocks' contributions to out stay measured against an older maximum and are over-weighted.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])

    for start in range(0, T, block):
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out + exps @ vb                                               # (B, T, d)
        m = m_new
    return out / s
""")

add('6.2', 'sum-not-rescaled', 'wrong', "Rescales the running output but not the running sum, so the denominator keeps earlier blocks' terms at an older, smaller maximum and comes out too large.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])

    for start in range(0, T, block):
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ vb                                     # (B, T, d)
        m = m_new
    return out / s
""")

add('6.2', 'no-final-division', 'wrong', 'Returns the running output without dividing it by the running sum s, so the result is Σ exp(score − m) v, not the softmax-weighted average.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])

    for start in range(0, T, block):
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ vb                                     # (B, T, d)
        m = m_new
    return out
""")

add('6.2', 'normalises-every-block', 'wrong', 'Divides out by the new running sum on every block but never multiplies the previous, already normalised out back by its old sum, so earlier blocks are under-weighted.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])

    for start in range(0, T, block):
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = (out * rescale + exps @ vb) / s                               # keep out normalised as we go
        m = m_new
    return out
""")

add('6.2', 'slices-feature-axis', 'wrong', 'Slices k and v with [..., start:start + block], which on a (B, T, d) tensor cuts the last axis (the d features) instead of the tokens, so the block products fail on shapes (or use the wrong numbers) except in the single-block case.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])

    for start in range(0, T, block):
        kb, vb = k[..., start : start + block], v[..., start : start + block]
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ vb                                     # (B, T, d)
        m = m_new
    return out / s
""")

add('6.2', 'scales-q-every-block', 'wrong', "Divides q by √d inside the loop instead of once before it, so q is scaled again on every block: the n-th block's scores are divided by (√d)ⁿ.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])
    for start in range(0, T, block):
        q = q / math.sqrt(d)
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ vb                                     # (B, T, d)
        m = m_new
    return out / s
""")

add('6.2', 'averages-block-attention', 'wrong', "Takes a separate softmax within each key block and averages the blocks' outputs, which ignores how the blocks' scores compare (right only if every block held the same total weight).", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    outs = []
    for start in range(0, T, block):
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        weights = torch.softmax(q @ kb.transpose(-2, -1) / math.sqrt(d), dim=-1)   # (B, T, block)
        outs.append(weights @ vb)                                           # (B, T, d)
    return torch.stack(outs).mean(dim=0)
""")

add('6.2', 'full-score-matrix-first', 'wrong', 'Computes the full (B, T, T) score matrix first and only then walks over its column blocks, so the numbers are right but it holds the T × T matrix the exercise exists to avoid (peak memory like the naive version).', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    all_scores = q @ k.transpose(-2, -1) / math.sqrt(d)                     # (B, T, T)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])
    for start in range(0, T, block):
        scores = all_scores[..., start : start + block]                     # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[:, start : start + block]            # (B, T, d)
        m = m_new
    return out / s
""")

add('6.2', 'scales-q-in-place', 'wrong', "Scales q in place (q /= √d), so the output is right but the caller's q tensor is divided by √d.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q /= math.sqrt(d)                                                       # no copy of q
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])
    for start in range(0, T, block):
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ vb                                     # (B, T, d)
        m = m_new
    return out / s
""")

add('6.2', 'max-never-stored', 'wrong', "Never stores m_new back into m, so m stays −inf, the rescale factor exp(m − m_new) is 0 on every block, and only the last block's keys count.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])

    for start in range(0, T, block):
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ vb                                     # (B, T, d)
    return out / s
""")

add('6.2', 'keys-as-values', 'wrong', "Multiplies each block's exponentials by the key block kb instead of the value block vb, so the output is a weighted sum of keys.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])

    for start in range(0, T, block):
        kb, vb = k[:, start : start + block], v[:, start : start + block]   # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))        # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)                                    # (B, T, block)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ kb                                     # (B, T, d)
        m = m_new
    return out / s
""")

add('6.2', 'running-logsumexp', 'right', 'Correct: keeps a running log-sum-exp per query and an output that is always normalised, reweighting it by exp(lse_old − lse_new) on each block.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''

    B, T, d = q.shape
    q = q * d ** -0.5
    lse = torch.full((B, T, 1), float("-inf"))                              # log of the running sum
    out = torch.zeros(B, T, v.shape[-1])                                    # normalised so far
    for start in range(0, T, block):
        scores = q @ k[:, start : start + block].transpose(-2, -1)          # (B, T, block)
        lse_new = torch.logaddexp(lse, torch.logsumexp(scores, dim=-1, keepdim=True))
        out = out * torch.exp(lse - lse_new) + torch.exp(scores - lse_new) @ v[:, start : start + block]
        lse = lse_new
    return out
""")

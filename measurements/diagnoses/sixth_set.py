A = []
def add(ex, id, kind, bug, code):
    A.append(dict(ex=ex, id=id, kind=kind, bug=bug, code=code.strip("\n")))


# ---------------------------------------------------------------- lesson 01

add('1.1', 'mirror-skips-diagonal', 'wrong',
    'The inner loop runs over j < i only and mirrors each score, so the diagonal (each token with itself) is never filled and stays 0.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    # the matrix is symmetric, so compute the lower half and copy it to the upper half
    for i in range(T):
        for j in range(i):
            s = torch.dot(X[i], X[j])
            scores[i, j] = s
            scores[j, i] = s
    return scores
""")

add('1.1', 'mean-not-sum', 'wrong',
    'Uses the mean of the elementwise products instead of their sum, so every score is divided by D.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            # multiply feature by feature, then combine them
            scores[i, j] = (X[i] * X[j]).mean()
    return scores
""")

add('1.1', 'loops-over-features', 'wrong',
    'The loops run over range(X.shape[1]) = D instead of T: with D < T the last rows and columns stay 0, with D > T it raises an IndexError.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    n = X.shape[1]   # number of tokens
    for i in range(n):
        for j in range(n):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")

add('1.1', 'return-inside-outer-loop', 'wrong',
    'The return is indented inside the outer loop, so the function returns after filling row 0 and every other row stays 0.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j])
        return scores
""")

add('1.1', 'dot-with-itself-typo', 'wrong',
    "Typo torch.dot(X[i], X[i]): every entry of row i is token i's squared length, whatever j is.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[i])
    return scores
""")

add('1.1', 'cosine-similarity', 'wrong',
    "Divides each dot product by the two vectors' lengths (cosine similarity), so the scores are not the dot products (and a zero vector gives NaN).", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            # similarity = how much the two vectors point the same way
            scores[i, j] = torch.dot(X[i], X[j]) / (X[i].norm() * X[j].norm())
    return scores
""")

add('1.1', 'columns-not-rows', 'wrong',
    'Takes columns X[:, i] instead of rows X[i]: computes entries of Xᵀ X (feature against feature), wrong values, and an IndexError when T > D.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[:, i], X[:, j])
    return scores
""")

add('1.1', 'float64-scores', 'wrong',
    'Builds scores as float64 "for exact sums", so a float32 input gives a float64 result, which the lesson says fails.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T, dtype=torch.float64)   # double precision so the sums are exact
    for i in range(T):
        for j in range(T):
            scores[i, j] = sum(float(a) * float(b) for a, b in zip(X[i], X[j]))
    return scores
""")

add('1.1', 'three-loops', 'right',
    'Right: a third loop sums the products feature by feature; the same dot products, just slower.', """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T, D = X.shape
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            total = 0.0
            for d in range(D):          # the dot product written out
                total += X[i, d] * X[j, d]
            scores[i, j] = total
    return scores
""")

add('1.2', 'global-max', 'wrong',
    "Subtracts the maximum of the whole tensor instead of each row's: a row whose scores are all far below another row's (e.g. -1000 vs +1000) underflows to 0/0 = NaN.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    # subtract the biggest score so exp never gets anything above 0
    biggest = scores.max()
    e = torch.exp(scores - biggest)
    return e / e.sum(dim=-1, keepdim=True)
""")

add('1.2', 'amax-without-keepdim', 'wrong',
    'amax without keepdim=True gives shape (...,), which lines up with the columns: a square input is shifted per column (wrong numbers, overflow possible) and a non-square one raises a broadcasting error.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    m = scores.amax(dim=-1)
    exps = torch.exp(scores - m)
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add('1.2', 'in-place-shift', 'wrong',
    "scores -= max shifts the caller's tensor in place; the returned softmax is right but the input has been changed.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    scores -= scores.amax(dim=-1, keepdim=True)   # now the max of each row is 0
    scores = scores.exp()
    return scores / scores.sum(dim=-1, keepdim=True)
""")

add('1.2', 'subtract-min', 'wrong',
    "Subtracts each row's minimum instead of its maximum: exponents are now >= 0, so a row spanning more than about 88 overflows to inf and gives NaN.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    lowest = scores.min(dim=-1, keepdim=True).values    # shift each row down to start at 0
    e = (scores - lowest).exp()
    return e / e.sum(dim=-1, keepdim=True)
""")

add('1.2', 'max-returns-tuple', 'wrong',
    'torch.max with a dim returns a (values, indices) named tuple, so scores - m raises a TypeError on every input.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    m = torch.max(scores, dim=-1, keepdim=True)
    shifted = scores - m
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add('1.2', 'clamp-instead-of-shift', 'wrong',
    'Clamps the scores at 80 instead of subtracting the row maximum: finite, but every score above 80 becomes equal, so [1000, 1001, 1002] gives a uniform row.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    # exp overflows above ~88 in float32, so never let a score go above that
    safe = scores.clamp(max=80.0)
    e = torch.exp(safe)
    return e / e.sum(dim=-1, keepdim=True)
""")

add('1.2', 'shifted-top-unshifted-bottom', 'wrong',
    'Shifts the numerator but sums exp of the unshifted scores in the denominator: the result is off by a factor exp(-max) per row, and large scores still overflow to 0 or NaN.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    m = scores.amax(dim=-1, keepdim=True)
    top = torch.exp(scores - m)
    bottom = torch.exp(scores).sum(dim=-1, keepdim=True)
    return top / bottom
""")

add('1.2', 'row-loop-assumes-2d', 'wrong',
    'Loops over scores[i] as if the input were 2-D: for a 3-D input each "row" is a whole matrix normalised as one, and for a 1-D input every entry becomes 1.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    out = torch.empty_like(scores)
    for i in range(scores.shape[0]):      # one row at a time
        row = scores[i]
        e = torch.exp(row - row.max())
        out[i] = e / e.sum()
    return out
""")

add('1.2', 'divide-by-max', 'wrong',
    'Divides the scores by the row maximum instead of subtracting it, which changes the softmax (and flips the order of a row whose maximum is negative).', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    m = scores.amax(dim=-1, keepdim=True)
    e = torch.exp(scores / m)      # scale every row so its biggest score is 1
    return e / e.sum(dim=-1, keepdim=True)
""")

add('1.2', 'logsumexp', 'right',
    'Right: exp(scores - logsumexp(scores)) is the softmax, and torch.logsumexp is itself stabilised by the row maximum.', """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    # log softmax = s - log(sum(exp(s))), and logsumexp does not overflow
    log_weights = scores - torch.logsumexp(scores, dim=-1, keepdim=True)
    return log_weights.exp()
""")

add('1.3', 'softmax-over-batch', 'wrong',
    "Changes dim=1 to dim=0: the softmax now runs over the sentences of the batch, so each position's weights sum to 1 across sentences, not across keys.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=0)                 # normalise each position over the batch
    return weights
""")

add('1.3', 'fixed-the-transpose-instead', 'wrong',
    'Replaces the transpose with X.T, which on a 3-D tensor reverses all axes to (D, T, B): the product raises or mixes sentences, although the softmax axis is now right.', """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.T                                       # X Xᵀ
    weights = torch.softmax(scores, dim=-1)
    return weights
""")

add('1.3', 'added-sqrt-d', 'wrong',
    "Fixes the axis but also divides the scores by √D, which lesson 01's softmax(X Xᵀ) does not do, so the weights are flatter than expected.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1) / X.shape[-1] ** 0.5  # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)
    return weights
""")

add('1.3', 'softmax-over-whole-matrix', 'wrong',
    "Flattens each sentence's (T, T) scores and takes one softmax over all T² entries, so the whole matrix sums to 1 instead of each row.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    B, T, _ = scores.shape
    weights = torch.softmax(scores.reshape(B, T * T), dim=-1).reshape(B, T, T)   # per sentence
    return weights
""")

add('1.3', 'manual-column-sum', 'wrong',
    'Rewrites the softmax by hand but still divides by the sum over dim=1 (the queries), so the columns, not the rows, sum to 1.', """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    scores = scores - scores.amax(dim=-1, keepdim=True)
    e = torch.exp(scores)
    weights = e / e.sum(dim=1, keepdim=True)
    return weights
""")

add('1.3', 'log-softmax', 'wrong',
    'Uses torch.log_softmax (autocomplete) with the right axis: returns log-weights, negative numbers whose rows do not sum to 1.', """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.log_softmax(scores, dim=-1)
    return weights
""")

add('1.3', 'column-softmax-transposed', 'right',
    'Right, unusually: keeps softmax over dim=1 and transposes the result; since X Xᵀ is symmetric, the transposed column softmax equals the row softmax.', """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    # dim=1 normalised the columns; the scores are symmetric, so transposing gives rows that sum to 1
    weights = torch.softmax(scores, dim=1).transpose(-2, -1)
    return weights
""")

add('1.4', 'dot-T-on-batch', 'wrong',
    'Uses X.T on a 3-D batch, which reverses all axes to (D, T, B): the matmul raises unless the sizes happen to line up, and then it mixes sentences.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = X @ X.T                           # (B, T, T)
    weights = torch.softmax(scores, dim=-1)    # (B, T, T)
    out = weights @ X                          # (B, T, D)
    return out
""")

add('1.4', 'softmax-dim1', 'wrong',
    "Softmax over dim=1 (the queries) instead of dim=-1 (the keys), so the weights' columns sum to 1, not their rows.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = torch.bmm(X, X.transpose(1, 2))   # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=1)     # normalise over the tokens
    out = torch.bmm(weights, X)                # (B, T, T) x (B, T, D) -> (B, T, D)
    return out
""")

add('1.4', 'scaled-by-sqrt-d', 'wrong',
    "Divides the scores by √D (lesson 02's scaled attention) although the exercise asks for softmax(X Xᵀ) X, so the weights are flatter than expected.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    D = X.shape[-1]
    scores = X @ X.transpose(-2, -1) / math.sqrt(D)    # (B, T, T), scaled so the softmax is not too sharp
    weights = torch.softmax(scores, dim=-1)            # (B, T, T)
    return weights @ X                                 # (B, T, D)
""")

add('1.4', 'loop-keeps-last-sentence', 'wrong',
    "Loops over the sentences but assigns out anew each time, so it returns only the last sentence's (T, D) output instead of (B, T, D).", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    B = X.shape[0]
    for b in range(B):
        x = X[b]                                   # (T, D)
        w = torch.softmax(x @ x.T, dim=-1)         # (T, D) x (D, T) -> (T, T)
        out = w @ x                                # (T, T) x (T, D) -> (T, D)
    return out
""")

add('1.4', 'zeros-made-in-loop', 'wrong',
    'Creates out = zeros_like(X) inside the loop, so each pass wipes the sentences before it: only the last sentence is filled, the others are 0.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    for b in range(X.shape[0]):
        out = torch.zeros_like(X)                      # (B, T, D)
        weights = stable_softmax(X[b] @ X[b].T)        # (T, T)
        out[b] = weights @ X[b]                        # (T, D)
    return out
""")

add('1.4', 'flattened-batch-mixes-sentences', 'wrong',
    'Flattens the batch to (B·T, D) before the scores, so every token attends to the tokens of all sentences: sentences mix.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    B, T, D = X.shape
    flat = X.reshape(B * T, D)                          # (B, T, D) -> (B*T, D) so we can use plain matrices
    weights = torch.softmax(flat @ flat.T, dim=-1)      # (B*T, B*T)
    out = (weights @ flat).reshape(B, T, D)             # (B*T, D) -> (B, T, D)
    return out
""")

add('1.4', 'missing-return', 'wrong',
    'Computes out but the return line was deleted with the NotImplementedError line, so the function returns None.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = X @ X.transpose(-2, -1)           # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)    # (B, T, T)
    out = weights @ X                          # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('1.4', 'adds-residual', 'wrong',
    'Adds the input back (out = weights @ X + X, a residual connection) although the exercise asks for softmax(X Xᵀ) X alone.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = X @ X.mT                          # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)    # (B, T, T)
    out = weights @ X + X                      # (B, T, D), keep the token's own vector too
    return out
""")

add('1.4', 'einsum', 'right',
    'Right: the scores and the weighted sum written with einsum, batch index kept separate, the same numbers as the matmuls.', """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = torch.einsum('bid,bjd->bij', X, X)           # (B, T, D), (B, T, D) -> (B, T, T)
    weights = stable_softmax(scores)                      # (B, T, T)
    out = torch.einsum('bij,bjd->bid', weights, X)        # (B, T, T), (B, T, D) -> (B, T, D)
    return out
""")


# ---------------------------------------------------------------- lesson 02

add('2.1', 'log-of-zero-nan', 'wrong',
    'Computes -(w * log w) directly: for a weight of exactly 0 this is 0 * -inf = NaN, so any row with a zero weight gives NaN.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    return -(weights * torch.log(weights)).sum(dim=-1)
""")

add('2.1', 'xlogy-without-minus', 'wrong',
    'Uses xlogy correctly for the zeros but forgets the minus sign, so every entropy comes out negative.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    # xlogy gives 0 where w = 0, no NaN
    return torch.xlogy(weights, weights).sum(dim=-1)
""")

add('2.1', 'log2-bits', 'wrong',
    'Uses log2, so the entropy is in bits, not nats: every value is 1/ln 2 ≈ 1.44 times too large.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    safe = torch.where(weights > 0, weights, torch.ones_like(weights))   # log(1) = 0 for the zeros
    return -(weights * torch.log2(safe)).sum(dim=-1)
""")

add('2.1', 'sum-over-everything', 'wrong',
    'Calls .sum() with no dim, so it returns one number, the total entropy of all rows, instead of one per row.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    h = torch.special.entr(weights)      # -w log w, 0 where w = 0
    return h.sum()
""")

add('2.1', 'overwrites-zeros-in-place', 'wrong',
    "Replaces the zero weights with 1e-12 in the caller's tensor (in-place boolean assignment): the entropies are right but the input is changed.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    # log(0) is -inf, so swap the zeros for something tiny first
    weights[weights == 0] = 1e-12
    return -(weights * torch.log(weights)).sum(dim=-1)
""")

add('2.1', 'mean-not-sum', 'wrong',
    'Averages -w log w over the row instead of summing it, so every entropy is divided by S.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    terms = torch.where(weights > 0, -weights * torch.log(weights), torch.zeros_like(weights))
    return terms.mean(dim=-1)
""")

add('2.1', 'softmax-first', 'wrong',
    'Runs a softmax over the weights first "to be sure they are probabilities", so it measures the entropy of softmax(w), not of w (a one-hot row no longer gives 0).', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    p = torch.softmax(weights, dim=-1)          # make sure every row is a distribution
    return -(p * p.log()).sum(dim=-1)
""")

add('2.1', 'python-loops-2d-only', 'wrong',
    'Loops row by row and element by element as if the input were 2-D: on a 3-D input "w > 0" is a whole row and raises, on a 1-D input iterating a 0-d tensor raises.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    entropies = []
    for row in weights:
        h = 0.0
        for w in row:
            if w > 0:                 # 0 log 0 counts as 0
                h -= w * math.log(w)
        entropies.append(h)
    return torch.tensor(entropies)
""")

add('2.1', 'where-guarded-log', 'right',
    'Right: torch.where picks 0 for the zero weights and -w log w elsewhere; the NaN of the unused branch is discarded in the forward value.', """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    plogp = torch.where(weights > 0, weights * weights.log(), torch.zeros_like(weights))
    return -plogp.sum(-1)
""")

add('2.2', 'no-super-init', 'wrong',
    'Never calls super().__init__(), so nn.Module is not initialised: the object is created, but calling it or asking for its parameters raises AttributeError.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        self.hidden_size = hidden_size

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.2', 'stored-under-other-name', 'wrong',
    'Calls super().__init__() but keeps the size as self.hidden instead of self.hidden_size, so self.hidden_size does not exist.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden = hidden_size      # D

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.2', 'comparison-instead-of-assignment', 'wrong',
    'Typo == instead of =: the line compares and throws the result away (AttributeError), so hidden_size is never stored.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size == hidden_size

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.2', 'super-without-self', 'wrong',
    'super(MySelfAttention).__init__() (without self) builds an unbound super object and initialises nothing, so the module is not initialised and calling it raises AttributeError.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super(MySelfAttention).__init__()
        self.hidden_size = hidden_size

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.2', 'passes-size-to-parent', 'wrong',
    'Passes hidden_size on to nn.Module.__init__, which takes no arguments: building the module raises TypeError.', """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__(hidden_size)     # give the parent the size too
        self.hidden_size = hidden_size

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.3', 'scale-without-minus', 'wrong',
    'self.scale = hidden_size ** 0.5 is √D, not 1/√D: the minus sign is missing.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** 0.5      # sqrt(D)

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.3', 'precedence-minus-one-half', 'wrong',
    'hidden_size ** -1/2 parses as (hidden_size ** -1) / 2 = 1/(2D), not D ** -0.5.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -1/2     # 1 / sqrt(D)

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.3', 'names-from-another-codebase', 'wrong',
    "Names the layers q_proj, k_proj, v_proj (the zoo's other names) instead of linear_q, linear_k, linear_v, so nothing can find or load them by the required names.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.q_proj = nn.Linear(hidden_size, hidden_size)
        self.k_proj = nn.Linear(hidden_size, hidden_size)
        self.v_proj = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.3', 'one-layer-three-names', 'wrong',
    'Chained assignment a = b = c = nn.Linear(...) makes one layer under three names: q, k and v share the same weights and the module has a third of the parameters.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        # three projections, all D -> D
        self.linear_q = self.linear_k = self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.3', 'no-bias', 'wrong',
    "Creates the projections with bias=False, so the layers have no biases (b_q, b_k, b_v of the lesson's formulas are missing) and biases cannot be loaded into them.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size, bias=False)   # just the matrices W_q, W_k, W_v
        self.linear_k = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_v = nn.Linear(hidden_size, hidden_size, bias=False)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.3', 'global-D', 'wrong',
    "Builds the layers from the notebook's global D (256 after section 3, or a NameError where D is not defined) instead of the hidden_size argument, so their shapes are wrong for any other size.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(D, D)      # (D, D) like in section 1
        self.linear_k = nn.Linear(D, D)
        self.linear_v = nn.Linear(D, D)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.3', 'floor-division-scale', 'wrong',
    'Typo 1 // math.sqrt(hidden_size) is floor division, so the scale is 0.0 for any D > 1.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = 1 // math.sqrt(hidden_size)

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.3', 'tuple-unpacking', 'right',
    'Right, unusually: three separate layers built in a list comprehension and unpacked onto self, which registers each under its own name; scale as 1/math.sqrt.', """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q, self.linear_k, self.linear_v = [nn.Linear(hidden_size, hidden_size) for _ in range(3)]
        self.scale = 1 / math.sqrt(hidden_size)

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add('2.4', 'softmax-over-queries', 'wrong',
    'Softmax over dim=1 of the (B, T, T) scores, the queries, instead of the keys: columns of the weights sum to 1, rows do not.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q = self.linear_q(X)                                # (B, T, D)
        k = self.linear_k(X)                                # (B, T, D)
        v = self.linear_v(X)                                # (B, T, D)
        scores = q @ k.transpose(1, 2) * self.scale         # (B, T, T)
        weights = torch.softmax(scores, dim=1)              # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                   # (B, T, D)
        return out
""")

add('2.4', 'scale-forgotten', 'wrong',
    'Never multiplies the scores by self.scale, so the softmax gets q kᵀ unscaled and is too sharp.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)   # (B, T, D) each
        scores = q @ k.transpose(-2, -1)                                 # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                          # (B, T, T)
        self.last_weights = weights.detach()
        return weights @ v                                               # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('2.4', 'k-dot-T', 'wrong',
    'k.T on the 3-D k reverses every axis to (D, T, B), so q @ k.T raises or, when sizes coincide, multiplies across sentences.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q = self.linear_q(X)                    # (B, T, D)
        k = self.linear_k(X)                    # (B, T, D)
        v = self.linear_v(X)                    # (B, T, D)
        scores = q @ k.T * self.scale           # (B, T, T)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = weights @ v                       # (B, T, D)
        return out
""")

add('2.4', 'weights-times-X', 'wrong',
    "The weighted sum uses X instead of v (lesson 01's weights @ X), so linear_v is never used and the output is wrong.", """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q = self.linear_q(X)                                 # (B, T, D)
        k = self.linear_k(X)                                 # (B, T, D)
        v = self.linear_v(X)                                 # (B, T, D)
        scores = (q @ k.transpose(-2, -1)) * self.scale      # (B, T, T)
        weights = torch.softmax(scores, dim=-1)              # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ X                                    # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add('2.4', 'keeps-scores-not-weights', 'wrong',
    'Stores the scaled scores (before the softmax) in self.last_weights instead of the weights, so the plotted "weights" are not non-negative and rows do not sum to 1.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q = self.linear_q(X)                                 # (B, T, D)
        k = self.linear_k(X)                                 # (B, T, D)
        v = self.linear_v(X)                                 # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale        # (B, T, T)
        self.last_weights = scores.detach()                  # keep them for the heatmap
        weights = torch.softmax(scores, dim=-1)              # (B, T, T)
        return weights @ v                                   # (B, T, D)
""")

add('2.4', 'detached-before-weighted-sum', 'wrong',
    'Detaches the weights before weights @ v, so no gradient flows back to linear_q and linear_k: the output is right, but training could never change them.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q = self.linear_q(X)                                 # (B, T, D)
        k = self.linear_k(X)                                 # (B, T, D)
        v = self.linear_v(X)                                 # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale        # (B, T, T)
        self.last_weights = torch.softmax(scores, dim=-1).detach()   # (B, T, T)
        out = self.last_weights @ v                          # (B, T, D)
        return out
""")

add('2.4', 'v-from-linear-k', 'wrong',
    'Copy-paste slip v = self.linear_k(X): the values are the keys, linear_v is unused (gets no gradient) and the output is wrong.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q = self.linear_q(X)                                 # (B, T, D)
        k = self.linear_k(X)                                 # (B, T, D)
        v = self.linear_k(X)                                 # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale        # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = scores.softmax(dim=-1)                     # (B, T, T)
        self.last_weights = weights.detach()
        return weights @ v                                   # (B, T, D)
""")

add('2.4', 'keys-times-queries', 'wrong',
    'Computes k qᵀ instead of q kᵀ, i.e. the transposed scores: row i holds what every query thinks of key i, so the weights are wrong.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        queries = self.linear_q(X)                                   # (B, T, D)
        keys = self.linear_k(X)                                      # (B, T, D)
        values = self.linear_v(X)                                    # (B, T, D)
        scores = keys @ queries.transpose(-2, -1) * self.scale       # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                      # (B, T, T)
        self.last_weights = weights.detach()
        return weights @ values                                      # (B, T, D)
""")

add('2.4', 'divides-by-scale', 'wrong',
    'Divides the scores by self.scale, which is already 1/√D, so the scores are multiplied by √D instead of divided.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q = self.linear_q(X)                                 # (B, T, D)
        k = self.linear_k(X)                                 # (B, T, D)
        v = self.linear_v(X)                                 # (B, T, D)
        scores = q @ k.transpose(-2, -1) / self.scale        # divide by sqrt(D): (B, T, T)
        weights = torch.softmax(scores, dim=-1)              # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                    # (B, T, D)
        return out
""")

add('2.4', 'einsum-forward', 'right',
    'Right: the same forward pass with einsum and the scale folded into q; scores, weights and output equal the reference.', """
# Exercise 2.4 — MySelfAttention, step 3: forward
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):
        \"\"\"X: (B, T, D) -> out: (B, T, D); keeps the attention weights (B, T, T) in self.last_weights.\"\"\"

        q = self.linear_q(X) * self.scale                    # (B, T, D), scaling q is the same as scaling the scores
        k = self.linear_k(X)                                 # (B, T, D)
        v = self.linear_v(X)                                 # (B, T, D)
        scores = torch.einsum('btd,bsd->bts', q, k)          # (B, T, T)
        weights = torch.softmax(scores, dim=-1)              # (B, T, T)
        self.last_weights = weights.detach()
        out = torch.einsum('bts,bsd->btd', weights, v)       # (B, T, D)
        return out
""")

add('2.5', 'fixed-name-wrong-axis', 'wrong',
    'Hands the softmax the scores, but over dim=1 (the queries) instead of the keys, so the rows of the weights do not sum to 1.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    \"\"\"softmax(q kᵀ / √D) v for q, k, v of shape (B, T, D); returns (B, T, D).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=1)                       # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('2.5', 'recomputed-without-scale', 'wrong',
    'Replaces the softmax argument with q kᵀ computed again, without the 1/√D, so the softmax gets unscaled scores.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    \"\"\"softmax(q kᵀ / √D) v for q, k, v of shape (B, T, D); returns (B, T, D).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)     # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('2.5', 'renamed-the-wrong-side', 'wrong',
    'Fixes the right-hand side but assigns the softmax back to scores, so the return line still reads the undefined name weights and raises NameError.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    \"\"\"softmax(q kᵀ / √D) v for q, k, v of shape (B, T, D); returns (B, T, D).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, D) x (B, D, T) -> (B, T, T)
    scores = torch.softmax(scores, dim=-1)                       # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('2.5', 'scale-after-softmax', 'wrong',
    'Takes the softmax of the unscaled q kᵀ and divides the weights by √D afterwards: the softmax is too sharp and the rows sum to 1/√D.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    \"\"\"softmax(q kᵀ / √D) v for q, k, v of shape (B, T, D); returns (B, T, D).\"\"\"
    scores = q @ k.transpose(-2, -1)                             # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1) / math.sqrt(q.shape[-1])   # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('2.5', 'softmax-of-transposed-scores', 'wrong',
    'Gives the softmax scores.transpose(-2, -1) ("over the keys"), i.e. k qᵀ: the weights are computed from the transposed scores and are wrong.', """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    \"\"\"softmax(q kᵀ / √D) v for q, k, v of shape (B, T, D); returns (B, T, D).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores.transpose(-2, -1), dim=-1)    # softmax over the keys
    return weights @ v                                          # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add('2.6', 'divides-by-D', 'wrong',
    'Divides by D instead of √D, so the scores are too small by a further factor √D.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    \"\"\"Scores q kᵀ / √D for q and k of shape (B, T, D); returns (B, T, T).\"\"\"
    D = q.shape[-1]
    return q @ k.transpose(-2, -1) / D                           # (B, T, D) x (B, D, T) -> (B, T, T)
""")

add('2.6', 'sqrt-of-T', 'wrong',
    'Reads D from q.shape[1], which is T, so the scores are divided by √T instead of √D (right only when T = D).', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    \"\"\"Scores q kᵀ / √D for q and k of shape (B, T, D); returns (B, T, T).\"\"\"
    D = q.shape[1]
    return q @ k.transpose(-2, -1) / math.sqrt(D)               # (B, T, D) x (B, D, T) -> (B, T, T)
""")

add('2.6', 'torch-sqrt-of-int', 'wrong',
    'torch.sqrt is given a Python int, not a tensor, and raises TypeError on every input.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    \"\"\"Scores q kᵀ / √D for q and k of shape (B, T, D); returns (B, T, T).\"\"\"
    D = q.shape[-1]
    return q @ k.transpose(-2, -1) / torch.sqrt(D)              # (B, T, D) x (B, D, T) -> (B, T, T)
""")

add('2.6', 'scaled-both-sides', 'wrong',
    'Divides q and k each by √D before the product, so the scores are divided by D, not √D.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    \"\"\"Scores q kᵀ / √D for q and k of shape (B, T, D); returns (B, T, T).\"\"\"
    D = q.shape[-1]
    q = q / math.sqrt(D)
    k = k / math.sqrt(D)
    return q @ k.transpose(-2, -1)                               # (B, T, D) x (B, D, T) -> (B, T, T)
""")

add('2.6', 'rsqrt', 'right',
    'Right: multiplies by torch.rsqrt of D as a tensor, which is 1/√D; the result stays float32.', """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    \"\"\"Scores q kᵀ / √D for q and k of shape (B, T, D); returns (B, T, T).\"\"\"
    D = q.shape[-1]
    return q @ k.transpose(-2, -1) * torch.rsqrt(torch.tensor(float(D)))   # times 1/sqrt(D)
""")


# ---------------------------------------------------------------- lesson 03

add('3.1', 'upper-triangle', 'wrong',
    'Uses .triu() instead of .tril(): True where j >= i, so each token may see the future and not its past.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. j <= i.\"\"\"
    return torch.ones(T, T, dtype=torch.bool).triu()
""")

add('3.1', 'diagonal-excluded', 'wrong',
    'tril(diagonal=-1) drops the diagonal, so no token may attend to itself and the first row is all False.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. j <= i.\"\"\"
    # only the tokens before i
    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
""")

add('3.1', 'float-mask', 'wrong',
    'Returns torch.ones(T, T).tril(), a float tensor of 1.0 and 0.0, not booleans: ~mask raises and masked_fill refuses it.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. j <= i.\"\"\"
    mask = torch.ones(T, T).tril()     # 1 = may attend, 0 = masked
    return mask
""")

add('3.1', 'old-convention-inverted', 'wrong',
    'Returns tril(ones) == 0, the "True = masked" convention of older tutorials: True exactly where attending is forbidden.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. j <= i.\"\"\"
    lower = torch.tril(torch.ones(T, T))
    return lower == 0            # masked positions
""")

add('3.1', 'comparison-transposed', 'wrong',
    'Puts the column index on the left of <=: arange(T)[:, None] <= arange(T)[None, :] is i <= j, the transposed (future-looking) mask.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. j <= i.\"\"\"
    idx = torch.arange(T)
    return idx[:, None] <= idx[None, :]        # (T, 1) vs (1, T) -> (T, T)
""")

add('3.1', 'loop-range-off-by-one', 'wrong',
    "The row loop runs over range(T - 1), so the last query's row is never filled and stays all False.", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. j <= i.\"\"\"
    mask = torch.zeros(T, T, dtype=torch.bool)
    for i in range(T - 1):
        mask[i, :i + 1] = True      # keys 0..i
    return mask
""")

add('3.1', 'added-batch-axis', 'wrong',
    'Adds a leading axis "so it broadcasts over the batch", returning shape (1, T, T) instead of (T, T).', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. j <= i.\"\"\"
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    return mask.unsqueeze(0)          # (1, T, T), ready for a batch
""")

add('3.1', 'arange-comparison', 'right',
    'Right: compares key index with query index by broadcasting, j <= i, which is the lower triangle with the diagonal.', """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    \"\"\"(T, T) booleans: True where query i may attend key j, i.e. j <= i.\"\"\"
    query = torch.arange(T).unsqueeze(1)     # (T, 1): i
    key = torch.arange(T).unsqueeze(0)       # (1, T): j
    return key <= query                      # (T, T)
""")

add('3.2', 'less-or-equal', 'wrong',
    'Uses j <= lengths[b] instead of j < lengths[b], so the first padded position of every padded sentence is marked as real.', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    \"\"\"(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).\"\"\"
    mask = torch.arange(T)[None, :] <= lengths[:, None]     # (1, T) vs (B, 1) -> (B, T)
    return mask[:, None, :]                                  # (B, 1, T)
""")

add('3.2', 'no-query-axis', 'wrong',
    'Returns the (B, T) comparison without the query axis, so the shape is (B, T), which lines up with the wrong axis of (B, T, T) scores.', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    \"\"\"(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).\"\"\"
    positions = torch.arange(T)                       # (T,)
    return positions < lengths.unsqueeze(1)           # (B, 1) vs (T,) -> (B, T)
""")

add('3.2', 'axis-at-the-end', 'wrong',
    'Adds the new axis last, (B, T, 1), so the mask hides padded queries (rows) instead of padded keys (columns).', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    \"\"\"(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).\"\"\"
    real = torch.arange(T) < lengths[:, None]         # (B, T)
    return real.unsqueeze(-1)                         # (B, T, 1)
""")

add('3.2', 'true-means-padding', 'wrong',
    "Marks the padding with True (j >= length, nn.MultiheadAttention's key_padding_mask convention), the opposite of the course's True = may attend.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    \"\"\"(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).\"\"\"
    is_pad = torch.arange(T)[None, :] >= lengths[:, None]   # (B, T): where the <pad> tokens are
    return is_pad[:, None, :]                               # (B, 1, T)
""")

add('3.2', 'mask-rebuilt-in-loop', 'wrong',
    "Creates the zero mask inside the loop over sentences, so each pass wipes the previous ones: only the last sentence's row is set, the others are all False.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    \"\"\"(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).\"\"\"
    B = lengths.shape[0]
    for b in range(B):
        mask = torch.zeros(B, 1, T, dtype=torch.bool)
        mask[b, 0, :lengths[b]] = True
    return mask
""")

add('3.2', 'broadcast-transposed', 'wrong',
    'Broadcasts the other way round, arange(T)[:, None] < lengths[None, :], giving (T, B) and then (T, 1, B): the wrong shape, or, when B = T, a silently transposed mask.', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    \"\"\"(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).\"\"\"
    keep = torch.arange(T)[:, None] < lengths[None, :]      # compare every position with every length
    return keep[:, None, :]                                 # add the query axis
""")

add('3.2', 'uses-longest-length', 'wrong',
    'Builds the positions with arange(lengths.max()) instead of arange(T), so the mask has max(lengths) columns: the wrong shape whenever the batch is padded further than its longest sentence.', """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    \"\"\"(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).\"\"\"
    longest = int(lengths.max())
    positions = torch.arange(longest)                     # (T,)
    return (positions < lengths[:, None]).unsqueeze(1)    # (B, 1, T)
""")

add('3.2', 'loop-with-slices', 'right',
    "Right, unusually: a boolean (B, 1, T) of False with each sentence's first lengths[b] keys set to True in a loop.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    \"\"\"(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).\"\"\"
    mask = torch.zeros(len(lengths), 1, T, dtype=torch.bool)
    for b, n in enumerate(lengths.tolist()):
        mask[b, 0, :n] = True          # the first n keys are real
    return mask
""")

add('3.3', 'masked-fill-in-place', 'wrong',
    "Uses masked_fill_ (with the underscore), which writes -inf into the caller's scores; the weights are right but the input is changed.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    scores.masked_fill_(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    # rows with no key at all come out NaN: set them to 0
    weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights
""")

add('3.3', 'fully-masked-rows-nan', 'wrong',
    'Fills -inf and takes the softmax but never handles rows whose keys are all masked, which come out as NaN instead of zeros.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    masked = scores.masked_fill(~mask, float("-inf"))     # (B, T, T)
    return torch.softmax(masked, dim=-1)
""")

add('3.3', 'big-negative-uniform-rows', 'wrong',
    'Fills the masked scores with -1e9 instead of -inf and stops there: rows with every key masked become uniform (1/T each) instead of zeros.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    # -1e9 instead of -inf so that we never get NaN
    masked = scores.masked_fill(mask == False, -1e9)
    return masked.softmax(dim=-1)
""")

add('3.3', 'mask-inverted', 'wrong',
    'Fills where mask is True instead of where it is False (~ forgotten), so the allowed keys get weight 0 and the masked ones share the weight.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    filled = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(filled, dim=-1)
    return torch.nan_to_num(weights)      # rows with nothing to attend to -> 0
""")

add('3.3', 'mask-after-softmax', 'wrong',
    'Takes the plain softmax and then multiplies by the mask: masked keys get 0, but the remaining weights of a partly masked row no longer sum to 1.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    weights = torch.softmax(scores, dim=-1)     # (B, T, T)
    return weights * mask                       # zero out the keys we may not attend
""")

add('3.3', 'empty-rows-wrong-axis', 'wrong',
    'Finds the rows with nothing to attend to with mask.any(dim=-2) (over queries) instead of dim=-1: that only finds keys no query may see, so rows with every key masked keep their NaN.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    has_key = mask.any(dim=-2, keepdim=True)              # is there anything to attend to?
    return weights.masked_fill(~has_key, 0.0)
""")

add('3.3', 'scores-times-mask', 'wrong',
    'Multiplies the scores by the mask before the softmax, so masked scores become 0 (exp(0) = 1) rather than -inf and still receive weight.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    masked_scores = scores * mask               # masked keys -> 0
    return torch.softmax(masked_scores, dim=-1)
""")

add('3.3', 'exp-times-mask-no-guard', 'wrong',
    'Writes the softmax by hand with exp(scores - row max) * mask and divides by the sum: a fully masked row is 0/0 = NaN, and when the masked keys score far above the allowed ones the allowed exps underflow and the row is NaN too.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    m = scores.amax(dim=-1, keepdim=True)             # for stability
    e = torch.exp(scores - m) * mask                  # masked keys contribute nothing
    return e / e.sum(dim=-1, keepdim=True)
""")

add('3.3', 'boolean-index-rows', 'wrong',
    "Zeroes the empty rows with weights[~mask.any(-1)] = 0: the boolean index only has the mask's shape, which fails for (B, 1, T) masks and hits the wrong axis (or raises) for (T, T) masks.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    empty = ~mask.any(-1)                  # rows with no key allowed
    weights[empty] = 0.0
    return weights
""")

add('3.3', 'where-twice', 'right',
    'Right, unusually: torch.where puts -inf on masked scores, and a second torch.where zeroes every masked weight, which turns the NaN rows (all masked) into zeros.', """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    \"\"\"Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.\"\"\"
    neg_inf = torch.tensor(float("-inf"), dtype=scores.dtype)
    weights = torch.softmax(torch.where(mask, scores, neg_inf), dim=-1)
    zero = torch.tensor(0.0, dtype=scores.dtype)
    return torch.where(mask, weights, zero)     # masked (and all-masked rows) -> exactly 0
""")

add('3.4', 'fill-scores-with-zero', 'wrong',
    'Moves the mask before the softmax but fills the masked scores with 0.0 instead of -inf, so masked keys still get exp(0) of weight.', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    \"\"\"softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores.masked_fill(~mask, 0.0), dim=-1)   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'fills-the-allowed-keys', 'wrong',
    'Masks the scores before the softmax but drops the ~, so -inf goes on the allowed keys and the weight lands on the masked ones (NaN where everything is allowed).', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    \"\"\"softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    scores = scores.masked_fill(mask, float("-inf"))              # mask first
    weights = torch.softmax(scores, dim=-1)                       # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'softmax-over-queries', 'wrong',
    'Masks the scores with -inf correctly but takes the softmax over dim=1, the queries, so the rows do not sum to 1 (and whole columns of -inf give NaN).', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    \"\"\"softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'scaled-twice', 'wrong',
    'Moves the mask inside the softmax but also divides by √d a second time there, so the scores are divided by d.', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    \"\"\"softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")) / math.sqrt(q.shape[-1]), dim=-1)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'boolean-index-assignment', 'wrong',
    "Sets scores[~mask] = -inf by boolean indexing, which needs the mask to have the scores' full shape: a (B, 1, T) padding mask or a (T, T) causal mask raises (or indexes the wrong axes).", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    \"\"\"softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    scores[~mask] = float("-inf")                                 # mask the scores, not the weights
    weights = torch.softmax(scores, dim=-1)                       # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'renormalised-wrong-axis', 'wrong',
    'Keeps the mask after the softmax and renormalises, but divides by the sum over dim=1 (the queries), so the rows still do not sum to 1.', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    \"\"\"softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)   # (B, T, T)
    weights = weights / weights.sum(dim=1, keepdim=True)          # make them sum to 1 again
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.4', 'mask-before-and-after', 'right',
    'Right: masks the scores with -inf before the softmax and keeps the old masked_fill(~mask, 0) after it, which changes nothing (masked weights are already 0).', """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    \"\"\"softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    scores = scores.masked_fill(~mask, float("-inf"))             # mask BEFORE the softmax
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add('3.5', 'out-proj-never-called', 'wrong',
    'Defines out_proj but returns weights @ v without it, so the output skips the last projection and out_proj gets no gradient.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])   # (B, T, T)
        weights = masked_softmax(scores, mask)                      # (B, T, T)
        self.last_weights = weights.detach()
        return weights @ v                                          # (B, T, D)
""")

add('3.5', 'scale-by-sqrt-T', 'wrong',
    'Divides the scores by √(X.shape[1]), the number of tokens T, instead of √D.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"
        B, T, D = X.shape
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)    # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.size(1))     # (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)
        self.last_weights = weights
        return self.out_proj(weights @ v)                           # (B, T, D)
""")

add('3.5', 'mask-on-the-weights', 'wrong',
    "Applies the mask to the weights after a plain softmax (masked_fill with 0), so partly masked rows no longer sum to 1: lesson 03's spot-the-bug mistake.", """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                     # (B, T, T)
        if mask is not None:
            weights = weights.masked_fill(~mask, 0.0)               # no weight on masked keys
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                           # (B, T, D)
""")

add('3.5', 'last-weights-only-when-masked', 'wrong',
    'Sets self.last_weights only inside the "mask is not None" branch, so a call without a mask leaves the weights of an earlier call (or None) there.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, T)
        if mask is not None:
            weights = masked_softmax(scores, mask)                  # (B, T, T)
            self.last_weights = weights.detach()
        else:
            weights = torch.softmax(scores, dim=-1)
        return self.out_proj(weights @ v)                           # (B, T, D)
""")

add('3.5', 'if-mask-truthiness', 'wrong',
    'Tests "if mask:" on a tensor: any mask with more than one element raises "Boolean value of Tensor with more than one value is ambiguous".', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, T)
        if mask:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)                     # (B, T, T)
        weights = torch.nan_to_num(weights)                         # fully masked rows -> 0
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                           # (B, T, D)
""")

add('3.5', 'hardcoded-toy-size', 'wrong',
    'Builds every layer as nn.Linear(4, 4), the toy embedding size, instead of embed_size: any other width fails.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(4, 4)
        self.k_proj = nn.Linear(4, 4)
        self.v_proj = nn.Linear(4, 4)
        self.out_proj = nn.Linear(4, 4)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"
        q = self.q_proj(X)                                              # (B, T, D)
        k = self.k_proj(X)                                              # (B, T, D)
        v = self.v_proj(X)                                              # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)   # (B, T, T)
        weights = masked_softmax(scores, mask)                          # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                               # (B, T, D)
""")

add('3.5', 'mask-inverted-nn-convention', 'wrong',
    'Passes ~mask to masked_softmax (thinking True means "ignore", as in nn.MultiheadAttention), so every query attends only to the keys it must not see.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, T)
        if mask is not None:
            mask = ~mask                                            # True where we must NOT attend
        weights = masked_softmax(scores, mask)                      # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                           # (B, T, D)
""")

add('3.5', 'uniform-fully-masked-rows', 'wrong',
    'Masks with masked_fill(mask == 0, -1e9) and a plain softmax instead of masked_softmax: a query whose keys are all masked gets uniform weights over every key instead of zeros.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, T)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)            # like the tutorials
        weights = torch.softmax(scores, dim=-1)                     # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                           # (B, T, D)
""")

add('3.5', 'weights-detached-for-output', 'wrong',
    'Multiplies v by the detached copy kept for plotting, so the output is right but q_proj and k_proj receive no gradient.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, T)
        self.last_weights = masked_softmax(scores, mask).detach()   # (B, T, T)
        out = self.last_weights @ v                                 # (B, T, D)
        return self.out_proj(out)
""")

add('3.5', 'mask-given-extra-axis', 'wrong',
    "Always unsqueezes the mask at dim 1 (lesson 04's head axis) although there are no heads: a (B, 1, T) mask becomes (B, 1, 1, T) and the output comes out (B, B, T, D) or the call raises.", """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, T)
        if mask is not None:
            mask = mask.unsqueeze(1)                                # make sure it broadcasts
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                           # (B, T, D)
""")

add('3.5', 'sdpa-for-output', 'right',
    'Right, unusually: computes the weights with masked_softmax for last_weights, and the output with F.scaled_dot_product_attention under the same mask (which gives zeros for fully masked rows on the pinned PyTorch), then out_proj.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = self.q_proj(X)                                          # (B, T, D)
        k = self.k_proj(X)                                          # (B, T, D)
        v = self.v_proj(X)                                          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, T), for the plot only
        self.last_weights = masked_softmax(scores, mask).detach()   # (B, T, T)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)   # (B, T, D), same mask convention
        return self.out_proj(out)                                   # (B, T, D)
""")


# ---------------------------------------------------------------- lesson 04

add('4.1', 'view-without-transpose', 'wrong',
    'Fixes the view to (B, T, H, d_head) but never transposes, so it returns (B, T, H, d_head) instead of (B, H, T, d_head).', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    \"\"\"(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.\"\"\"
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads)                     # (B, T, D) -> (B, T, H, d_head)
""")

add('4.1', 'transposed-last-two', 'wrong',
    'Views as (B, T, H, d_head) but then transposes the last two axes by habit, transpose(-2, -1), giving (B, T, d_head, H).', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    \"\"\"(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.\"\"\"
    B, T, D = x.shape
    d_head = D // num_heads
    return x.view(B, T, num_heads, d_head).transpose(-2, -1)           # -> (B, H, T, d_head)
""")

add('4.1', 'heads-interleaved', 'wrong',
    'Reshapes to (B, T, d_head, H) and permutes to (B, H, T, d_head): the shape is right, but head h gets numbers h, h + H, h + 2H, … of each token instead of a contiguous slice.', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    \"\"\"(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.\"\"\"
    B, T, D = x.shape
    d_head = D // num_heads
    x = x.reshape(B, T, d_head, num_heads)               # (B, T, d_head, H)
    return x.permute(0, 3, 1, 2)                         # (B, H, T, d_head)
""")

add('4.1', 'transpose-before-reshape', 'wrong',
    'Transposes (B, T, D) to (B, D, T) first and then reshapes to (B, H, T, d_head): the right shape, but each "head" holds a block of features laid out along the wrong axis, mixing tokens.', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    \"\"\"(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.\"\"\"
    B, T, D = x.shape
    # move the features in front of the tokens, then cut them into heads
    return x.transpose(1, 2).reshape(B, num_heads, T, D // num_heads)   # (B, H, T, d_head)
""")

add('4.1', 'float-d-head', 'wrong',
    'Computes d_head with / instead of //, a float, which view refuses: every call raises TypeError.', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    \"\"\"(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.\"\"\"
    B, T, D = x.shape
    d_head = D / num_heads
    return x.view(B, T, num_heads, d_head).transpose(1, 2)             # (B, T, H, d_head) -> (B, H, T, d_head)
""")

add('4.1', 'unflatten', 'right',
    'Right, unusually: unflatten the last axis into (H, -1) and move the head axis with movedim; the same numbers as view then transpose(1, 2).', """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    \"\"\"(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.\"\"\"
    return x.unflatten(-1, (num_heads, -1)).movedim(2, 1)             # (B, T, H, d_head) -> (B, H, T, d_head)
""")

add('4.2', 'reshape-without-transpose', 'wrong',
    'Reshapes (B, H, T, d_head) straight to (B, T, D) without transposing back first: the shape is right, but the numbers of different tokens are mixed into each row.', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    \"\"\"(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.\"\"\"
    B, H, T, d_head = x.shape
    return x.reshape(B, T, H * d_head)
""")

add('4.2', 'view-after-transpose', 'wrong',
    'Transposes back and then calls view, which refuses the non-contiguous tensor: RuntimeError on every input with H > 1 and T > 1.', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    \"\"\"(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.\"\"\"
    B, H, T, d_head = x.shape
    x = x.transpose(1, 2)                     # (B, T, H, d_head)
    return x.view(B, T, H * d_head)           # (B, T, D)
""")

add('4.2', 'permute-interleaves', 'wrong',
    "Permutes to (B, T, d_head, H) before flattening, so each token's numbers come out interleaved by head (h0[0], h1[0], …) instead of head 0's block then head 1's.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    \"\"\"(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.\"\"\"
    B, H, T, d = x.shape
    return x.permute(0, 2, 3, 1).reshape(B, T, H * d)     # (B, T, d_head, H) -> (B, T, D)
""")

add('4.2', 'transposes-wrong-axes', 'wrong',
    'Transposes the last two axes (T and d_head) instead of H and T before reshaping, so the merged rows hold numbers of other tokens.', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    \"\"\"(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.\"\"\"
    B, H, T, d_head = x.shape
    return x.transpose(-2, -1).reshape(B, T, -1)          # undo the transpose, then flatten
""")

add('4.2', 'misread-shape', 'wrong',
    'Unpacks x.shape as (B, T, H, d_head) although it is (B, H, T, d_head), so the reshape target is (B, H, T·d_head): the wrong shape unless H = T.', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    \"\"\"(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.\"\"\"
    B, T, H, d_head = x.shape
    return x.transpose(1, 2).reshape(B, T, H * d_head)     # (B, T, H, d_head) -> (B, T, D)
""")

add('4.2', 'cat-on-token-axis', 'wrong',
    "Concatenates the heads along dim=1, the tokens, giving (B, H·T, d_head) instead of putting each token's heads side by side.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    \"\"\"(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.\"\"\"
    heads = [x[:, h] for h in range(x.shape[1])]          # H tensors of (B, T, d_head)
    return torch.cat(heads, dim=1)
""")

add('4.2', 'sums-the-heads', 'wrong',
    "Merges by summing over the head axis, which gives (B, T, d_head) and loses the heads' separate numbers.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    \"\"\"(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.\"\"\"
    # combine the heads back into one representation per token
    return x.sum(dim=1)                                   # (B, H, T, d_head) -> (B, T, d_head)
""")

add('4.2', 'cat-heads-last-axis', 'right',
    'Right, unusually: concatenates the H slices x[:, h] (each (B, T, d_head)) along the last axis, head 0 first, which is the transpose-then-reshape layout.', """
# Exercise 4.2 — merging heads
def merge_heads(x):
    \"\"\"(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.\"\"\"
    return torch.cat([x[:, h] for h in range(x.shape[1])], dim=-1)   # H x (B, T, d_head) -> (B, T, D)
""")

add('4.3', 'no-divisibility-check', 'wrong',
    'Never checks that embed_size is divisible by num_heads: MultiHeadAttention(10, 3) builds without a ValueError (d_head = 3 silently drops a number).', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                 # (B, 1, 1 or T, T)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                               # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)
""")

add('4.3', 'assert-not-valueerror', 'wrong',
    'Checks divisibility with assert, which raises AssertionError (and nothing at all under python -O), not the ValueError asked for.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__()
        assert embed_size % num_heads == 0, f"{embed_size} not divisible by {num_heads}"
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                 # (B, 1, 1 or T, T)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                               # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)
""")

add('4.3', 'scale-by-full-width', 'wrong',
    "Scales the scores by 1/√D (the whole embed size, lesson 03's scale) instead of 1/√d_head, so every head's softmax is too flat.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        B, T, D = X.shape
        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(D)              # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add('4.3', 'mask-without-head-axis', 'wrong',
    "Passes a batch-shaped mask to the (B, H, T, T) scores as it is: (B, 1, T) lines its B up with the head axis, which raises when B ≠ H and applies sentence h's mask to head h when B = H.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        weights = masked_softmax(scores, mask)                       # mask broadcasts over the heads
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add('4.3', 'unsqueezes-every-mask', 'wrong',
    'Unsqueezes every mask at dim 1, including a (T, T) causal mask, which becomes (T, 1, T) and lines T up with the heads: it raises unless T = H or T = 1.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None:
            mask = mask.unsqueeze(1)                                 # add the head axis
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add('4.3', 'split-with-view-only', 'wrong',
    'Splits the heads inline with view(B, H, T, d_head), the 4.1 bug: the shapes are right but each "head" holds whole tokens, so the output is wrong.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        B, T, D = X.shape
        H, d = self.num_heads, self.d_head
        q = self.q_proj(X).view(B, H, T, d)                          # (B, H, T, d_head)
        k = self.k_proj(X).view(B, H, T, d)
        v = self.v_proj(X).view(B, H, T, d)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d)              # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        out = (weights @ v).reshape(B, T, D)                         # (B, H, T, d) -> (B, T, D)
        return self.out_proj(out)
""")

add('4.3', 'merge-without-transpose', 'wrong',
    'Splits correctly with split_heads but merges with reshape(B, T, D) straight from (B, H, T, d_head), which scrambles tokens and heads in the output.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        B, T, D = X.shape
        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        out = (weights @ v).reshape(B, T, D)                         # back to (B, T, D)
        return self.out_proj(out)
""")

add('4.3', 'last-weights-averaged', 'wrong',
    'Keeps the weights averaged over the heads, (B, T, T), in self.last_weights instead of the per-head (B, H, T, T) the exercise asks for.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.mean(dim=1).detach()             # (B, T, T), like nn.MultiheadAttention
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add('4.3', 'softmax-over-heads', 'wrong',
    "Writes its own masked softmax with dim=1, which on (B, H, T, T) scores is the head axis: each key's weights sum to 1 across heads instead of each row across keys.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None:
            if mask.dim() == 3:
                mask = mask.unsqueeze(1)
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add('4.3', 'q-and-k-one-layer', 'wrong',
    'Assigns one layer to both q_proj and k_proj (self.q_proj = self.k_proj = nn.Linear(...)), so queries equal keys: loading separate weights by name leaves both with the last ones loaded and the scores become symmetric.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"{embed_size} is not divisible by {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                 # (B, 1, 1 or T, T)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                               # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)
""")

add('4.3', 'global-H', 'wrong',
    "Stores self.num_heads = H, the notebook's global (8), instead of the num_heads argument, so any model with another number of heads splits wrongly (or raises if H is undefined).", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size={embed_size} not divisible by num_heads={num_heads}")
        self.num_heads = H
        self.d_head = embed_size // H
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                 # (B, 1, 1 or T, T)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                               # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)
""")

add('4.3', 'out-proj-inside-heads', 'wrong',
    "Applies out_proj to the values before splitting them into heads and not after merging: each head then weights its slice of the already mixed values, so out_proj mixes the heads before attention instead of after, which differs whenever the heads' weights differ.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        q = split_heads(self.q_proj(X), self.num_heads)                  # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)                  # (B, H, T, d_head)
        v = split_heads(self.out_proj(self.v_proj(X)), self.num_heads)   # project values once, (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)        # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)                           # (B, H, T, T)
        self.last_weights = weights.detach()
        return merge_heads(weights @ v)                                  # (B, T, D)
""")

add('4.3', 'loop-over-head-slices', 'right',
    "Right, unusually: loops over the heads, slicing each head's d_head columns of q, k, v, and concatenates the heads' outputs in order before out_proj; the weights are stacked to (B, H, T, T).", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"

        B, T, D = X.shape
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)         # (B, T, D) each
        # no head axis here: each head's scores are (B, T, T), so the mask fits as it is
        outs, all_weights = [], []
        for h in range(self.num_heads):
            cols = slice(h * self.d_head, (h + 1) * self.d_head)
            qh, kh, vh = q[..., cols], k[..., cols], v[..., cols]        # (B, T, d_head)
            scores = qh @ kh.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, T, T)
            w = masked_softmax(scores, mask)                             # (B, T, T)
            all_weights.append(w)
            outs.append(w @ vh)                                          # (B, T, d_head)
        self.last_weights = torch.stack(all_weights, dim=1).detach()     # (B, H, T, T)
        return self.out_proj(torch.cat(outs, dim=-1))                    # (B, T, D)
""")

add('4.4', 'changes-callers-X', 'wrong',
    "Adds 1 to X[1] in place instead of to a copy: the verdict is right, but the caller's batch is left changed.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    before = attention(X)
    X[1] += 1                                  # change sentence 1
    after = attention(X)
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(before[others], after[others])
""")

add('4.4', 'compares-every-sentence', 'wrong',
    'Compares the outputs of all sentences, sentence 1 included, whose output of course changes: it returns False for every module, mixing or not.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1
    return torch.allclose(attention(changed), out)
""")

add('4.4', 'looks-at-sentence-0-only', 'wrong',
    'Compares sentence 0 only: a module that leaks sentence 1 into sentence 2 (or any sentence but 0) passes as independent when B > 2.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    out = attention(X)
    changed = X.clone()
    changed[1] += 1.0
    new_out = attention(changed)
    # sentence 0 is the one next to it, so that is where mixing would show
    return torch.allclose(out[0], new_out[0], atol=1e-6)
""")

add('4.4', 'returns-elementwise-tensor', 'wrong',
    'Returns torch.isclose(...), a boolean tensor with one entry per number, instead of a single True or False (using it in an if raises).', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    others = torch.arange(X.shape[0]) != 1
    return torch.isclose(attention(changed)[others], out[others])
""")

add('4.4', 'alias-not-copy', 'wrong',
    'changed = X is the same tensor, not a copy, and the reference output is computed after the change: both calls see the same input, so it always returns True, and X is changed too.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    changed = X
    changed[1] = changed[1] + 1
    out = attention(X)
    new = attention(changed)
    rest = torch.arange(X.shape[0]) != 1
    return torch.allclose(out[rest], new[rest])
""")

add('4.4', 'tests-batch-permutation', 'wrong',
    'Tests a different property: flips the batch order and checks the outputs flip the same way. Mixing modules that treat the sentences symmetrically pass: ReadsSequenceFirst itself (its attention over the batch axis is permutation equivariant) and a module adding the batch mean.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    # if the sentences are independent, reordering the batch just reorders the outputs
    out = attention(X)
    flipped = attention(X.flip(0))
    return torch.allclose(flipped.flip(0), out, atol=1e-6)
""")

add('4.4', 'checks-the-shape-only', 'wrong',
    'Only checks that the changed batch gives an output of the same shape, which a mixing module also does: it returns True for every module.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    changed = X.clone()
    changed[1] += 1
    out = attention(changed)
    return out.shape == X.shape and not torch.isnan(out).any().item()
""")

add('4.4', 'tolerance-too-loose', 'wrong',
    'Compares with atol=0.1, so a module that mixes sentences only weakly (changes below 0.1) is reported as independent.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    new_out = attention(changed)
    others = [b for b in range(X.shape[0]) if b != 1]
    # floats are never exactly equal, so be generous
    return torch.allclose(out[others], new_out[others], atol=0.1)
""")

add('4.4', 'random-change-per-sentence', 'right',
    'Right, unusually: replaces sentence 1 of a copy with random numbers and compares each other sentence in a loop with allclose; X is left alone.', """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    \"\"\"True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.\"\"\"
    with torch.no_grad():
        original = attention(X)
        other = X.clone()
        other[1] = torch.randn_like(X[1]) * 3 + 1      # a completely different sentence 1
        modified = attention(other)
    for b in range(X.shape[0]):
        if b == 1:
            continue
        if not torch.allclose(original[b], modified[b], atol=1e-6):
            return False
    return True
""")

add('4.5', 'sequence-first', 'wrong',
    'Creates nn.MultiheadAttention without batch_first=True, so it reads the (B, T, D) input as (T, B, D) and attends across the sentences of the batch.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'weights-transposed', 'wrong',
    'Transposes each projection\'s weight before stacking them ("PyTorch multiplies by the transpose"), so every projection uses Wᵀ instead of W.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    D = ours.q_proj.weight.shape[1]
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        # nn.Linear stores (out, in) and multiplies by W^T, so hand over W^T
        W = torch.cat([ours.q_proj.weight.T, ours.k_proj.weight.T, ours.v_proj.weight.T])   # (3D, D)
        mha.in_proj_weight.copy_(W)
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight.T)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'stacked-k-q-v', 'wrong',
    "Stacks the projections in the order k, q, v instead of q, k, v, so PyTorch's queries use our key weights and its keys our query weights.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    embed = ours.out_proj.in_features
    mha = nn.MultiheadAttention(embed, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.k_proj.weight, ours.q_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.k_proj.bias, ours.q_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'out-proj-not-copied', 'wrong',
    "Copies the three input projections but not out_proj, so PyTorch's output projection keeps its own random weights and zero bias.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    D = ours.q_proj.in_features
    torch_mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        torch_mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        torch_mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    return torch_mha
""")

add('4.5', 'biases-not-copied', 'wrong',
    "Copies the weights only: nn.MultiheadAttention's biases stay at their initial zeros while ours are not zero, so every projection is off by its bias.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))  # (3D, D)
        mha.out_proj.weight.copy_(ours.out_proj.weight)
    return mha
""")

add('4.5', 'copy-without-no-grad', 'wrong',
    'Calls copy_ on the parameters without torch.no_grad(), which PyTorch refuses for leaf tensors that require grad: RuntimeError on every call.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
    mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    mha.out_proj.weight.copy_(ours.out_proj.weight)
    mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'heads-hardcoded', 'wrong',
    'Creates the PyTorch layer with 4 heads, the number in the demo below, instead of ours.num_heads: any other number of heads splits differently and gives other numbers.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    embed_size = ours.q_proj.in_features
    mha = nn.MultiheadAttention(embed_size, 4, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'separate-proj-weights', 'wrong',
    'Copies into q_proj_weight, k_proj_weight and v_proj_weight, which nn.MultiheadAttention only creates when kdim or vdim differ from embed_dim: here they are None and the call raises AttributeError.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.q_proj_weight.copy_(ours.q_proj.weight)
        mha.k_proj_weight.copy_(ours.k_proj.weight)
        mha.v_proj_weight.copy_(ours.v_proj.weight)
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add('4.5', 'new-parameters-assigned', 'right',
    'Right, unusually: assigns fresh nn.Parameter objects built from copies of our weights instead of copy_ under no_grad; the layer holds the same numbers and nothing is shared with ours.', """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    \"\"\"An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.\"\"\"
    D, H = ours.q_proj.in_features, ours.num_heads
    mha = nn.MultiheadAttention(embed_dim=D, num_heads=H, batch_first=True)
    projections = [ours.q_proj, ours.k_proj, ours.v_proj]
    mha.in_proj_weight = nn.Parameter(torch.cat([p.weight.detach() for p in projections], dim=0).clone())
    mha.in_proj_bias = nn.Parameter(torch.cat([p.bias.detach() for p in projections], dim=0).clone())
    mha.out_proj.weight = nn.Parameter(ours.out_proj.weight.detach().clone())
    mha.out_proj.bias = nn.Parameter(ours.out_proj.bias.detach().clone())
    return mha
""")

add('4.6', 'kept-not-rescaled', 'wrong',
    "Drops weights with probability p but never divides the kept ones by 1 - p, so in training every weight's expected value (and the output's) shrinks by 1 - p.", """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)   # (..., T, T)
    if training:
        keep = torch.rand_like(weights) >= p        # each weight survives with probability 1 - p
        weights = weights * keep
    return weights @ v
""")

add('4.6', 'keeps-with-probability-p', 'wrong',
    'Keeps a weight where rand < p, so it keeps a share p and drops 1 - p (90% dropped at p = 0.1), then divides by 1 - p as if it had dropped p.', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    if training:
        keep = torch.rand(weights.shape) < p         # dropout probability p
        weights = torch.where(keep, weights / (1 - p), torch.zeros_like(weights))
    return weights @ v
""")

add('4.6', 'ignores-training-flag', 'wrong',
    'Never looks at training: weights are dropped and rescaled in evaluation too, so the same input gives different outputs there.', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (..., T, T)
    weights = torch.softmax(scores, dim=-1)
    keep = torch.rand_like(weights) >= p
    weights = weights * keep / (1 - p)
    return weights @ v                                           # (..., T, d_v)
""")

add('4.6', 'rescales-in-eval', 'wrong',
    'Drops only in training but divides by 1 - p unconditionally, so evaluation multiplies every weight by 1/(1 - p) and the rows sum to more than 1.', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    if training:
        weights = weights * (torch.rand_like(weights) >= p)
    weights = weights / (1 - p)
    return weights @ v
""")

add('4.6', 'seed-inside', 'wrong',
    'Seeds the generator with torch.manual_seed(0) inside the function "for reproducibility", so every call drops exactly the same weights (and it resets the caller\'s random stream).', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    if training and p > 0:
        torch.manual_seed(0)                       # reproducible results
        keep = torch.rand_like(weights) >= p
        weights = weights * keep / (1 - p)
    return weights @ v
""")

add('4.6', 'F-dropout-without-mode', 'wrong',
    'Uses F.dropout(weights, p), which defaults to training=True, and ignores the training argument, so evaluation drops weights too.', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)   # (..., T, T)
    weights = F.dropout(weights, p)          # drops with prob p and rescales by 1/(1-p)
    return weights @ v
""")

add('4.6', 'dropout-on-scores', 'wrong',
    'Drops the scores before the softmax: a zeroed score still gets exp(0) of weight after the softmax, so nothing is really dropped and the kept weights are not multiplied by 1/(1 - p).', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if training:
        keep = torch.rand_like(scores) >= p
        scores = scores * keep / (1 - p)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v
""")

add('4.6', 'one-mask-for-all-rows', 'wrong',
    'Draws one keep/drop decision per key, torch.rand(T_keys), and broadcasts it, so every query of every sentence drops the same keys instead of each weight being dropped independently.', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)   # (..., T, T)
    if training:
        keep = torch.rand(weights.shape[-1]) >= p          # which keys survive
        weights = weights * keep / (1 - p)
    return weights @ v
""")

add('4.6', 'renormalised-rows', 'wrong',
    'After dropping, divides each row by its new sum instead of by 1 - p, so kept weights are scaled by a row-dependent factor (and an all-dropped row gives 0/0 = NaN).', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    if training:
        weights = weights * (torch.rand_like(weights) >= p)
        weights = weights / weights.sum(dim=-1, keepdim=True)   # rows sum to 1 again
    return weights @ v
""")

add('4.6', 'scaled-by-value-width', 'wrong',
    "Scales the scores by √(v.shape[-1]), the width of the values, instead of √d of q and k: wrong whenever d_v ≠ d (the check's v = [identity | ones] is wider).", """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    d = v.shape[-1]
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)
    if training:
        keep = torch.rand_like(weights) >= p
        weights = weights * keep / (1 - p)
    return weights @ v
""")

add('4.6', 'bernoulli-keep', 'right',
    'Right, unusually: the keep mask is drawn with torch.bernoulli at probability 1 - p from the default generator, kept weights divided by 1 - p, nothing done when not training.', """
# Exercise 4.6 — attention dropout
def attention_with_dropout(q, k, v, p, training):
    \"\"\"softmax(q kᵀ / √d) v, with dropout on the weights in training; q, k: (..., T, d), v: (..., T, d_v).\"\"\"
    weights = torch.softmax(q @ k.transpose(-2, -1) * q.shape[-1] ** -0.5, dim=-1)   # (..., T, T)
    if not training or p == 0:
        return weights @ v
    keep = torch.bernoulli(torch.full_like(weights, 1 - p))      # 1 with probability 1 - p
    return (weights * keep / (1 - p)) @ v
""")


# ---------------------------------------------------------------- lesson 05

add('5.1', 'counts-from-T', 'wrong',
    'torch.arange(T, 0, -1) counts T, T-1, …, 1: every key is one too high (query 0 points at key T, which does not exist).', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    \"\"\"For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.\"\"\"
    return torch.arange(T, 0, -1)          # count down
""")

add('5.1', 'diagonal', 'wrong',
    'Returns torch.arange(T): each query attends to its own position (copying), not to the mirrored one.', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    \"\"\"For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.\"\"\"
    # output position i reads input position i
    return torch.arange(T)
""")

add('5.1', 'T-minus-i', 'wrong',
    'Computes T - i instead of T - 1 - i: off by one, query 0 gets key T.', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    \"\"\"For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.\"\"\"
    i = torch.arange(T)
    return T - i
""")

add('5.1', 'stops-before-zero', 'wrong',
    'torch.arange(T - 1, 0, -1) stops before 0, so it has only T - 1 entries and the last query has no key.', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    \"\"\"For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.\"\"\"
    return torch.arange(T - 1, 0, -1)      # T-1 down to 0
""")

add('5.1', 'float-positions', 'wrong',
    'Builds the right sequence with linspace, which gives floats, not int64 integers (and F.one_hot refuses floats).', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    \"\"\"For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.\"\"\"
    return torch.linspace(T - 1, 0, T)     # evenly spaced from the last key to the first
""")

add('5.1', 'one-hot-matrix', 'wrong',
    'Returns the (T, T) one-hot pattern (the heatmap) instead of the (T,) key indices.', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    \"\"\"For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.\"\"\"
    keys = torch.arange(T - 1, -1, -1)
    return F.one_hot(keys, T)              # the anti-diagonal
""")

add('5.1', 'last-index-minus-arange', 'right',
    'Right: (T - 1) - arange(T) is T-1, …, 0 as int64.', """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    \"\"\"For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.\"\"\"
    return (T - 1) - torch.arange(T)       # query i reads key T-1-i
""")

add('5.2', 'permutes-the-batch', 'wrong',
    'Indexes the batch axis, tokens[perm] and out[perm], instead of the token axis: it shuffles whole sequences (IndexError when B < T) and says nothing about positions.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    \"\"\"True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).\"\"\"
    out = model(tokens)
    out_perm = model(tokens[perm])
    return torch.allclose(out_perm, out[perm], atol=1e-5)
""")

add('5.2', 'output-not-permuted', 'wrong',
    'Compares model(tokens[:, perm]) with model(tokens) without permuting the output: an equivariant model gives False (unless perm is the identity).', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    \"\"\"True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).\"\"\"
    shuffled = tokens[:, perm]
    return torch.allclose(model(shuffled), model(tokens), atol=1e-5)
""")

add('5.2', 'permuted-twice', 'wrong',
    'Permutes the output of the permuted input again and compares with the plain output: for a perm that is not its own inverse an equivariant model gives False.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    \"\"\"True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).\"\"\"
    # permute in, permute the result back, compare with the original
    back = model(tokens[:, perm])[:, perm]
    return torch.allclose(back, model(tokens), atol=1e-5)
""")

add('5.2', 'inverse-permutation', 'wrong',
    'Permutes the output with the inverse permutation perm.argsort() instead of perm, so an equivariant model fails for any perm that is not its own inverse.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    \"\"\"True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).\"\"\"
    inverse = torch.argsort(perm)            # undo the shuffle on the output
    expected = model(tokens)[:, inverse]
    return torch.allclose(model(tokens[:, perm]), expected, atol=1e-5)
""")

add('5.2', 'shuffles-tokens-in-place', 'wrong',
    "Writes the permuted tokens back into the caller's tensor (tokens[:] = tokens[:, perm]), so tokens is changed; the verdict is right.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    \"\"\"True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).\"\"\"
    expected = model(tokens)[:, perm]
    tokens[:] = tokens[:, perm]              # shuffle every sequence
    return torch.allclose(model(tokens), expected, atol=1e-5)
""")

add('5.2', 'exact-equality', 'wrong',
    'Compares with torch.equal, exact to the last bit: an equivariant model whose sums come out in another order differs in the last digit and is reported False.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    \"\"\"True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).\"\"\"
    return torch.equal(model(tokens[:, perm]), model(tokens)[:, perm])
""")

add('5.2', 'compares-predictions-only', 'wrong',
    'Compares only the argmax predictions, so a model whose output depends on positions a little (but not enough to change the top digit) is reported equivariant.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    \"\"\"True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).\"\"\"
    pred_shuffled = model(tokens[:, perm]).argmax(dim=-1)      # (B, T) predicted digits
    pred = model(tokens).argmax(dim=-1)[:, perm]
    return bool((pred_shuffled == pred).all())
""")

add('5.2', 'index-select', 'right',
    'Right, unusually: index_select along dim 1 on both the input and the output, compared with allclose under no_grad.', """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    \"\"\"True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).\"\"\"
    with torch.no_grad():
        permuted_in = model(torch.index_select(tokens, 1, perm))      # (B, T, V)
        permuted_out = torch.index_select(model(tokens), 1, perm)     # (B, T, V)
    return torch.allclose(permuted_in, permuted_out, rtol=1e-4, atol=1e-5)
""")

add('5.3', 'positions-never-used', 'wrong',
    'Computes the positions but never adds them (the token vectors alone go into attention), so the model is still BagOfTokens and self.pos gets no gradient.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        positions = torch.arange(tokens.shape[1])         # (T,)
        x = self.tok(tokens)                              # (B, T, D)
        return self.readout(self.attention(x))            # (B, T, V)
""")

add('5.3', 'embeds-token-ids-as-positions', 'wrong',
    'Calls self.pos(tokens), looking up the digits as if they were positions: the same digit gets the same "position" anywhere, and a digit >= seq_len raises IndexError.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        x = self.tok(tokens) + self.pos(tokens)           # (B, T, D) + (B, T, D)
        return self.readout(self.attention(x))            # (B, T, V)
""")

add('5.3', 'whole-position-table', 'wrong',
    'Adds the whole table self.pos.weight (seq_len, D): right only when T equals seq_len, and a broadcasting error for shorter sequences.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        x = self.tok(tokens) + self.pos.weight            # (B, T, D) + (T, D)
        x = self.attention(x)                             # (B, T, D)
        return self.readout(x)                            # (B, T, V)
""")

add('5.3', 'positions-after-attention', 'wrong',
    'Adds the position vectors after the attention layer, so the scores still cannot see positions (attention stays permutation equivariant) and the model cannot learn to reverse.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        T = tokens.shape[1]
        h = self.attention(self.tok(tokens))              # (B, T, D)
        h = h + self.pos(torch.arange(T))                 # (B, T, D) + (T, D)
        return self.readout(h)                            # (B, T, V)
""")

add('5.3', 'batch-size-as-length', 'wrong',
    'Takes the number of positions from tokens.shape[0], the batch size, instead of tokens.shape[1]: a broadcasting error when B ≠ T, or an IndexError when B > seq_len.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        n = tokens.shape[0]
        pos = self.pos(torch.arange(n))                   # (T, D)
        x = self.tok(tokens) + pos                        # (B, T, D)
        return self.readout(self.attention(x))            # (B, T, V)
""")

add('5.3', 'readout-forgotten', 'wrong',
    'Returns the attention output (B, T, D) without the read-out, so the model gives D numbers per position instead of V digit scores.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        T = tokens.shape[1]
        x = self.tok(tokens) + self.pos(torch.arange(T))  # (B, T, D)
        out = self.attention(x)                           # (B, T, D)
        return out
""")

add('5.3', 'float-positions', 'wrong',
    'Builds the positions with dtype=torch.float, which nn.Embedding refuses (it needs integer indices): RuntimeError on every call.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        T = tokens.shape[1]
        positions = torch.arange(T, dtype=torch.float)    # 0., 1., ..., T-1
        x = self.tok(tokens) + self.pos(positions)        # (B, T, D)
        return self.readout(self.attention(x))            # (B, T, V)
""")

add('5.3', 'positions-added-to-logits', 'wrong',
    "Adds the position vectors to BagOfTokens' finished output (the V scores) via super().forward: a shape error when V ≠ D, and the attention never sees positions.", """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        T = tokens.shape[1]
        scores = super().forward(tokens)                  # BagOfTokens does tok -> attention -> readout
        return scores + self.pos(torch.arange(T))         # add where each token is
""")

add('5.3', 'slice-of-table', 'right',
    'Right, unusually: slices the first T rows of self.pos.weight instead of calling self.pos(arange(T)); the same vectors, and gradients reach the table.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    \"\"\"BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).\"\"\"

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):

        B, T = tokens.shape
        x = self.tok(tokens) + self.pos.weight[:T]        # (B, T, D) + (T, D): positions 0..T-1
        x = self.attention(x)                             # (B, T, D)
        return self.readout(x)                            # (B, T, V)
""")


# ---------------------------------------------------------------- lesson 06

add('6.1', 'sum-not-rescaled', 'wrong',
    "Adds each block's exps at the new maximum but never rescales the earlier sum by exp(m - m_new), so when the maximum grows the old terms are counted too large.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start:start + block]
        m = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s + torch.exp(chunk - m).sum(dim=-1, keepdim=True)
    return torch.exp(scores - m) / s
""")

add('6.1', 'rescale-upside-down', 'wrong',
    'Rescales the running sum by exp(m_new - m) instead of exp(m - m_new): when the maximum grows the old sum is multiplied instead of shrunk (and on the first block exp(+inf) makes it NaN).', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start:start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m_new - m) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'max-never-updated', 'wrong',
    "Forgets m = m_new at the end of the loop: m stays -inf, s ends up holding only the last block's sum, and the final exp(scores - m) is inf.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start:start + block]                      # (..., block)
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))    # (..., 1)
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
    return torch.exp(scores - m) / s
""")

add('6.1', 'last-partial-block-dropped', 'wrong',
    'Loops over S // block whole blocks, so when S is not a multiple of block the last scores never enter the max or the sum: the weights are too large and can overflow.', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for b in range(S // block):                                        # number of blocks
        chunk = scores[..., b * block:(b + 1) * block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'block-max-not-running-max', 'wrong',
    "Sets m to each block's own maximum instead of the maximum so far: exact in exact arithmetic, but when a later block is much smaller the rescale exp(m - m_new) overflows to inf and the result is 0 or NaN.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start:start + block]
        m_block = chunk.amax(dim=-1, keepdim=True)                    # this block's max
        s = s * torch.exp(m - m_block) + torch.exp(chunk - m_block).sum(dim=-1, keepdim=True)
        m = m_block
    return torch.exp(scores - m) / s
""")

add('6.1', 'one-max-for-all-rows', 'wrong',
    "Keeps a single running maximum over every row (chunk.max()) instead of one per row: a row whose scores are all far below another row's underflows to 0/0 = NaN.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    m = torch.tensor(float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start:start + block]
        m_new = torch.maximum(m, chunk.max())
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'shifts-the-block-in-place', 'wrong',
    "Subtracts m_new from chunk in place, and chunk is a view of scores: the caller's scores are changed, and the final exp(scores - m) uses the shifted values, so the result is wrong too.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start:start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new)
        chunk -= m_new                                       # shift the block
        s += chunk.exp().sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'max-starts-at-zero', 'wrong',
    'Starts the running maximum at 0 instead of -inf, so it never drops below 0: a row of very negative scores (around -1000) underflows to 0/0 = NaN.', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    m = torch.zeros(scores.shape[:-1] + (1,))           # running max
    s = torch.zeros(scores.shape[:-1] + (1,))           # running sum
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start:start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'float64-accumulators', 'wrong',
    'Keeps the running sum in float64 "for accuracy", so the result is promoted to float64 for a float32 input.', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    shape = scores.shape[:-1] + (1,)
    m = torch.full(shape, float("-inf"))
    s = torch.zeros(shape, dtype=torch.float64)          # accumulate in double precision
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start:start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add('6.1', 'while-loop-with-split', 'right',
    'Right, unusually: walks the blocks with torch.split along the last axis (the last block shorter), updating the running max and sum per row, then one exp and division.', """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    \"\"\"Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.\"\"\"
    running_max = None
    running_sum = None
    for chunk in torch.split(scores, block, dim=-1):           # the last piece may be shorter
        chunk_max = chunk.amax(dim=-1, keepdim=True)
        if running_max is None:
            running_max = chunk_max
            running_sum = torch.exp(chunk - chunk_max).sum(dim=-1, keepdim=True)
            continue
        new_max = torch.maximum(running_max, chunk_max)
        running_sum = running_sum * torch.exp(running_max - new_max) + torch.exp(chunk - new_max).sum(dim=-1, keepdim=True)
        running_max = new_max
    return torch.exp(scores - running_max) / running_sum
""")

add('6.2', 'output-not-rescaled', 'wrong',
    "Rescales the running sum when the maximum grows but not the running output, so earlier blocks' contributions to out are too large.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, v.shape[-1])
    for start in range(0, T, block):
        kb = k[:, start:start + block, :]                        # (B, block, d)
        vb = v[:, start:start + block, :]                        # (B, block, d)
        scores = q @ kb.transpose(-2, -1)                        # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)                         # (B, T, block)
        s = s * torch.exp(m - m_new) + exps.sum(dim=-1, keepdim=True)
        out = out + exps @ vb                                    # (B, T, d)
        m = m_new
    return out / s
""")

add('6.2', 'scale-forgotten', 'wrong',
    'Never divides q (or the scores) by √d, so it computes softmax(q kᵀ) v instead of the scaled version.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        m_new = torch.maximum(m, scores.amax(-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[..., start:start + block, :]
        m = m_new
    return out / s
""")

add('6.2', 'scaled-by-block-size', 'wrong',
    "Scales the scores by 1/√block (the width of a block's scores) instead of 1/√d.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros_like(v)
    for start in range(0, T, block):
        k_blk = k[:, start:start + block]                          # (B, block, d)
        v_blk = v[:, start:start + block]
        scores = q @ k_blk.transpose(1, 2) / math.sqrt(block)      # (B, T, block), scaled
        m_new = torch.maximum(m, scores.amax(-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        e = torch.exp(scores - m_new)
        s = s * rescale + e.sum(-1, keepdim=True)
        out = out * rescale + e @ v_blk
        m = m_new
    return out / s
""")

add('6.2', 'normalises-every-block', 'wrong',
    "Takes a separate softmax over each block of keys and adds up the blocks' outputs, so each block is weighted as if it held all the keys: the output is a sum of per-block attention outputs, not one softmax over every key.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    q = q / math.sqrt(d)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[:, start:start + block].transpose(-2, -1)            # (B, T, block)
        weights = torch.softmax(scores, dim=-1)                             # softmax of this block
        out = out + weights @ v[:, start:start + block]                     # (B, T, d)
    return out
""")

add('6.2', 'sliced-the-feature-axis', 'wrong',
    'Slices k[..., start:start + block] without the trailing ", :", which cuts the last axis (the d features) instead of the keys: shape errors or wrong products.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros((B, T, 1))
    out = torch.zeros((B, T, d))
    for start in range(0, T, block):
        k_block = k[..., start:start + block]          # the block of keys
        v_block = v[..., start:start + block]
        scores = q @ k_block.transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v_block
        m = m_new
    return out / s
""")

add('6.2', 'running-max-not-kept', 'wrong',
    'Never assigns m = m_new: every block is rescaled from m = -inf, so s and out are multiplied by 0 each time and only the last block counts.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[:, start:start + block, :].transpose(-2, -1)         # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))         # (B, T, 1)
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[:, start:start + block, :]
    return out / s
""")

add('6.2', 'remainder-block-skipped', 'wrong',
    'Loops over T // block whole blocks, so when T is not a multiple of block the last keys are never attended to.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    q = q / math.sqrt(d)
    n_blocks = T // block
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for i in range(n_blocks):
        kb = k[:, i * block:(i + 1) * block, :]
        vb = v[:, i * block:(i + 1) * block, :]
        scores = q @ kb.transpose(-2, -1)                                   # (B, T, block)
        m_new = torch.maximum(m, scores.amax(-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ vb
        m = m_new
    return out / s
""")

add('6.2', 'one-max-for-everything', 'wrong',
    'Keeps one scalar running maximum for the whole batch instead of one per query: a query whose scores are all far below the largest score anywhere underflows to 0/0 = NaN.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    d = q.shape[-1]
    q = q / math.sqrt(d)
    m = torch.tensor(float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros_like(q)
    for start in range(0, k.shape[1], block):
        scores = q @ k[:, start:start + block].transpose(-2, -1)            # (B, T, block)
        m_new = torch.maximum(m, scores.max())                              # biggest score so far
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[:, start:start + block]
        m = m_new
    return out / s
""")

add('6.2', 'rescale-after-update', 'wrong',
    'Updates m = m_new before computing the rescale factor, so exp(m - m_new) is always 1 and neither s nor out is ever rescaled when the maximum grows.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[:, start:start + block, :].transpose(-2, -1)         # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        m = m_new                                                           # new running max
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[:, start:start + block, :]
    return out / s
""")

add('6.2', 'final-division-missing', 'wrong',
    'Ends with return out, forgetting to divide by the running sum s, so the output is not a weighted average (half-finished).', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[:, start:start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[:, start:start + block, :]
        m = m_new
    return out
""")

add('6.2', 'scaled-keys-and-lists', 'right',
    'Right, unusually: scales k instead of q, walks the blocks with torch.split on the token axis, and tracks max, sum and output per query; only (B, T, block) scores exist at a time.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    \"\"\"softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.\"\"\"

    k = k * q.shape[-1] ** -0.5                                   # (q / sqrt(d)) k^T = q (k / sqrt(d))^T
    m = s = out = None
    for kb, vb in zip(torch.split(k, block, dim=1), torch.split(v, block, dim=1)):
        scores = torch.einsum('btd,bsd->bts', q, kb)              # (B, T, block)
        bm = scores.amax(dim=-1, keepdim=True)
        if m is None:
            m = bm
            e = torch.exp(scores - m)
            s, out = e.sum(-1, keepdim=True), e @ vb
        else:
            m_new = torch.maximum(m, bm)
            r = torch.exp(m - m_new)
            e = torch.exp(scores - m_new)
            s = s * r + e.sum(-1, keepdim=True)
            out = out * r + e @ vb
            m = m_new
    return out / s
""")

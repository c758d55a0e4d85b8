A = []
def add(ex, id, kind, bug, code):
    A.append(dict(ex=ex, id=id, kind=kind, bug=bug, code=code.strip("\n")))


# ---------------------------------------------------------------------------------------------
# Lesson 01
# ---------------------------------------------------------------------------------------------

add("1.1", "pairwise-upper-triangle-only", "wrong", "The inner loop starts at j = i, so only the upper triangle (j >= i) is filled and every score below the diagonal stays 0; the student assumed symmetry fills itself in.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(i, T):          # the matrix is symmetric, so half is enough
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")

add("1.1", "pairwise-range-T-minus-1", "wrong", "Both loops run over range(T - 1), so the last row and the last column of scores are never filled and stay 0 (an off-by-one from thinking the last index is T).", """
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

add("1.1", "pairwise-columns-not-rows", "wrong", "It takes the dot products of columns X[:, i] and X[:, j] (features) instead of rows X[i] and X[j] (tokens), which gives wrong numbers and an index error as soon as T > D.", """
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

add("1.1", "pairwise-reset-inside-loop", "wrong", "scores = torch.zeros(T, T) was moved inside the outer loop, so it is recreated for every i and only the last row survives; all other rows are 0.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    for i in range(T):
        scores = torch.zeros(T, T)
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")

add("1.1", "pairwise-return-in-loop", "wrong", "The return statement is indented inside the outer loop, so the function returns after filling row 0 and every other row is 0.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j])
        return scores
""")

add("1.1", "pairwise-cosine", "wrong", "It computes cosine similarity (the dot product divided by both vectors' norms) instead of the plain dot product, reading 'how similar are two tokens' as cosine similarity.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    '''The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].'''
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j]) / (X[i].norm() * X[j].norm())
    return scores
""")

add("1.2", "softmax-naive-no-shift", "wrong", "It exponentiates the raw scores without subtracting the row maximum, so exp overflows to inf for scores above about 88 and the result is NaN.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    exps = torch.exp(scores)
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-amax-no-keepdim", "wrong", "The row maximum is taken without keepdim=True, so its shape (...,) lines up with the columns: it subtracts a different value from each column (wrong numbers on square inputs, a shape error otherwise); it only works for 1-D scores.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    m = scores.amax(dim=-1)
    shifted = scores - m
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-global-max", "wrong", "It subtracts the single global maximum scores.max() instead of each row's maximum, so a row whose scores are far below the global maximum underflows to all zeros and gives 0/0 = NaN.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    shifted = scores - scores.max()
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-inplace-shift", "wrong", "It shifts with scores -= m, which overwrites the caller's tensor in place (the values returned are right, but the input is changed).", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    scores -= scores.amax(dim=-1, keepdim=True)
    exps = scores.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-sum-no-keepdim", "wrong", "The denominator is summed without keepdim=True, so its shape (...,) divides the columns instead of the rows: rows no longer sum to 1 (or a shape error on non-square inputs).", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    m = scores.amax(dim=-1, keepdim=True)
    exps = torch.exp(scores - m)
    return exps / exps.sum(dim=-1)
""")

add("1.2", "softmax-mixed-shifted-unshifted", "wrong", "The numerator uses the shifted scores but the denominator sums exp of the unshifted scores, so the two do not cancel: the rows do not sum to 1 and the denominator overflows on large scores.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    return torch.exp(shifted) / torch.exp(scores).sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-returns-log-softmax", "wrong", "It returns shifted - log(sum(exp(shifted))), the log-softmax, instead of exponentiating it: the values are negative log-probabilities, not weights that sum to 1.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    return shifted - shifted.exp().sum(dim=-1, keepdim=True).log()
""")

add("1.2", "softmax-float64", "wrong", "It converts the scores to float64 'for precision' and returns the float64 result, so a float32 input comes back as float64.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    s = scores.double()
    s = s - s.amax(dim=-1, keepdim=True)
    exps = s.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-clamp-instead-of-shift", "wrong", "It clamps the scores at 80 instead of subtracting the maximum, which keeps exp finite but changes the result whenever scores exceed 80 (all clamped scores become equal).", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    exps = torch.exp(scores.clamp(max=80.0))       # exp(88) is about the float32 limit
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-hardcoded-dim1", "wrong", "It hard-codes dim=1 for the maximum and the sum, which is the last dimension only for 2-D scores: 3-D inputs are normalised over the wrong axis and 1-D inputs raise an error.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    m = scores.amax(dim=1, keepdim=True)
    exps = torch.exp(scores - m)
    return exps / exps.sum(dim=1, keepdim=True)
""")

add("1.2", "softmax-subtract-min", "wrong", "It subtracts each row's minimum instead of its maximum, so the largest exponent is still (max - min) and exp still overflows to inf, giving NaN on large spread-out scores.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    shifted = scores - scores.amin(dim=-1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-logsumexp", "right", "Correct: exp(scores - logsumexp(scores)) over the last dimension, which is stable because torch.logsumexp shifts by the maximum internally.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    '''Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.'''
    return torch.exp(scores - torch.logsumexp(scores, dim=-1, keepdim=True))
""")

add("1.3", "weights-dim0", "wrong", "The student changed dim=1 to dim=0, so the softmax now normalises across the sentences of the batch instead of over each query's keys.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=0)
    return weights
""")

add("1.3", "weights-transpose-wrong-side", "wrong", "The student 'fixed' the matrix product to X.transpose(-2, -1) @ X, which gives (B, D, D) feature-by-feature scores instead of (B, T, T) token-by-token scores.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X.transpose(-2, -1) @ X                       # (B, D, T) x (B, T, D) -> (B, D, D)
    weights = torch.softmax(scores, dim=-1)
    return weights
""")

add("1.3", "weights-dotT-on-3d", "wrong", "It replaces transpose(-2, -1) with .T, which on a 3-D tensor reverses all dimensions to (D, T, B), so the batched product fails (or, when sizes coincide, mixes sentences).", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.T                                       # (B, T, D) x (D, T, B) -> (B, T, T)?
    weights = torch.softmax(scores, dim=-1)
    return weights
""")

add("1.3", "weights-softmax-over-whole-matrix", "wrong", "It flattens each sentence's (T, T) scores and applies one softmax over all T*T entries, so the whole matrix sums to 1 instead of each row.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores.flatten(1), dim=-1).view_as(scores)   # one softmax per sentence
    return weights
""")

add("1.3", "weights-added-sqrt-scale", "wrong", "Besides fixing the dim, the student also divides the scores by √D (from scaled attention), which this exercise's softmax(X Xᵀ) does not do, so every weight is off.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.transpose(-2, -1) / X.shape[-1] ** 0.5  # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)
    return weights
""")

add("1.3", "weights-dim1-then-transpose", "right", "Correct because X Xᵀ is symmetric: the column softmax (dim=1) transposed equals the row softmax.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    '''softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=1).transpose(1, 2) # scores are symmetric, so this is the row softmax
    return weights
""")

add("1.4", "ssa-flattened-batch", "wrong", "It reshapes the batch to (B*T, D) and computes one (B*T, B*T) attention, so every token attends to the tokens of all sentences, not only its own.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    B, T, D = X.shape
    flat = X.reshape(B * T, D)                             # (B, T, D) -> (B*T, D)
    weights = torch.softmax(flat @ flat.T, dim=-1)         # (B*T, D) x (D, B*T) -> (B*T, B*T)
    out = (weights @ flat).reshape(B, T, D)                # (B*T, B*T) x (B*T, D) -> (B, T, D)
    return out
""")

add("1.4", "ssa-returns-weights", "wrong", "It returns the (B, T, T) attention weights instead of the weighted sum weights @ X of shape (B, T, D).", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    out = torch.softmax(scores, dim=-1)                    # (B, T, T)
    return out
""")

add("1.4", "ssa-naive-exp-overflow", "wrong", "It writes the softmax as exp/sum without subtracting the row maximum, so large inputs overflow to inf and the output is NaN.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    exps = scores.exp()
    weights = exps / exps.sum(dim=-1, keepdim=True)        # (B, T, T)
    out = weights @ X                                      # (B, T, T) x (B, T, D) -> (B, T, D)
    return out
""")

add("1.4", "ssa-transposed-weights", "wrong", "It multiplies X by the transposed weights (weights.transpose(-2, -1) @ X), so each output is weighted by a column of the weights, which does not sum to 1.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                # (B, T, T)
    out = weights.transpose(-2, -1) @ X                    # (B, T, T) x (B, T, D) -> (B, T, D)
    return out
""")

add("1.4", "ssa-feature-attention", "wrong", "It computes softmax(Xᵀ X) over features, (B, D, D), and returns X @ weights: the shape (B, T, D) comes out right, but it mixes each token's features instead of mixing tokens.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X.transpose(-2, -1) @ X                       # (B, D, T) x (B, T, D) -> (B, D, D)
    weights = torch.softmax(scores, dim=-1)                # (B, D, D)
    out = X @ weights                                      # (B, T, D) x (B, D, D) -> (B, T, D)
    return out
""")

add("1.4", "ssa-broadcast-sum-wrong-axis", "wrong", "It writes the weighted sum with broadcasting, weights[..., None] * X[:, None], but sums over dim=1 (the queries) instead of dim=2 (the keys), so each output is a column-weighted sum.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                # (B, T, T)
    terms = weights.unsqueeze(-1) * X.unsqueeze(1)         # (B, T, T, 1) * (B, 1, T, D) -> (B, T, T, D)
    out = terms.sum(dim=1)                                 # (B, T, T, D) -> (B, T, D)
    return out
""")

add("1.4", "ssa-loop-over-batch", "right", "Correct: loops over the sentences, computes softmax(x xᵀ) x for each (T, D) matrix and stacks the results.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    '''softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).'''
    outs = []
    for x in X:                                            # x: (T, D)
        w = stable_softmax(x @ x.T)                        # (T, D) x (D, T) -> (T, T)
        outs.append(w @ x)                                 # (T, T) x (T, D) -> (T, D)
    out = torch.stack(outs)                                # B x (T, D) -> (B, T, D)
    return out
""")

# ---------------------------------------------------------------------------------------------
# Lesson 02
# ---------------------------------------------------------------------------------------------

add("2.1", "entropy-no-minus", "wrong", "It returns Σ w log w (torch.xlogy(w, w).sum) without the minus sign, so every entropy comes out negative.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return torch.xlogy(weights, weights).sum(dim=-1)
""")

add("2.1", "entropy-log-of-zero-nan", "wrong", "It computes -(w * log w) directly, so a weight of exactly 0 gives 0 × (−inf) = NaN and the whole row's entropy is NaN.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return -(weights * torch.log(weights)).sum(dim=-1)
""")

add("2.1", "entropy-sum-dim0", "wrong", "It sums -w log w over dim=0 (the first axis) instead of the last dimension, so it returns per-column sums of the wrong shape.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return torch.special.entr(weights).sum(dim=0)
""")

add("2.1", "entropy-log2-bits", "wrong", "It uses log base 2, giving the entropy in bits instead of nats (every value too large by a factor 1/ln 2 ≈ 1.44).", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    logs = torch.where(weights > 0, torch.log2(weights), torch.zeros_like(weights))
    return -(weights * logs).sum(dim=-1)
""")

add("2.1", "entropy-keepdim", "wrong", "It sums with keepdim=True, returning shape (..., 1) instead of (...,).", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return -torch.xlogy(weights, weights).sum(dim=-1, keepdim=True)
""")

add("2.1", "entropy-resoftmax", "wrong", "It passes the weights through softmax again before taking the entropy, so it measures the entropy of softmax(weights), which is much flatter than the weights themselves.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    p = torch.softmax(weights, dim=-1)          # make sure they are probabilities
    return -(p * p.log()).sum(dim=-1)
""")

add("2.1", "entropy-boolean-filter-scalar", "wrong", "It drops the zeros with weights[weights > 0], which flattens the tensor, so it returns one scalar (the total over all rows) instead of one entropy per row.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    w = weights[weights > 0]                    # 0 log 0 counts as 0, so skip the zeros
    return -(w * w.log()).sum(dim=-1)
""")

add("2.1", "entropy-inplace-replace-zeros", "wrong", "It replaces the zeros by 1 with weights[weights == 0] = 1.0 so that log gives 0, which overwrites the caller's tensor in place (the entropies are right, the input is changed).", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    weights[weights == 0] = 1.0                 # 1 · log 1 = 0, same as 0 · log 0
    return -(weights * weights.log()).sum(dim=-1)
""")

add("2.1", "entropy-nansum", "right", "Correct: -(w log w) with nansum, which skips the NaN that 0 · log 0 produces, so those terms count as 0.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    '''Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).'''
    return -(weights * torch.log(weights)).nansum(dim=-1)
""")

add("2.2", "module-no-super-init", "wrong", "It never calls super().__init__(), so nn.Module's internal state is missing and calling the module (or anything that touches its parameters or hooks) raises an AttributeError.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        self.hidden_size = hidden_size

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add("2.2", "module-super-init-with-arg", "wrong", "It passes hidden_size to super().__init__(hidden_size), but nn.Module.__init__ takes no such argument, so constructing the module raises a TypeError.", """
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

add("2.2", "module-wrong-attribute-name", "wrong", "It stores the width as self.D instead of self.hidden_size, so the attribute the exercise asks for does not exist.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.D = hidden_size

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add("2.2", "module-comparison-not-assignment", "wrong", "It writes self.hidden_size == hidden_size (a comparison) instead of an assignment, which reads an attribute that does not exist yet and raises an AttributeError in __init__.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size == hidden_size

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add("2.2", "module-forward-pass", "wrong", "The student replaced the placeholder forward's `return X` with `pass`, so calling the module returns None instead of handing X back.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3.'''
        pass
""")

add("2.3", "proj-scale-sqrt", "wrong", "It sets self.scale = hidden_size ** 0.5 (√D) instead of hidden_size ** -0.5 (1/√D), dropping the minus sign.", """
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

add("2.3", "proj-scale-precedence", "wrong", "It writes hidden_size ** -1/2, which Python reads as (hidden_size ** -1) / 2 = 1/(2D), not 1/√D.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -1/2

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add("2.3", "proj-negative-sqrt", "wrong", "It writes -hidden_size ** 0.5, which is −√D (the minus applies after the power), instead of hidden_size ** -0.5.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    '''Self-attention with learned projections. X: (B, T, D) with D = hidden_size.'''

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = -hidden_size ** 0.5       # minding the minus sign

    def forward(self, X):
        '''X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.'''
        return X
""")

add("2.3", "proj-one-shared-layer", "wrong", "It creates a single nn.Linear and assigns it to all three names, so q, k and v share one weight matrix (one layer's parameters instead of three).", """
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

add("2.3", "proj-names-q-proj", "wrong", "It names the layers q_proj, k_proj and v_proj (as other codebases do) instead of linear_q, linear_k and linear_v, so the layers the exercise asks for do not exist.", """
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

add("2.3", "proj-no-bias", "wrong", "It creates the projections with bias=False, so the module has no biases (3·D² parameters instead of 3·(D² + D)).", """
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

add("2.4", 'attn-no-scale', 'wrong', 'It never multiplies the scores by self.scale, so it computes softmax(q kᵀ) v instead of softmax(q kᵀ / √D) v.', """
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
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                      # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add("2.4", 'attn-divide-by-scale', 'wrong', 'It divides the scores by self.scale, which is already 1/√D, so the scores are multiplied by √D instead of divided by it.', """
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
        scores = q @ k.transpose(-2, -1) / self.scale          # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                      # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add("2.4", 'attn-softmax-dim1', 'wrong', 'The softmax runs over dim=1 (the queries) instead of dim=-1 (the keys), so the columns of the weights sum to 1, not the rows.', """
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
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(1, 2) * self.scale            # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=1)                 # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                      # (B, T, D)
        return out
""")

add("2.4", 'attn-weights-times-X', 'wrong', 'It multiplies the weights by X instead of by v = linear_v(X), so the value projection is never used.', """
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
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale          # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ X                                      # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add("2.4", 'attn-key-from-linear-q', 'wrong', 'A copy-paste slip computes k with self.linear_q instead of self.linear_k, so queries and keys are the same projection (symmetric scores) and linear_k is unused.', """
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
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_q(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = (q @ k.transpose(-2, -1)) * self.scale        # (B, T, T)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return weights @ v                                     # (B, T, D)
""")

add("2.4", 'attn-keeps-scores', 'wrong', 'It keeps the scaled scores (before the softmax) in self.last_weights instead of the weights, so the stored rows do not sum to 1.', """
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
        scores = q @ k.transpose(-2, -1) * self.scale          # (B, T, T)
        self.last_weights = scores.detach()
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        out = weights @ v                                      # (B, T, D)
        return out
""")

add("2.4", 'attn-scale-after-softmax', 'wrong', 'It applies the scale after the softmax (weights * scale), so the softmax sees unscaled scores and the weights no longer sum to 1.', """
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
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1)                       # (B, T, T)
        weights = torch.softmax(scores, dim=-1) * self.scale   # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                      # (B, T, D)
        return out
""")

add("2.4", 'attn-keys-as-queries', 'wrong', 'It computes the scores as k @ qᵀ instead of q @ kᵀ, which is the transpose of the right matrix: each row now holds one key against all queries.', """
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
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = k @ q.transpose(-2, -1) * self.scale          # (B, T, D) x (B, D, T) -> (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        self.last_weights = weights.detach()
        return weights @ v                                     # (B, T, D)
""")

add("2.4", 'attn-scales-X-inplace', 'wrong', "It scales the input in place with X.mul_(self.scale) before projecting, which both changes the caller's tensor and scales q, k and v (biases included) instead of the scores.", """
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
        X.mul_(self.scale)                                     # scale first, then project
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1)                       # (B, T, T)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return weights @ v                                     # (B, T, D)
""")

add("2.4", 'attn-detached-weights-used', 'wrong', 'It detaches the weights and then uses the detached tensor for weights @ v, so no gradient reaches linear_q or linear_k (their .grad stays None) although the output values are right.', """
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
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale          # (B, T, T)
        weights = torch.softmax(scores, dim=-1).detach()       # detach so the plot does not hold the graph
        self.last_weights = weights
        return weights @ v                                     # (B, T, D)
""")

add("2.4", 'attn-forgets-last-weights', 'wrong', 'It computes the output correctly but never assigns self.last_weights, which stays None.', """
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
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)   # (B, T, T)
        out = weights @ v                                      # (B, T, D)
        return out
""")

add("2.4", 'attn-bmm-functional', 'right', 'Correct: the same forward pass with torch.bmm, F.softmax (imported in the cell) and the scale applied to q before the product.', """
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
        import torch.nn.functional as F
        q = self.linear_q(X) * self.scale                      # (B, T, D), scaled once
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        weights = F.softmax(torch.bmm(q, k.transpose(1, 2)), dim=2)   # (B, T, D) x (B, D, T) -> (B, T, T)
        self.last_weights = weights.detach()
        out = torch.bmm(weights, v)                            # (B, T, T) x (B, T, D) -> (B, T, D)
        return out
""")

add("2.5", "qkv-softmax-unscaled", "wrong", "It fixes the NameError by passing the raw q @ kᵀ to the softmax instead of the scaled scores, so the 1/√d scale is lost.", """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)    # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.5", "qkv-no-softmax", "wrong", "It removes the softmax line's error by setting weights = scores, so the scaled scores are used as weights without any softmax (rows do not sum to 1).", """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = scores                                            # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.5", "qkv-softmax-dim1", "wrong", "It passes scores to the softmax but over dim=1 (the queries) instead of dim=-1 (the keys).", """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=1)                      # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.5", "qkv-returns-weights", "wrong", "After fixing the softmax it returns the (B, T, T) weights instead of weights @ v of shape (B, T, d).", """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                     # (B, T, T)
    return weights
""")

add("2.5", "qkv-double-scaled", "wrong", "It divides the already scaled scores by √d a second time inside the softmax, so the scores are divided by d.", """
# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    '''softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores / math.sqrt(q.shape[-1]), dim=-1)   # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.6", "scale-both-q-and-k", "wrong", "It divides both q and k by √d before the product, so the scores are divided by d instead of √d.", """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return (q / math.sqrt(d)) @ (k / math.sqrt(d)).transpose(-2, -1)   # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "scale-precedence", "wrong", "It multiplies by d ** -1/2, which Python reads as (d ** -1) / 2 = 1/(2d), not 1/√d.", """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) * d ** -1/2                  # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "scale-removed", "wrong", "It deletes the scale instead of inverting it, returning the unscaled q kᵀ.", """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return q @ k.transpose(-2, -1)                              # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "scale-sqrt-T", "wrong", "It divides by √T, taking d from q.shape[-2] (the tokens) instead of q.shape[-1] (the width of q and k).", """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-2]
    return q @ k.transpose(-2, -1) / math.sqrt(d)               # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "scale-floor-division", "wrong", "It divides with // (floor division) instead of /, so every scaled score is rounded down to a whole number.", """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) // math.sqrt(d)              # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "scale-on-k", "right", "Correct: scaling k by 1/√d before the product gives the same scores q kᵀ / √d.", """
# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    '''Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T).'''
    d = q.shape[-1]
    return q @ (k * d ** -0.5).transpose(-2, -1)                # (B, T, d) x (B, d, T) -> (B, T, T)
""")


# ---------------------------------------------------------------------------------------------
# Lesson 03
# ---------------------------------------------------------------------------------------------

add("3.1", "causal-triu", "wrong", "It uses .triu() instead of .tril(), so query i may attend keys j >= i (the future) instead of j <= i.", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.ones(T, T, dtype=torch.bool).triu()
""")

add("3.1", "causal-no-diagonal", "wrong", "It uses tril(diagonal=-1), which leaves out the diagonal, so a token may not attend to itself and the first row is all False.", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
""")

add("3.1", "causal-float-mask", "wrong", "It builds the lower triangle from torch.ones(T, T) without dtype=torch.bool, so the mask is float 1.0/0.0 instead of booleans (and ~mask fails on it).", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.ones(T, T).tril()
""")

add("3.1", "causal-true-means-masked", "wrong", "It returns the GPT-style 'future' mask triu(diagonal=1), where True means 'may NOT attend', the inverse of the course's convention.", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)   # the future, to be masked
""")

add("3.1", "causal-one-step-ahead", "wrong", "It uses tril(diagonal=1), which also allows key j = i + 1, so every token may see one token ahead.", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=1)
""")

add("3.1", "causal-additive-mask", "wrong", "It returns an additive float mask (0 where allowed, -inf where masked) instead of a boolean mask with True where attending is allowed.", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    return torch.zeros(T, T).masked_fill(~allowed, float("-inf"))
""")

add("3.1", "causal-arange-compare", "right", "Correct: compares key positions with query positions by broadcasting, j <= i.", """
# Exercise 3.1 — a causal mask
def causal_mask(T):
    '''(T, T) booleans: True where query i may attend key j, i.e. j <= i.'''
    i = torch.arange(T).unsqueeze(1)      # (T, 1) queries
    j = torch.arange(T).unsqueeze(0)      # (1, T) keys
    return j <= i                         # (T, T)
""")

add("3.2", "padding-off-by-one", "wrong", "It compares j <= lengths[b] instead of j < lengths[b], so the first padding position of each sentence is marked as a real token.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    return (torch.arange(T) <= lengths[:, None])[:, None, :]
""")

add("3.2", "padding-no-query-axis", "wrong", "It returns the (B, T) comparison without adding the query axis, so the shape is (B, T) instead of (B, 1, T).", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    return torch.arange(T)[None, :] < lengths[:, None]           # (1, T) < (B, 1) -> (B, T)
""")

add("3.2", "padding-axis-at-end", "wrong", "It adds the new axis at the end, [:, :, None], giving shape (B, T, 1), which masks queries instead of keys when broadcast against (B, T, T) scores.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    mask = torch.arange(T) < lengths[:, None]                    # (B, T)
    return mask[:, :, None]                                      # (B, T, 1)
""")

add("3.2", "padding-inverted", "wrong", "It marks the padding positions with True (j >= lengths[b]), the key_padding_mask convention of nn.MultiheadAttention, instead of True for real tokens.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    is_pad = torch.arange(T)[None, :] >= lengths[:, None]        # (B, T): True at <pad>
    return is_pad.unsqueeze(1)                                   # (B, 1, T)
""")

add("3.2", "padding-left-padded", "wrong", "It assumes the padding comes first (left padding), marking the last lengths[b] positions as real (j >= T - lengths[b]) instead of the first lengths[b].", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    positions = torch.arange(T)[None, :]                         # (1, T)
    real = positions >= (T - lengths)[:, None]                   # (B, T)
    return real[:, None, :]                                      # (B, 1, T)
""")

add("3.2", "padding-ignores-T", "wrong", "It builds the positions with torch.arange(lengths.max()) and ignores T, so the mask is too short whenever T is longer than the longest sentence.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    positions = torch.arange(int(lengths.max()))                 # as many positions as the longest sentence
    return (positions[None, :] < lengths[:, None])[:, None, :]   # (B, 1, T)
""")

add("3.2", "padding-loop", "right", "Correct: fills a (B, 1, T) boolean tensor sentence by sentence with True for the first lengths[b] keys.", """
# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    '''(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b]).'''
    mask = torch.zeros(len(lengths), 1, T, dtype=torch.bool)
    for b, n in enumerate(lengths.tolist()):
        mask[b, 0, :n] = True
    return mask
""")


add("3.3", "msoftmax-inplace-fill", "wrong", "It uses masked_fill_ (with the underscore), which writes -inf into the caller's scores tensor in place.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    scores.masked_fill_(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
""")

add("3.3", "msoftmax-nan-empty-rows", "wrong", "It fills -inf and applies the softmax but never handles rows whose keys are all masked, which come out NaN (0/0) instead of all zeros.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
""")

add("3.3", "msoftmax-fill-zero", "wrong", "It sets masked scores to 0 instead of -inf before the softmax, so masked keys still get weight e⁰/Σ, not exactly 0.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(~mask, 0.0), dim=-1)
    return torch.where(mask.any(dim=-1, keepdim=True), weights, torch.zeros_like(weights))
""")

add("3.3", "msoftmax-minus-1e9", "wrong", "It fills masked scores with -1e9 instead of -inf and does nothing about empty rows, so a row whose keys are all masked gets uniform weights 1/T instead of zeros.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    return torch.softmax(scores.masked_fill(~mask, -1e9), dim=-1)   # -1e9 instead of -inf: no NaN
""")

add("3.3", "msoftmax-inverted-mask", "wrong", "It fills the positions where mask is True with -inf (the 'True = ignore' convention), so it hides exactly the keys that are allowed.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    return torch.nan_to_num(weights, nan=0.0)
""")

add("3.3", "msoftmax-mask-after", "wrong", "It applies the softmax to all keys and then multiplies the weights by the mask, so masked keys are 0 but the remaining weights of a row no longer sum to 1.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores, dim=-1)
    return weights * mask
""")

add("3.3", "msoftmax-renormalise-underflow", "wrong", "It takes the softmax over all keys, zeroes the masked ones and renormalises; when a masked key's score is far above the allowed ones, the allowed weights underflow to 0 and the row comes out all zeros instead of summing to 1.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores, dim=-1) * mask
    total = weights.sum(dim=-1, keepdim=True)
    return weights / total.clamp(min=1e-12)            # empty rows: 0 / tiny = 0
""")

add("3.3", "msoftmax-all-instead-of-any", "wrong", "It zeroes rows where mask.all(dim=-1) is False instead of where mask.any(dim=-1) is False, so every row with at least one masked key becomes all zeros.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    has_keys = mask.all(dim=-1, keepdim=True)
    return weights.masked_fill(~has_keys, 0.0)
""")

add("3.3", "msoftmax-any-no-keepdim", "wrong", "It takes mask.any(dim=-1) without keepdim=True, so the (B, T) row flags broadcast along the keys axis instead of the queries: it zeroes the wrong entries (or raises for some mask shapes) and leaves NaN rows in place.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    has_keys = mask.any(dim=-1)
    return torch.where(has_keys, weights, torch.zeros_like(weights))
""")

add("3.3", "msoftmax-unsqueeze-2d", "wrong", "It gives a 2-D (T, T) mask an axis in the middle, unsqueeze(1) to (T, 1, T), as if it were a padding mask, so the causal mask's rows line up with the sentences of the batch (a shape error unless B = T).", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    if mask.dim() == 2:
        mask = mask.unsqueeze(1)                       # (T, T) -> (T, 1, T), like a padding mask
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
""")

add("3.3", "msoftmax-exp-by-hand", "wrong", "It writes the masked softmax as exp(scores) * mask / sum without subtracting the maximum, so large scores overflow to inf and give NaN, and empty rows give 0/0 = NaN.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    exps = torch.exp(scores) * mask
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("3.3", "msoftmax-where-where", "right", "Correct: torch.where with -inf before the softmax, and torch.where with 0 after it, which also replaces the NaN of empty rows (their mask is all False).", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    neg_inf = torch.tensor(float("-inf"), dtype=scores.dtype)
    weights = torch.softmax(torch.where(mask, scores, neg_inf), dim=-1)
    return torch.where(mask, weights, torch.zeros_like(weights))
""")

add("3.3", "msoftmax-finite-fill-then-zero", "right", "Correct: fills masked scores with a finite very negative number, softmaxes with F.softmax, then multiplies by the mask, which makes masked entries and empty rows exactly 0.", """
# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    '''Softmax over the last dimension of scores (B, T, T), only over keys where mask is True.'''
    very_negative = torch.finfo(scores.dtype).min
    weights = F.softmax(scores.masked_fill(~mask, very_negative), dim=-1)
    return weights * mask
""")

add("3.4", "maskedattn-fill-zero-scores", "wrong", "It moves the mask before the softmax but fills the masked scores with 0 instead of -inf, so masked keys still get a positive weight.", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores.masked_fill(~mask, 0.0), dim=-1)   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "maskedattn-inverted", "wrong", "It masks the scores before the softmax but with masked_fill(mask, -inf), hiding the allowed keys instead of the masked ones.", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    scores = scores.masked_fill(mask, float("-inf"))              # hide the masked keys
    weights = torch.softmax(scores, dim=-1)                       # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "maskedattn-transposed-mask", "wrong", "It applies the mask transposed (mask.transpose(-2, -1)), reading it as (key, query), so a causal mask becomes anti-causal (queries see only the future).", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = masked_softmax(scores, mask.transpose(-2, -1))      # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "maskedattn-renorm-no-keepdim", "wrong", "It keeps the mask after the softmax and renormalises by weights.sum(-1) without keepdim=True, so the (B, T) row sums divide along the wrong axis and rows still do not sum to 1.", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)   # (B, T, T)
    weights = weights / weights.sum(dim=-1)                       # renormalise the rows
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "maskedattn-second-softmax", "wrong", "It 'renormalises' the masked weights by applying a second softmax to them, which gives the zeroed keys weight e⁰ again and flattens every row.", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)   # (B, T, T)
    weights = torch.softmax(weights, dim=-1)                      # make the rows sum to 1 again
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "maskedattn-dropped-scale", "wrong", "It rewrites the function with the mask before the softmax but drops the division by √d, so the scores are unscaled.", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1)                              # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = masked_softmax(scores, mask)                        # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "maskedattn-where-and-nan-to-num", "right", "Correct: -inf on the masked scores with torch.where before the softmax, NaN rows turned to 0 after it.", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    '''softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).'''
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    scores = torch.where(mask, scores, float("-inf"))             # mask the scores, not the weights
    weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)       # (B, T, T); empty rows -> 0
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")


add("3.5", 'head-out-proj-unused', 'wrong', 'out_proj is created in __init__ but forward returns weights @ v without applying it, so the layer is never used and its gradient stays None.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])         # (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask)                        # (B, T, T)
        self.last_weights = weights.detach()
        return weights @ v                                                # (B, T, T) x (B, T, D) -> (B, T, D)
""")

add("3.5", 'head-no-scale', 'wrong', 'It never divides the scores by √D, so the weights are softmax(q kᵀ) instead of softmax(q kᵀ / √D).', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = self.q_proj(X)                                                # (B, T, D)
        k = self.k_proj(X)
        v = self.v_proj(X)
        scores = q @ k.transpose(-2, -1)                                  # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", 'head-mask-ignored', 'wrong', 'forward accepts mask but always uses a plain softmax, so the mask has no effect and masked keys get weight.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = self.q_proj(X)                                                # (B, T, D)
        k = self.k_proj(X)                                                # (B, T, D)
        v = self.v_proj(X)                                                # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])         # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                           # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", 'head-stores-unmasked-weights', 'wrong', 'It stores the plain softmax of the scores (before the mask) in self.last_weights while the output uses the masked weights, so the kept weights give masked keys a nonzero weight.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])         # (B, T, T)
        plain = torch.softmax(scores, dim=-1)                             # (B, T, T)
        self.last_weights = plain.detach()                                # for plotting
        weights = plain if mask is None else masked_softmax(scores, mask)
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", 'head-fused-c-attn', 'wrong', "It uses one fused nn.Linear(D, 3D) named c_attn (as in GPT-2) split into q, k, v instead of the three layers q_proj, k_proj and v_proj the exercise names, so the module's parameters are not the ones asked for.", """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.c_attn = nn.Linear(embed_size, 3 * embed_size)               # q, k and v in one layer
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.c_attn(X).chunk(3, dim=-1)                         # (B, T, 3D) -> 3 x (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])         # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", 'head-dropout', 'wrong', 'It adds nn.Dropout(0.1) on the attention weights (copied from a tutorial), so in training mode, the default, the output is random and differs from call to call.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.dropout = nn.Dropout(0.1)

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])         # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        weights = self.dropout(weights)
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", 'head-relu-output', 'wrong', 'It applies a ReLU to the output of out_proj, which the exercise does not ask for, so every negative output becomes 0.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])         # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return torch.relu(self.out_proj(weights @ v))                     # (B, T, D)
""")

add("3.5", 'head-own-masked-fill-inverted', 'wrong', "It masks the scores itself with masked_fill(mask, -inf), the 'True = ignore' convention, so it hides the keys that may be attended and keeps the masked ones.", """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])         # (B, T, T)
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)           # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", 'head-float-default-mask', 'wrong', "When mask is None it builds a default mask torch.ones(T, T) without dtype=torch.bool, a float tensor, and masked_softmax's ~mask raises on it, so calling the head without a mask fails.", """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        B, T, D = X.shape
        if mask is None:
            mask = torch.ones(T, T)                                       # everyone may attend everyone
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(D)                   # (B, T, T)
        weights = masked_softmax(scores, mask)                            # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", 'head-returns-tuple', 'wrong', 'It returns (output, weights) like nn.MultiheadAttention instead of the output tensor alone.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])         # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v), weights                        # (B, T, D), (B, T, T)
""")

add("3.5", 'head-residual', 'wrong', 'It adds a residual connection, returning X + out_proj(weights @ v), as in a transformer block, instead of out_proj(weights @ v) alone.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[-1])         # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return X + self.out_proj(weights @ v)                             # (B, T, D)
""")

add("3.5", 'head-einsum-default-mask', 'right', 'Correct: einsum for both products, q scaled before the product, and masked_softmax with a boolean all-True default mask when none is given.', """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    '''One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).'''

    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(embed_size, embed_size) for _ in range(4))

    def forward(self, X, mask=None):
        '''X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        T = X.shape[1]
        if mask is None:
            mask = torch.ones(T, T, dtype=torch.bool)                     # (T, T): nothing masked
        q = self.q_proj(X) / math.sqrt(self.embed_size)                   # (B, T, D)
        k, v = self.k_proj(X), self.v_proj(X)                             # (B, T, D) each
        weights = masked_softmax(torch.einsum("bqd,bkd->bqk", q, k), mask)   # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(torch.einsum("bqk,bkd->bqd", weights, v))    # (B, T, D)
""")


# ---------------------------------------------------------------------------------------------
# Lesson 04
# ---------------------------------------------------------------------------------------------

add("4.1", "split-transpose-last-two", "wrong", "It views as (B, T, H, d_head) but then transposes dims 2 and 3 instead of 1 and 2, returning (B, T, d_head, H) instead of (B, H, T, d_head).", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).transpose(2, 3)      # (B, T, D) -> (B, T, H, d_head) -> ?
""")

add("4.1", "split-no-transpose", "wrong", "It views as (B, T, H, d_head) but forgets the transpose, returning shape (B, T, H, d_head), so T and H are in each other's places.", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads)                     # (B, T, D) -> (B, T, H, d_head)
""")

add("4.1", "split-interleaved", "wrong", "It views as (B, T, d_head, H) and permutes, so head h gets every H-th number of each token (interleaved) instead of a contiguous block of d_head numbers: right shape, wrong numbers.", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.view(B, T, D // num_heads, num_heads).permute(0, 3, 1, 2)  # (B, T, d_head, H) -> (B, H, T, d_head)
""")

add("4.1", "split-transpose-then-reshape", "wrong", "It transposes (B, T, D) to (B, D, T) first and then reshapes to (B, H, T, d_head), so each head's 'tokens' are slices of feature columns: right shape, scrambled numbers.", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.transpose(1, 2).reshape(B, num_heads, T, D // num_heads)  # (B, D, T) -> (B, H, T, d_head)
""")

add("4.1", "split-reshape-instead-of-view", "wrong", "It replaces view with reshape, which reads memory in the same order, so the head axis still takes whole tokens: the handed-out bug, unchanged.", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    B, T, D = x.shape
    return x.reshape(B, num_heads, T, D // num_heads)                  # (B, T, D) -> (B, H, T, d_head)
""")

add("4.1", "split-chunk-stack", "right", "Correct: chunks the last axis into H contiguous blocks of d_head and stacks them on a new head axis at dim 1.", """
# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    '''(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads.'''
    return torch.stack(x.chunk(num_heads, dim=-1), dim=1)             # H x (B, T, d_head) -> (B, H, T, d_head)
""")

add("4.2", "merge-view-no-transpose", "wrong", "It views (B, H, T, d_head) straight as (B, T, D) without transposing back first, so each 'token' gets a run of numbers from one head: right shape, wrong numbers.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    B, H, T, d_head = x.shape
    return x.view(B, T, H * d_head)
""")

add("4.2", "merge-transpose-then-view", "wrong", "It transposes back to (B, T, H, d_head) and then calls view, which raises because the transposed tensor is not contiguous in memory.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    B, H, T, d_head = x.shape
    return x.transpose(1, 2).view(B, T, H * d_head)                    # (B, T, H, d_head) -> (B, T, D)
""")

add("4.2", "merge-permute-wrong-order", "wrong", "It permutes to (B, T, d_head, H) instead of (B, T, H, d_head) before flattening, so each token's numbers are interleaved across heads instead of one head's block after another.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    B, H, T, d_head = x.shape
    return x.permute(0, 2, 3, 1).reshape(B, T, H * d_head)            # (B, T, d_head, H) -> (B, T, D)
""")

add("4.2", "merge-unpack-order", "wrong", "It unpacks x.shape as B, T, H, d_head (the order after merging) instead of B, H, T, d_head, so the reshape target (B, H, T·d_head) has the wrong shape.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    B, T, H, d_head = x.shape
    return x.transpose(1, 2).reshape(B, T, H * d_head)
""")

add("4.2", "merge-sum-heads", "wrong", "It sums over the head axis, returning (B, T, d_head), reading 'merge' as combining the heads instead of placing them side by side.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    return x.sum(dim=1)                                               # (B, H, T, d_head) -> (B, T, d_head)
""")

add("4.2", "merge-cat-dim1", "wrong", "It concatenates the heads along dim=1 (the tokens) instead of the last dim, giving (B, H·T, d_head) instead of (B, T, H·d_head).", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    return torch.cat([x[:, h] for h in range(x.shape[1])], dim=1)
""")

add("4.2", "merge-cat-last", "right", "Correct: concatenates the H per-head (B, T, d_head) slices along the last dimension.", """
# Exercise 4.2 — merging heads
def merge_heads(x):
    '''(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads.'''
    return torch.cat(x.unbind(dim=1), dim=-1)                         # H x (B, T, d_head) -> (B, T, D)
""")

add("4.3", 'mha-scale-sqrt-D', 'wrong', "It scales the scores by 1/√D (the full embed_size) instead of 1/√d_head, so every head's scores are too small by a factor √H.", """
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
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.num_heads * self.d_head)   # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-mask-no-head-axis', 'wrong', 'It passes a (B, 1, T) or (B, T, T) mask to masked_softmax without a head axis, so it broadcasts against (B, H, T, T) with the batch lined up against the heads: a shape error, or wrong masking when B equals H.', """
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
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-unsqueeze-2d-mask', 'wrong', 'It calls mask.unsqueeze(1) on every mask, including a (T, T) causal mask, which becomes (T, 1, T) and lines its rows up with the batch axis instead of the queries.', """
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
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)
        if mask is not None:
            mask = mask.unsqueeze(1)                                      # give the mask a head axis

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-unsqueeze-2', 'wrong', 'It adds the head axis with unsqueeze(2) instead of unsqueeze(1); that happens to work for (B, 1, T) masks but turns a (B, T, T) mask into (B, T, 1, T), which lines up queries with heads.', """
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
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(2)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-assert-not-valueerror', 'wrong', 'It checks divisibility with an assert, which raises AssertionError (and nothing under python -O) instead of the ValueError the exercise asks for.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        assert embed_size % num_heads == 0, f"{embed_size} is not divisible by {num_heads}"
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-error-without-numbers', 'wrong', "The ValueError's message does not say the two numbers (embed_size and num_heads), only that one must divide the other.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError("embed_size must be divisible by num_heads")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-inline-split-no-transpose', 'wrong', "It splits the heads inline with view(B, T, H, d_head) and forgets the transpose, so the 'scores' (B, T, H, H) compare heads with heads within each token instead of tokens with tokens (and, with no sensible way to apply it, it drops the mask).", """
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
        q = self.q_proj(X).view(B, T, self.num_heads, self.d_head)        # (B, T, H, d_head)
        k = self.k_proj(X).view(B, T, self.num_heads, self.d_head)
        v = self.v_proj(X).view(B, T, self.num_heads, self.d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, T, H, H)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = (weights @ v).reshape(B, T, D)                              # (B, T, D)
        return self.out_proj(out)
""")

add("4.3", 'mha-merge-without-transpose', 'wrong', "It merges the heads with out.reshape(B, T, D) straight from (B, H, T, d_head), without transposing back first, so the tokens' numbers are scrambled across heads.", """
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
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        B, T, D = X.shape
        out = (weights @ v).reshape(B, T, D)                              # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)
""")

add("4.3", 'mha-no-out-proj', 'wrong', 'It merges the heads and returns the result without applying out_proj, which is created but never used.', """
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
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        return merge_heads(weights @ v)                                   # (B, T, D)
""")

add("4.3", 'mha-last-weights-averaged', 'wrong', "It keeps the weights averaged over the heads, (B, T, T) like nn.MultiheadAttention's default, instead of the per-head weights (B, H, T, T).", """
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
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.mean(dim=1).detach()                  # (B, T, T), averaged like PyTorch
        out = merge_heads(weights @ v)                                    # (B, T, D)
        return self.out_proj(out)
""")

add("4.3", 'mha-attribute-names', 'wrong', 'It stores the number of heads and the head width as self.n_heads and self.head_dim instead of self.num_heads and self.d_head, the names the exercise asks for.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"embed_size={embed_size} not divisible by num_heads={num_heads}")
        self.n_heads = num_heads
        self.head_dim = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.n_heads)                     # (B, H, T, head_dim)
        k = split_heads(self.k_proj(X), self.n_heads)
        v = split_heads(self.v_proj(X), self.n_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)       # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-inverted-divisibility', 'wrong', 'The divisibility test is inverted (`if not embed_size % num_heads`), so it raises ValueError for every valid size and accepts the invalid ones.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if not embed_size % num_heads:
            raise ValueError(f"embed_size {embed_size} must be divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-modulelist-per-head', 'wrong', 'It builds each head from its own nn.Linear(D, d_head) layers in ModuleLists (q_heads, k_heads, v_heads) instead of q_proj, k_proj and v_proj of shape (D, D), so the projections the exercise names do not exist.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError(f"{embed_size} is not divisible by {num_heads}")
        self.num_heads = num_heads
        self.d_head = embed_size // num_heads
        self.q_heads = nn.ModuleList(nn.Linear(embed_size, self.d_head) for _ in range(num_heads))
        self.k_heads = nn.ModuleList(nn.Linear(embed_size, self.d_head) for _ in range(num_heads))
        self.v_heads = nn.ModuleList(nn.Linear(embed_size, self.d_head) for _ in range(num_heads))
        self.out_proj = nn.Linear(embed_size, embed_size)

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = torch.stack([layer(X) for layer in self.q_heads], dim=1)      # (B, H, T, d_head)
        k = torch.stack([layer(X) for layer in self.k_heads], dim=1)
        v = torch.stack([layer(X) for layer in self.v_heads], dim=1)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)

        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                      # (B, 1|T, T) -> (B, 1, 1|T, T)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-mask-none-crash', 'wrong', "It tests mask.dim() without first checking mask is not None, so calling the module without a mask raises AttributeError ('NoneType' object has no attribute 'dim').", """
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
        q = split_heads(self.q_proj(X), self.num_heads)                   # (B, T, D) -> (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)         # (B, H, T, T)
        if mask.dim() == 3:
            mask = mask.unsqueeze(1)

        weights = masked_softmax(scores, mask)                            # (B, H, T, T)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)                                    # (B, H, T, d_head) -> (B, T, D)
        return self.out_proj(out)                                         # (B, T, D)
""")

add("4.3", 'mha-einsum-prescaled', 'right', 'Correct: scales q by 1/√d_head before the product (as the lesson suggests), einsum over heads, masks with a head axis added only to batch-shaped masks.', """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    '''H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).'''

    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.num_heads, self.d_head = num_heads, embed_size // num_heads
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self, name, nn.Linear(embed_size, embed_size))

    def forward(self, X, mask=None):
        '''X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).'''
        q = split_heads(self.q_proj(X), self.num_heads) * self.d_head ** -0.5   # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        if mask is not None and mask.dim() == 3:
            mask = mask[:, None]                                          # (B, 1, 1|T, T)
        weights = masked_softmax(torch.einsum("bhqd,bhkd->bhqk", q, k), mask)   # (B, H, T, T)
        self.last_weights = weights.detach()
        out = torch.einsum("bhqk,bhkd->bhqd", weights, v)                 # (B, H, T, d_head)
        return self.out_proj(merge_heads(out))                            # (B, T, D)
""")


add("4.4", "indep-inplace-change", "wrong", "It changes sentence 1 of X itself (X[1] += 1) instead of a clone, so the caller's batch is modified in place.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    out = attention(X)
    X[1] += 1
    changed_out = attention(X)
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(out[others], changed_out[others])
""")

add("4.4", "indep-compares-all", "wrong", "It compares the outputs of all sentences, sentence 1 included, which always changes, so it returns False even for modules that keep sentences apart.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    changed = X.clone()
    changed[1] = changed[1] + 1
    return torch.allclose(attention(X), attention(changed))
""")

add("4.4", "indep-only-sentence-0", "wrong", "It only compares sentence 0's output, so a module that leaks sentence 1 into sentences 2, 3, ... but not into sentence 0 is reported as independent.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    changed = X.clone()
    changed[1] += 1
    return torch.allclose(attention(X)[0], attention(changed)[0])
""")

add("4.4", "indep-torch-equal", "wrong", "It compares with torch.equal (bit-exact) instead of torch.allclose, so a module that keeps sentences apart but whose outputs differ in the last digit is reported as mixing them.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    new_out = attention(changed)
    keep = torch.arange(X.shape[0]) != 1
    return torch.equal(out[keep], new_out[keep])
""")

add("4.4", "indep-changes-sentence-0", "wrong", "It changes sentence 0 instead of sentence 1 but still skips sentence 1 in the comparison, so it compares the changed sentence 0 and returns False for every module.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    out = attention(X)
    changed = X.clone()
    changed[0] += 1                                   # the first sentence
    new_out = attention(changed)
    keep = torch.arange(X.shape[0]) != 1
    return torch.allclose(out[keep], new_out[keep])
""")

add("4.4", "indep-inverted-result", "wrong", "It returns `not torch.allclose(...)`, inverting the answer: True when the other sentences' outputs changed (mixing) and False when they did not.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    out = attention(X)
    changed = X.clone()
    changed[1] += 1
    new_out = attention(changed)
    keep = torch.arange(X.shape[0]) != 1
    return not torch.allclose(out[keep], new_out[keep])   # did anything else change?
""")

add("4.4", "indep-no-op-change", "wrong", "The line `changed[1] + 1` computes a new tensor and throws it away, so the copy is never changed and the test returns True for every module.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    out = attention(X)
    changed = X.clone()
    changed[1] + 1
    new_out = attention(changed)
    keep = torch.arange(X.shape[0]) != 1
    return torch.allclose(out[keep], new_out[keep])
""")

add("4.4", "indep-changes-token-1", "wrong", "It changes changed[:, 1], token 1 of every sentence, instead of changed[1], sentence 1, so every sentence's input changes and the test returns False even for modules that keep sentences apart.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    out = attention(X)
    changed = X.clone()
    changed[:, 1] += 1
    new_out = attention(changed)
    keep = torch.arange(X.shape[0]) != 1
    return torch.allclose(out[keep], new_out[keep])
""")

add("4.4", "indep-loop-random-change", "right", "Correct: replaces sentence 1 of a clone by random numbers and checks every other sentence with allclose in a loop, returning a Python bool.", """
# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    '''True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged.'''
    before = attention(X)
    changed = X.clone()
    changed[1] = torch.randn_like(changed[1]) * 3
    after = attention(changed)
    for b in range(X.shape[0]):
        if b != 1 and not torch.allclose(before[b], after[b], atol=1e-6):
            return False
    return True
""")

add("4.5", "tomha-order-kqv", "wrong", "It stacks the input projections in the order k, q, v instead of q, k, v, so nn.MultiheadAttention uses our key weights as its queries and vice versa.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.k_proj.weight, ours.q_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.k_proj.bias, ours.q_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add("4.5", "tomha-cat-dim1", "wrong", "It concatenates the three (D, D) weights along dim=1, giving (D, 3D) instead of (3D, D), so copying it into in_proj_weight raises a shape error.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight], dim=1))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add("4.5", "tomha-transposed-weights", "wrong", "It copies each weight transposed (weight.T), thinking nn.MultiheadAttention stores (in, out) matrices, so every projection is applied with the transpose of our matrix.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight.T, ours.k_proj.weight.T, ours.v_proj.weight.T]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight.T)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add("4.5", "tomha-no-batch-first", "wrong", "It creates nn.MultiheadAttention without batch_first=True, so the module reads (B, T, D) input as sequence-first (T, B, D) and attends across the sentences of the batch.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add("4.5", "tomha-no-out-proj", "wrong", "It copies the input projections but not out_proj's weight and bias, so nn.MultiheadAttention keeps its own randomly initialised output layer.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    return mha
""")

add("4.5", "tomha-no-biases", "wrong", "It copies the weight matrices but none of the biases, so nn.MultiheadAttention keeps its zero-initialised in_proj_bias and out_proj.bias while ours has nonzero biases.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
    return mha
""")

add("4.5", "tomha-heads-is-d-head", "wrong", "It passes ours.d_head as num_heads, confusing the head width with the number of heads, so the torch module splits D into a different number of heads (it only agrees when d_head happens to equal num_heads).", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.d_head, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        mha.out_proj.weight.copy_(ours.out_proj.weight)
        mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add("4.5", "tomha-copy-without-no-grad", "wrong", "It calls copy_ on the parameters outside torch.no_grad(), which raises a RuntimeError because they are leaf tensors that require grad.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    D = ours.q_proj.in_features
    mha = nn.MultiheadAttention(D, ours.num_heads, batch_first=True)
    mha.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
    mha.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    mha.out_proj.weight.copy_(ours.out_proj.weight)
    mha.out_proj.bias.copy_(ours.out_proj.bias)
    return mha
""")

add("4.5", "tomha-load-state-dict", "right", "Correct: builds a state dict with PyTorch's parameter names (q, k, v stacked in that order) and loads it.", """
# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    '''An nn.MultiheadAttention(batch_first=True) holding the same weights as ours.'''
    embed_size = ours.num_heads * ours.d_head
    mha = nn.MultiheadAttention(embed_size, ours.num_heads, batch_first=True)
    projections = [ours.q_proj, ours.k_proj, ours.v_proj]
    mha.load_state_dict({
        "in_proj_weight": torch.cat([p.weight.detach() for p in projections], dim=0),
        "in_proj_bias": torch.cat([p.bias.detach() for p in projections], dim=0),
        "out_proj.weight": ours.out_proj.weight.detach(),
        "out_proj.bias": ours.out_proj.bias.detach(),
    })
    return mha
""")

# ---------------------------------------------------------------------------------------------
# Lesson 05
# ---------------------------------------------------------------------------------------------

add("5.1", "ideal-identity", "wrong", "It returns torch.arange(T), the diagonal (each query attends to itself), instead of the reversed positions T − 1 − i.", """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.arange(T)
""")

add("5.1", "ideal-T-to-1", "wrong", "It counts down from T to 1 with torch.arange(T, 0, -1), an off-by-one: query 0 gets key T, which does not exist, instead of T − 1.", """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.arange(T, 0, -1)
""")

add("5.1", "ideal-float", "wrong", "It builds the right values with a float range, so the tensor is float32 instead of int64 (and cannot be used as indices or in one_hot).", """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.arange(T - 1.0, -1.0, -1.0)
""")

add("5.1", "ideal-python-list", "wrong", "It returns a Python list of integers instead of a tensor.", """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return list(range(T - 1, -1, -1))
""")

add("5.1", "ideal-one-hot-matrix", "wrong", "It returns the (T, T) ideal heatmap (the flipped identity matrix) instead of the (T,) vector of key indices.", """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.eye(T, dtype=torch.long).flip(1)     # the anti-diagonal
""")

add("5.1", "ideal-negative", "wrong", "It computes i − (T − 1) instead of (T − 1) − i, a sign slip that gives the negative indices 1 − T, ..., 0.", """
# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    '''For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers.'''
    return torch.arange(T) - (T - 1)
""")

add("5.2", "perm-output-batch-axis", "wrong", "It permutes the model's output along the batch axis, model(tokens)[perm], instead of the token axis [:, perm].", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''
    return torch.allclose(model(tokens[:, perm]), model(tokens)[perm], atol=1e-6)
""")

add("5.2", "perm-input-batch-axis", "wrong", "It permutes the input along the batch axis, tokens[perm] (reordering sequences, not positions), so it tests something else and fails or errors when B differs from T.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''
    permuted_out = model(tokens[perm])
    return torch.allclose(permuted_out, model(tokens)[:, perm], atol=1e-6)
""")

add("5.2", "perm-inverse-on-output", "wrong", "It applies the inverse permutation perm.argsort() to the output instead of perm itself, which only agrees for permutations that are their own inverse.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''
    inverse = perm.argsort()                           # undo the shuffle
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, inverse], atol=1e-6)
""")

add("5.2", "perm-torch-equal", "wrong", "It compares with torch.equal (bit-exact) instead of torch.allclose, so an equivariant model whose permuted sums differ in the last digit is reported as not equivariant.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''
    return torch.equal(model(tokens[:, perm]), model(tokens)[:, perm])
""")

add("5.2", "perm-inplace-shuffle", "wrong", "It shuffles the caller's tokens in place (tokens[:] = tokens[:, perm]) after computing the reference output, so the input is left permuted.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''
    expected = model(tokens)[:, perm]
    tokens[:] = tokens[:, perm]                        # shuffle every sequence
    return torch.allclose(model(tokens), expected, atol=1e-6)
""")

add("5.2", "perm-compares-argmax", "wrong", "It compares only the predicted digits (argmax over V) instead of the model's outputs, so a model whose scores change but whose argmax stays the same is wrongly called equivariant.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''
    predicted = model(tokens[:, perm]).argmax(dim=-1)          # (B, T)
    expected = model(tokens).argmax(dim=-1)[:, perm]
    return bool((predicted == expected).all())
""")

add("5.2", "perm-tests-invariance", "wrong", "It compares model(tokens[:, perm]) with the unpermuted model(tokens), testing invariance instead of equivariance, so an equivariant model is reported as not equivariant.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''
    return torch.allclose(model(tokens[:, perm]), model(tokens), atol=1e-6)
""")

add("5.2", "perm-index-select", "right", "Correct: permutes the token axis with index_select on both sides and compares with allclose, returning a Python bool.", """
# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    '''True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,).'''
    out_of_permuted = model(tokens.index_select(1, perm))      # (B, T, V)
    permuted_out = model(tokens).index_select(1, perm)         # (B, T, V)
    return bool(torch.allclose(out_of_permuted, permuted_out, atol=1e-6))
""")


add("5.3", 'pos-forgotten', 'wrong', 'It never adds the position vectors (self.pos is created but unused), so the model is still the permutation-equivariant BagOfTokens.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        x = token_embedding(tokens)                        # (B, T) -> (B, T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", 'pos-indexed-by-token-ids', 'wrong', 'It looks up self.pos with the token ids instead of the positions 0 … T − 1, so it adds a second embedding of the digit (and raises an index error for digits >= seq_len).', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        x = token_embedding(tokens) + self.pos(tokens)     # (B, T, D) + (B, T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", 'pos-after-attention', 'wrong', 'It adds the position vectors after attention instead of before it, so the attention weights still cannot see positions and the model stays unable to reverse.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = self.attention(token_embedding(tokens))        # (B, T, D)
        x = x + self.pos(positions)                        # (B, T, D) + (T, D)
        return self.readout(x)                             # (B, T, V)
""")

add("5.3", 'pos-reversed-positions', 'wrong', "It 'helps' the reversal by looking up the positions in reverse order (T − 1 … 0), so each token gets another position's vector.", """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        T = tokens.shape[1]
        positions = torch.arange(T - 1, -1, -1)            # reversed, since the task reverses
        x = token_embedding(tokens) + self.pos(positions)  # (B, T, D) + (T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", 'pos-multiplied', 'wrong', 'It multiplies the token vectors by the position vectors instead of adding them.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = token_embedding(tokens) * self.pos(positions)  # (B, T, D) * (T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", 'pos-no-readout', 'wrong', 'It returns the attention output (B, T, D) without the read-out layer, instead of the scores (B, T, V) for the digits.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = token_embedding(tokens) + self.pos(positions)  # (B, T, D)
        return self.attention(x)                           # (B, T, D)
""")

add("5.3", 'pos-arange-batch-axis', 'wrong', 'It builds the positions from tokens.shape[0] (the number of sequences) instead of tokens.shape[1] (the tokens), so the (B, D) position vectors do not line up with the token axis: a shape error unless B is 1 or T, and with B = 1 every token gets the vector of position 0.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        positions = torch.arange(tokens.shape[0])          # one per position
        x = token_embedding(tokens) + self.pos(positions)  # (B, T, D) + (B, D)?
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", 'pos-scaled-embedding', 'wrong', 'It multiplies the token vectors by √D before adding the positions (a habit from the Transformer paper), which the model does not do, so every output differs.', """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        D = self.pos.embedding_dim
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = token_embedding(tokens) * D ** 0.5 + self.pos(positions)   # (B, T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", 'pos-weight-slice', 'right', "Correct: adds the first T rows of the position embedding's weight matrix, which is the same as self.pos(arange(T)).", """
# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    '''BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V).'''

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
        # BagOfTokens' own token embedding (the nn.Embedding printed above that is not self.pos)
        token_embedding = next(m for name, m in self.named_children() if isinstance(m, nn.Embedding) and name != "pos")
        T = tokens.shape[1]
        x = token_embedding(tokens) + self.pos.weight[:T]  # (B, T, D) + (T, D) -> (B, T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")


# ---------------------------------------------------------------------------------------------
# Lesson 06
# ---------------------------------------------------------------------------------------------

add("6.1", "online-no-rescale", "wrong", "It adds each block's exp(x − m_new) to s without first rescaling s by exp(m − m_new), so terms summed under an older, smaller maximum stay too large whenever the maximum grows.", """
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

add("6.1", "online-rescale-inverted", "wrong", "It rescales the running sum by exp(m_new − m) instead of exp(m − m_new), so s grows when the maximum rises instead of shrinking (and is inf·0 = NaN after the first block).", """
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

add("6.1", "online-block-max-not-running", "wrong", "It sets m to the current block's maximum instead of the running maximum max(m, block max), so after a block with a smaller maximum m goes down and the final exp(scores − m) uses the last block's maximum.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = chunk.amax(dim=-1, keepdim=True)
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "online-drops-tail", "wrong", "It loops over range(S // block) full blocks only, so when S is not a multiple of block the last partial block is left out of the maximum and the sum, and the rows sum to more than 1.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for b in range(S // block):
        chunk = scores[..., b * block : (b + 1) * block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "online-m-starts-at-zero", "wrong", "It starts the running maximum at 0 instead of −inf, so for rows whose scores are all far below 0 (around −1000) m stays 0, every exp underflows to 0 and the result is 0/0 = NaN.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''
    S = scores.shape[-1]
    m = torch.zeros(scores.shape[:-1] + (1,))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "online-slices-first-axis", "wrong", "It slices the blocks with scores[start : start + block], along the first axis instead of the last, which is right only for 1-D scores: for (..., S) inputs each 'block' is a group of rows, so the running maximum and sum do not line up with the rows (a shape error or wrong values).", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "online-inplace-final", "wrong", "It finishes with scores -= m and scores.exp_() on the caller's tensor, overwriting the input in place (the returned values are right).", """
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
    scores -= m                                  # no extra (..., S) copy
    return scores.exp_() / s
""")

add("6.1", "online-float64-sum", "wrong", "It keeps the running sum in float64 for accuracy, so exp(scores − m) / s is promoted to float64 and a float32 input comes back as float64.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,), dtype=torch.float64)   # accumulate in double precision
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "online-rescale-after-add", "wrong", "It adds the block's terms (already relative to m_new) and then rescales the whole sum by exp(m − m_new), so the new block's terms are shrunk as well as the old ones.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''
    S = scores.shape[-1]
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, S, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = (s + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)) * torch.exp(m - m_new)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "online-logaddexp", "right", "Correct: keeps one running log-sum-exp per row, updated per block with torch.logaddexp, and returns exp(scores − lse), which equals exp(scores − m) / s.", """
# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    '''Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum.'''
    lse = torch.full(scores.shape[:-1] + (1,), float("-inf"), dtype=scores.dtype)
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        lse = torch.logaddexp(lse, torch.logsumexp(chunk, dim=-1, keepdim=True))
    return torch.exp(scores - lse)
""")

add("6.2", 'chunked-no-scale', 'wrong', 'It never divides q (or the scores) by √d, so it computes softmax(q kᵀ) v instead of softmax(q kᵀ / √d) v.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[..., start:start + block, :]
        m = m_new
    return out / s
""")

add("6.2", 'chunked-out-not-rescaled', 'wrong', 'It rescales the running sum s by exp(m − m_new) but not the running output, so contributions from earlier blocks stay too large whenever the maximum grows.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)
        s = s * torch.exp(m - m_new) + exps.sum(-1, keepdim=True)
        out = out + exps @ v[..., start:start + block, :]
        m = m_new
    return out / s
""")

add("6.2", 'chunked-rescale-inverted', 'wrong', 'It computes the rescale factor as exp(m_new − m) instead of exp(m − m_new), so old terms are enlarged instead of shrunk (and the first block gives inf · 0 = NaN).', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m_new - m)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[..., start:start + block, :]
        m = m_new
    return out / s
""")

add("6.2", 'chunked-no-final-divide', 'wrong', 'It returns the running output o without dividing by the running sum s at the end, so the weights of each row are not normalised.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[..., start:start + block, :]
        m = m_new
    return out
""")

add("6.2", 'chunked-normalise-per-block', 'wrong', 'It divides the running output by the running sum inside the loop, every block, and then keeps rescaling and adding unnormalised terms to that normalised output, so blocks are mixed with inconsistent weights.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = (out * rescale + exps @ v[..., start:start + block, :]) / s
        m = m_new
    return out
""")

add("6.2", 'chunked-full-v', 'wrong', "It slices the keys into blocks but multiplies the block's (B, T, block) weights by the whole v (B, T, d) instead of the matching block of v, which raises a shape error whenever block < T.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v
        m = m_new
    return out / s
""")

add("6.2", 'chunked-average-of-block-softmaxes', 'wrong', "It computes a separate softmax inside each block and averages the blocks' outputs, which is not the softmax over all keys (a block with small scores gets as much say as one with large scores).", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    out = torch.zeros(B, T, d)
    n_blocks = 0
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        out = out + torch.softmax(scores, dim=-1) @ v[..., start:start + block, :]
        n_blocks += 1
    return out / n_blocks
""")

add("6.2", 'chunked-inplace-q-scale', 'wrong', "It scales q in place with q /= math.sqrt(d), which divides the caller's q tensor (the returned values are right, but the input is changed).", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q /= math.sqrt(d)                                                      # scale q once
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[..., start:start + block, :]
        m = m_new
    return out / s
""")

add("6.2", 'chunked-slice-off-by-one', 'wrong', 'It slices each block as start:start + block - 1, so the last key of every block is skipped and never attended to.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        end = start + block - 1                                            # last index of the block
        scores = q @ k[:, start:end, :].transpose(-2, -1)                  # (B, T, block)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[:, start:end, :]
        m = m_new
    return out / s
""")

add("6.2", 'chunked-exps-old-max', 'wrong', "It exponentiates the block's scores relative to the old maximum m instead of m_new, so the first block computes exp(score + inf) = inf (NaN results), and later blocks are off by exp(m_new − m).", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        scores = q @ k[..., start:start + block, :].transpose(-2, -1)      # (B, T, block)
        exps = torch.exp(scores - m)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v[..., start:start + block, :]
        m = m_new
    return out / s
""")

add("6.2", 'chunked-blocks-of-sentences', 'wrong', "It slices k and v with k[start:start + block] (the batch axis) instead of k[:, start:start + block] (the keys), so 'blocks' are groups of sentences: a shape error, or sentences attending to other sentences' keys when sizes happen to match.", """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q / math.sqrt(d)
    m = torch.full((B, T, 1), float("-inf"))
    s = torch.zeros(B, T, 1)
    out = torch.zeros(B, T, d)
    for start in range(0, T, block):
        k_blk, v_blk = k[start:start + block], v[start:start + block]
        scores = q @ k_blk.transpose(-2, -1)                               # (B, T, block)?
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(-1, keepdim=True)
        out = out * rescale + exps @ v_blk
        m = m_new
    return out / s
""")

add("6.2", 'chunked-normalised-running-output', 'right', 'Correct: keeps the running output already normalised (divided by the running sum) and updates it with the old and new sums, an equivalent form of the same online algorithm.', """
# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    '''softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix.'''
    B, T, d = q.shape
    q = q * d ** -0.5
    m = q.new_full((B, T, 1), float("-inf"))
    l = q.new_zeros(B, T, 1)
    o = q.new_zeros(B, T, d)                                               # normalised running output
    for start in range(0, T, block):
        kb, vb = k[:, start:start + block], v[:, start:start + block]
        scores = torch.einsum("bqd,bkd->bqk", q, kb)                       # (B, T, block)
        m_new = torch.maximum(m, scores.amax(-1, keepdim=True))
        p = torch.exp(scores - m_new)
        l_old = l * torch.exp(m - m_new)
        l = l_old + p.sum(-1, keepdim=True)
        o = (o * l_old + p @ vb) / l
        m = m_new
    return o
""")

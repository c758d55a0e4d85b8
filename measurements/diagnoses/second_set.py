A = []
def add(ex, id, kind, bug, code):
    A.append(dict(ex=ex, id=id, kind=kind, bug=bug, code=code.strip("\n")))


# ---- Exercise 1.1 ------------------------------------------------------------
add("1.1", "dot-i-with-i", "wrong", "You wrote torch.dot(X[i], X[i]): every entry of row i is token i with itself; the second index must be j.", """
def pairwise_scores(X):
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[i])
    return scores
""")
add("1.1", "loop-off-by-one", "wrong", "Your loops run over range(T - 1), so the last token's row and column are never filled and stay 0.", """
def pairwise_scores(X):
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T - 1):
        for j in range(T - 1):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")
add("1.1", "columns-not-tokens", "wrong", "X[:, i] is feature i across all tokens, not token i: index tokens with X[i].", """
def pairwise_scores(X):
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[:, i], X[:, j])
    return scores
""")
add("1.1", "upper-triangle-only", "wrong", "You fill only j >= i (the upper triangle) and leave the lower triangle at 0; the scores are symmetric, so mirror them or loop over every pair.", """
def pairwise_scores(X):
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(i, T):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")
add("1.1", "forgot-transpose", "wrong", "X @ X has no transpose: (T, D) @ (T, D) only runs when T == D, and then gives the wrong numbers; use X @ X.T.", """
def pairwise_scores(X):
    T = X.shape[0]
    scores = X @ X
    return scores
""")
add("1.1", "elementwise-no-sum", "wrong", "X[i] * X[j] is an elementwise product (a vector of D numbers), not a dot product: it cannot go into one entry; sum it or use torch.dot.", """
def pairwise_scores(X):
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = X[i] * X[j]
    return scores
""")
add("1.1", "scaled-early", "wrong", "You divided the scores by √D: lesson 01's scores are the plain dot products X[i] · X[j] (the scale comes in lesson 02).", """
def pairwise_scores(X):
    T = X.shape[0]
    D = X.shape[1]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j]) / D ** 0.5
    return scores
""")
add("1.1", "right-einsum", "right", "", """
def pairwise_scores(X):
    T = X.shape[0]
    scores = torch.einsum("id,jd->ij", X, X)
    return scores
""")

# ---- Exercise 1.2 ------------------------------------------------------------
add("1.2", "no-max-shift", "wrong", "No maximum is subtracted, so exp overflows to inf on large scores and the result is NaN.", """
def stable_softmax(scores):
    exps = scores.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")
add("1.2", "max-no-keepdim", "wrong", "The row maximum is taken without keepdim=True, so its shape (...,) lines up with the columns instead of the rows.", """
def stable_softmax(scores):
    shifted = scores - scores.amax(dim=-1)
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")
add("1.2", "sum-no-keepdim", "wrong", "The sum is taken without keepdim=True, so each row is divided by the wrong sums (or the shapes do not broadcast).", """
def stable_softmax(scores):
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=-1)
""")
add("1.2", "global-max", "wrong", "You subtract the maximum of the whole tensor, not of each row: rows much smaller than the largest one underflow to 0 / 0 = NaN.", """
def stable_softmax(scores):
    shifted = scores - scores.max()
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")
add("1.2", "inplace-subtract", "wrong", "scores -= ... changes the caller's tensor in place; write shifted = scores - m instead.", """
def stable_softmax(scores):
    scores -= scores.amax(dim=-1, keepdim=True)
    exps = scores.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")
add("1.2", "wrong-axis-0", "wrong", "You normalise over dim=0 instead of the last dimension, so columns (not rows) sum to 1.", """
def stable_softmax(scores):
    shifted = scores - scores.amax(dim=0, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=0, keepdim=True)
""")
add("1.2", "max-tuple", "wrong", "scores.max(dim=-1, keepdim=True) returns (values, indices): subtracting that tuple raises; use .values or amax.", """
def stable_softmax(scores):
    shifted = scores - scores.max(dim=-1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")
add("1.2", "not-normalised", "wrong", "You return the shifted exponentials without dividing by their row sums, so rows do not sum to 1.", """
def stable_softmax(scores):
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    return shifted.exp()
""")
add("1.2", "max-dim1", "wrong", "You take the maximum over dim=1 rather than the last dimension: for 3-D scores that subtracts a different number in each column, which changes the softmax of each row.", """
def stable_softmax(scores):
    shifted = scores - scores.amax(dim=1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")
add("1.2", "right-torch-softmax", "right", "", """
def stable_softmax(scores):
    return torch.softmax(scores, dim=-1)
""")
add("1.2", "right-logsumexp", "right", "", """
def stable_softmax(scores):
    return torch.exp(scores - torch.logsumexp(scores, dim=-1, keepdim=True))
""")

# ---- Exercise 1.3 ------------------------------------------------------------
add("1.3", "left-as-handed-out", "wrong", "The softmax still runs over dim=1, the queries: each column sums to 1, not each row.", """
def attention_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=1)
    return weights
""")
add("1.3", "dim0", "wrong", "dim=0 normalises across the sentences of the batch; each query's weights must sum to 1 over the keys, dim=-1.", """
def attention_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=0)
    return weights
""")
add("1.3", "dim-minus2", "wrong", "dim=-2 is the same axis as dim=1 (the queries) on a (B, T, T) tensor; the keys are dim=-1.", """
def attention_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=-2)
    return weights
""")
add("1.3", "transpose-scores-same-dim", "wrong", "Transposing the scores changes nothing because X Xᵀ is symmetric: the softmax still runs over the queries; change the dim instead.", """
def attention_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores.transpose(-2, -1), dim=1)
    return weights
""")
add("1.3", "no-dim", "wrong", "torch.softmax needs a dim: without it the call raises; pass dim=-1.", """
def attention_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores)
    return weights
""")
add("1.3", "dot-T-3d", "wrong", "Your .T on a 3-D tensor reverses all three axes, giving (T, T, B) instead of (B, T, T).", """
def attention_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=0).T
    return weights
""")
add("1.3", "right-dim2", "right", "", """
def attention_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=2)
    return weights
""")
add("1.3", "right-transpose-result", "right", "", """
def attention_weights(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=1).transpose(1, 2)   # scores are symmetric, so this is softmax over keys
    return weights
""")

# ---- Exercise 1.4 ------------------------------------------------------------
add("1.4", "softmax-dim1", "wrong", "The softmax runs over dim=1, the queries, so the weights in each row do not sum to 1.", """
def simple_self_attention(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=1)
    out = weights @ X
    return out
""")
add("1.4", "x-times-weights", "wrong", "X @ weights multiplies in the wrong order: (B, T, D) @ (B, T, T) needs D == T; the output is weights @ X.", """
def simple_self_attention(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=-1)
    out = X @ weights
    return out
""")
add("1.4", "dot-T", "wrong", "X.T on a 3-D tensor reverses all axes to (D, T, B); for the per-sentence transpose use X.transpose(-2, -1).", """
def simple_self_attention(X):
    scores = X @ X.T
    weights = torch.softmax(scores, dim=-1)
    out = weights @ X
    return out
""")
add("1.4", "transpose-0-1", "wrong", "X.transpose(0, 1) swaps the batch and token axes, not tokens and features: the scores need X.transpose(-2, -1).", """
def simple_self_attention(X):
    scores = X @ X.transpose(0, 1)
    weights = torch.softmax(scores, dim=-1)
    out = weights @ X
    return out
""")
add("1.4", "returns-weights", "wrong", "You return the attention weights (B, T, T) rather than out = weights @ X.", """
def simple_self_attention(X):
    scores = X @ X.transpose(-2, -1)
    weights = torch.softmax(scores, dim=-1)
    out = weights @ X
    return weights
""")
add("1.4", "flattened-batch", "wrong", "You flattened the batch into one long sentence, so every token attends to the tokens of all sentences, not just its own.", """
def simple_self_attention(X):
    B, T, D = X.shape
    flat = X.reshape(B * T, D)
    weights = torch.softmax(flat @ flat.T, dim=-1)
    out = (weights @ flat).reshape(B, T, D)
    return out
""")
add("1.4", "scaled", "wrong", "You divided the scores by √D; lesson 01's attention is softmax(X Xᵀ) X with no scale.", """
def simple_self_attention(X):
    scores = X @ X.transpose(-2, -1) / X.shape[-1] ** 0.5
    weights = torch.softmax(scores, dim=-1)
    out = weights @ X
    return out
""")
add("1.4", "right-einsum", "right", "", """
def simple_self_attention(X):
    scores = torch.einsum("btd,bsd->bts", X, X)
    weights = scores.softmax(dim=-1)
    out = torch.einsum("bts,bsd->btd", weights, X)
    return out
""")
add("1.4", "right-sdpa", "right", "", """
def simple_self_attention(X):
    out = torch.nn.functional.scaled_dot_product_attention(X, X, X, scale=1.0)
    return out
""")

# ---- Exercise 2.1 ------------------------------------------------------------
add("2.2", "no-super", "wrong", "__init__ never calls super().__init__(), so nn.Module is not set up and calling the module fails.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        self.hidden_size = hidden_size

    def forward(self, X):
        return X
""")
add("2.2", "super-not-called", "wrong", "super().__init__ without parentheses does not call anything: nn.Module is never initialised.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__
        self.hidden_size = hidden_size

    def forward(self, X):
        return X
""")
add("2.2", "wrong-attr-name", "wrong", "You stored the size as self.hidden, not self.hidden_size.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden = hidden_size

    def forward(self, X):
        return X
""")
add("2.2", "not-stored", "wrong", "You call super().__init__() but never keep hidden_size as self.hidden_size.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()

    def forward(self, X):
        return X
""")
add("2.2", "super-with-arg", "wrong", "nn.Module's __init__ takes no arguments: super().__init__(hidden_size) raises a TypeError.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.hidden_size = hidden_size

    def forward(self, X):
        return X
""")
add("2.2", "comparison-not-assignment", "wrong", "self.hidden_size == hidden_size compares instead of assigning (one = too many), and raises because the attribute does not exist yet.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size == hidden_size

    def forward(self, X):
        return X
""")
add("2.2", "right-explicit-module-init", "right", "", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        nn.Module.__init__(self)
        self.hidden_size = hidden_size

    def forward(self, X):
        return X
""")

# ---- Exercise 2.2 ------------------------------------------------------------
add("2.3", "scale-no-minus", "wrong", "hidden_size ** 0.5 is √D; the scale is 1/√D, hidden_size ** -0.5.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** 0.5

    def forward(self, X):
        return X
""")
add("2.3", "scale-precedence", "wrong", "hidden_size ** -1/2 is (1/hidden_size)/2 because ** binds tighter than /: write hidden_size ** -0.5 or hidden_size ** (-1/2).", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -1/2

    def forward(self, X):
        return X
""")
add("2.3", "wrong-layer-names", "wrong", "The layers are named q_linear, k_linear, v_linear; the exercise needs linear_q, linear_k and linear_v.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.q_linear = nn.Linear(hidden_size, hidden_size)
        self.k_linear = nn.Linear(hidden_size, hidden_size)
        self.v_linear = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        return X
""")
add("2.3", "no-bias", "wrong", "bias=False leaves out the three biases that nn.Linear(hidden_size, hidden_size) has.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_k = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_v = nn.Linear(hidden_size, hidden_size, bias=False)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        return X
""")
add("2.3", "one-shared-layer", "wrong", "linear_q = linear_k = linear_v is one layer under three names: q, k and v share their weights instead of having three.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = self.linear_k = self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        return X
""")
add("2.3", "plain-list", "wrong", "Layers kept in a plain Python list are not registered as the module's parameters, and are not named linear_q, linear_k, linear_v.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linears = [nn.Linear(hidden_size, hidden_size) for _ in range(3)]
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        return X
""")
add("2.3", "no-scale", "wrong", "You added the three projections but forgot self.scale.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)

    def forward(self, X):
        return X
""")
add("2.3", "right-setattr-loop", "right", "", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        for name in ("q", "k", "v"):
            setattr(self, f"linear_{name}", nn.Linear(hidden_size, hidden_size))
        self.scale = hidden_size ** (-1 / 2)

    def forward(self, X):
        return X
""")

# ---- Exercise 2.3 ------------------------------------------------------------
add("2.4", "softmax-dim1", "wrong", "The softmax runs over dim=1, the queries; each query's weights must sum to 1 over the keys, dim=-1.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1) * self.scale
        weights = torch.softmax(scores, dim=1)
        self.last_weights = weights.detach()
        out = weights @ v
        return out
""")
add("2.4", "no-scale", "wrong", "The scores are never multiplied by self.scale.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = weights @ v
        return out
""")
add("2.4", "divide-by-scale", "wrong", "You divide by self.scale, which is already 1/√D: that multiplies the scores by √D.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1) / self.scale
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = weights @ v
        return out
""")
add("2.4", "weights-times-x", "wrong", "The weights multiply X instead of the values v = linear_v(X).", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1) * self.scale
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = weights @ X
        return out
""")
add("2.4", "k-from-linear-q", "wrong", "k is computed with linear_q (a copy-paste slip); the keys need linear_k.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_q(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1) * self.scale
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = weights @ v
        return out
""")
add("2.4", "k-q-swapped", "wrong", "scores = k qᵀ puts keys on the rows: the weights come out transposed; it must be q kᵀ.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = k @ q.transpose(-2, -1) * self.scale
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = weights @ v
        return out
""")
add("2.4", "no-last-weights", "wrong", "self.last_weights is never set, so it stays None and there is nothing to plot.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1) * self.scale
        weights = torch.softmax(scores, dim=-1)
        out = weights @ v
        return out
""")
add("2.4", "keeps-scores", "wrong", "self.last_weights keeps the scores (before the softmax), not the weights.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_k(X)
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1) * self.scale
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = scores.detach()
        out = weights @ v
        return out
""")
add("2.4", "scale-twice", "wrong", "You scale both q and k by self.scale, so the scores are divided by D, not √D.", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X) * self.scale
        k = self.linear_k(X) * self.scale
        v = self.linear_v(X)
        scores = q @ k.transpose(-2, -1)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = weights @ v
        return out
""")
add("2.4", "right-einsum", "right", "", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q, k, v = self.linear_q(X), self.linear_k(X), self.linear_v(X)
        scores = torch.einsum("bid,bjd->bij", q, k) * self.scale
        weights = scores.softmax(dim=-1)
        self.last_weights = weights.detach()
        out = torch.einsum("bij,bjd->bid", weights, v)
        return out
""")
add("2.4", "right-sdpa", "right", "", """
class MySelfAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size**-0.5
        self.last_weights = None

    def forward(self, X):

        q = self.linear_q(X)
        k = self.linear_k(X)
        v = self.linear_v(X)
        weights = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)
        self.last_weights = weights.detach()
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, scale=self.scale)
        return out
""")

# ---- Exercise 2.4 ------------------------------------------------------------
add("2.1", "log-of-zero", "wrong", "w * log(w) is 0 * -inf = NaN where a weight is exactly 0; use torch.xlogy(w, w) or torch.special.entr.", """
def row_entropy(weights):
    return -(weights * torch.log(weights)).sum(dim=-1)
""")
add("2.1", "no-minus", "wrong", "You forgot the minus sign: Σ w log w is negative, the entropy is -Σ w log w.", """
def row_entropy(weights):
    return torch.xlogy(weights, weights).sum(dim=-1)
""")
add("2.1", "log2-bits", "wrong", "torch.log2 gives the entropy in bits; the exercise asks for nats (natural log).", """
def row_entropy(weights):
    logs = torch.log2(weights.clamp_min(1e-30))
    return -(weights * logs).sum(dim=-1)
""")
add("2.1", "sum-dim0", "wrong", "You sum over dim=0 instead of the last dimension, so you get one number per column, not per row.", """
def row_entropy(weights):
    return -torch.xlogy(weights, weights).sum(dim=0)
""")
add("2.1", "keepdim", "wrong", "keepdim=True returns shape (..., 1) instead of (...,).", """
def row_entropy(weights):
    return -torch.xlogy(weights, weights).sum(dim=-1, keepdim=True)
""")
add("2.1", "boolean-index-flattens", "wrong", "Boolean indexing weights[weights > 0] flattens all rows into one vector, so you return one number for the whole tensor, not one per row.", """
def row_entropy(weights):
    w = weights[weights > 0]
    return -(w * w.log()).sum(dim=-1)
""")
add("2.1", "mutates-input", "wrong", "weights[weights == 0] = 1 overwrites the caller's tensor in place to dodge log 0; work on a copy or use xlogy.", """
def row_entropy(weights):
    weights[weights == 0] = 1.0
    return -(weights * weights.log()).sum(dim=-1)
""")
add("2.1", "sum-dim1", "wrong", "You sum over dim=1, which is the last dimension only for 2-D weights; for (B, T, S) weights it sums over the queries.", """
def row_entropy(weights):
    return -torch.xlogy(weights, weights).sum(dim=1)
""")
add("2.1", "right-entr", "right", "", """
def row_entropy(weights):
    return torch.special.entr(weights).sum(dim=-1)
""")
add("2.1", "right-nansum", "right", "", """
def row_entropy(weights):
    return -(weights * weights.log()).nansum(dim=-1)
""")

# ---- Exercise 2.5 ------------------------------------------------------------
add("2.5", "left-as-handed-out", "wrong", "softmax is still handed `weights`, which does not exist yet (UnboundLocalError): it must be given the scores.", """
def attention_from_qkv(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(weights, dim=-1)
    return weights @ v
""")
add("2.5", "fixed-wrong-dim", "wrong", "The softmax now gets the scores but over dim=1, the queries; it must be over the keys, dim=-1.", """
def attention_from_qkv(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=1)
    return weights @ v
""")
add("2.5", "removed-softmax", "wrong", "You deleted the softmax line and multiply the raw scores by v: the scores are not weights.", """
def attention_from_qkv(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = scores
    return weights @ v
""")
add("2.5", "unscaled-recomputed", "wrong", "You recompute softmax(q kᵀ) without the / √d scale instead of using the scaled scores.", """
def attention_from_qkv(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
    return weights @ v
""")
add("2.5", "softmax-of-v", "wrong", "softmax is handed v instead of the scores: the weights must come from q kᵀ / √d.", """
def attention_from_qkv(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(v, dim=-1)
    return scores @ weights
""")
add("2.5", "exp-not-normalised", "wrong", "torch.exp(scores) is not normalised: each row of weights must sum to 1.", """
def attention_from_qkv(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.exp(scores)
    return weights @ v
""")
add("2.5", "right-method", "right", "", """
def attention_from_qkv(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = scores.softmax(dim=-1)
    return weights @ v
""")

# ---- Exercise 2.6 ------------------------------------------------------------
add("2.6", "left-as-handed-out", "wrong", "The scores are still multiplied by √d; they must be divided by √d.", """
def scaled_scores(q, k):
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) * math.sqrt(d)
""")
add("2.6", "divide-by-d", "wrong", "You divide by d instead of √d.", """
def scaled_scores(q, k):
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) / d
""")
add("2.6", "sqrt-of-T", "wrong", "q.shape[1] is T, the number of tokens; the scale uses d = q.shape[-1].", """
def scaled_scores(q, k):
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[1])
""")
add("2.6", "precedence", "wrong", "d ** -1/2 is (1/d)/2, because ** binds tighter than /: it is not 1/√d.", """
def scaled_scores(q, k):
    d = q.shape[-1]
    return q @ k.transpose(-2, -1) * d ** -1/2
""")
add("2.6", "scaled-both", "wrong", "Dividing both q and k by √d divides the scores by d, not √d.", """
def scaled_scores(q, k):
    d = q.shape[-1]
    return (q / math.sqrt(d)) @ (k / math.sqrt(d)).transpose(-2, -1)
""")
add("2.6", "returns-softmax", "wrong", "You return the softmax of the scaled scores; the function must return the scores themselves.", """
def scaled_scores(q, k):
    d = q.shape[-1]
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)
""")
add("2.6", "right-pow", "right", "", """
def scaled_scores(q, k):
    d = q.shape[-1]
    return (q @ k.transpose(-2, -1)) * d ** -0.5
""")

# ---- Exercise 3.1 ------------------------------------------------------------
add("3.1", "triu", "wrong", "triu keeps the upper triangle: each query sees the future (j >= i) instead of the past; use tril.", """
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).triu()
""")
add("3.1", "no-diagonal", "wrong", "tril(-1) drops the diagonal: a token must be allowed to attend to itself (j <= i).", """
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).tril(-1)
""")
add("3.1", "float-mask", "wrong", "torch.ones(T, T).tril() is float 1.0/0.0, not booleans: the mask must have dtype torch.bool.", """
def causal_mask(T):
    return torch.ones(T, T).tril()
""")
add("3.1", "inverted", "wrong", "You return True where attending is NOT allowed (PyTorch's attn_mask convention); the course's mask is True where query i may attend key j.", """
def causal_mask(T):
    return ~torch.ones(T, T, dtype=torch.bool).tril()
""")
add("3.1", "arange-reversed", "wrong", "arange(T)[:, None] <= arange(T) is True where j >= i, the future; the comparison must be j <= i.", """
def causal_mask(T):
    i = torch.arange(T)
    return i[:, None] <= i[None, :]
""")
add("3.1", "strict", "wrong", "j < i (strictly) leaves out the diagonal; a token may always attend to itself.", """
def causal_mask(T):
    i = torch.arange(T)
    return i[None, :] < i[:, None]
""")
add("3.1", "extra-batch-axis", "wrong", "You added a batch axis: the mask must be (T, T), not (1, T, T).", """
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).tril().unsqueeze(0)
""")
add("3.1", "right-arange", "right", "", """
def causal_mask(T):
    positions = torch.arange(T)
    return positions[None, :] <= positions[:, None]
""")

# ---- Exercise 3.2 ------------------------------------------------------------
add("3.2", "less-equal", "wrong", "j <= lengths[b] lets each sentence see one padding token too: real tokens are j < lengths[b].", """
def padding_mask(lengths, T):
    real = torch.arange(T) <= lengths[:, None]
    return real[:, None, :]
""")
add("3.2", "axis-at-end", "wrong", "[:, :, None] gives (B, T, 1), which masks queries, not keys; the new axis goes in the middle, (B, 1, T).", """
def padding_mask(lengths, T):
    real = torch.arange(T) < lengths[:, None]
    return real[:, :, None]
""")
add("3.2", "no-query-axis", "wrong", "You return (B, T): the mask needs the query axis in the middle, (B, 1, T).", """
def padding_mask(lengths, T):
    return torch.arange(T) < lengths[:, None]
""")
add("3.2", "inverted", "wrong", "You mark the padding (j >= lengths[b]) as True; True must mean a real token that may be attended.", """
def padding_mask(lengths, T):
    pad = torch.arange(T) >= lengths[:, None]
    return pad[:, None, :]
""")
add("3.2", "lengths-no-axis", "wrong", "lengths has no axis of its own, so arange(T) < lengths compares position b with sentence b (and fails when B != T); use lengths[:, None].", """
def padding_mask(lengths, T):
    real = torch.arange(T) < lengths
    return real[:, None, :]
""")
add("3.2", "max-length-not-T", "wrong", "You size the mask by the longest sentence, lengths.max(), instead of T: when every sentence is shorter than T the mask is too short.", """
def padding_mask(lengths, T):
    L = int(lengths.max())
    real = torch.arange(L) < lengths[:, None]
    return real[:, None, :]
""")
add("3.2", "loop-off-by-one", "wrong", "mask[b, 0, :lengths[b] - 1] leaves the last real token of each sentence masked: the slice should end at lengths[b].", """
def padding_mask(lengths, T):
    B = lengths.shape[0]
    mask = torch.zeros(B, 1, T, dtype=torch.bool)
    for b in range(B):
        mask[b, 0, : int(lengths[b]) - 1] = True
    return mask
""")
add("3.2", "right-loop", "right", "", """
def padding_mask(lengths, T):
    B = len(lengths)
    mask = torch.zeros(B, 1, T, dtype=torch.bool)
    for b in range(B):
        mask[b, 0, : int(lengths[b])] = True
    return mask
""")

# ---- Exercise 3.3 ------------------------------------------------------------
add("3.3", "in-place-fill", "wrong", "masked_fill_ (with the underscore) overwrites the caller's scores with -inf; use masked_fill, which returns a new tensor.", """
def masked_softmax(scores, mask):
    scores.masked_fill_(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
""")
add("3.3", "nan-fully-masked", "wrong", "A row whose keys are all masked is all -inf and softmax gives NaN there; those rows must be zeros.", """
def masked_softmax(scores, mask):
    filled = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(filled, dim=-1)
""")
add("3.3", "minus-1e9", "wrong", "Filling with -1e9 instead of -inf makes a fully masked row uniform (1/T each) rather than all zeros.", """
def masked_softmax(scores, mask):
    filled = scores.masked_fill(~mask, -1e9)
    return torch.softmax(filled, dim=-1)
""")
add("3.3", "fill-zero", "wrong", "Filling masked scores with 0 does not hide them: exp(0) = 1 still gives masked keys weight; fill with -inf.", """
def masked_softmax(scores, mask):
    filled = scores.masked_fill(~mask, 0.0)
    weights = torch.softmax(filled, dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
""")
add("3.3", "mask-not-inverted", "wrong", "You read the mask with PyTorch's attn_mask convention (True = hidden): the keys where mask is True, the allowed ones, are the ones you hide.", """
def masked_softmax(scores, mask):
    filled = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(filled, dim=-1)
    return weights.masked_fill(mask.all(dim=-1, keepdim=True), 0.0)
""")
add("3.3", "mask-after-softmax", "wrong", "Zeroing masked weights after the softmax leaves the other weights summing to less than 1; mask the scores before the softmax.", """
def masked_softmax(scores, mask):
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask, 0.0)
""")
add("3.3", "any-no-keepdim", "wrong", "mask.any(dim=-1) without keepdim=True has shape (B, T), which lines up with the wrong axes of the (B, T, T) weights.", """
def masked_softmax(scores, mask):
    filled = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(filled, dim=-1)
    return weights.masked_fill(~mask.any(dim=-1), 0.0)
""")
add("3.3", "all-not-any", "wrong", "~mask.all(...) zeroes every row that has at least one masked key; only rows with no allowed key at all (~mask.any(...)) should be zeroed.", """
def masked_softmax(scores, mask):
    filled = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(filled, dim=-1)
    return weights.masked_fill(~mask.all(dim=-1, keepdim=True), 0.0)
""")
add("3.3", "bool-index-no-broadcast", "wrong", "Boolean indexing filled[~mask] does not broadcast a (T, T) or (B, 1, T) mask against (B, T, T) scores; use masked_fill, which does.", """
def masked_softmax(scores, mask):
    filled = scores.clone()
    filled[~mask] = float("-inf")
    weights = torch.softmax(filled, dim=-1)
    return torch.nan_to_num(weights, nan=0.0)
""")
add("3.3", "global-row-max-underflow", "wrong", "You subtract each row's maximum over all keys, masked ones included: when a masked key's score is much larger, the allowed keys underflow to 0 and the row comes out all zeros.", """
def masked_softmax(scores, mask):
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True)) * mask
    total = e.sum(dim=-1, keepdim=True)
    return torch.where(total > 0, e / total, torch.zeros_like(e))
""")
add("3.3", "right-nan-to-num", "right", "", """
def masked_softmax(scores, mask):
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return torch.nan_to_num(weights, nan=0.0)
""")
add("3.3", "right-fill-all-masked", "right", "", """
def masked_softmax(scores, mask):
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights.masked_fill(~mask, 0.0)   # a fully masked row is masked everywhere, so its NaNs become 0 too
""")

# ---- Exercise 3.4 ------------------------------------------------------------
add("3.4", "left-as-handed-out", "wrong", "The mask is still applied after the softmax, so the remaining weights of a masked row sum to less than 1.", """
def masked_attention(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)
    return weights @ v
""")
add("3.4", "fill-zero-before", "wrong", "Filling masked scores with 0 before the softmax still gives masked keys weight (exp(0) = 1); use masked_softmax (or -inf).", """
def masked_attention(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores.masked_fill(~mask, 0.0), dim=-1)
    return weights @ v
""")
add("3.4", "inverted-mask", "wrong", "masked_softmax(scores, ~mask) inverts the mask: only the forbidden keys take part.", """
def masked_attention(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = masked_softmax(scores, ~mask)
    return weights @ v
""")
add("3.4", "nan-rows", "wrong", "masked_fill(-inf) then softmax gives NaN in a row with every key masked; masked_softmax returns zeros there.", """
def masked_attention(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    return weights @ v
""")
add("3.4", "fill-allowed", "wrong", "scores.masked_fill(mask, -inf) sets the allowed keys to -inf; it is ~mask that must be filled.", """
def masked_attention(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.nan_to_num(torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1))
    return weights @ v
""")
add("3.4", "renormalise-nan", "wrong", "Renormalising the masked weights by their row sum is 0 / 0 = NaN for a row whose keys are all masked.", """
def masked_attention(q, k, v, mask):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)
    weights = weights / weights.sum(dim=-1, keepdim=True)
    return weights @ v
""")
add("3.4", "right-sdpa", "right", "", """
def masked_attention(q, k, v, mask):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
""")

# ---- Exercise 3.5 ------------------------------------------------------------
add("3.5", "no-out-proj", "wrong", "out_proj is created but never applied: return out_proj(weights @ v).", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return weights @ v
""")
add("3.5", "scale-by-T", "wrong", "X.shape[1] is T, the number of tokens: the scores are divided by √D = √embed_size.", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[1])
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)
""")
add("3.5", "mask-after-softmax", "wrong", "You zero the masked weights after the softmax instead of masking the scores before it, so rows no longer sum to 1.", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        weights = torch.softmax(scores, dim=-1)
        if mask is not None:
            weights = weights.masked_fill(~mask, 0.0)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)
""")
add("3.5", "ignores-mask", "wrong", "forward accepts a mask but never uses it: masked keys still get weight.", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)
""")
add("3.5", "no-sqrt", "wrong", "The scores are divided by D instead of √D.", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / self.embed_size
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)
""")
add("3.5", "head-axis-on-mask", "wrong", "mask.unsqueeze(1) adds a head axis that a single head does not have: the mask no longer lines up with the (B, T, T) scores.", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            weights = masked_softmax(scores, mask.unsqueeze(1))
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)
""")
add("3.5", "out-proj-before-weighting", "wrong", "out_proj is applied to v before the weighted sum: its bias then gets multiplied by the weights, so a row with every key masked gives 0 instead of out_proj's bias.", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return weights @ self.out_proj(v)
""")
add("3.5", "no-super", "wrong", "__init__ does not call super().__init__() first, so assigning the nn.Linear layers raises an AttributeError.", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)
""")
add("3.5", "wrong-names", "wrong", "The layers are called query, key, value and out; the exercise names them q_proj, k_proj, v_proj and out_proj.", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.query = nn.Linear(embed_size, embed_size)
        self.key = nn.Linear(embed_size, embed_size)
        self.value = nn.Linear(embed_size, embed_size)
        self.out = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q, k, v = self.query(X), self.key(X), self.value(X)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out(weights @ v)
""")
add("3.5", "right-scale-q-einsum", "right", "", """
class SingleHeadAttention(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = self.q_proj(X) / math.sqrt(self.embed_size)              # (B, T, D)
        k = self.k_proj(X)                                           # (B, T, D)
        v = self.v_proj(X)                                           # (B, T, D)
        scores = torch.einsum("bid,bjd->bij", q, k)                  # (B, T, T)
        weights = scores.softmax(-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(torch.einsum("bij,bjd->bid", weights, v))
""")

# ---- Exercise 4.1 ------------------------------------------------------------
add("4.1", "left-as-handed-out", "wrong", "view(B, H, T, d_head) reads (B, T, D) memory as if heads came first, so each 'head' gets whole tokens; view as (B, T, H, d_head), then transpose(1, 2).", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, num_heads, T, D // num_heads)
""")
add("4.1", "no-transpose", "wrong", "view(B, T, H, d_head) is right but you stopped there: the result is (B, T, H, d_head); transpose(1, 2) to get (B, H, T, d_head).", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads)
""")
add("4.1", "interleaved-heads", "wrong", "Viewing D as (d_head, H) gives each head every H-th number instead of a contiguous slice of D / H numbers.", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, D // num_heads, num_heads).permute(0, 3, 1, 2)
""")
add("4.1", "transpose-wrong-axes", "wrong", "transpose(0, 2) swaps batch and heads: the result is (H, T, B, d_head), not (B, H, T, d_head).", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).transpose(0, 2)
""")
add("4.1", "transpose-then-reshape", "wrong", "Transposing to (B, D, T) and then reshaping to (B, H, T, d_head) cuts each head's block of features into pieces of tokens: the numbers land in the wrong places.", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.transpose(1, 2).reshape(B, num_heads, T, D // num_heads)
""")
add("4.1", "right-transpose-first", "right", "", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.transpose(1, 2).reshape(B, num_heads, D // num_heads, T).transpose(-2, -1)
""")
add("4.1", "hardcoded-two-heads", "wrong", "You hard-coded 2 heads from the demonstration instead of using num_heads.", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.view(B, T, 2, D // 2).transpose(1, 2)
""")
add("4.1", "view-after-transpose", "wrong", "view cannot follow a transpose (the tensor is no longer contiguous) and the view(B, H, T, d_head) reads the wrong numbers anyway.", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return x.transpose(1, 2).view(B, num_heads, T, D // num_heads)
""")
add("4.1", "right-chunk-stack", "right", "", """
def split_heads(x, num_heads):
    B, T, D = x.shape
    return torch.stack(x.chunk(num_heads, dim=-1), dim=1)
""")

# ---- Exercise 4.2 ------------------------------------------------------------
add("4.2", "view-after-transpose", "wrong", "view refuses a transposed (non-contiguous) tensor and raises; use reshape or .contiguous().view(...).", """
def merge_heads(x):
    B, H, T, d_head = x.shape
    return x.transpose(1, 2).view(B, T, H * d_head)
""")
add("4.2", "no-transpose", "wrong", "Reshaping (B, H, T, d_head) straight to (B, T, D) without transposing back puts whole tokens of one head where the heads of one token should be.", """
def merge_heads(x):
    B, H, T, d_head = x.shape
    return x.reshape(B, T, H * d_head)
""")
add("4.2", "heads-interleaved", "wrong", "permute(0, 2, 3, 1) puts d_head before H, so the heads' numbers are interleaved instead of side by side.", """
def merge_heads(x):
    B, H, T, d_head = x.shape
    return x.permute(0, 2, 3, 1).reshape(B, T, H * d_head)
""")
add("4.2", "sum-heads", "wrong", "Summing over the heads gives (B, T, d_head); the heads must be put side by side, (B, T, H · d_head).", """
def merge_heads(x):
    return x.sum(dim=1)
""")
add("4.2", "cat-wrong-dim", "wrong", "torch.cat(x.unbind(1), dim=1) stacks the heads along the tokens, (B, H · T, d_head); concatenate along the last dimension.", """
def merge_heads(x):
    return torch.cat(x.unbind(1), dim=1)
""")
add("4.2", "transpose-0-1", "wrong", "transpose(0, 1) swaps batch and heads, not heads and tokens: the numbers land in the wrong sentences.", """
def merge_heads(x):
    B, H, T, d_head = x.shape
    return x.transpose(0, 1).reshape(B, T, H * d_head)
""")
add("4.2", "right-cat", "right", "", """
def merge_heads(x):
    return torch.cat(x.unbind(dim=1), dim=-1)
""")

# ---- Exercise 4.3 ------------------------------------------------------------
add("4.3", "scale-embed-size", "wrong", "The scores are scaled by 1/√D (embed_size) instead of 1/√d_head: each head's dot product adds up only d_head products.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))
""")
add("4.3", "mask-no-head-axis", "wrong", "A (B, 1, T) or (B, T, T) mask is used without a head axis, so it lines up with the wrong axes of the (B, H, T, T) scores.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))
""")
add("4.3", "unsqueeze-2d-too", "wrong", "You give every mask a head axis, the (T, T) causal mask included: (T, 1, T) then lines up T with the batch axis.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))
""")
add("4.3", "unsqueeze-0", "wrong", "mask.unsqueeze(0) adds the new axis in front, (1, B, ...), lining B up with the heads; the head axis goes at position 1.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(0)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))
""")
add("4.3", "no-value-error", "wrong", "__init__ does not check that embed_size is divisible by num_heads, so no ValueError is raised (d_head is silently rounded down).", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        q = q / math.sqrt(self.d_head)
        scores = q @ k.transpose(-2, -1)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)
        return self.out_proj(out)
""")
add("4.3", "assert-not-valueerror", "wrong", "assert raises an AssertionError (and vanishes under python -O); the exercise asks for a ValueError.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        assert embed_size % num_heads == 0, f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})"
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        q = q / math.sqrt(self.d_head)
        scores = q @ k.transpose(-2, -1)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)
        return self.out_proj(out)
""")
add("4.3", "valueerror-no-numbers", "wrong", "The ValueError's message does not say the two numbers (embed_size and num_heads) as the exercise asks.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads != 0:
            raise ValueError("embed_size must be divisible by num_heads")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        q = q / math.sqrt(self.d_head)
        scores = q @ k.transpose(-2, -1)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        out = merge_heads(weights @ v)
        return self.out_proj(out)
""")
add("4.3", "no-out-proj", "wrong", "out_proj is created but never applied after merging the heads.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return merge_heads(weights @ v)
""")
add("4.3", "mean-last-weights", "wrong", "self.last_weights keeps the average over heads (B, T, T) instead of the per-head weights (B, H, T, T).", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.mean(dim=1).detach()
        return self.out_proj(merge_heads(weights @ v))
""")
add("4.3", "split-by-d-head", "wrong", "split_heads is given d_head where it expects num_heads, so you get d_head heads of width H.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.d_head)
        k = split_heads(self.k_proj(X), self.d_head)
        v = split_heads(self.v_proj(X), self.d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))
""")
add("4.3", "merge-without-transpose", "wrong", "The heads are merged by reshaping (B, H, T, d_head) straight to (B, T, D) without transposing back, which mixes tokens.", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        B, T, D = X.shape
        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj((weights @ v).reshape(B, T, D))
""")
add("4.3", "right-sdpa", "right", "", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        if mask is not None and mask.dim() == 3:
            mask = mask[:, None]
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        self.last_weights = masked_softmax(scores, mask).detach()
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.out_proj(merge_heads(out))
""")
add("4.3", "right-einsum-no-helpers", "right", "", """
class MultiHeadAttention(nn.Module):
    def __init__(self, embed_size, num_heads):
        super().__init__()
        if embed_size % num_heads:
            raise ValueError(f"embed_size ({embed_size}) must be divisible by num_heads ({num_heads})")
        self.embed_size, self.num_heads = embed_size, num_heads
        self.d_head = embed_size // num_heads
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):

        B, T, D = X.shape
        H, dh = self.num_heads, self.d_head
        q = self.q_proj(X).reshape(B, T, H, dh)
        k = self.k_proj(X).reshape(B, T, H, dh)
        v = self.v_proj(X).reshape(B, T, H, dh)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) * dh ** -0.5
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        out = torch.einsum("bhqk,bkhd->bqhd", weights, v).reshape(B, T, D)
        return self.out_proj(out)
""")

# ---- Exercise 4.4 ------------------------------------------------------------
add("4.4", "mutates-x", "wrong", "X[1] += 1 changes the caller's batch in place; change a copy made with X.clone().", """
def sentences_independent(attention, X):
    out = attention(X)
    X[1] += 1.0
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(X)[others], out[others], atol=1e-5)
""")
add("4.4", "compares-all-sentences", "wrong", "You compare every sentence, sentence 1 included, whose output of course changes: the test says False even for a correct module.", """
def sentences_independent(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    return torch.allclose(attention(changed), out, atol=1e-5)
""")
add("4.4", "only-sentence-0", "wrong", "You check only sentence 0: a module that leaks sentence 1 into sentence 2 or later is not caught.", """
def sentences_independent(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    return torch.allclose(attention(changed)[0], out[0], atol=1e-5)
""")
add("4.4", "shape-only", "wrong", "Comparing shapes cannot see mixing: a module that mixes sentences keeps the shape, so the test always says True.", """
def sentences_independent(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    return attention(changed).shape == out.shape
""")
add("4.4", "changes-whole-batch", "wrong", "X + 1 changes every sentence, not just sentence 1, so every other sentence's output changes too and the test says False for correct modules.", """
def sentences_independent(attention, X):
    out = attention(X)
    changed = X + 1.0
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=1e-5)
""")
add("4.4", "batch-permutation", "wrong", "Flipping the batch order tests batch-permutation equivariance, not independence: a module that adds the batch mean to every sentence passes it while mixing sentences.", """
def sentences_independent(attention, X):
    out = attention(X)
    return torch.allclose(attention(X.flip(0)), out.flip(0), atol=1e-5)
""")
add("4.4", "tolerance-too-loose", "wrong", "atol=0.5 is so loose that a module leaking a little of sentence 1 into the others still passes; floats differ by about 1e-6, not 0.5.", """
def sentences_independent(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=0.5)
""")
add("4.4", "compares-sums", "wrong", "Comparing only the sums of the outputs lets changes that cancel out (or that only move numbers around) go unnoticed.", """
def sentences_independent(attention, X):
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others].sum(), out[others].sum(), atol=1e-5)
""")
add("4.4", "right-max-diff", "right", "", """
def sentences_independent(attention, X):
    with torch.no_grad():
        out = attention(X)
        changed = torch.cat([X[:1], X[1:2] + 1.0, X[2:]])
        diff = (attention(changed) - out).abs()
    diff[1] = 0
    return bool(diff.max().item() <= 1e-5)
""")

# ---- Exercise 4.5 ------------------------------------------------------------
add("4.5", "not-batch-first", "wrong", "Without batch_first=True, nn.MultiheadAttention reads (B, T, D) as (T, B, D) and mixes sentences.", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")
add("4.5", "order-kqv", "wrong", "in_proj_weight is stacked q, k, v; you stacked k, q, v.", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.k_proj.weight, ours.q_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.k_proj.bias, ours.q_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")
add("4.5", "cat-dim1", "wrong", "torch.cat(..., dim=1) gives (D, 3D); in_proj_weight is (3D, D), the three matrices stacked along dim 0.", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight], dim=1))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")
add("4.5", "no-biases", "wrong", "You copy the weights but not the biases: in_proj_bias and out_proj.bias stay at PyTorch's zeros.", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
    return theirs
""")
add("4.5", "no-out-proj", "wrong", "out_proj's weight and bias are never copied, so PyTorch's module keeps its own random output projection.", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    return theirs
""")
add("4.5", "no-no-grad", "wrong", "Copying into a parameter outside torch.no_grad() raises (an in-place change to a leaf that requires grad).", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
    theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    theirs.out_proj.weight.copy_(ours.out_proj.weight)
    theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")
add("4.5", "assign-tensor", "wrong", "Assigning a plain tensor to a parameter attribute raises a TypeError; copy into it with .copy_() under torch.no_grad().", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    theirs.in_proj_weight = torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]).detach()
    theirs.in_proj_bias = torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]).detach()
    theirs.out_proj.weight = ours.out_proj.weight.detach()
    theirs.out_proj.bias = ours.out_proj.bias.detach()
    return theirs
""")
add("4.5", "bias-order", "wrong", "The weights are stacked q, k, v but the biases v, k, q: each projection gets another's bias.", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.v_proj.bias, ours.k_proj.bias, ours.q_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")
add("4.5", "with-dropout", "wrong", "dropout=0.1 makes PyTorch's module drop attention weights at random in training mode, so its output differs from ours.", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, dropout=0.1, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")
add("4.5", "right-state-dict", "right", "", """
def to_torch_mha(ours):
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    state = {
        "in_proj_weight": torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight], dim=0),
        "in_proj_bias": torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias], dim=0),
        "out_proj.weight": ours.out_proj.weight,
        "out_proj.bias": ours.out_proj.bias,
    }
    theirs.load_state_dict(state)
    return theirs
""")

# ---- Exercise 5.1 ------------------------------------------------------------
add("5.3", "positions-of-batch", "wrong", "tokens.shape[0] is B, the number of sequences: the positions run over tokens.shape[1], T.", """
class ReversalModel(BagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):

        positions = torch.arange(tokens.shape[0])
        x = self.tok(tokens) + self.pos(positions)
        return self.readout(self.attention(x))
""")
add("5.3", "no-positions", "wrong", "The position embedding is never added: this is BagOfTokens again.", """
class ReversalModel(BagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):

        x = self.tok(tokens)
        return self.readout(self.attention(x))
""")
add("5.3", "positions-after-attention", "wrong", "The positions are added after attention, so attention itself still cannot tell positions apart; add them to the token vectors before it.", """
class ReversalModel(BagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):

        positions = torch.arange(tokens.shape[1])
        x = self.attention(self.tok(tokens)) + self.pos(positions)
        return self.readout(x)
""")
add("5.3", "pos-of-token-ids", "wrong", "self.pos(tokens) looks the position table up with the token ids, not with the positions 0 … T − 1.", """
class ReversalModel(BagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):

        x = self.tok(tokens) + self.pos(tokens)
        return self.readout(self.attention(x))
""")
add("5.3", "positions-from-one", "wrong", "torch.arange(1, T + 1) starts at 1: the positions are 0 … T − 1 (and position T does not exist in the table).", """
class ReversalModel(BagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):

        positions = torch.arange(1, tokens.shape[1] + 1)
        x = self.tok(tokens) + self.pos(positions)
        return self.readout(self.attention(x))
""")
add("5.3", "all-seq-len-positions", "wrong", "You add all seq_len position vectors, which only fits sequences of exactly seq_len tokens; use the first T = tokens.shape[1].", """
class ReversalModel(BagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):

        x = self.tok(tokens) + self.pos.weight
        return self.readout(self.attention(x))
""")
add("5.3", "no-readout", "wrong", "You return the attention output (B, T, D) without the read-out to scores over the vocabulary (B, T, V).", """
class ReversalModel(BagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):

        positions = torch.arange(tokens.shape[1])
        x = self.tok(tokens) + self.pos(positions)
        return self.attention(x)
""")
add("5.3", "right-weight-slice", "right", "", """
class ReversalModel(BagOfTokens):
    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)

    def forward(self, tokens):

        T = tokens.shape[1]
        x = self.tok(tokens) + self.pos.weight[:T].unsqueeze(0)   # (B, T, D) + (1, T, D)
        return self.readout(self.attention(x))
""")

# ---- Exercise 5.2 ------------------------------------------------------------
add("5.2", "permutes-batch", "wrong", "tokens[perm] permutes the sequences of the batch (axis 0), not the positions: index the token axis, tokens[:, perm].", """
def is_permutation_equivariant(model, tokens, perm):
    return torch.allclose(model(tokens[perm]), model(tokens)[perm], atol=1e-5)
""")
add("5.2", "invariance", "wrong", "You test invariance (the output unchanged), not equivariance: the output must be permuted the same way, model(tokens)[:, perm].", """
def is_permutation_equivariant(model, tokens, perm):
    return torch.allclose(model(tokens[:, perm]), model(tokens), atol=1e-5)
""")
add("5.2", "inverse-permutation", "wrong", "You permute the output with the inverse permutation (argsort(perm)); it must be permuted with perm itself.", """
def is_permutation_equivariant(model, tokens, perm):
    inverse = torch.argsort(perm)
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, inverse], atol=1e-5)
""")
add("5.2", "argmax-only", "wrong", "Comparing only the argmax predictions misses any change that does not flip the top class.", """
def is_permutation_equivariant(model, tokens, perm):
    a = model(tokens[:, perm]).argmax(dim=-1)
    b = model(tokens)[:, perm].argmax(dim=-1)
    return bool((a == b).all())
""")
add("5.2", "shape-only", "wrong", "Comparing shapes says nothing about equivariance: every model gives the same shape.", """
def is_permutation_equivariant(model, tokens, perm):
    return model(tokens[:, perm]).shape == model(tokens)[:, perm].shape
""")
add("5.2", "mutates-tokens", "wrong", "tokens[:] = tokens[:, perm] permutes the caller's tokens in place; leave tokens as they are.", """
def is_permutation_equivariant(model, tokens, perm):
    before = model(tokens)[:, perm]
    tokens[:] = tokens[:, perm]
    return torch.allclose(model(tokens), before, atol=1e-5)
""")
add("5.2", "tolerance-too-loose", "wrong", "atol=1.0 is so loose that models whose outputs depend a little on position still pass.", """
def is_permutation_equivariant(model, tokens, perm):
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm], atol=1.0)
""")
add("5.2", "sum-compare", "wrong", "Comparing sums over positions cannot see where the outputs went: any model whose outputs are permuted differently still has the same sum.", """
def is_permutation_equivariant(model, tokens, perm):
    a = model(tokens[:, perm]).sum(dim=1)
    b = model(tokens).sum(dim=1)
    return torch.allclose(a, b, atol=1e-4)
""")
add("5.2", "right-inverse-other-side", "right", "", """
def is_permutation_equivariant(model, tokens, perm):
    inverse = torch.argsort(perm)
    return torch.allclose(model(tokens[:, perm])[:, inverse], model(tokens), atol=1e-5)
""")

# ---- Exercise 5.3 ------------------------------------------------------------
add("5.1", "off-by-one-top", "wrong", "torch.arange(T, 0, -1) counts T … 1; the keys are T − 1 … 0.", """
def ideal_keys(T):
    return torch.arange(T, 0, -1)
""")
add("5.1", "stops-at-one", "wrong", "torch.arange(T - 1, 0, -1) stops before 0: it has T − 1 entries and misses key 0.", """
def ideal_keys(T):
    return torch.arange(T - 1, 0, -1)
""")
add("5.1", "identity", "wrong", "torch.arange(T) is the diagonal (each query attends to itself); reversing needs query i → key T − 1 − i.", """
def ideal_keys(T):
    return torch.arange(T)
""")
add("5.1", "floats", "wrong", "The keys come out as floats; they must be integers (int64).", """
def ideal_keys(T):
    return torch.linspace(T - 1, 0, T)
""")
add("5.1", "python-list", "wrong", "You return a Python list, not a tensor.", """
def ideal_keys(T):
    return list(reversed(range(T)))
""")
add("5.1", "no-step", "wrong", "torch.arange(T - 1, -1) has no step -1, so it counts up from T − 1 to -1 and is empty.", """
def ideal_keys(T):
    return torch.arange(T - 1, -1)
""")
add("5.1", "negative-indices", "wrong", "torch.arange(-1, -T - 1, -1) gives -1 … -T: negative indices that point at the right keys, but the key numbers are T − 1 … 0.", """
def ideal_keys(T):
    return torch.arange(-1, -T - 1, -1)
""")
add("5.1", "int32", "wrong", "dtype=torch.int32 is not the int64 the exercise asks for (as torch.arange gives them).", """
def ideal_keys(T):
    return torch.arange(T - 1, -1, -1, dtype=torch.int32)
""")
add("5.1", "right-flip", "right", "", """
def ideal_keys(T):
    return torch.arange(T).flip(0)
""")

# ---- Exercise 6.1 ------------------------------------------------------------
add("6.1", "no-rescale", "wrong", "When a block raises the maximum the sum so far is not rescaled by exp(m_old − m_new), so its earlier terms are too large.", """
def online_softmax(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))

    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")
add("6.1", "m-not-updated", "wrong", "m is never set to m_new, so the running maximum stays -inf: every block's sum is thrown away and the final exp(scores − m) is inf.", """
def online_softmax(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))

    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
    return torch.exp(scores - m_new) / s
""")
add("6.1", "drops-last-block", "wrong", "range(0, S - block + 1, block) skips the last, shorter block when S is not a multiple of block.", """
def online_softmax(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))

    S = scores.shape[-1]
    for start in range(0, S - block + 1, block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")
add("6.1", "chunk-off-by-one", "wrong", "scores[..., start : start + block - 1] leaves out the last number of every block.", """
def online_softmax(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))

    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block - 1]
        if chunk.shape[-1] == 0:
            continue
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")
add("6.1", "amax-no-keepdim", "wrong", "chunk.amax(dim=-1) without keepdim=True has shape (...,), which does not line up with m (..., 1) and the block.", """
def online_softmax(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))

    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")
add("6.1", "m-starts-at-zero", "wrong", "Starting the running maximum at 0 instead of -inf: for rows of very negative scores m stays 0, every exp underflows and you get 0 / 0 = NaN.", """
def online_softmax(scores, block):
    m = torch.zeros(scores.shape[:-1] + (1,))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")
add("6.1", "phantom-zero", "wrong", "You start with m = 0 and s = 1, as if a score of 0 were already in every row: that extra exp(0 - m) term stays in the sum.", """
def online_softmax(scores, block):
    m = torch.zeros(scores.shape[:-1] + (1,))
    s = torch.ones(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")
add("6.1", "in-place-chunk", "wrong", "chunk -= m_new changes the caller's scores in place (a slice is a view of them); write chunk - m_new.", """
def online_softmax(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))

    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new)
        chunk -= m_new
        s = s + torch.exp(chunk).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")
add("6.1", "old-max-for-block", "wrong", "The new block is exponentiated against the old maximum m (exp(chunk − m)), which is -inf on the first block and overflows; use m_new.", """
def online_softmax(scores, block):
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))

    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")
add("6.1", "right-logaddexp", "right", "", """
def online_softmax(scores, block):
    lse = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    for chunk in torch.split(scores, block, dim=-1):
        lse = torch.logaddexp(lse, torch.logsumexp(chunk, dim=-1, keepdim=True))
    return torch.exp(scores - lse)
""")

# ---- Exercise 6.2 ------------------------------------------------------------
add("6.2", "no-scale", "wrong", "q is never divided by √d, so you compute softmax(q kᵀ) v.", """
def chunked_attention(q, k, v, block):
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s
""")
add("6.2", "out-not-rescaled", "wrong", "The running output is not rescaled when the maximum rises (only s is), so earlier blocks count too much.", """
def chunked_attention(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))

    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s
""")
add("6.2", "s-not-rescaled", "wrong", "The running sum s is not rescaled when the maximum rises (only the output is), so the normaliser is too large.", """
def chunked_attention(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))

    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s
""")
add("6.2", "m-updated-before-rescale", "wrong", "m = m_new comes before rescale = exp(m − m_new), so the rescale is always 1 and nothing is ever rescaled.", """
def chunked_attention(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))

    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        m = m_new
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
    return out / s
""")
add("6.2", "drops-last-block", "wrong", "range(0, T // block * block, block) skips the last, shorter block of keys when T is not a multiple of block.", """
def chunked_attention(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))

    T = k.shape[-2]
    for start in range(0, T // block * block, block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s
""")
add("6.2", "v-not-sliced", "wrong", "The block's weights (T, block) are multiplied by all of v (T, d) instead of the same block of values v[..., start:start + block, :].", """
def chunked_attention(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))

    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v
        m = m_new
    return out / s
""")
add("6.2", "in-place-q-scale", "wrong", "q /= √d divides the caller's q in place; write q = q / math.sqrt(d).", """
def chunked_attention(q, k, v, block):
    q /= math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s
""")
add("6.2", "old-max-for-block", "wrong", "The block's exponentials use the old maximum m instead of m_new: on the first block m is -inf and exp overflows.", """
def chunked_attention(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))

    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s
""")
add("6.2", "m-not-updated", "wrong", "m is never updated to m_new, so every block is rescaled from -inf (factor 0) and only the last block survives.", """
def chunked_attention(q, k, v, block):
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))

    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
    return out / s
""")
add("6.2", "right-normalised-running", "right", "", """
def chunked_attention(q, k, v, block):
    d = q.shape[-1]
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))   # kept normalised: the attention over the keys seen so far
    for kb, vb in zip(k.split(block, dim=-2), v.split(block, dim=-2)):
        scores = torch.einsum("btd,bsd->bts", q, kb) / math.sqrt(d)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        exps = torch.exp(scores - m_new)
        old = s * torch.exp(m - m_new)
        s_new = old + exps.sum(dim=-1, keepdim=True)
        out = (out * old + exps @ vb) / s_new
        m, s = m_new, s_new
    return out
""")

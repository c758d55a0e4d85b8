A = []
def add(ex, id, kind, bug, code):
    A.append(dict(ex=ex, id=id, kind=kind, bug=bug, code=code.strip("\n")))


# ======================================================================================
# 1.1 pairwise_scores(X): (T, D) -> (T, T), two loops

add("1.1", "pairwise-loop-off-by-one", "wrong", "The outer loop runs over range(T - 1), so the last row of scores is never filled and stays 0.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T - 1):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")

add("1.1", "pairwise-lower-triangle-only", "wrong", "The inner loop stops at j <= i (thinking 'it is symmetric anyway') but never copies the value to scores[j, i], so the upper triangle stays 0.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(i + 1):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")

add("1.1", "pairwise-columns-not-tokens", "wrong", "Indexes columns X[:, i] (feature i across tokens) instead of rows X[i] (token i), so it dots features, not tokens.", """
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

add("1.1", "pairwise-typo-i-i", "wrong", "Typo torch.dot(X[i], X[i]): every entry of row i is token i's squared length, not its dot product with token j.", """
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

add("1.1", "pairwise-hardcoded-6", "wrong", "Hard-codes T = 6 from the notebook's example sentence, so any other sentence length gives the wrong shape or an IndexError.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = 6
    scores = torch.zeros(T, T)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")

add("1.1", "pairwise-numpy-array", "wrong", "Builds scores with np.zeros and returns a NumPy array, not a torch tensor.", """
# Exercise 1.1 — pairwise scores
import numpy as np

def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = np.zeros((T, T))
    for i in range(T):
        for j in range(T):
            scores[i, j] = np.dot(X[i].numpy(), X[j].numpy())
    return scores
""")

add("1.1", "pairwise-int-tensor", "wrong", "Creates scores as an integer tensor (dtype=torch.long), so every dot product is truncated to a whole number.", """
# Exercise 1.1 — pairwise scores
def pairwise_scores(X):
    \"\"\"The (T, T) attention scores of one sentence X of shape (T, D): scores[i, j] = X[i] · X[j].\"\"\"
    T = X.shape[0]
    scores = torch.zeros(T, T, dtype=torch.long)
    for i in range(T):
        for j in range(T):
            scores[i, j] = torch.dot(X[i], X[j])
    return scores
""")


# ======================================================================================
# 1.2 stable_softmax(scores): (..., S)

add("1.2", "softmax-max-no-keepdim", "wrong", "Subtracts scores.amax(dim=-1) without keepdim=True, so the (...,) maxima line up with the columns instead of the rows.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    shifted = scores - scores.amax(dim=-1)
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-global-max", "wrong", "Subtracts the maximum of the whole tensor instead of each row's, so a row far below that maximum underflows to 0 / 0 = NaN.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    shifted = scores - scores.max()
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-inplace-subtract", "wrong", "Uses scores -= m, which overwrites the caller's tensor.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    scores -= scores.amax(dim=-1, keepdim=True)
    exps = scores.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-subtract-min", "wrong", "Subtracts each row's minimum instead of its maximum, so exp still overflows when a row's scores spread by more than about 88.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    shifted = scores - scores.amin(dim=-1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")

add("1.2", "softmax-dim1-hardcoded", "wrong", "Hard-codes dim=1, which is the last dimension only for 2-D inputs; on (B, T, S) it normalises over the wrong axis.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    shifted = scores - scores.amax(dim=1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=1, keepdim=True)
""")

add("1.2", "softmax-returns-numpy", "wrong", "Converts to NumPy with .numpy() and returns the NumPy array, never converting back to a tensor.", """
# Exercise 1.2 — a numerically stable softmax
import numpy as np

def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    x = scores.numpy()
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
""")

add("1.2", "softmax-max-returns-tuple", "wrong", "Uses scores.max(-1, keepdim=True) as if it were NumPy's max, but in torch it returns (values, indices), so the subtraction raises a TypeError.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    shifted = scores - scores.max(-1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(-1, keepdim=True)
""")

add("1.2", "softmax-float16", "wrong", "Casts to float16 ('to save memory'), so the result is float16 and accurate only to about 3 digits.", """
# Exercise 1.2 — a numerically stable softmax
def stable_softmax(scores):
    \"\"\"Softmax over the last dimension of scores, any shape (..., S), finite even for large scores.\"\"\"
    shifted = (scores - scores.amax(dim=-1, keepdim=True)).half()
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)
""")


# ======================================================================================
# 1.3 spot the bug: softmax over dim=1

add("1.3", "aw-dim0", "wrong", "Changes dim=1 to dim=0, which normalises across the sentences of the batch instead of over the keys.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=0)
    return weights
""")

add("1.3", "aw-dim-minus2", "wrong", "Changes dim=1 to dim=-2, which on a (B, T, T) tensor is the same query axis, so the bug is still there.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-2)
    return weights
""")

add("1.3", "aw-implicit-dim", "wrong", "Drops the dim argument and calls torch.nn.functional.softmax(scores); PyTorch's implicit choice for a 3-D tensor is dim 0, the batch.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.nn.functional.softmax(scores)
    return weights
""")

add("1.3", "aw-sum-normalise", "wrong", "Replaces the softmax by dividing the scores by their row sum, which is not a softmax and gives negative or infinite weights.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = scores / scores.sum(dim=-1, keepdim=True)
    return weights
""")

add("1.3", "aw-adds-sqrt-scale", "wrong", "Fixes the axis but also divides the scores by √D, a scaling this lesson's softmax(X Xᵀ) does not have.", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X @ X.transpose(-2, -1) / X.shape[-1] ** 0.5  # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)
    return weights
""")

add("1.3", "aw-wrong-transpose-side", "wrong", "While fixing the softmax also 'fixes' the scores to X.transpose(-2, -1) @ X, which is (B, D, D) feature-by-feature, not (B, T, T).", """
# Exercise 1.3 — spot the bug: attention weights for a batch
def attention_weights(X):
    \"\"\"softmax(X Xᵀ) over each row, for a batch X of shape (B, T, D); returns (B, T, T).\"\"\"
    scores = X.transpose(-2, -1) @ X                       # (B, D, T) x (B, T, D) -> (B, D, D)
    weights = torch.softmax(scores, dim=-1)
    return weights
""")



# ======================================================================================
# 1.4 simple_self_attention(X): (B, T, D) -> (B, T, D)

add("1.4", "ssa-dot-T", "wrong", "Uses X.T, which on a 3-D tensor reverses all three axes (D, T, B) instead of swapping the last two, so the product fails or mixes sentences.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = X @ X.T                                       # (B, T, T)?
    weights = torch.softmax(scores, dim=-1)
    out = weights @ X
    return out
""")

add("1.4", "ssa-wrong-order", "wrong", "Multiplies X @ weights instead of weights @ X, which raises for D != T (and is wrong when D == T).", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                # (B, T, T)
    out = X @ weights                                      # (B, T, D) x (B, T, T) -> ?
    return out
""")

add("1.4", "ssa-sequence-first-einsum", "wrong", "Copies an einsum from a sequence-first (T, B, D) blog post, so on batch-first input it attends across the sentences of the batch instead of within each sentence.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = torch.einsum("ibd,jbd->bij", X, X)            # X is (T, B, D) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                # (B, T, T)
    out = torch.einsum("bij,jbd->ibd", weights, X)         # -> (T, B, D)
    return out
""")

add("1.4", "ssa-scaled", "wrong", "Divides the scores by √D (scaled dot-product from a blog), which this exercise's softmax(X Xᵀ) X does not do.", """
# Exercise 1.4 — batched simple self-attention
import math

def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = X @ X.transpose(-2, -1) / math.sqrt(X.shape[-1])   # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                # (B, T, T)
    out = weights @ X                                      # (B, T, T) x (B, T, D) -> (B, T, D)
    return out
""")

add("1.4", "ssa-returns-tuple", "wrong", "Returns the tuple (out, weights) like nn.MultiheadAttention instead of out alone.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    scores = X @ X.transpose(-2, -1)                       # (B, T, D) x (B, D, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                # (B, T, T)
    out = weights @ X                                      # (B, T, T) x (B, T, D) -> (B, T, D)
    return out, weights
""")

add("1.4", "ssa-loop-off-by-one", "wrong", "Loops over the batch with range(B - 1), so the last sentence's output is left as zeros.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    B = X.shape[0]
    out = torch.zeros_like(X)                              # (B, T, D)
    for b in range(B - 1):
        w = torch.softmax(X[b] @ X[b].T, dim=-1)           # (T, T)
        out[b] = w @ X[b]                                  # (T, D)
    return out
""")

add("1.4", "ssa-hardcoded-shape", "wrong", "Reshapes to the notebook example's sizes (2, 6, 4), so any other batch raises or is scrambled.", """
# Exercise 1.4 — batched simple self-attention
def simple_self_attention(X):
    \"\"\"softmax(X Xᵀ) X for a batch X of shape (B, T, D); returns out of shape (B, T, D).\"\"\"
    X = X.reshape(2, 6, 4)                                 # (B, T, D)
    scores = X @ X.transpose(-2, -1)                       # (2, 6, 4) x (2, 4, 6) -> (2, 6, 6)
    weights = torch.softmax(scores, dim=-1)                # (2, 6, 6)
    out = weights @ X                                      # (2, 6, 6) x (2, 6, 4) -> (2, 6, 4)
    return out
""")



# ======================================================================================
# 2.1 MySelfAttention step 1

add("2.2", "msa1-no-super", "wrong", "Never calls super().__init__(), so nn.Module's machinery is not set up and calling the module (or .parameters()) raises.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        self.hidden_size = hidden_size

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.2", "msa1-super-with-arg", "wrong", "Passes hidden_size to super().__init__(hidden_size); nn.Module takes no such argument and raises a TypeError.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__(hidden_size)
        self.hidden_size = hidden_size

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.2", "msa1-wrong-attr-name", "wrong", "Stores the size as self.hidden instead of self.hidden_size.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden = hidden_size

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.2", "msa1-hardcoded-4", "wrong", "Hard-codes self.hidden_size = 4 from the notebook's toy example instead of the argument.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = 4

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.2", "msa1-not-a-module", "wrong", "Edits the class line to `class MySelfAttention:` (no nn.Module), so super().__init__() runs but the class is not a module and cannot be called.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention:
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.2", "msa1-forward-deleted", "wrong", "Deletes the forward placeholder while editing, so calling the module raises NotImplementedError instead of handing X back.", """
# Exercise 2.2 — MySelfAttention, step 1: the module
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
""")



# ======================================================================================
# 2.2 MySelfAttention step 2

add("2.3", "msa2-scale-no-minus", "wrong", "Writes hidden_size ** 0.5 (√D) instead of hidden_size ** -0.5 (1/√D).", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** 0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.3", "msa2-scale-precedence", "wrong", "Writes hidden_size ** -1/2, which Python reads as (1/D)/2, not D ** -0.5.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size)
        self.linear_k = nn.Linear(hidden_size, hidden_size)
        self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -1 / 2

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.3", "msa2-no-bias", "wrong", "Creates the projections with bias=False, which the exercise did not ask for, so the layers have no biases.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_k = nn.Linear(hidden_size, hidden_size, bias=False)
        self.linear_v = nn.Linear(hidden_size, hidden_size, bias=False)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.3", "msa2-wrong-names", "wrong", "Names the layers q_linear, k_linear, v_linear instead of linear_q, linear_k, linear_v.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.q_linear = nn.Linear(hidden_size, hidden_size)
        self.k_linear = nn.Linear(hidden_size, hidden_size)
        self.v_linear = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.3", "msa2-shared-layer", "wrong", "Chains the assignment linear_q = linear_k = linear_v = nn.Linear(...), so all three names point to one shared layer.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = self.linear_k = self.linear_v = nn.Linear(hidden_size, hidden_size)
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.3", "msa2-hardcoded-4", "wrong", "Hard-codes nn.Linear(4, 4) and the scale 4 ** -0.5 from the toy example, so any other hidden_size has the wrong layer sizes.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_q = nn.Linear(4, 4)
        self.linear_k = nn.Linear(4, 4)
        self.linear_v = nn.Linear(4, 4)
        self.scale = 4 ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")

add("2.3", "msa2-layers-in-list", "wrong", "Keeps the three layers in a plain Python list, so they are not registered as submodules, have no linear_q/linear_k/linear_v names and their weights are not parameters.", """
# Exercise 2.3 — MySelfAttention, step 2: projections and the scale
class MySelfAttention(nn.Module):
    \"\"\"Self-attention with learned projections. X: (B, T, D) with D = hidden_size.\"\"\"

    def __init__(self, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.projections = [nn.Linear(hidden_size, hidden_size) for _ in range(3)]   # q, k, v
        self.scale = hidden_size ** -0.5

    def forward(self, X):
        \"\"\"X: (B, T, D) -> (B, T, D). A placeholder until step 3: hands X back.\"\"\"
        return X
""")


# ======================================================================================
# 2.3 MySelfAttention step 3: forward

_MSA3_HEAD = """
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
"""

add("2.4", "msa3-divide-by-scale", "wrong", "Divides the scores by self.scale (which is already 1/√D), so they are multiplied by √D instead of divided.", _MSA3_HEAD + """
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1) / self.scale          # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                      # (B, T, D)
        return out
""")

add("2.4", "msa3-no-scale", "wrong", "Forgets to multiply the scores by self.scale.", _MSA3_HEAD + """
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1)                       # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                      # (B, T, D)
        return out
""")

add("2.4", "msa3-transpose-q-not-k", "wrong", "Transposes q instead of k: q.transpose(-2, -1) @ k is (B, D, D), not the (B, T, T) scores.", _MSA3_HEAD + """
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q.transpose(-2, -1) @ k * self.scale          # (B, D, T) x (B, T, D) -> (B, D, D)
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights.detach()
        out = weights @ v
        return out
""")

add("2.4", "msa3-weights-times-X", "wrong", "Multiplies the weights by X instead of by v, so the value projection is never used.", _MSA3_HEAD + """
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale          # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ X                                      # (B, T, D)
        return out
""")

add("2.4", "msa3-stores-scores", "wrong", "Stores the scores (before the softmax) in self.last_weights instead of the weights.", _MSA3_HEAD + """
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale          # (B, T, T)
        self.last_weights = scores.detach()
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        out = weights @ v                                      # (B, T, D)
        return out
""")

add("2.4", "msa3-dropout", "wrong", "Applies dropout (p=0.1) to the weights, which was not asked for and makes the output random while the module is in training mode.", _MSA3_HEAD + """
        q = self.linear_q(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale          # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        weights = nn.functional.dropout(weights, p=0.1, training=self.training)
        self.last_weights = weights.detach()
        out = weights @ v                                      # (B, T, D)
        return out
""")

add("2.4", "msa3-copy-paste-k-for-q", "wrong", "Copy-paste slip: q is computed with self.linear_k, so the query projection is never used.", _MSA3_HEAD + """
        q = self.linear_k(X)                                   # (B, T, D)
        k = self.linear_k(X)                                   # (B, T, D)
        v = self.linear_v(X)                                   # (B, T, D)
        scores = q @ k.transpose(-2, -1) * self.scale          # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                # (B, T, T)
        self.last_weights = weights.detach()
        out = weights @ v                                      # (B, T, D)
        return out
""")


# ======================================================================================
# 2.4 row_entropy(weights): (..., S) -> (...,)

add("2.1", "entropy-log-nan", "wrong", "Computes -(w * log w) with torch.log, so any weight that is exactly 0 gives 0 * -inf = NaN.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    return -(weights * torch.log(weights)).sum(dim=-1)
""")

add("2.1", "entropy-no-minus", "wrong", "Forgets the minus sign, so every entropy comes out negative.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    return torch.xlogy(weights, weights).sum(dim=-1)
""")

add("2.1", "entropy-log2", "wrong", "Uses log base 2 (bits) instead of the natural log (nats).", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    logs = torch.where(weights > 0, torch.log2(weights), torch.zeros_like(weights))
    return -(weights * logs).sum(dim=-1)
""")

add("2.1", "entropy-mean", "wrong", "Averages over the row with .mean instead of summing, dividing the entropy by S.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    return torch.special.entr(weights).mean(dim=-1)
""")

add("2.1", "entropy-keepdim", "wrong", "Sums with keepdim=True, returning shape (..., 1) instead of (...,).", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    return -torch.xlogy(weights, weights).sum(dim=-1, keepdim=True)
""")

add("2.1", "entropy-resoftmax", "wrong", "Applies a softmax to the weights first 'to make them a distribution', so it measures the entropy of softmax(weights), not of the weights.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    p = torch.softmax(weights, dim=-1)
    return -(p * p.log()).sum(dim=-1)
""")

add("2.1", "entropy-first-axis", "wrong", "Sums over axis 0 (NumPy habit of the first axis) instead of the last dimension.", """
# Exercise 2.1 — row entropy
def row_entropy(weights):
    \"\"\"Entropy -Σ w log w of each row (last dimension) of weights (..., S), in nats; returns (...,).\"\"\"
    return -torch.xlogy(weights, weights).sum(axis=0)
""")


# ======================================================================================
# 2.5 spot the bug: softmax(weights) -> softmax(scores)

_QKV_DOC = '''# Exercise 2.5 — spot the bug: what softmax is given
def attention_from_qkv(q, k, v):
    """softmax(q kᵀ / √d) v for q, k, v of shape (B, T, d); returns (B, T, d)."""
'''

add("2.5", "qkv-softmax-q", "wrong", "Hands q to the softmax instead of the scores, so the weights are (B, T, d), not (B, T, T).", _QKV_DOC + """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(q, dim=-1)                           # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.5", "qkv-softmax-dim1", "wrong", "Fixes the name but takes the softmax over dim=1 (the queries) instead of dim=-1 (the keys).", _QKV_DOC + """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=1)                       # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.5", "qkv-dropped-scale", "wrong", "While fixing the line also drops the / √d from the scores.", _QKV_DOC + """
    scores = q @ k.transpose(-2, -1)                             # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1)                      # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.5", "qkv-no-softmax", "wrong", "Replaces the line with weights = scores, skipping the softmax altogether.", _QKV_DOC + """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = scores                                             # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.5", "qkv-sigmoid", "wrong", "Uses torch.sigmoid instead of torch.softmax, so the rows no longer sum to 1.", _QKV_DOC + """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.sigmoid(scores)                              # (B, T, T)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("2.5", "qkv-double-v", "wrong", "Multiplies by v inside the weights line as well as in the return, applying v twice.", _QKV_DOC + """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])   # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = torch.softmax(scores, dim=-1) @ v                  # (B, T, d)
    return weights @ v                                          # (B, T, T) x (B, T, d) -> (B, T, d)
""")


# ======================================================================================
# 2.6 spot the bug: the scale

_SS_DOC = '''# Exercise 2.6 — spot the bug: the scale
def scaled_scores(q, k):
    """Scores q kᵀ / √d for q and k of shape (B, T, d); returns (B, T, T)."""
    d = q.shape[-1]
'''

add("2.6", "ss-divide-by-d", "wrong", "Divides by d instead of √d.", _SS_DOC + """
    return q @ k.transpose(-2, -1) / d                          # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "ss-sqrt-of-T", "wrong", "Takes the size of axis 1, which for (B, T, d) is T, so it divides by √T instead of √d.", _SS_DOC + """
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[1])      # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "ss-precedence", "wrong", "Writes * d ** -1/2, which Python reads as (1/d)/2, not 1/√d.", _SS_DOC + """
    return q @ k.transpose(-2, -1) * d ** -1 / 2                # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "ss-scale-both", "wrong", "Divides both q and k by √d, so the scores are divided by d in total.", _SS_DOC + """
    return (q / math.sqrt(d)) @ (k / math.sqrt(d)).transpose(-2, -1)   # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "ss-floor-division", "wrong", "Uses // (floor division) instead of /, so every score is rounded down to a whole number.", _SS_DOC + """
    return q @ k.transpose(-2, -1) // math.sqrt(d)              # (B, T, d) x (B, d, T) -> (B, T, T)
""")

add("2.6", "ss-torch-sqrt-int", "wrong", "Calls torch.sqrt on the Python int d, which raises a TypeError (torch.sqrt needs a tensor).", _SS_DOC + """
    return q @ k.transpose(-2, -1) / torch.sqrt(d)              # (B, T, d) x (B, d, T) -> (B, T, T)
""")


# ======================================================================================
# 3.1 causal_mask(T)

_CM = '''# Exercise 3.1 — a causal mask
def causal_mask(T):
    """(T, T) booleans: True where query i may attend key j, i.e. j <= i."""
'''

add("3.1", "causal-triu", "wrong", "Uses .triu() (the upper triangle), which lets each query see the future instead of the past.", _CM + """
    return torch.ones(T, T, dtype=torch.bool).triu()
""")

add("3.1", "causal-no-diagonal", "wrong", "Uses tril(diagonal=-1), which excludes the diagonal so a token cannot attend to itself (and the first row is fully masked).", _CM + """
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal=-1)
""")

add("3.1", "causal-float", "wrong", "Returns a float tensor of ones and zeros instead of booleans.", _CM + """
    return torch.tril(torch.ones(T, T))
""")

add("3.1", "causal-inverted-convention", "wrong", "Uses nn.MultiheadAttention's convention (True = not allowed): True above the diagonal instead of True where j <= i.", _CM + """
    return torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)
""")

add("3.1", "causal-loop-strict", "wrong", "Fills the mask in a loop with j < i instead of j <= i, so the diagonal is False.", _CM + """
    mask = torch.zeros(T, T, dtype=torch.bool)
    for i in range(T):
        for j in range(T):
            mask[i, j] = j < i
    return mask
""")

add("3.1", "causal-numpy", "wrong", "Builds the mask with np.tril and returns a NumPy array, not a tensor.", _CM + """
    import numpy as np
    return np.tril(np.ones((T, T), dtype=bool))
""")


# ======================================================================================
# 3.2 padding_mask(lengths, T) -> (B, 1, T)

_PM = '''# Exercise 3.2 — a padding mask
def padding_mask(lengths, T):
    """(B, 1, T) booleans: True where key j is a real token of sentence b (j < lengths[b])."""
'''

add("3.2", "pad-less-equal", "wrong", "Uses <= instead of <, so the first padding position of each sentence counts as a real token.", _PM + """
    real = torch.arange(T) <= lengths[:, None]          # (B, T)
    return real[:, None, :]                             # (B, 1, T)
""")

add("3.2", "pad-no-query-axis", "wrong", "Returns (B, T), forgetting the middle query axis of size 1.", _PM + """
    return torch.arange(T) < lengths[:, None]           # (B, T)
""")

add("3.2", "pad-axis-at-end", "wrong", "Adds the size-1 axis at the end, (B, T, 1), so the mask hides queries instead of keys.", _PM + """
    real = torch.arange(T) < lengths[:, None]           # (B, T)
    return real[:, :, None]                             # (B, T, 1)
""")

add("3.2", "pad-inverted", "wrong", "Uses >=, marking the padding as True (nn.MultiheadAttention's key_padding_mask convention) instead of the real tokens.", _PM + """
    pad = torch.arange(T) >= lengths[:, None]           # (B, T)
    return pad[:, None, :]                              # (B, 1, T)
""")

add("3.2", "pad-no-broadcast-axis", "wrong", "Compares torch.arange(T) with lengths directly, without lengths[:, None], so (T,) meets (B,) and it raises (or compares position b with sentence b when B == T).", _PM + """
    real = torch.arange(T) < lengths                    # (B, T)?
    return real[:, None, :]
""")

add("3.2", "pad-loop-off-by-one", "wrong", "Fills the mask in a loop with [:lengths[b] - 1], so the last real token of every sentence is marked as padding.", _PM + """
    B = lengths.shape[0]
    mask = torch.zeros(B, 1, T, dtype=torch.bool)
    for b in range(B):
        mask[b, 0, : lengths[b] - 1] = True
    return mask
""")

add("3.2", "pad-uses-max-length", "wrong", "Uses the longest length instead of T for the key axis, so the mask is too short whenever T is larger than every length.", _PM + """
    L = int(lengths.max())
    real = torch.arange(L) < lengths[:, None]           # (B, L)
    return real[:, None, :]                             # (B, 1, L)
""")


# ======================================================================================
# 3.3 masked_softmax(scores, mask)

_MS = '''# Exercise 3.3 — a masked softmax
def masked_softmax(scores, mask):
    """Softmax over the last dimension of scores (B, T, T), only over keys where mask is True."""
'''

add("3.3", "msm-fill-zero", "wrong", "Fills the masked scores with 0 instead of -inf, so masked keys still get weight exp(0).", _MS + """
    filled = scores.masked_fill(~mask, 0.0)
    return torch.softmax(filled, dim=-1)
""")

add("3.3", "msm-fully-masked-nan", "wrong", "Does not handle rows where every key is masked: softmax of all -inf gives NaN there instead of zeros.", _MS + """
    filled = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(filled, dim=-1)
""")

add("3.3", "msm-inplace-fill", "wrong", "Uses masked_fill_ (in place), which overwrites the caller's scores.", _MS + """
    scores.masked_fill_(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
""")

add("3.3", "msm-minus-1e9", "wrong", "Fills with -1e9 instead of -inf, so a fully masked row becomes a uniform average over all keys instead of zeros.", _MS + """
    filled = scores.masked_fill(~mask, -1e9)
    return torch.softmax(filled, dim=-1)
""")

add("3.3", "msm-multiply-mask", "wrong", "Multiplies the scores by the mask, which sets masked scores to 0 rather than -inf, so masked keys keep weight.", _MS + """
    return torch.softmax(scores * mask, dim=-1)
""")

add("3.3", "msm-inverted-mask", "wrong", "Treats True as 'masked' (the older convention) and fills where mask is True.", _MS + """
    filled = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(filled, dim=-1)
    return weights.masked_fill(mask.all(dim=-1, keepdim=True), 0.0)
""")

add("3.3", "msm-all-instead-of-any", "wrong", "Zeroes the rows where mask.all(...) is True instead of where ~mask.any(...), so fully allowed rows become zeros and fully masked rows stay NaN.", _MS + """
    filled = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(filled, dim=-1)
    return weights.masked_fill(mask.all(dim=-1, keepdim=True), 0.0)
""")

add("3.3", "msm-any-no-keepdim", "wrong", "Computes mask.any(dim=-1) without keepdim=True, so the row flags line up with the key axis (zeroing columns) or fail to broadcast.", _MS + """
    filled = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(filled, dim=-1)
    return weights.masked_fill(~mask.any(dim=-1), 0.0)
""")


# ======================================================================================
# 3.4 spot the bug: mask after softmax

_MA = '''# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    """softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d)."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
'''

add("3.4", "ma-fill-scores-zero", "wrong", "Moves the mask before the softmax but fills the scores with 0 instead of -inf, so masked keys still get weight.", _MA + """
    weights = torch.softmax(scores.masked_fill(~mask, 0.0), dim=-1)   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "ma-renormalise-after", "wrong", "Keeps masking after the softmax and renormalises the rows, which gives 0 / 0 = NaN for a row with every key masked.", _MA + """
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)   # (B, T, T)
    weights = weights / weights.sum(dim=-1, keepdim=True)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "ma-inverted-mask", "wrong", "Calls masked_softmax(scores, ~mask), inverting the course's convention so the allowed keys are the ones hidden.", _MA + """
    weights = masked_softmax(scores, ~mask)                      # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "ma-neg-inf-after-softmax", "wrong", "Fills the weights (after the softmax) with -inf instead of filling the scores before it, so the output becomes -inf/NaN.", _MA + """
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, float("-inf"))   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "ma-unscaled", "wrong", "Fixes the mask with masked_softmax but recomputes the scores without the / √d.", """
# Exercise 3.4 — spot the bug: where the mask goes
def masked_attention(q, k, v, mask):
    \"\"\"softmax(q kᵀ / √d) v over the keys where mask is True; q, k, v: (B, T, d) -> (B, T, d).\"\"\"
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # (B, T, d) x (B, d, T) -> (B, T, T)
    weights = masked_softmax(q @ k.transpose(-2, -1), mask)      # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")

add("3.4", "ma-minus-1e9", "wrong", "Fills the scores with -1e9 before a plain softmax, so a row with every key masked becomes a uniform average instead of zeros.", _MA + """
    weights = torch.softmax(scores.masked_fill(~mask, -1e9), dim=-1)   # (B, T, T)
    return weights @ v                                           # (B, T, T) x (B, T, d) -> (B, T, d)
""")



# ======================================================================================
# 3.5 SingleHeadAttention

_SHA_INIT = '''# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    """One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D)."""

    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        """X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D)."""
'''

add("3.5", "sha-no-out-proj", "wrong", "Creates out_proj but never applies it, returning weights @ v directly.", _SHA_INIT + """
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)     # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return weights @ v                                                # (B, T, D)
""")

add("3.5", "sha-scale-by-T", "wrong", "Scales by √T (X.shape[1]) instead of √D.", _SHA_INIT + """
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(X.shape[1])          # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", "sha-mask-after-softmax", "wrong", "Masks the weights after a plain softmax (lesson 3.4's bug), so the allowed weights no longer sum to 1.", _SHA_INIT + """
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)     # (B, T, T)
        weights = torch.softmax(scores, dim=-1)                           # (B, T, T)
        if mask is not None:
            weights = weights.masked_fill(~mask, 0.0)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", "sha-dropout", "wrong", "Adds nn.Dropout(0.1) on the weights, which was not asked for and makes the output random in training mode.", """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.q_proj = nn.Linear(embed_size, embed_size)
        self.k_proj = nn.Linear(embed_size, embed_size)
        self.v_proj = nn.Linear(embed_size, embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.dropout = nn.Dropout(0.1)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)     # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        weights = self.dropout(weights)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", "sha-fused-qkv", "wrong", "Packs the three projections into one qkv_proj = nn.Linear(D, 3D), so q_proj, k_proj and v_proj do not exist.", """
# Exercise 3.5 — SingleHeadAttention with a mask
class SingleHeadAttention(nn.Module):
    \"\"\"One attention head: X (B, T, D) and an optional mask (True = may attend) -> (B, T, D).\"\"\"

    def __init__(self, embed_size):
        super().__init__()
        self.embed_size = embed_size
        self.qkv_proj = nn.Linear(embed_size, 3 * embed_size)
        self.out_proj = nn.Linear(embed_size, embed_size)
        self.last_weights = None

    def forward(self, X, mask=None):
        \"\"\"X: (B, T, D), mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"
        q, k, v = self.qkv_proj(X).chunk(3, dim=-1)                       # (B, T, 3D) -> 3 x (B, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)     # (B, T, T)
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", "sha-squeeze-padding-mask", "wrong", "Squeezes a (B, 1, T) padding mask to (B, T), which then broadcasts against (B, T, T) as if it were (T, T) rows, so it lines up with the wrong axes.", _SHA_INIT + """
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)     # (B, T, T)
        if mask is None:
            weights = torch.softmax(scores, dim=-1)
        else:
            if mask.dim() == 3 and mask.shape[1] == 1:
                mask = mask.squeeze(1)                                    # (B, 1, T) -> (B, T)
            weights = masked_softmax(scores, mask)                        # (B, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")

add("3.5", "sha-stores-scores", "wrong", "Keeps the raw scores, not the softmax weights, in self.last_weights.", _SHA_INIT + """
        q, k, v = self.q_proj(X), self.k_proj(X), self.v_proj(X)          # (B, T, D) each
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)     # (B, T, T)
        self.last_weights = scores.detach()
        weights = torch.softmax(scores, dim=-1) if mask is None else masked_softmax(scores, mask)
        return self.out_proj(weights @ v)                                 # (B, T, D)
""")


# ======================================================================================
# 4.1 spot the bug: split_heads

_SH = '''# Exercise 4.1 — spot the bug: splitting heads
def split_heads(x, num_heads):
    """(B, T, D) -> (B, H, T, d_head) with d_head = D / num_heads."""
    B, T, D = x.shape
'''

add("4.1", "split-no-transpose", "wrong", "Views as (B, T, H, d_head) but forgets the transpose, returning (B, T, H, d_head).", _SH + """
    return x.view(B, T, num_heads, D // num_heads)                     # (B, T, D) -> (B, T, H, d_head)
""")

add("4.1", "split-reshape-same-bug", "wrong", "Replaces view with reshape, which reads memory in the same order, so heads still get whole tokens.", _SH + """
    return x.reshape(B, num_heads, T, D // num_heads)                  # (B, T, D) -> (B, H, T, d_head)
""")

add("4.1", "split-interleaved", "wrong", "Views as (B, T, d_head, H) and permutes, so head h gets every H-th number (interleaved) instead of a contiguous slice.", _SH + """
    return x.view(B, T, D // num_heads, num_heads).permute(0, 3, 1, 2)  # (B, T, d_head, H) -> (B, H, T, d_head)
""")

add("4.1", "split-hardcoded-2", "wrong", "Hard-codes 2 heads from the demonstration instead of using num_heads.", _SH + """
    return x.view(B, T, 2, D // 2).transpose(1, 2)                     # (B, T, D) -> (B, T, 2, D/2) -> (B, 2, T, D/2)
""")

add("4.1", "split-true-division", "wrong", "Uses D / num_heads (a float) in view, which raises a TypeError.", _SH + """
    return x.view(B, T, num_heads, D / num_heads).transpose(1, 2)      # (B, T, D) -> (B, H, T, d_head)
""")

add("4.1", "split-mha-source-layout", "wrong", "Copies nn.MultiheadAttention's internal sequence-first code, returning a 3-D (B*H, T, d_head)-style tensor in the wrong layout instead of (B, H, T, d_head).", _SH + """
    head_dim = D // num_heads
    return x.contiguous().view(B, T * num_heads, head_dim).transpose(0, 1)   # like F.multi_head_attention_forward
""")



# ======================================================================================
# 4.2 merge_heads

_MH = '''# Exercise 4.2 — merging heads
def merge_heads(x):
    """(B, H, T, d_head) -> (B, T, D) with D = H * d_head; the inverse of split_heads."""
    B, H, T, d_head = x.shape
'''

add("4.2", "merge-no-transpose", "wrong", "Reshapes (B, H, T, d_head) straight to (B, T, D) without transposing back first, so tokens and heads are scrambled.", _MH + """
    return x.reshape(B, T, H * d_head)                     # (B, H, T, d_head) -> (B, T, D)
""")

add("4.2", "merge-view-noncontiguous", "wrong", "Uses view after the transpose; the tensor is no longer contiguous, so view raises a RuntimeError.", _MH + """
    return x.transpose(1, 2).view(B, T, H * d_head)        # (B, T, H, d_head) -> (B, T, D)
""")

add("4.2", "merge-interleaved", "wrong", "Permutes to (B, T, d_head, H) before flattening, so the heads' numbers are interleaved instead of side by side.", _MH + """
    return x.permute(0, 2, 3, 1).reshape(B, T, H * d_head)   # (B, T, d_head, H) -> (B, T, D)
""")

add("4.2", "merge-flatten-from-1", "wrong", "Flattens from axis 1 instead of axis 2, giving (B, T * D) instead of (B, T, D).", _MH + """
    return x.transpose(1, 2).flatten(1)                    # (B, T, H, d_head) -> (B, T * H * d_head)
""")

add("4.2", "merge-cat-wrong-axis", "wrong", "Concatenates the heads along dim=1 (tokens), giving (B, H*T, d_head) instead of side by side along the last axis.", _MH + """
    return torch.cat([x[:, h] for h in range(H)], dim=1)   # H x (B, T, d_head) -> (B, H*T, d_head)
""")

add("4.2", "merge-sum-heads", "wrong", "Sums over the heads instead of putting them side by side, giving (B, T, d_head).", _MH + """
    return x.sum(dim=1)                                    # (B, H, T, d_head) -> (B, T, d_head)
""")



# ======================================================================================
# 4.3 MultiHeadAttention

_MHA_INIT = '''# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    """H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D)."""

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
        """X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D)."""
'''

_MHA_FWD_OK = '''
        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)                                 # (B, 1, 1, T) or (B, 1, T, T)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
'''

add("4.3", "mha-scale-embed", "wrong", "Scales by 1/√embed_size (the whole width) instead of 1/√d_head.", _MHA_INIT + """
        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_size)   # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add("4.3", "mha-assert-not-valueerror", "wrong", "Checks divisibility with assert, which raises AssertionError, not the ValueError the exercise asks for.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"
""" + _MHA_FWD_OK)

add("4.3", "mha-no-divisibility-check", "wrong", "Never checks that embed_size is divisible by num_heads; d_head is silently floored and no ValueError is raised.", """
# Exercise 4.3 — MultiHeadAttention
class MultiHeadAttention(nn.Module):
    \"\"\"H heads of width D / H side by side: X (B, T, D) and an optional mask -> (B, T, D).\"\"\"

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
        \"\"\"X: (B, T, D); mask: None, (T, T), (B, 1, T) or (B, T, T) -> (B, T, D).\"\"\"
""" + _MHA_FWD_OK)

add("4.3", "mha-mask-no-head-axis", "wrong", "Passes a (B, 1, T) or (B, T, T) mask to masked_softmax without a head axis, so its batch axis lines up with the heads (raising, or wrong when B == H).", _MHA_INIT + """
        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add("4.3", "mha-unsqueeze-every-mask", "wrong", "Adds the head axis to every mask, including a (T, T) causal mask, which becomes (T, 1, T) and lines up T with the heads.", _MHA_INIT + """
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

add("4.3", "mha-unsqueeze-0", "wrong", "Adds the head axis with unsqueeze(0) instead of unsqueeze(1), so the mask's batch axis lines up with the heads.", _MHA_INIT + """
        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(0)                                 # (1, B, 1, T)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add("4.3", "mha-averaged-weights", "wrong", "Stores the weights averaged over heads, (B, T, T) like nn.MultiheadAttention's default, instead of the per-head (B, H, T, T).", _MHA_INIT + """
        q = split_heads(self.q_proj(X), self.num_heads)              # (B, H, T, d_head)
        k = split_heads(self.k_proj(X), self.num_heads)              # (B, H, T, d_head)
        v = split_heads(self.v_proj(X), self.num_heads)              # (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)    # (B, H, T, T)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)                       # (B, H, T, T)
        self.last_weights = weights.mean(dim=1).detach()             # (B, T, T)
        return self.out_proj(merge_heads(weights @ v))               # (B, T, D)
""")

add("4.3", "mha-sequence-first", "wrong", "Transposes X to sequence-first (T, B, D) 'like nn.MultiheadAttention' before the batch-first code, so attention runs across the sentences of the batch.", _MHA_INIT + """
        X = X.transpose(0, 1)                                        # (B, T, D) -> (T, B, D), like nn.MultiheadAttention
        q = split_heads(self.q_proj(X), self.num_heads)
        k = split_heads(self.k_proj(X), self.num_heads)
        v = split_heads(self.v_proj(X), self.num_heads)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)
        weights = masked_softmax(scores, mask)
        self.last_weights = weights.detach()
        return self.out_proj(merge_heads(weights @ v)).transpose(0, 1)   # back to (B, T, D)
""")



# ======================================================================================
# 4.4 sentences_independent(attention, X)

_SI = '''# Exercise 4.4 — a test that finds mixed sentences
def sentences_independent(attention, X):
    """True if changing sentence 1 of X (B, T, D) leaves the other sentences' outputs unchanged."""
'''

add("4.4", "si-shapes-only", "wrong", "Compares only the output shapes, which are the same whether or not a model mixes sentences, so it always says True.", _SI + """
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    return attention(changed).shape == out.shape
""")

add("4.4", "si-one-element", "wrong", "Compares only one number, out[0, 0, 0], so mixing that changes other positions or sentences goes unnoticed.", _SI + """
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    return bool(torch.isclose(attention(changed)[0, 0, 0], out[0, 0, 0], atol=1e-5))
""")

add("4.4", "si-includes-sentence-1", "wrong", "Compares every sentence, including the changed sentence 1 whose output is meant to change, so it says False even for models that keep sentences apart.", _SI + """
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    return torch.allclose(attention(changed), out, atol=1e-5)
""")

add("4.4", "si-no-clone", "wrong", "Writes changed = X without .clone(), so changing sentence 1 also changes the caller's X.", _SI + """
    out = attention(X)
    changed = X
    changed[1] = changed[1] + 1.0
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=1e-5)
""")

add("4.4", "si-loose-tolerance", "wrong", "Uses atol=0.1, so a model whose mixing moves other sentences' outputs by less than 0.1 is passed as independent.", _SI + """
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=0.1)
""")

add("4.4", "si-only-sentence-0", "wrong", "Checks only sentence 0, so a model that leaks sentence 1 into sentence 2 or later is called independent.", _SI + """
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    return torch.allclose(attention(changed)[0], out[0], atol=1e-5)
""")

add("4.4", "si-sequence-first-index", "wrong", "Assumes sequence-first and changes X[:, 1] (token 1 of every sentence) instead of sentence 1, so every sentence changes and the test says False for every real attention model.", _SI + """
    out = attention(X)
    changed = X.clone()
    changed[:, 1] = changed[:, 1] + 1.0                   # "sentence 1" in (T, B, D)
    others = torch.arange(X.shape[0]) != 1
    return torch.allclose(attention(changed)[others], out[others], atol=1e-5)
""")

add("4.4", "si-inverted", "wrong", "Returns not allclose(...), the opposite answer: True for models that mix sentences and False for ones that keep them apart.", _SI + """
    out = attention(X)
    changed = X.clone()
    changed[1] = changed[1] + 1.0
    others = torch.arange(X.shape[0]) != 1
    return not torch.allclose(attention(changed)[others], out[others], atol=1e-5)
""")


# ======================================================================================
# 4.5 to_torch_mha(ours)

_TM = '''# Exercise 4.5 — your weights in nn.MultiheadAttention
def to_torch_mha(ours):
    """An nn.MultiheadAttention(batch_first=True) holding the same weights as ours."""
'''

add("4.5", "tm-order-kqv", "wrong", "Stacks the projections in the order k, q, v instead of q, k, v.", _TM + """
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.k_proj.weight, ours.q_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.k_proj.bias, ours.q_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")

add("4.5", "tm-no-biases", "wrong", "Copies the weights but not the biases, so nn.MultiheadAttention keeps its zero biases.", _TM + """
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
    return theirs
""")

add("4.5", "tm-transposed-weights", "wrong", "Copies each weight transposed (.T), thinking nn.Linear stores (in, out), so every projection is wrong.", _TM + """
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight.T, ours.k_proj.weight.T, ours.v_proj.weight.T]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight.T)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")

add("4.5", "tm-no-batch-first", "wrong", "Creates nn.MultiheadAttention without batch_first=True, so it reads (B, T, D) input as sequence-first and mixes sentences.", _TM + """
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")

add("4.5", "tm-assign-tensor", "wrong", "Assigns a plain tensor to theirs.in_proj_weight instead of copying into it, which raises a TypeError (a Parameter can only be replaced by a Parameter).", _TM + """
    theirs = nn.MultiheadAttention(ours.embed_size, ours.num_heads, batch_first=True)
    theirs.in_proj_weight = torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight])
    theirs.in_proj_bias = torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias])
    theirs.out_proj.weight = ours.out_proj.weight
    theirs.out_proj.bias = ours.out_proj.bias
    return theirs
""")

add("4.5", "tm-hardcoded-sizes", "wrong", "Hard-codes nn.MultiheadAttention(4, 2, ...) from the notebook example instead of ours's sizes.", _TM + """
    theirs = nn.MultiheadAttention(4, 2, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")

add("4.5", "tm-d-head-as-heads", "wrong", "Passes ours.d_head as the number of heads, which differs from num_heads whenever d_head != H.", _TM + """
    theirs = nn.MultiheadAttention(ours.embed_size, ours.d_head, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs
""")



# ======================================================================================
# 5.1 ReversalModel.forward

_RM = '''# Exercise 5.3 — adding positions
class ReversalModel(BagOfTokens):
    """BagOfTokens plus a learned position embedding: tokens (B, T) -> scores (B, T, V)."""

    def __init__(self, vocab_size, seq_len, embed_size, num_heads):
        super().__init__(vocab_size, seq_len, embed_size, num_heads)
        self.pos = nn.Embedding(seq_len, embed_size)       # one learned vector per position

    def forward(self, tokens):
'''

add("5.3", "rm-positions-from-batch", "wrong", "Takes the positions from tokens.shape[0] (the batch size B) instead of tokens.shape[1] (T).", _RM + """
        positions = torch.arange(tokens.shape[0])          # (B,)?
        x = self.tok(tokens) + self.pos(positions)[:, None, :]   # (B, T, D) + (B, 1, D)
        return self.readout(self.attention(x))
""")

add("5.3", "rm-pos-of-tokens", "wrong", "Looks up the position embedding with the token ids, self.pos(tokens), instead of with the positions 0 … T − 1.", _RM + """
        x = self.tok(tokens) + self.pos(tokens)            # (B, T, D) + (B, T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", "rm-no-positions", "wrong", "Forgets to add the position vectors at all, so the model is still BagOfTokens.", _RM + """
        x = self.tok(tokens)                               # (B, T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", "rm-positions-after-attention", "wrong", "Adds the position vectors after attention instead of before, so attention itself still cannot tell positions apart.", _RM + """
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = self.attention(self.tok(tokens)) + self.pos(positions)   # (B, T, D) + (T, D)
        return self.readout(x)                             # (B, T, V)
""")

add("5.3", "rm-seq-len-positions", "wrong", "Uses all seq_len positions (self.pos.weight) instead of the first T, which fails for sequences shorter than seq_len.", _RM + """
        x = self.tok(tokens) + self.pos.weight             # (B, T, D) + (seq_len, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", "rm-multiply", "wrong", "Multiplies the token vectors by the position vectors instead of adding them.", _RM + """
        positions = torch.arange(tokens.shape[1])          # (T,)
        x = self.tok(tokens) * self.pos(positions)         # (B, T, D) * (T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")

add("5.3", "rm-sqrt-d-scaling", "wrong", "Multiplies the token embeddings by √D (as in the Transformer paper), which the exercise did not ask for.", _RM + """
        positions = torch.arange(tokens.shape[1])          # (T,)
        D = self.pos.embedding_dim
        x = self.tok(tokens) * D ** 0.5 + self.pos(positions)   # (B, T, D) + (T, D)
        return self.readout(self.attention(x))             # (B, T, V)
""")


# ======================================================================================
# 5.2 is_permutation_equivariant(model, tokens, perm)

_PE = '''# Exercise 5.2 — a permutation-equivariance test
def is_permutation_equivariant(model, tokens, perm):
    """True if model(tokens[:, perm]) equals model(tokens)[:, perm]; tokens (B, T), perm (T,)."""
'''

add("5.2", "pe-shapes-only", "wrong", "Compares only the output shapes, so every model is called permutation equivariant.", _PE + """
    return model(tokens[:, perm]).shape == model(tokens)[:, perm].shape
""")

add("5.2", "pe-batch-axis", "wrong", "Permutes the batch axis (tokens[perm], out[perm]) instead of the token axis, which every model passes (or which raises when T > B).", _PE + """
    return torch.allclose(model(tokens[perm]), model(tokens)[perm], atol=1e-5)
""")

add("5.2", "pe-output-not-permuted", "wrong", "Compares model(tokens[:, perm]) with the unpermuted model(tokens), i.e. tests invariance, not equivariance.", _PE + """
    return torch.allclose(model(tokens[:, perm]), model(tokens), atol=1e-5)
""")

add("5.2", "pe-inverse-perm", "wrong", "Permutes the output with the inverse permutation perm.argsort(), which is only the same as perm when perm is its own inverse.", _PE + """
    return torch.allclose(model(tokens[:, perm]), model(tokens)[:, perm.argsort()], atol=1e-5)
""")

add("5.2", "pe-one-element", "wrong", "Compares only element [0, 0, 0] of the outputs, so a model that breaks equivariance elsewhere passes.", _PE + """
    a = model(tokens[:, perm])
    b = model(tokens)[:, perm]
    return bool(torch.isclose(a[0, 0, 0], b[0, 0, 0], atol=1e-5))
""")

add("5.2", "pe-argmax-only", "wrong", "Compares only the predicted tokens (argmax), so a model whose scores change under permutation but keep the same top token passes.", _PE + """
    a = model(tokens[:, perm]).argmax(dim=-1)
    b = model(tokens)[:, perm].argmax(dim=-1)
    return bool((a == b).all())
""")

add("5.2", "pe-mutates-tokens", "wrong", "Permutes tokens in place (tokens[:] = tokens[:, perm]), changing the caller's tensor.", _PE + """
    expected = model(tokens)[:, perm]
    tokens[:] = tokens[:, perm]
    return torch.allclose(model(tokens), expected, atol=1e-5)
""")


# ======================================================================================
# 5.3 ideal_keys(T)

_IK = '''# Exercise 5.1 — read the heatmap: the ideal pattern
def ideal_keys(T):
    """For each query i, the key it should attend to when reversing T tokens: a (T,) tensor of integers."""
'''

add("5.1", "ik-identity", "wrong", "Returns torch.arange(T), the diagonal (each query attends to itself), not the anti-diagonal.", _IK + """
    return torch.arange(T)
""")

add("5.1", "ik-off-by-one-high", "wrong", "Counts down from T instead of T − 1 (T, …, 1), off by one.", _IK + """
    return torch.arange(T, 0, -1)
""")

add("5.1", "ik-stops-early", "wrong", "Uses torch.arange(T - 1, 0, -1), whose end is exclusive, so it stops at 1 and has only T − 1 entries.", _IK + """
    return torch.arange(T - 1, 0, -1)
""")

add("5.1", "ik-float-linspace", "wrong", "Uses torch.linspace, which returns floats, not int64 integers.", _IK + """
    return torch.linspace(T - 1, 0, T)
""")

add("5.1", "ik-hardcoded-8", "wrong", "Hard-codes T = 8 from the notebook, returning 7 … 0 whatever T is.", _IK + """
    return torch.tensor([7, 6, 5, 4, 3, 2, 1, 0])
""")

add("5.1", "ik-python-list", "wrong", "Returns a Python list instead of a tensor.", _IK + """
    return list(range(T - 1, -1, -1))
""")

add("5.1", "ik-numpy-negative-stride", "wrong", "Builds it with NumPy np.arange(T)[::-1] and torch.from_numpy, which raises because torch does not accept negative strides.", _IK + """
    import numpy as np
    return torch.from_numpy(np.arange(T)[::-1])
""")



# ======================================================================================
# 6.1 online_softmax(scores, block)

_OS = '''# Exercise 6.1 — online softmax
def online_softmax(scores, block):
    """Softmax over the last dimension of scores (..., S), with one pass over blocks for the max and the sum."""
'''

add("6.1", "os-no-rescale", "wrong", "Adds each block's sum without rescaling the sum so far by exp(m − m_new), so earlier blocks are counted against an old maximum.", _OS + """
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "os-rescale-inverted", "wrong", "Rescales with exp(m_new − m) instead of exp(m − m_new), which is inf on the first block and grows the sum instead of shrinking it.", _OS + """
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m_new - m) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "os-drops-last-block", "wrong", "Loops over range(S // block) blocks, so when S is not a multiple of block the last, shorter block is never read.", _OS + """
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

add("6.1", "os-final-no-shift", "wrong", "Returns exp(scores) / s without subtracting m, so the result is off by a factor exp(m) (and overflows on large scores).", _OS + """
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores) / s
""")

add("6.1", "os-m-starts-zero", "wrong", "Starts the running maximum at 0 instead of -inf, so for rows of large negative scores every exp underflows and the result is 0 / 0 = NaN.", _OS + """
    m = torch.zeros(scores.shape[:-1] + (1,))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "os-no-trailing-axis", "wrong", "Keeps m and s with shape (...,) instead of (..., 1), so they broadcast against the wrong axis of each block (or raise).", _OS + """
    m = torch.full(scores.shape[:-1], float("-inf"))
    s = torch.zeros(scores.shape[:-1])
    for start in range(0, scores.shape[-1], block):
        chunk = scores[..., start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1)
        m = m_new
    return torch.exp(scores - m) / s
""")

add("6.1", "os-2d-slicing", "wrong", "Slices scores[:, start:start + block], which is the last axis only for 2-D inputs; for (..., S) with more axes it blocks the wrong axis.", _OS + """
    m = torch.full(scores.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(scores.shape[:-1] + (1,))
    for start in range(0, scores.shape[-1], block):
        chunk = scores[:, start : start + block]
        m_new = torch.maximum(m, chunk.amax(dim=-1, keepdim=True))
        s = s * torch.exp(m - m_new) + torch.exp(chunk - m_new).sum(dim=-1, keepdim=True)
        m = m_new
    return torch.exp(scores - m) / s
""")


# ======================================================================================
# 6.2 chunked_attention(q, k, v, block)

_CA = '''# Exercise 6.2 — chunked attention
def chunked_attention(q, k, v, block):
    """softmax(q kᵀ / √d) v for q, k, v (B, T, d), over blocks of keys; never holds a (T, T) matrix."""
'''

add("6.2", "ca-out-not-rescaled", "wrong", "Rescales the running sum s but not the running output, so earlier blocks' values keep weights relative to an old maximum.", _CA + """
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

add("6.2", "ca-no-scale", "wrong", "Forgets to divide q (or the scores) by √d.", _CA + """
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

add("6.2", "ca-scale-by-T", "wrong", "Scales q by √T (q.shape[-2]) instead of √d.", _CA + """
    q = q / math.sqrt(q.shape[-2])
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

add("6.2", "ca-range-off-by-one", "wrong", "Loops over range(0, T - block, block), which skips the last block of keys.", _CA + """
    q = q / math.sqrt(q.shape[-1])
    T = k.shape[-2]
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, T - block, block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[..., start : start + block, :]
        m = m_new
    return out / s
""")

add("6.2", "ca-inplace-q-scale", "wrong", "Scales q in place with q /= √d, which changes the caller's q.", _CA + """
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

add("6.2", "ca-slices-batch-axis", "wrong", "Slices blocks from the first axis, k[start:start + block] (sequence-first habit), which is the batch B, not the keys.", _CA + """
    q = q / math.sqrt(q.shape[-1])
    m = torch.full(q.shape[:-1] + (1,), float("-inf"))
    s = torch.zeros(q.shape[:-1] + (1,))
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[0], block):
        scores = q @ k[start : start + block].transpose(-2, -1)
        m_new = torch.maximum(m, scores.amax(dim=-1, keepdim=True))
        rescale = torch.exp(m - m_new)
        exps = torch.exp(scores - m_new)
        s = s * rescale + exps.sum(dim=-1, keepdim=True)
        out = out * rescale + exps @ v[start : start + block]
        m = m_new
    return out / s
""")

add("6.2", "ca-m-updated-before-rescale", "wrong", "Updates m to m_new before computing the rescale factor, so exp(m − m_new) is always 1 and nothing is rescaled.", _CA + """
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

add("6.2", "ca-divides-by-block-sum", "wrong", "Normalises each block by its own sum and adds the block results, as if each block were a separate softmax, instead of dividing by the running sum at the end.", _CA + """
    q = q / math.sqrt(q.shape[-1])
    out = torch.zeros(q.shape[:-1] + (v.shape[-1],))
    for start in range(0, k.shape[-2], block):
        scores = q @ k[..., start : start + block, :].transpose(-2, -1)
        weights = torch.softmax(scores, dim=-1)
        out = out + weights @ v[..., start : start + block, :]
    return out
""")

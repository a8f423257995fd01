"""data_layers.py — PyTorch's results for exercises 3, 4, 5 and 9 (linear layer, activations and
the two-layer network, softmax and cross-entropy, pooling).

Contract: make(out_dir) writes the visible checks' inputs and expected values; every expected
value is PyTorch's (forward, or autograd for a backward pass with a random upstream gradient
dL/dy, i.e. the gradient of L = sum(y * dy)). The case functions take a name prefix, a seed and
the sizes, so the hidden data (exercises/hidden/data_layers.py) reuses them with other sizes.
cnnlab's conventions matched here: a linear layer's W is [D_in, D_out] (y = x W + b); the
cross-entropy loss is the mean over the batch; max pooling's ties go to the first maximum in
row-major order (PyTorch does the same; checked in pool_ties below).
"""
import numpy as np
import torch
import torch.nn.functional as F

from golden_io import rng, save


def t64(a, grad=False):
    """A float64 tensor of the float32 values the checks load (same inputs on both sides)."""
    t = torch.tensor(np.asarray(a, dtype=np.float32), dtype=torch.float64)
    return t.requires_grad_(grad)


# ---- exercise 3: the linear layer --------------------------------------------------------------

def linear_case(out, name, seed, N, Din, Dout, bias=True):
    """x [N, Din], w [Din, Dout], b [Dout], dy [N, Dout] -> y, dx, dw, db."""
    r = rng(seed)
    x = r.uniform(-2, 2, (N, Din)).astype(np.float32)
    w = r.uniform(-1, 1, (Din, Dout)).astype(np.float32)
    b = r.uniform(-1, 1, (Dout,)).astype(np.float32)
    dy = r.uniform(-1, 1, (N, Dout)).astype(np.float32)
    tx, tw, tb = t64(x, True), t64(w, True), t64(b, True)
    y = tx @ tw + (tb if bias else 0)
    (y * t64(dy)).sum().backward()
    save(out, f"{name}_x", x)
    save(out, f"{name}_w", w)
    if bias:
        save(out, f"{name}_b", b)
        save(out, f"{name}_db", tb.grad.numpy())
    save(out, f"{name}_dy", dy)
    save(out, f"{name}_y", y.detach().numpy())
    save(out, f"{name}_dx", tx.grad.numpy())
    save(out, f"{name}_dw", tw.grad.numpy())


# ---- exercise 4: ReLU, sigmoid, the two-layer network -------------------------------------------

def activation_case(out, name, seed, shape, scale=3.0, zeros=0):
    """x, dy -> relu y, dx and sigmoid y, dx (sigmoid's backward from its output y).
    `zeros` entries of x are set to exactly 0 (PyTorch's ReLU gradient there is 0)."""
    r = rng(seed)
    x = r.uniform(-scale, scale, shape).astype(np.float32)
    if zeros:
        x.reshape(-1)[r.choice(x.size, zeros, replace=False)] = 0.0
    dy = r.uniform(-1, 1, shape).astype(np.float32)
    save(out, f"{name}_x", x)
    save(out, f"{name}_dy", dy)
    for fn, tag in ((torch.relu, "relu"), (torch.sigmoid, "sigmoid")):
        tx = t64(x, True)
        y = fn(tx)
        (y * t64(dy)).sum().backward()
        save(out, f"{name}_{tag}_y", y.detach().numpy())
        save(out, f"{name}_{tag}_dx", tx.grad.numpy())


def two_layer_case(out, name, seed, N, D, H, C, zero_row=False):
    """W1 [H, D], W2 [C, H], x [N, D] (rows are the column vectors x_n), df [N, C] ->
    f = W2 max(0, W1 x_n) per row, and dW1, dW2, dx by autograd. With zero_row, W1's first row
    is 0, so that hidden unit's pre-activation is exactly 0 (ReLU's gradient 0 there)."""
    r = rng(seed)
    W1 = r.uniform(-1, 1, (H, D)).astype(np.float32)
    if zero_row:
        W1[0, :] = 0.0
    W2 = r.uniform(-1, 1, (C, H)).astype(np.float32)
    x = r.uniform(-2, 2, (N, D)).astype(np.float32)
    df = r.uniform(-1, 1, (N, C)).astype(np.float32)
    tW1, tW2, tx = t64(W1, True), t64(W2, True), t64(x, True)
    f = (tW2 @ torch.relu(tW1 @ tx.T)).T  # column vectors: f_n = W2 max(0, W1 x_n)
    (f * t64(df)).sum().backward()
    for key, v in (("W1", W1), ("W2", W2), ("x", x), ("df", df), ("f", f.detach().numpy()),
                   ("dW1", tW1.grad.numpy()), ("dW2", tW2.grad.numpy()), ("dx", tx.grad.numpy())):
        save(out, f"{name}_{key}", v)


# ---- exercise 5: softmax and cross-entropy -------------------------------------------------------

def softmax_case(out, name, seed, N, D, scale=3.0, offset=0.0, dloss=1.0, rows=None,
                 backward=True):
    """logits [N, D] (uniform in offset ± scale, or the given rows), labels [N], dy [N, D] ->
    softmax y and (if backward) its backward dx; the mean cross-entropy loss and its gradient
    (times dloss)."""
    r = rng(seed)
    x = (offset + r.uniform(-scale, scale, (N, D))).astype(np.float32)
    if rows is not None:
        x = np.asarray(rows, dtype=np.float32)
    labels = r.integers(0, D, N)
    dy = r.uniform(-1, 1, (N, D)).astype(np.float32)
    tx = t64(x, True)
    y = torch.softmax(tx, dim=1)
    (y * t64(dy)).sum().backward()
    save(out, f"{name}_x", x)
    save(out, f"{name}_labels", labels)
    save(out, f"{name}_y", y.detach().numpy())
    if backward:
        save(out, f"{name}_dy", dy)
        save(out, f"{name}_dx", tx.grad.numpy())
    tl = t64(x, True)
    loss = F.cross_entropy(tl, torch.tensor(labels), reduction="mean")
    (dloss * loss).backward()
    save(out, f"{name}_loss", [loss.item()])
    save(out, f"{name}_dlogits", tl.grad.numpy())


# ---- exercise 9: pooling -------------------------------------------------------------------------

def pool_case(out, name, seed, shape, F_, S, P=0, ceil=False, values=None, avg=True):
    """x [N, C, H, W] (random, so no ties, or the given values), dy -> max and average pooling
    forward and backward (average, unless avg is False: count_include_pad, PyTorch's default)."""
    r = rng(seed)
    x = r.uniform(-3, 3, shape).astype(np.float32) if values is None else \
        np.asarray(values, dtype=np.float32).reshape(shape)
    save(out, f"{name}_x", x)
    for fn, tag in ((F.max_pool2d, "max"), (F.avg_pool2d, "avg"))[:2 if avg else 1]:
        tx = t64(x, True)
        y = fn(tx, F_, S, P, ceil_mode=ceil)
        dy = r.uniform(-1, 1, tuple(y.shape)).astype(np.float32)
        (y * t64(dy)).sum().backward()
        save(out, f"{name}_{tag}_dy", dy)
        save(out, f"{name}_{tag}_y", y.detach().numpy())
        save(out, f"{name}_{tag}_dx", tx.grad.numpy())


def make(out):
    torch.manual_seed(0)
    # exercise 3
    linear_case(out, "ex03/bias", 301, N=4, Din=5, Dout=3, bias=True)
    linear_case(out, "ex03/nobias", 302, N=3, Din=6, Dout=4, bias=False)
    # exercise 4
    activation_case(out, "ex04/act", 401, (2, 3, 4, 5), zeros=6)
    two_layer_case(out, "ex04/net", 402, N=3, D=4, H=5, C=3)
    two_layer_case(out, "ex04/net1", 403, N=1, D=3, H=4, C=2)
    # exercise 5
    softmax_case(out, "ex05/small", 501, N=4, D=5)
    softmax_case(out, "ex05/large", 502, N=3, D=6, scale=1000.0, backward=False)
    softmax_case(out, "ex05/dloss", 503, N=5, D=3, dloss=0.5, backward=False)
    # exercise 9
    pool_case(out, "ex09/overlap", 901, (2, 2, 7, 7), 3, 2)           # AlexNet-style 3x3, stride 2
    pool_case(out, "ex09/pad", 902, (1, 3, 6, 5), 3, 2, P=1)          # padding 1
    pool_case(out, "ex09/plain", 903, (2, 1, 4, 6), 2, 2)             # 2x2, stride 2
    ties = [[1, 1, 2, 2], [1, 0, 2, 2], [0, 3, 3, 0], [3, 3, 0, 0]]   # every window has ties
    pool_case(out, "ex09/ties", 904, (1, 1, 4, 4), 2, 2, values=ties, avg=False)

"""data_conv.py — the data of exercises 1, 7, 8 and 11 (sizes, convolution, im2col), by PyTorch.

Contract: every expected value here comes from PyTorch (torch.nn.functional.conv2d / max_pool2d
/ unfold, autograd, nn.Conv2d / nn.Linear parameter counts), computed in float64 from inputs drawn
with a fixed seed and saved as float32 (golden_io.save). Integer tables (sizes, counts) are saved
as float32 too; every value is below 2^24, so it is exact. The case functions take the output
folder, a name prefix, a seed and the layer's settings, so exercises/hidden/data_conv.py reuses
them with other shapes and seeds.

Files (NAME is a case name chosen by the caller):
  ex01/conv_sizes     rows [H, W, FH, FW, S, P, D, H2, W2]       (PyTorch's conv2d output size)
  ex01/conv_refused   rows [H, W, FH, FW, S, P, D]               (the stride does not fit an axis)
  ex01/pool_sizes     rows [H, W, F, S, P, ceil, H2, W2]         (PyTorch's max_pool2d)
  ex01/conv_params    rows [C, K, F, groups, bias, count]        (nn.Conv2d's parameters)
  ex01/linear_params  rows [D_in, D_out, bias, count]            (nn.Linear's parameters)
  ex07/NAME_{x,w,b,p,y}          p = [S, P, D, G]; b only with a bias
  ex08/NAME_{x,w,p,dy,dx,dw,db}  gradients of sum(y * dy) by autograd; db only with a bias
  ex11/NAME_{x,p,cols}           p = [FH, FW, S, P, D]; cols = unfold(x)  [N, C*FH*FW, H2*W2]
  ex11/NAME_{x,w,b,p,y}          conv2d cases as in ex07
  ex11/matmul_{a,b,c}            c = a @ b
"""
import numpy as np
import torch
import torch.nn.functional as F

from golden_io import rng, save


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _conv_inputs(seed, N, C, H, W, K, FH, FW, G, bias):
    r = rng(seed)
    x = r.standard_normal((N, C, H, W)).astype(np.float32)
    w = (r.standard_normal((K, C // G, FH, FW)) * 0.5).astype(np.float32)
    b = r.standard_normal(K).astype(np.float32) if bias else None
    return x, w, b


def conv_forward_case(out, prefix, seed, N, C, H, W, K, FH, FW, S=1, P=0, D=1, G=1, bias=True):
    """Saves prefix_{x,w,b,p,y}: y = conv2d(x, w, b) with stride S, padding P, dilation D."""
    x, w, b = _conv_inputs(seed, N, C, H, W, K, FH, FW, G, bias)
    y = F.conv2d(_t(x), _t(w), None if b is None else _t(b), stride=S, padding=P, dilation=D,
                 groups=G)
    save(out, prefix + "_x", x)
    save(out, prefix + "_w", w)
    if b is not None:
        save(out, prefix + "_b", b)
    save(out, prefix + "_p", [S, P, D, G])
    save(out, prefix + "_y", y.detach().numpy())


def conv_backward_case(out, prefix, seed, N, C, H, W, K, FH, FW, S=1, P=0, D=1, G=1, bias=True):
    """Saves prefix_{x,w,p,dy,dx,dw,db}: PyTorch autograd's gradients of L = sum(y * dy)."""
    x, w, b = _conv_inputs(seed, N, C, H, W, K, FH, FW, G, bias)
    xt, wt = _t(x, True), _t(w, True)
    bt = None if b is None else _t(b, True)
    y = F.conv2d(xt, wt, bt, stride=S, padding=P, dilation=D, groups=G)
    dy = rng(seed + 1000).standard_normal(tuple(y.shape)).astype(np.float32)
    (y * _t(dy)).sum().backward()
    save(out, prefix + "_x", x)
    save(out, prefix + "_w", w)
    save(out, prefix + "_p", [S, P, D, G])
    save(out, prefix + "_dy", dy)
    save(out, prefix + "_dx", xt.grad.numpy())
    save(out, prefix + "_dw", wt.grad.numpy())
    if bt is not None:
        save(out, prefix + "_db", bt.grad.numpy())


def unfold_case(out, prefix, seed, N, C, H, W, FH, FW, S=1, P=0, D=1):
    """Saves prefix_{x,p,cols}: cols = torch.nn.functional.unfold(x), [N, C*FH*FW, H2*W2]."""
    x = rng(seed).standard_normal((N, C, H, W)).astype(np.float32)
    cols = F.unfold(_t(x), (FH, FW), dilation=D, padding=P, stride=S)
    save(out, prefix + "_x", x)
    save(out, prefix + "_p", [FH, FW, S, P, D])
    save(out, prefix + "_cols", cols.numpy())


def matmul_case(out, prefix, seed, M, K, N):
    r = rng(seed)
    a = r.standard_normal((M, K)).astype(np.float32)
    b = r.standard_normal((K, N)).astype(np.float32)
    save(out, prefix + "_a", a)
    save(out, prefix + "_b", b)
    save(out, prefix + "_c", (_t(a) @ _t(b)).numpy())


def _fits(size, f, s, p, d):
    span = d * (f - 1) + 1
    return size + 2 * p >= span and (size + 2 * p - span) % s == 0


def conv_size_tables(out, prefix, seed, count):
    """Random conv settings; rows that fit both axes go to prefix_sizes with PyTorch's output
    size, rows where the stride does not fit one axis (PyTorch would round down) to
    prefix_refused."""
    r = rng(seed)
    sizes, refused = [], []
    while len(sizes) < count or len(refused) < count // 2:
        H, W = int(r.integers(3, 40)), int(r.integers(3, 40))
        FH, FW = int(r.integers(1, 8)), int(r.integers(1, 8))
        S, D = int(r.integers(1, 5)), int(r.choice([1, 1, 2, 3]))
        span = D * (max(FH, FW) - 1) + 1
        P = int(r.integers(0, min(span, 4) + 1))
        if H + 2 * P < D * (FH - 1) + 1 or W + 2 * P < D * (FW - 1) + 1:
            continue  # the filter does not fit at all: PyTorch refuses too
        if _fits(H, FH, S, P, D) and _fits(W, FW, S, P, D):
            if len(sizes) < count:
                y = F.conv2d(torch.zeros(1, 1, H, W), torch.zeros(1, 1, FH, FW), stride=S,
                             padding=P, dilation=D)
                sizes.append([H, W, FH, FW, S, P, D, y.shape[2], y.shape[3]])
        elif len(refused) < count // 2:
            refused.append([H, W, FH, FW, S, P, D])
    save(out, prefix + "_sizes", sizes)
    save(out, prefix + "_refused", refused)


def pool_size_table(out, name, seed, count):
    """Random pooling settings (padding at most F/2, as PyTorch requires) and PyTorch's size."""
    r = rng(seed)
    rows = []
    while len(rows) < count:
        H, W = int(r.integers(2, 40)), int(r.integers(2, 40))
        Fk = int(r.integers(1, 6))
        S = int(r.integers(1, 5))
        P = int(r.integers(0, Fk // 2 + 1))
        ceil = int(r.integers(0, 2))
        if H + 2 * P < Fk or W + 2 * P < Fk:
            continue
        y = F.max_pool2d(torch.zeros(1, 1, H, W), Fk, stride=S, padding=P, ceil_mode=bool(ceil))
        rows.append([H, W, Fk, S, P, ceil, y.shape[2], y.shape[3]])
    save(out, name, rows)


def param_tables(out, prefix, seed, count):
    """Random conv and linear layers and the parameter counts PyTorch's modules have."""
    r = rng(seed)
    conv = []
    while len(conv) < count:
        G = int(r.choice([1, 1, 2, 3, 4]))
        C, K, Fk = G * int(r.integers(1, 17)), G * int(r.integers(1, 17)), int(r.integers(1, 8))
        bias = int(r.integers(0, 2))
        m = torch.nn.Conv2d(C, K, Fk, groups=G, bias=bool(bias))
        conv.append([C, K, Fk, G, bias, sum(p.numel() for p in m.parameters())])
    linear = []
    while len(linear) < count:
        D_in, D_out, bias = int(r.integers(1, 600)), int(r.integers(1, 600)), int(r.integers(0, 2))
        m = torch.nn.Linear(D_in, D_out, bias=bool(bias))
        linear.append([D_in, D_out, bias, sum(p.numel() for p in m.parameters())])
    save(out, prefix + "conv_params", conv)
    save(out, prefix + "linear_params", linear)


def make(out):
    torch.manual_seed(0)
    # Exercise 1: sizes and parameter counts.
    conv_size_tables(out, "ex01/conv", 101, 24)
    pool_size_table(out, "ex01/pool_sizes", 102, 24)
    param_tables(out, "ex01/", 103, 16)

    # Exercise 7: conv2d forward. The lecture's 7x7 input with a 3x3 filter, three ways.
    conv_forward_case(out, "ex07/lecture_s1", 701, 1, 1, 7, 7, 1, 3, 3, S=1, bias=False)
    conv_forward_case(out, "ex07/lecture_s2", 701, 1, 1, 7, 7, 1, 3, 3, S=2, bias=False)
    conv_forward_case(out, "ex07/lecture_p1", 701, 1, 1, 7, 7, 1, 3, 3, P=1, bias=False)
    conv_forward_case(out, "ex07/bias", 702, 1, 1, 5, 5, 2, 3, 3)
    conv_forward_case(out, "ex07/multi", 703, 2, 3, 8, 7, 4, 3, 3)
    conv_forward_case(out, "ex07/stride2_pad1", 704, 2, 3, 7, 7, 4, 3, 3, S=2, P=1)
    conv_forward_case(out, "ex07/dilation2", 705, 1, 2, 9, 9, 3, 3, 3, D=2)
    conv_forward_case(out, "ex07/groups2", 706, 2, 4, 6, 6, 6, 3, 3, P=1, G=2)

    # Exercise 8: conv2d backward (dL/dx, dL/dw, dL/db for a given dL/dy).
    conv_backward_case(out, "ex08/lecture_s1", 801, 1, 1, 7, 7, 1, 3, 3)
    conv_backward_case(out, "ex08/multi", 802, 2, 3, 6, 5, 4, 3, 3)
    conv_backward_case(out, "ex08/stride2_pad1", 803, 2, 3, 7, 7, 4, 3, 3, S=2, P=1)
    conv_backward_case(out, "ex08/dilation2", 804, 1, 2, 9, 9, 3, 3, 3, D=2, bias=False)
    conv_backward_case(out, "ex08/groups2", 805, 2, 4, 6, 6, 6, 3, 3, P=1, G=2)

    # Exercise 11: im2col (unfold), matmul, conv as im2col + GEMM.
    unfold_case(out, "ex11/lecture", 1101, 1, 1, 7, 7, 3, 3)
    unfold_case(out, "ex11/batch_s2p1", 1102, 2, 3, 7, 7, 3, 3, S=2, P=1)
    unfold_case(out, "ex11/dilation2", 1103, 1, 2, 9, 9, 3, 3, D=2)
    matmul_case(out, "ex11/matmul", 1104, 5, 7, 3)
    conv_forward_case(out, "ex11/conv_bias", 1105, 2, 3, 8, 8, 4, 3, 3)
    conv_forward_case(out, "ex11/conv_s2p1", 1106, 2, 3, 9, 9, 5, 3, 3, S=2, P=1, bias=False)
    conv_forward_case(out, "ex11/conv_groups2", 1107, 1, 4, 7, 7, 6, 3, 3, P=1, G=2)

"""data_layers.py (hidden) — PyTorch's results for the hidden checks of exercises 3, 4, 5, 9.

Contract: reuses the visible case functions (exercises/tools/data_layers.py) with other seeds,
shapes and edge cases: N = 1 and D_out = 1, larger layers, extreme activations, a hidden unit
whose pre-activation is exactly 0, rows of equal logits, one dominating class, ceil mode,
windows of stride 1 and non-square inputs.
"""
import data_layers as d


def make(out):
    # exercise 3
    d.linear_case(out, "ex03/h_one", 3311, N=1, Din=4, Dout=1, bias=True)
    d.linear_case(out, "ex03/h_wide", 3312, N=7, Din=9, Dout=6, bias=False)
    d.linear_case(out, "ex03/h_big", 3313, N=16, Din=33, Dout=10, bias=True)
    # exercise 4
    d.activation_case(out, "ex04/h_act", 4411, (3, 7), scale=60.0, zeros=3)
    d.activation_case(out, "ex04/h_act1", 4412, (1, 1, 1, 9), scale=0.5, zeros=2)
    d.two_layer_case(out, "ex04/h_net", 4413, N=6, D=2, H=7, C=4, zero_row=True)
    d.two_layer_case(out, "ex04/h_net1", 4414, N=2, D=8, H=3, C=1)
    # exercise 5
    d.softmax_case(out, "ex05/h_one", 5511, N=1, D=10)
    d.softmax_case(out, "ex05/h_equal", 5512, N=3, D=4,
                   rows=[[3, 3, 3, 3], [0, 0, 0, 0], [-1000, -1000, -1000, -1000]])
    d.softmax_case(out, "ex05/h_dominant", 5513, N=3, D=3,
                   rows=[[1000, 0, 0], [0, 0, 500], [-20, 60, -20]])
    d.softmax_case(out, "ex05/h_offset", 5514, N=4, D=7, scale=5.0, offset=3000.0)
    d.softmax_case(out, "ex05/h_wide", 5515, N=9, D=31, scale=8.0, dloss=2.5)
    # exercise 9
    d.pool_case(out, "ex09/h_ceil", 9911, (1, 2, 7, 7), 2, 2, ceil=True)
    d.pool_case(out, "ex09/h_ceilpad", 9912, (2, 1, 8, 9), 3, 2, P=1, ceil=True)
    d.pool_case(out, "ex09/h_stride1", 9913, (1, 2, 5, 5), 2, 1)
    d.pool_case(out, "ex09/h_rect", 9914, (1, 1, 5, 11), 3, 3)
    d.pool_case(out, "ex09/h_batch", 9915, (3, 4, 6, 6), 2, 2)

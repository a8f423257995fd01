"""data_conv.py (hidden) — the instructor-only data of exercises 1, 7, 8 and 11, by PyTorch.

Reuses the case functions of the visible module (exercises/tools/data_conv.py) with other
seeds, shapes and edge cases: non-square filters, stride 3, 1x1 filters, batch 3, every setting
at once, ceil-mode pooling whose last window is dropped. Files as described there, under
exercises/hidden/data/.
"""
import torch
import torch.nn.functional as F

import data_conv as v
from golden_io import save


def make(out):
    torch.manual_seed(1)
    # Exercise 1: more random sizes and counts (other seeds, more rows).
    v.conv_size_tables(out, "ex01/h_conv", 9101, 40)
    v.pool_size_table(out, "ex01/h_pool_sizes", 9102, 40)
    v.param_tables(out, "ex01/h_", 9103, 24)
    # Pooling edge cases: ceil mode where PyTorch drops the last window (it would start in the
    # right padding), and windows that just fit. Rows [H, W, F, S, P, ceil, H2, W2].
    rows = []
    for H, W, Fk, S, P, ceil in [(5, 5, 2, 2, 1, 1), (6, 9, 3, 2, 1, 1), (7, 3, 3, 3, 1, 1),
                                 (3, 3, 3, 1, 0, 1), (4, 11, 4, 3, 2, 1), (10, 10, 5, 4, 2, 1),
                                 (2, 2, 2, 3, 0, 1), (8, 13, 3, 4, 0, 0)]:
        y = F.max_pool2d(torch.zeros(1, 1, H, W), Fk, stride=S, padding=P, ceil_mode=bool(ceil))
        rows.append([H, W, Fk, S, P, ceil, y.shape[2], y.shape[3]])
    save(out, "ex01/h_pool_edges", rows)

    # Exercise 7: other shapes.
    v.conv_forward_case(out, "ex07/h_nonsquare", 9701, 3, 2, 10, 6, 5, 3, 1, P=1)
    v.conv_forward_case(out, "ex07/h_1x1", 9702, 2, 5, 4, 4, 3, 1, 1, bias=False)
    v.conv_forward_case(out, "ex07/h_everything", 9703, 2, 6, 11, 11, 4, 3, 3, S=2, P=2, D=2, G=2)
    v.conv_forward_case(out, "ex07/h_stride3", 9704, 1, 1, 8, 8, 2, 2, 2, S=3)
    v.conv_forward_case(out, "ex07/h_depthwise", 9705, 1, 4, 6, 6, 4, 3, 3, P=1, G=4)

    # Exercise 8: other shapes; with stride 3 and a 2x2 filter, rows 2 and 5 of the input are
    # never read, so their gradient must be exactly 0.
    v.conv_backward_case(out, "ex08/h_stride3", 9801, 2, 2, 8, 8, 3, 2, 2, S=3)
    v.conv_backward_case(out, "ex08/h_everything", 9802, 2, 6, 11, 11, 4, 3, 3, S=2, P=2, D=2,
                         G=2)
    v.conv_backward_case(out, "ex08/h_nonsquare", 9803, 3, 2, 10, 6, 5, 3, 1, P=1, bias=False)
    v.conv_backward_case(out, "ex08/h_1x1", 9804, 2, 5, 4, 4, 3, 1, 1)

    # Exercise 11: other shapes.
    v.unfold_case(out, "ex11/h_nonsquare_s3", 9901, 2, 3, 9, 10, 2, 3, S=3, P=1)
    v.unfold_case(out, "ex11/h_unfold_1x1", 9902, 1, 4, 5, 6, 1, 1)
    v.matmul_case(out, "ex11/h_matmul_row", 9903, 1, 9, 4)
    v.matmul_case(out, "ex11/h_matmul_col", 9904, 6, 5, 1)
    v.conv_forward_case(out, "ex11/h_everything", 9905, 2, 6, 11, 11, 4, 3, 3, S=2, P=2, D=2,
                        G=2)
    v.conv_forward_case(out, "ex11/h_batch3", 9906, 3, 2, 10, 6, 5, 3, 1, P=1, bias=False)
    v.conv_forward_case(out, "ex11/h_1x1", 9907, 2, 5, 4, 4, 3, 1, 1)

#!/usr/bin/env python3
"""PyTorch's output sizes for a table of convolution and pooling settings.

Prints one line per case: kind H F S P D rule -> H2, where H2 is the output height PyTorch
gives for a 1 x 1 x H x H input (nn.functional.conv2d with a 1 x 1 x F x F filter, or
max_pool2d with ceil_mode = rule == "ceil"). conv2d and pooling round down ("floor") unless
ceil_mode is set; cnnlab's default rule ("exact") refuses the cases whose (H + 2P - D(F-1) - 1)
is not a multiple of S, and the line says "tiles: no" for them.

tests/test_output_size.cpp restates these numbers (PyTorch 1.13). Run it with
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 tests/cli/torch_output_sizes.py
"""
import torch
import torch.nn.functional as F

# (kind, H, F, S, P, D, rule); kind "conv" or "pool" (max pooling, D = 1).
CASES = [
    # the lecture's 7x7 input with a 3x3 filter
    ("conv", 7, 3, 1, 0, 1, "floor"),
    ("conv", 7, 3, 2, 0, 1, "floor"),
    ("conv", 7, 3, 3, 0, 1, "floor"),  # "doesn't fit!"
    ("conv", 7, 3, 1, 1, 1, "floor"),
    # ResNet-18: the stem, the 3x3 stride-2 downsampling, the 1x1 stride-2 projection
    ("conv", 224, 7, 2, 3, 1, "floor"),
    ("conv", 56, 3, 2, 1, 1, "floor"),
    ("conv", 56, 1, 2, 0, 1, "floor"),
    ("conv", 28, 3, 2, 1, 1, "floor"),
    ("conv", 28, 1, 2, 0, 1, "floor"),
    ("conv", 14, 3, 2, 1, 1, "floor"),
    ("conv", 14, 1, 2, 0, 1, "floor"),
    # AlexNet's CONV1 (tiles), and on a 224 input (the paper's famous typo)
    ("conv", 227, 11, 4, 0, 1, "floor"),
    ("conv", 224, 11, 4, 2, 1, "floor"),
    # dilation
    ("conv", 10, 3, 2, 0, 2, "floor"),
    ("conv", 11, 3, 3, 1, 2, "floor"),
    # ResNet-18's max pool 3x3 stride 2 padding 1: 112 -> 56
    ("pool", 112, 3, 2, 1, 1, "floor"),
    # GoogLeNet's pools (ceil_mode=True in torchvision): 112 -> 56, 56 -> 28, 28 -> 14, 14 -> 7
    ("pool", 112, 3, 2, 0, 1, "floor"),
    ("pool", 112, 3, 2, 0, 1, "ceil"),
    ("pool", 56, 3, 2, 0, 1, "floor"),
    ("pool", 56, 3, 2, 0, 1, "ceil"),
    ("pool", 28, 3, 2, 0, 1, "ceil"),
    ("pool", 14, 2, 2, 0, 1, "ceil"),
    ("pool", 14, 3, 2, 0, 1, "ceil"),
    # AlexNet's pools (tile), the X/O network's 7 -> 4 in ceil mode
    ("pool", 55, 3, 2, 0, 1, "floor"),
    ("pool", 27, 3, 2, 0, 1, "floor"),
    ("pool", 7, 2, 2, 0, 1, "floor"),
    ("pool", 7, 2, 2, 0, 1, "ceil"),
    # ceil mode: a last window that would start in the padding is dropped
    ("pool", 6, 3, 2, 1, 1, "ceil"),
    ("pool", 5, 2, 2, 1, 1, "ceil"),
]


def main():
    print(f"# torch {torch.__version__}")
    for kind, H, Fk, S, P, D, rule in CASES:
        x = torch.zeros(1, 1, H, H)
        if kind == "conv":
            y = F.conv2d(x, torch.zeros(1, 1, Fk, Fk), stride=S, padding=P, dilation=D)
        else:
            y = F.max_pool2d(x, Fk, stride=S, padding=P, ceil_mode=(rule == "ceil"))
        tiles = (H + 2 * P - D * (Fk - 1) - 1) % S == 0
        print(f"{kind} H={H} F={Fk} S={S} P={P} D={D} {rule} -> {y.shape[2]}"
              f"  tiles: {'yes' if tiles else 'no'}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""torch_architectures.py — the famous architectures of models/*.json built in plain torch.nn,
to confirm the parameter totals and output sizes that tests/test_architectures.cpp asserts.

Run once by hand (torchvision is not needed; every net is written out here):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 tests/cli/torch_architectures.py

It prints, for each net, every layer's output shape [C, H, W] (batch 1) and parameter count,
and the totals: parameters (weights and biases; batch-norm gamma and beta, not its running
statistics) and activations the cnnlab way (input + every layer output except ReLU, which works
in place, and Flatten, a view; LRN and dropout outputs count, as cnnlab keeps them).
The numbers in tests/test_architectures.cpp that say "PyTorch" come from this script's output
(pasted in bench/RESULTS.md and docs/architectures.md). No expected value here comes from
cnnlab.
"""
import torch
import torch.nn as nn


def lrn():  # AlexNet's NORM: size 5, alpha 1e-4, beta 0.75, k 2
    return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)


def alexnet(groups=1, with_lrn=True, dropout=True):
    g = groups
    layers = [nn.Conv2d(3, 96, 11, stride=4), nn.ReLU()]
    if with_lrn:
        layers.append(lrn())
    layers += [nn.MaxPool2d(3, 2), nn.Conv2d(96, 256, 5, padding=2, groups=g), nn.ReLU()]
    if with_lrn:
        layers.append(lrn())
    layers += [
        nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1, groups=g), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=g), nn.ReLU(),
        nn.MaxPool2d(3, 2), nn.Flatten()]
    if dropout:
        layers.append(nn.Dropout(0.5))
    layers += [nn.Linear(256 * 6 * 6, 4096), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(0.5))
    layers += [nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers), (3, 227, 227)


def zfnet():
    # Zeiler & Fergus 2014, Fig. 3 geometry (224 input, conv1 7x7/2 -> 110, pool 3x3/2 -> 55,
    # conv2 5x5/2 -> 26, pool -> 13, pool -> 6) with the lecture's wider conv3,4,5 (512, 1024,
    # 512: the paper's Table 2 variant). conv1 pad 1 rounds down (floor); pools 1 and 2 round up.
    layers = [
        nn.Conv2d(3, 96, 7, stride=2, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, 2, ceil_mode=True), lrn(),
        nn.Conv2d(96, 256, 5, stride=2), nn.ReLU(),
        nn.MaxPool2d(3, 2, ceil_mode=True), lrn(),
        nn.Conv2d(256, 512, 3, padding=1), nn.ReLU(),
        nn.Conv2d(512, 1024, 3, padding=1), nn.ReLU(),
        nn.Conv2d(1024, 512, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(512 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
        nn.Linear(4096, 1000)]
    return nn.Sequential(*layers), (3, 224, 224)


def vgg16():
    layers, c = [], 3
    for k, n in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(n):
            layers += [nn.Conv2d(c, k, 3, padding=1), nn.ReLU()]
            c = k
        layers.append(nn.MaxPool2d(2, 2))
    layers += [nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers), (3, 224, 224)


class Inception(nn.Module):
    """Szegedy et al. 2014, Fig. 2(b): four branches concatenated on channels."""

    def __init__(self, c, n1, r3, n3, r5, n5, pp):
        super().__init__()
        self.b1 = nn.Sequential(nn.Conv2d(c, n1, 1), nn.ReLU())
        self.b2 = nn.Sequential(nn.Conv2d(c, r3, 1), nn.ReLU(), nn.Conv2d(r3, n3, 3, padding=1),
                                nn.ReLU())
        self.b3 = nn.Sequential(nn.Conv2d(c, r5, 1), nn.ReLU(), nn.Conv2d(r5, n5, 5, padding=2),
                                nn.ReLU())
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, padding=1), nn.Conv2d(c, pp, 1), nn.ReLU())

    def forward(self, x):
        return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)


# GoogLeNet's Table 1 rows: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
GOOGLENET_TABLE = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128), "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128)}


def googlenet():
    # Table 1 without the auxiliary classifiers; the LRN layers of Fig. 3's stem; pools round up
    # (ceil_mode), as torchvision's GoogLeNet does, to get 112 -> 56 -> 28 -> 14 -> 7.
    def inc(c, name):
        return Inception(c, *GOOGLENET_TABLE[name])

    layers = [
        nn.Conv2d(3, 64, 7, stride=2, padding=3), nn.ReLU(),
        nn.MaxPool2d(3, 2, ceil_mode=True), lrn(),
        nn.Conv2d(64, 64, 1), nn.ReLU(),
        nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(), lrn(),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        inc(192, "3a"), inc(256, "3b"), nn.MaxPool2d(3, 2, ceil_mode=True),
        inc(480, "4a"), inc(512, "4b"), inc(512, "4c"), inc(512, "4d"), inc(528, "4e"),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        inc(832, "5a"), inc(832, "5b"),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.4), nn.Linear(1024, 1000)]
    return nn.Sequential(*layers), (3, 224, 224)


class BasicBlock(nn.Module):
    """He et al. 2015: conv3x3-BN-ReLU-conv3x3-BN, plus the input (a 1x1 projection with BN
    when the shape changes), then ReLU. Convolutions without bias, as torchvision's."""

    def __init__(self, c, k, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c, k, 3, stride, 1, bias=False), nn.BatchNorm2d(k), nn.ReLU(),
            nn.Conv2d(k, k, 3, 1, 1, bias=False), nn.BatchNorm2d(k))
        self.shortcut = nn.Identity()
        if stride != 1 or c != k:
            self.shortcut = nn.Sequential(nn.Conv2d(c, k, 1, stride, bias=False),
                                          nn.BatchNorm2d(k))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


def resnet18():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
              nn.MaxPool2d(3, 2, 1)]
    c = 64
    for k, s in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [BasicBlock(c, k, s), BasicBlock(k, k, 1)]
        c = k
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000)]
    return nn.Sequential(*layers), (3, 224, 224)


def report(name, make):
    net, chw = make()
    x = torch.zeros(1, *chw)
    total_params = sum(p.numel() for p in net.parameters())
    acts = x.numel()
    print(f"== {name}: input {list(chw)}")
    with torch.no_grad():
        for i, layer in enumerate(net):
            x = layer(x)
            p = sum(q.numel() for q in layer.parameters())
            kept = not isinstance(layer, (nn.ReLU, nn.Flatten))
            if kept:
                acts += x.numel()
            print(f"  {i + 1:2d} {type(layer).__name__:18s} {str(list(x.shape[1:])):18s} "
                  f"params {p:>11,d}{'' if kept else '  (not kept)'}")
    print(f"  total parameters {total_params:,d}; activations per image {acts:,d}")
    return total_params


if __name__ == "__main__":
    report("alexnet (one column, with LRN)", lambda: alexnet(1))
    report("alexnet_grouped (conv2, conv4, conv5 with groups 2)", lambda: alexnet(2))
    report("zfnet", zfnet)
    report("vgg16", vgg16)
    report("googlenet (no auxiliary classifiers)", googlenet)
    report("resnet18", resnet18)
    # The paper's Table 1 counts weights only, in units of 1024 ("159K" = 163,328 / 1024).
    print("== GoogLeNet Table 1 'params' (weights only, no biases, / 1024):")
    c_in = {"3a": 192, "3b": 256, "4a": 480, "4b": 512, "4c": 512, "4d": 512, "4e": 528,
            "5a": 832, "5b": 832}
    for name, (n1, r3, n3, r5, n5, pp) in GOOGLENET_TABLE.items():
        c = c_in[name]
        w = c * n1 + c * r3 + r3 * n3 * 9 + c * r5 + r5 * n5 * 25 + c * pp
        print(f"  inception ({name}): {w:,d} weights = {w / 1024:.1f}K; out {n1 + n3 + n5 + pp}")

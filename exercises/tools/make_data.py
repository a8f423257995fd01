#!/usr/bin/env python3
"""make_data.py — writes the visible checks' data (exercises/data/) with PyTorch.

    env -u OPENBLAS_CORETYPE python3 exercises/tools/make_data.py

Runs make(out_dir) of every exercises/tools/data_*.py module (one per group of exercises). The
files are committed: students and CI need neither PyTorch nor this script. The instructor's
hidden data has its own script, exercises/hidden/make_data.py (not in the student kit).
"""
import glob
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402  (checked here so a missing PyTorch fails with a clear message)

torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False


def main():
    out = os.path.join(os.path.dirname(HERE), "data")
    for path in sorted(glob.glob(os.path.join(HERE, "data_*.py"))):
        module = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
        module.make(out)
        print("wrote the data of", os.path.basename(path))


if __name__ == "__main__":
    main()

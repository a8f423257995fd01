#!/usr/bin/env python3
"""make_data.py (hidden) — writes the instructor-only checks' data (exercises/hidden/data/).

    env -u OPENBLAS_CORETYPE python3 exercises/hidden/make_data.py

Runs make(out_dir) of every exercises/hidden/data_*.py module. Those modules reuse the case
functions of the visible ones (exercises/tools/data_*.py) with other shapes, seeds and edge
cases. This folder never enters the student kit.
"""
import glob
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The visible modules (exercises/tools/data_*.py) come first on the path, so that a hidden module
# `import data_conv` gets the visible case functions, not itself.
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))

import torch  # noqa: E402

torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False


def main():
    out = os.path.join(HERE, "data")
    for path in sorted(glob.glob(os.path.join(HERE, "data_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location("hidden_" + name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.make(out)
        print("wrote the hidden data of", os.path.basename(path))


if __name__ == "__main__":
    main()

"""golden_io.py — how the data scripts write the checks' expected values.

Contract: every expected value a check compares against is computed here by PyTorch (or NumPy)
from inputs drawn with a fixed seed, and saved as a float32 .npy file under
<out>/<exercise folder>/<name>.npy; the grader loads it with golden("exNN/name"). Nothing here
calls cnnlab: the expected values come from an independent implementation.
"""
import os

import numpy as np


def rng(seed):
    """A NumPy generator for one case's inputs (the same numbers on every machine)."""
    return np.random.default_rng(seed)


def save(out_dir, name, array):
    """Writes `array` as float32 C-order to <out_dir>/<name>.npy (name may contain one folder)."""
    path = os.path.join(out_dir, name + ".npy")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    a = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
    np.save(path, a)

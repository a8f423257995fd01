#!/usr/bin/env python3
"""numpy_conv2d.py — `cnnlab op conv2d` against a direct NumPy computation.

NumPy writes the inputs (float64, float32, big-endian float32 and int64 on purpose, to exercise
load_npy's conversions), `cnnlab op conv2d` runs forward and backward, and NumPy checks y, dx,
dw and db against the lecture's formula computed with plain loops over output positions:

    y[n, k, i, j] = b[k] + sum_{c, a, e} x_pad[n, c, i*S + a*D, j*S + e*D] * w[k, c, a, e]

usage: numpy_conv2d.py CNNLAB WORKDIR     (exit 0 and "OK maxdiff=..." on success)
"""
import os
import shutil
import subprocess
import sys

import numpy as np


def conv2d(x, w, b, S, P, D):
    """Forward and a function for the backward pass, by direct loops (float64)."""
    N, C, H, W = x.shape
    K, _, F, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    H2 = (H + 2 * P - D * (F - 1) - 1) // S + 1
    W2 = (W + 2 * P - D * (F - 1) - 1) // S + 1
    span = D * (F - 1) + 1
    y = np.zeros((N, K, H2, W2))
    for i in range(H2):
        for j in range(W2):
            patch = xp[:, :, i * S:i * S + span:D, j * S:j * S + span:D]
            y[:, :, i, j] = np.einsum("ncae,kcae->nk", patch, w) + b

    def backward(dy):
        dxp = np.zeros_like(xp)
        dw = np.zeros_like(w)
        for i in range(H2):
            for j in range(W2):
                patch = xp[:, :, i * S:i * S + span:D, j * S:j * S + span:D]
                dw += np.einsum("ncae,nk->kcae", patch, dy[:, :, i, j])
                dxp[:, :, i * S:i * S + span:D, j * S:j * S + span:D] += np.einsum(
                    "kcae,nk->ncae", w, dy[:, :, i, j])
        return dxp[:, :, P:P + H, P:P + W], dw, dy.sum(axis=(0, 2, 3))

    return y, backward


def main():
    cnnlab, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rng = np.random.default_rng(7)
    S, P, D = 2, 1, 2
    x = rng.standard_normal((2, 3, 9, 9))                         # float64
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)      # float32
    b = rng.standard_normal(4).astype(">f4")                      # big-endian float32
    y_ref, backward = conv2d(x, w.astype(np.float64), b.astype(np.float64), S, P, D)
    dy = rng.integers(-3, 4, size=y_ref.shape).astype(np.int64)  # int64
    paths = {}
    for name, value in (("x", x), ("w", w), ("b", b), ("dy", dy)):
        paths[name] = os.path.join(work, name + ".npy")
        np.save(paths[name], value)

    out = os.path.join(work, "out")
    subprocess.run([cnnlab, "op", "conv2d", "--x", paths["x"], "--w", paths["w"],
                    "--b", paths["b"], "--dy", paths["dy"], "--stride", str(S),
                    "--padding", str(P), "--dilation", str(D), "--out", out], check=True)

    dx_ref, dw_ref, db_ref = backward(dy.astype(np.float64))
    worst = 0.0
    for name, ref in (("y", y_ref), ("dx", dx_ref), ("dw", dw_ref), ("db", db_ref)):
        got = np.load(os.path.join(out, name + ".npy"))
        assert got.dtype == np.float32, f"{name}: dtype {got.dtype}, expected float32"
        assert got.shape == ref.shape, f"{name}: shape {got.shape}, expected {ref.shape}"
        err = float(np.max(np.abs(got - ref)) / max(1.0, float(np.max(np.abs(ref)))))
        print(f"{name} {list(got.shape)} maxdiff={err:.2e}")
        assert err < 1e-5, f"{name}: relative error {err} too large"
        worst = max(worst, err)
    print(f"OK maxdiff={worst:.2e}")


if __name__ == "__main__":
    main()

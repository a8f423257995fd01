#!/usr/bin/env python3
"""bench/train_compare.py — LeNet-5 training throughput, cnnlab next to PyTorch, in one run.

Both train the same network (LeNet-5: conv 6@5x5 pad 2, ReLU, 2x2 max pool, conv 16@5x5, ReLU,
pool, FC 120, FC 84, FC 10) on Fashion-MNIST (Debian's dataset-fashion-mnist), batch 64, SGD
with momentum 0.9, learning rate 0.05, constant schedule, for two epochs, with the same number
of threads. The figure is images per second of the SECOND epoch (the first one warms caches,
allocators and oneDNN's kernel choices), training only (the test pass is not timed):

  cnnlab        `cnnlab train` itself (reads metrics.json: images_per_second of epoch 2)
  torch-loader  the idiomatic PyTorch loop: TensorDataset + DataLoader(shuffle=True)
  torch-slices  a leaner PyTorch loop: the whole set as one tensor, a random permutation,
                batches by slicing (no DataLoader)

Both PyTorch loops normalise with the same mean/std and count accuracy per batch like cnnlab's
loop does. Ratio = cnnlab / PyTorch (above 1: cnnlab is faster).

    /usr/bin/python3 bench/train_compare.py [--cnnlab build/tools/cnnlab] [--threads 2]
                                            [--epochs 2] [--backend openmp]
                                            [--isa avx512|avx2|portable]

Both run with fixed glibc malloc thresholds (bench_common.STEADY_MALLOC; this script re-runs
itself with them set), as in compare.py.

--isa (default: $CNNLAB_ISA) trains both on one instruction set: cnnlab with CNNLAB_ISA, PyTorch
in this script re-run with oneDNN, OpenBLAS and ATen capped (bench_common.ISAS) before torch is
imported; the first lines say what each side reported it ran.

A benchmark, not a test: it prints numbers and never fails on them.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no bench/__pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (ISAS, STEADY_MALLOC, cnnlab_kernel, isa_report,  # noqa: E402
                          probe_torch, steady_malloc_env, torch_isa_env)

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    import numpy as np
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def cnnlab_run(exe, threads, epochs, backend, isa):
    """(images/s of the last epoch, its test accuracy, wall seconds, the backend's description
    as `cnnlab train` printed it)."""
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        if isa is not None:
            env["CNNLAB_ISA"] = isa
        cmd = [exe, "train", "--epochs", str(epochs), "--batch-size", "64", "--lr", "0.05",
               "--schedule", "constant", "--warmup", "0", "--optimizer", "sgd",
               "--momentum", "0.9", "--backend", backend, "--out", out]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, check=True, env=env, stdout=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        with open(os.path.join(out, "metrics.json")) as f:
            m = json.load(f)
    last = m["epochs"][-1]
    described = [ln[len("Backend: "):] for ln in p.stdout.splitlines() if ln.startswith("Backend: ")]
    return last["images_per_second"], last["test_accuracy"], wall, (described or ["?"])[0]


def torch_run(threads, epochs, use_loader):
    import numpy as np
    import torch
    import torch.nn as nn

    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = read_idx(f"{DATA}/train-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = read_idx(f"{DATA}/train-labels-idx1-ubyte.gz").astype(np.int64)
    x = torch.from_numpy((x - 0.2860) / 0.3530).unsqueeze(1)
    y = torch.from_numpy(y)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    if use_loader:
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                             batch_size=64, shuffle=True)
    ips = 0.0
    for epoch in range(epochs):
        if use_loader:
            batches = loader
        else:
            perm = torch.randperm(len(x))
            batches = ((x[perm[i:i + 64]], y[perm[i:i + 64]]) for i in range(0, len(x), 64))
        seen, correct = 0, 0
        t0 = time.perf_counter()
        for xb, yb in batches:
            opt.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            opt.step()
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(yb)
            _ = float(loss)
        ips = seen / (time.perf_counter() - t0)
    model.eval()
    xt = read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    yt = torch.from_numpy(read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    with torch.no_grad():
        pred = model(torch.from_numpy((xt - 0.2860) / 0.3530).unsqueeze(1)).argmax(1)
    return ips, float((pred == yt).float().mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cnnlab", default="build/tools/cnnlab")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--backend", default="openmp")
    ap.add_argument("--isa", type=str.lower, default=os.environ.get("CNNLAB_ISA") or None,
                    help="one instruction set on both sides: " + ", ".join(ISAS) +
                    " (default: $CNNLAB_ISA, else each side's widest)")
    a = ap.parse_args()
    if a.isa is not None and a.isa not in ISAS:
        ap.error(f"--isa {a.isa}: choose one of " + ", ".join(ISAS))
    # PyTorch's libraries read their caps, and glibc its malloc settings, when loaded: run this
    # script again with them set (cnnlab train inherits them).
    if os.environ.get("CNNLAB_TRAIN_COMPARE_ENV") != str(a.isa):
        env = dict(torch_isa_env(a.isa, steady_malloc_env()), CNNLAB_TRAIN_COMPARE_ENV=str(a.isa))
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)
    ours, acc, wall, described = cnnlab_run(a.cnnlab, a.threads, a.epochs, a.backend, a.isa)
    ran = cnnlab_kernel([f"{a.backend}: {described}"], a.backend)  # "sgemm kernel avx2 6x16 ..."
    for line in isa_report(a.isa, probe_torch(dict(os.environ)), ran, dict(os.environ),
                           f"cnnlab train with CNNLAB_ISA={a.isa}"):
        print(line)
    print("glibc malloc: " + " ".join(f"{k}={os.environ[k]}" for k in STEADY_MALLOC) +
          " on both sides")
    loader, loader_acc = torch_run(a.threads, a.epochs, True)
    slices, slices_acc = torch_run(a.threads, a.epochs, False)
    import torch
    print(f"LeNet-5 on Fashion-MNIST, batch 64, SGD momentum 0.9, {a.threads} threads, "
          f"images/s of epoch {a.epochs} (PyTorch {torch.__version__})")
    print("| run | images/s | cnnlab / this | test accuracy after the run |")
    print("|---|---|---|---|")
    print(f"| cnnlab ({a.backend}) | {ours:,.0f} | 1.00 | {100 * acc:.2f} % |")
    print(f"| PyTorch, DataLoader | {loader:,.0f} | {ours / loader:.2f} | {100 * loader_acc:.2f} % |")
    print(f"| PyTorch, tensor slices | {slices:,.0f} | {ours / slices:.2f} | "
          f"{100 * slices_acc:.2f} % |")
    print(f"(the whole cnnlab command, loading and test passes included: {wall:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())

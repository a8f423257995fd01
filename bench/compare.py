#!/usr/bin/env python3
"""bench/compare.py — cnnlab next to PyTorch, measured side by side in one run.

Runs build/bench/cnnlab_bench --csv (our backends), then the same cases through PyTorch
(python3-torch from Debian: oneDNN for convolution, OpenBLAS for matmul) with the same thread
counts and the same timing rule (best of several runs after a warm-up), and prints one table:
case, direction, threads, ours, PyTorch, ratio (ours / PyTorch; above 1 means cnnlab is faster).

    /usr/bin/python3 bench/compare.py [--bench build/bench/cnnlab_bench] [--backend openmp]
                                      [--threads 1,2] [--only REGEX] [--min-time 1.0]

This is a benchmark, not a test: it prints numbers and never fails on them.
"""
import argparse
import csv
import io
import os
import re
import subprocess
import sys
import time

LAYERS = [  # name, N, C, H, W, K, F, S, P  (the same six layers as bench.cpp)
    ("lenet_c1", 64, 1, 28, 28, 6, 5, 1, 2),
    ("lenet_c2", 64, 6, 14, 14, 16, 5, 1, 0),
    ("cifar", 64, 3, 32, 32, 32, 3, 1, 1),
    ("vgg_mid", 8, 64, 56, 56, 64, 3, 1, 1),
    ("vgg_deep", 8, 256, 28, 28, 256, 3, 1, 1),
    ("alexnet_c1", 4, 3, 227, 227, 96, 11, 4, 0),
]


def best_time(fn, min_time):
    """Seconds of the fastest run, after one warm-up (the rule bench.cpp uses)."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first > min_time:
        return first
    best, total, reps = float("inf"), 0.0, 0
    while reps < 3 or total < min_time:
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        best, total, reps = min(best, t), total + t, reps + 1
    return best


def torch_results(threads, only, min_time):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    rows = []
    for t in threads:
        torch.set_num_threads(t)
        for name, N, C, H, W, K, Fs, S, P in LAYERS:
            if not only.search(name):
                continue
            x = torch.randn(N, C, H, W, requires_grad=True)
            w = torch.randn(K, C, Fs, Fs, requires_grad=True)
            b = torch.randn(K, requires_grad=True)
            with torch.no_grad():
                y = F.conv2d(x, w, b, stride=S, padding=P)
            flops = 2.0 * N * K * y.shape[2] * y.shape[3] * C * Fs * Fs
            dy = torch.randn_like(y)

            def fwd():
                with torch.no_grad():
                    F.conv2d(x, w, b, stride=S, padding=P)

            def fwdbwd():
                out = F.conv2d(x, w, b, stride=S, padding=P)
                torch.autograd.grad(out, (x, w, b), dy)  # all three passes, like ours

            tf = best_time(fwd, min_time)
            rows.append((name, "fwd", t, flops / tf * 1e-9, "GFLOP/s"))
            tb = best_time(fwdbwd, min_time)
            rows.append((name, "fwd+bwd", t, 3 * flops / tb * 1e-9, "GFLOP/s"))
        if only.search("sgemm2048"):
            a, bm = torch.randn(2048, 2048), torch.randn(2048, 2048)
            tm = best_time(lambda: torch.mm(a, bm), min_time)
            rows.append(("sgemm2048", "fwd", t, 2.0 * 2048**3 / tm * 1e-9, "GFLOP/s"))
        if only.search("maxpool"):
            x = torch.randn(64, 64, 56, 56)
            nbytes = (x.numel() + x.numel() // 4) * 4
            with torch.no_grad():
                tp = best_time(lambda: F.max_pool2d(x, 2, 2), min_time)
            rows.append(("maxpool", "fwd", t, nbytes / tp * 1e-9, "GB/s"))
        if only.search("lenet5_step"):
            rows.append(("lenet5_step", "train", t, lenet_images_per_second(torch, min_time), "img/s"))
    return rows


def lenet_images_per_second(torch, min_time):
    """The LeNet-5 step of src/cnnlab/demo/lenet5_step.hpp: ReLU, max pool, SGD, momentum 0.9."""
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x, labels = torch.randn(64, 1, 28, 28), torch.arange(64) % 10
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), labels)
        loss.backward()
        opt.step()
        loss.item()

    return 64 / best_time(step, min_time)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="build/bench/cnnlab_bench", help="path of cnnlab_bench")
    ap.add_argument("--backend", default="openmp", help="our backend to compare (default openmp)")
    ap.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    ap.add_argument("--only", default="", help="regular expression selecting cases")
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds of timed runs per figure")
    ap.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    only = re.compile(args.only or ".*")

    if args.torch_worker:  # child process: PyTorch figures for one thread count, as CSV
        for row in torch_results(threads, only, args.min_time):
            print(",".join(str(v) for v in row))
        return

    load_before = os.getloadavg()[0]
    cmd = [args.bench, "--csv", "--backend", args.backend, "--threads", args.threads,
           "--min-time", str(args.min_time)] + (["--only", args.only] if args.only else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    ours = {(r[0], r[1], int(r[3])): (float(r[4]), r[5]) for r in csv.reader(io.StringIO(out))}
    try:
        import torch  # noqa: F401  (only to fail early with a clear message)
    except ImportError:
        sys.exit("compare.py: PyTorch is not installed (apt-get install python3-torch); run "
                 + args.bench + " alone for our numbers")
    # One child process per thread count, with the thread count also in the environment:
    # OpenBLAS (torch.mm) sizes its thread pool when it is loaded and ignores
    # torch.set_num_threads, so a "1-thread" matmul would otherwise use every core.
    theirs = {}
    for t in threads:
        env = dict(os.environ, OMP_NUM_THREADS=str(t), OPENBLAS_NUM_THREADS=str(t))
        child = [sys.executable, __file__, "--torch-worker", "--threads", str(t),
                 "--min-time", str(args.min_time)] + (["--only", args.only] if args.only else [])
        res = subprocess.run(child, check=True, capture_output=True, text=True, env=env).stdout
        for n, d, tt, v, u in csv.reader(io.StringIO(res)):
            theirs[(n, d, int(tt))] = (float(v), u)

    import torch
    print(f"cnnlab backend '{args.backend}' vs PyTorch {torch.__version__} (same machine, same run; "
          f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after)")
    print(f"{'case':<12} {'dir':<8} {'thr':>3}  {'cnnlab':>10}  {'PyTorch':>10}  {'unit':<8} {'ratio':>6}")
    for key in sorted(ours, key=lambda k: (k[2], list(dict.fromkeys(k[0] for k in ours)).index(k[0]), k[1])):
        v, unit = ours[key]
        tv = theirs.get(key, (float("nan"), unit))[0]
        print(f"{key[0]:<12} {key[1]:<8} {key[2]:>3}  {v:>10.2f}  {tv:>10.2f}  {unit:<8} {v / tv:>6.2f}")


if __name__ == "__main__":
    main()

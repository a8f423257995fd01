#!/usr/bin/env python3
"""bench/compare.py — cnnlab next to PyTorch, measured side by side in one run.

Runs build/bench/cnnlab_bench --csv (our backends), then the same cases through PyTorch
(python3-torch from Debian: oneDNN for convolution, OpenBLAS for matmul) with the same thread
counts and the same timing rule (bench/timing.hpp: a warm-up call, then the median of 5 trials of
R calls each; bench_common.measure is the Python copy), and prints one table:
case, direction, threads, ours, PyTorch, ratio (ours / PyTorch; above 1 means cnnlab is faster).

    /usr/bin/python3 bench/compare.py [--bench build/bench/cnnlab_bench] [--backend openmp]
                                      [--threads 1,2] [--only REGEX] [--min-time 1.0]
                                      [--passes] [--isa avx512|avx2|portable]

Both sides run with fixed glibc malloc thresholds (bench_common.STEADY_MALLOC; without them
PyTorch's small-layer figures jumped 10x from one process to the next); --malloc-default leaves
glibc's defaults.

--isa (default: $CNNLAB_ISA) runs both sides on one instruction set: cnnlab_bench --isa, and
PyTorch in child processes whose environment caps oneDNN, OpenBLAS and ATen before torch is
imported (bench_common.ISAS). The header says what each side reported it ran, and warns when a
library did not follow the cap.

This is a benchmark, not a test: it prints numbers and never fails on them.
"""
import argparse
import csv
import io
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no bench/__pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (ISAS, MEMBOUND_KINDS, STEADY_MALLOC, cnnlab_kernel,  # noqa: E402
                          isa_report, lenet_step, measure, membound_calls, probe_torch,
                          read_cases, read_rows, run_bench, steady_malloc_env, torch_isa_env)


def run_time(fn, min_time):
    """Seconds per call by bench.cpp's rule (bench_common.measure); on the CPU sync is a no-op."""
    return measure(fn, lambda: None, min_time)["median"]


def torch_results(bench, threads, only, min_time):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    rows = []
    cases = read_cases(bench, "cpu")
    layers = [c for c in cases if c["kind"] == "conv"]
    ups = [c for c in cases if c["kind"] == "conv_transpose"]
    membound = [c for c in cases if c["kind"] in MEMBOUND_KINDS]
    for t in threads:
        torch.set_num_threads(t)
        for layer in layers:
            name, q = layer["name"], layer["params"]
            N, C, H, W, K, Fs, S, P = (q[k] for k in ("N", "C", "H", "W", "K", "F", "S", "P"))
            D, G = q.get("D", 1), q.get("G", 1)
            if not only.search(name):
                continue
            x = torch.randn(N, C, H, W, requires_grad=True)
            w = torch.randn(K, C // G, Fs, Fs, requires_grad=True)
            b = torch.randn(K, requires_grad=True)
            kw = dict(stride=S, padding=P, dilation=D, groups=G)
            with torch.no_grad():
                y = F.conv2d(x, w, b, **kw)
            flops = 2.0 * N * K * y.shape[2] * y.shape[3] * (C // G) * Fs * Fs
            dy = torch.randn_like(y)

            def fwd():
                with torch.no_grad():
                    F.conv2d(x, w, b, **kw)

            def fwdbwd():
                out = F.conv2d(x, w, b, **kw)
                torch.autograd.grad(out, (x, w, b), dy)  # all three passes, like ours

            def one_pass(mask):  # bwd_data (dx only) or bwd_wgt (dw and db), as ours measures
                return lambda: torch.ops.aten.convolution_backward(
                    dy, x, w, [K], [S, S], [P, P], [D, D], False, [0, 0], G, mask)

            tf = run_time(fwd, min_time)
            rows.append((name, "fwd", t, flops / tf * 1e-9, "GFLOP/s"))
            tb = run_time(fwdbwd, min_time)
            rows.append((name, "fwd+bwd", t, 3 * flops / tb * 1e-9, "GFLOP/s"))
            for d, mask in (("bwd_data", [True, False, False]), ("bwd_wgt", [False, True, True])):
                with torch.no_grad():
                    tp = run_time(one_pass(mask), min_time)
                rows.append((name, d, t, flops / tp * 1e-9, "GFLOP/s"))
        for layer in ups:
            name, q = layer["name"], layer["params"]
            if not only.search(name):
                continue
            rows.extend(conv_transpose_rows(torch, F, name, q, t, min_time))
        if only.search("sgemm2048"):
            a, bm, c = torch.randn(2048, 2048), torch.randn(2048, 2048), torch.empty(2048, 2048)
            tm = run_time(lambda: torch.mm(a, bm, out=c), min_time)  # ours: a preallocated C
            rows.append(("sgemm2048", "fwd", t, 2.0 * 2048**3 / tm * 1e-9, "GFLOP/s"))
        if only.search("maxpool"):
            x = torch.randn(64, 64, 56, 56)
            nbytes = (x.numel() + x.numel() // 4) * 4
            with torch.no_grad():
                tp = run_time(lambda: F.max_pool2d(x, 2, 2), min_time)
            rows.append(("maxpool", "fwd", t, nbytes / tp * 1e-9, "GB/s"))
        if only.search("batchnorm"):  # training mode, as ours: batch statistics + running update
            x = torch.randn(8, 64, 56, 56, requires_grad=True)
            g, bt = torch.randn(64, requires_grad=True), torch.randn(64, requires_grad=True)
            rm, rv = torch.zeros(64), torch.ones(64)
            dy = torch.randn_like(x)
            nbytes = x.numel() * 4
            with torch.no_grad():
                tf = run_time(lambda: F.batch_norm(x, rm, rv, g, bt, training=True), min_time)
            rows.append(("batchnorm", "fwd", t, 2 * nbytes / tf * 1e-9, "GB/s"))

            def bn_fwdbwd():
                out = F.batch_norm(x, rm, rv, g, bt, training=True)
                torch.autograd.grad(out, (x, g, bt), dy)

            tb = run_time(bn_fwdbwd, min_time)
            rows.append(("batchnorm", "fwd+bwd", t, 5 * nbytes / tb * 1e-9, "GB/s"))
        if only.search("dropout"):
            x = torch.randn(16 << 20)
            with torch.no_grad():
                td = run_time(lambda: F.dropout(x, 0.5, training=True), min_time)
            rows.append(("dropout", "fwd", t, 2 * x.numel() * 4 / td * 1e-9, "GB/s"))
        for case in membound:
            if not only.search(case["name"]):
                continue
            for d, (call, nbytes) in membound_calls(torch, case, "cpu").items():
                rows.append((case["name"], d, t, nbytes / run_time(call, min_time) * 1e-9, "GB/s"))
        if only.search("lenet5_step"):
            ips = lenet_images_per_second(torch, min_time)
            rows.append(("lenet5_step", "train", t, ips, "img/s"))
    return rows


def conv_transpose_rows(torch, F, name, q, t, min_time):
    """fwd, bwd_data, bwd_wgt and fwd+bwd of F.conv_transpose2d, in GFLOP/s of the matching
    convolution (2·N·C·H·W·K·F² per pass, as cnnlab_bench counts them)."""
    N, C, H, W, K, Fs, S, P, OP = (q[k] for k in ("N", "C", "H", "W", "K", "F", "S", "P", "OP"))
    x = torch.randn(N, C, H, W, requires_grad=True)
    w = torch.randn(C, K, Fs, Fs, requires_grad=True)
    b = torch.randn(K, requires_grad=True)
    kw = dict(stride=S, padding=P, output_padding=OP)
    with torch.no_grad():
        y = F.conv_transpose2d(x, w, b, **kw)
    dy = torch.randn_like(y)
    flops = 2.0 * N * C * H * W * K * Fs * Fs

    def fwd():
        with torch.no_grad():
            F.conv_transpose2d(x, w, b, **kw)

    def backward(mask):  # aten's own backward of the transposed convolution
        return lambda: torch.ops.aten.convolution_backward(
            dy, x, w, [K], [S, S], [P, P], [1, 1], True, [OP, OP], 1, mask)

    def fwdbwd():
        out = F.conv_transpose2d(x, w, b, **kw)
        torch.autograd.grad(out, (x, w, b), dy)

    rows = []
    for d, fn, passes in (("fwd", fwd, 1), ("bwd_data", backward([True, False, False]), 1),
                          ("bwd_wgt", backward([False, True, True]), 1), ("fwd+bwd", fwdbwd, 3)):
        rows.append((name, d, t, passes * flops / run_time(fn, min_time) * 1e-9, "GFLOP/s"))
    return rows


def lenet_images_per_second(torch, min_time):
    """Images per second of bench_common.lenet_step() on the CPU, batch 64."""
    return 64 / run_time(lenet_step(torch, 64, "cpu"), min_time)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="build/bench/cnnlab_bench", help="path of cnnlab_bench")
    ap.add_argument("--backend", default="openmp", help="our backend to compare (default openmp)")
    ap.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    ap.add_argument("--only", default="", help="regular expression selecting cases")
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds of timed runs per figure")
    ap.add_argument("--passes", action="store_true",
                    help="also each backward pass on its own (bwd_data, bwd_wgt)")
    ap.add_argument("--isa", type=str.lower, default=os.environ.get("CNNLAB_ISA") or None,
                    help="one instruction set on both sides: " + ", ".join(ISAS) +
                    " (default: $CNNLAB_ISA, else each side's widest)")
    ap.add_argument("--malloc-default", action="store_true",
                    help="leave glibc malloc's thresholds alone (default: fixed, on both sides)")
    ap.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    only = re.compile(args.only or ".*")
    if args.isa is not None and args.isa not in ISAS:
        ap.error(f"--isa {args.isa}: choose one of " + ", ".join(ISAS))

    if args.torch_worker:  # child process: PyTorch figures for one thread count, as CSV
        for row in torch_results(args.bench, threads, only, args.min_time):
            print(",".join(str(v) for v in row))
        return

    load_before = os.getloadavg()[0]
    cmd = [args.bench, "--csv", "--backend", args.backend, "--threads", args.threads,
           "--min-time", str(args.min_time)] + (["--only", args.only] if args.only else [])
    cmd += ["--passes"] if args.passes else []
    cmd += ["--isa", args.isa] if args.isa else []
    base_env = dict(os.environ) if args.malloc_default else steady_malloc_env()
    out, err, code = run_bench(cmd, env=base_env)
    rows, comments = read_rows(out)
    if code != 0 and not rows:
        sys.exit("compare.py: " + (err.strip() or f"{args.bench} failed (exit status {code})"))
    sys.stderr.write(err)  # a case that failed (the others are still compared)
    ours = {(r["name"], r["dir"], r["threads"]): (r["value"], r["unit"]) for r in rows
            if r["name"] != "dispatch_overhead"}  # PyTorch has no such case on the CPU here
    torch_env = torch_isa_env(args.isa, base_env)
    try:  # also fails early, with a clear message, where PyTorch is missing
        torch_info = probe_torch(torch_env)
    except RuntimeError as e:
        sys.exit("compare.py: PyTorch does not load (apt-get install python3-torch); run "
                 + args.bench + " alone for our numbers. It said: " + str(e).splitlines()[-1])
    # One child process per thread count, with the thread count also in the environment:
    # OpenBLAS (torch.mm) sizes its thread pool when it is loaded and ignores
    # torch.set_num_threads, so a "1-thread" matmul would otherwise use every core.
    theirs = {}
    for t in threads:
        env = dict(torch_env, OMP_NUM_THREADS=str(t), OPENBLAS_NUM_THREADS=str(t))
        child = [sys.executable, __file__, "--torch-worker", "--threads", str(t),
                 "--bench", args.bench,
                 "--min-time", str(args.min_time)] + (["--only", args.only] if args.only else [])
        res = subprocess.run(child, check=True, capture_output=True, text=True, env=env).stdout
        for n, d, tt, v, u in csv.reader(io.StringIO(res)):
            theirs[(n, d, int(tt))] = (float(v), u)

    print(f"cnnlab backend '{args.backend}' vs PyTorch {torch_info['torch']} (same machine, same "
          f"run; 1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after)")
    for line in isa_report(args.isa, torch_info, cnnlab_kernel(comments, args.backend), torch_env):
        print(line)
    print("glibc malloc: " + ("defaults (--malloc-default)" if args.malloc_default else
                              " ".join(f"{k}={base_env[k]}" for k in STEADY_MALLOC) +
                              " on both sides"))
    print(f"{'case':<12} {'dir':<8} {'thr':>3}  {'cnnlab':>10}  {'PyTorch':>10}  {'unit':<8} {'ratio':>6}")
    for key in sorted(ours, key=lambda k: (k[2], list(dict.fromkeys(k[0] for k in ours)).index(k[0]), k[1])):
        v, unit = ours[key]
        tv = theirs.get(key, (float("nan"), unit))[0]
        print(f"{key[0]:<12} {key[1]:<8} {key[2]:>3}  {v:>10.2f}  {tv:>10.2f}  {unit:<8} {v / tv:>6.2f}")


if __name__ == "__main__":
    main()

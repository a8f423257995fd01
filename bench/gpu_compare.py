#!/usr/bin/env python3
"""bench/gpu_compare.py — cnnlab's Vulkan backend next to PyTorch on CUDA: issue 11's ratio table.

Runs, in this order, on one machine:
  1. build/bench/cnnlab_bench --backend vulkan --size gpu --csv: every case of the gpu set
     (cases.hpp: SGEMM 4096³ and 8192³, five conv layers at batch 32 with each pass on its own,
     ReLU on 64 M floats through the ops API and into a preallocated output, max pool on
     64×64×112×112, the LeNet-5 step at batch 64, host µs per dispatch);
  2. the LeNet-5 step on the OpenMP backend with every core (the issue's "≥ 2× the OpenMP
     backend on the same machine");
  3. the first LeNet-5 step in a new process, twice, with a fresh $XDG_CACHE_HOME: the first
     process starts with no pipeline cache, the second with the one the first left;
  4. the same cases through PyTorch on CUDA, when torch.cuda.is_available(): TF32 off for matmul
     and cuDNN, cudnn.benchmark on (its autotuning happens in the warm-up call), the same timing
     rule as cnnlab_bench (bench_common.measure: a warm-up call, then the median of 5 trials of R
     calls and one torch.cuda.synchronize()).
Then it prints the table (case | cnnlab Vulkan | PyTorch CUDA | ratio | target) as Markdown and
writes it to --out. Ratios are cnnlab / PyTorch for rates (above 1: cnnlab is faster) and
PyTorch / cnnlab for host µs per op and seconds (again above 1: cnnlab is faster).

Without CUDA it says so and prints cnnlab's column only: PyTorch on the CPU is no substitute
for cuDNN. (--torch-cpu-selftest runs the PyTorch side on the CPU all the same, with tiny shapes
in mind, only to check this script; its figures are not a comparison.)

    python3 bench/gpu_compare.py [--bench build/bench/cnnlab_bench] [--size gpu] [--out FILE]
                                 [--min-time 1.0] [--only REGEX] [--openmp-threads N]

Runs with Python 3.9+ and PyTorch 1.13 or later. A benchmark, not a test: it prints numbers and
fails only when it cannot run cnnlab_bench at all.
"""
import argparse
import csv
import datetime
import os
import platform
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # no bench/__pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (MEMBOUND_KINDS, lenet_step, measure, membound_calls,  # noqa: E402
                          read_cases, read_rows, run_bench)

# Issue 11's targets (ratio to PyTorch CUDA, TF32 off), by case name.
TARGETS = {
    "sgemm4096": "≥ 0.8",
    "vgg_conv4": "≥ 0.5 each", "vgg_conv3": "≥ 0.5 each", "vgg_conv1_2": "≥ 0.5 each",
    "resnet_3x3": "≥ 0.5 each", "alexnet_c1": "≥ 0.3 each",
    ("relu", "ops"): "≥ 0.8", "maxpool_112": "≥ 0.8",
    "lenet5_step": "≥ 1.0", "lenet_vs_openmp": "≥ 2", "cold_second": "≤ 0.3 s",
    "dispatch_overhead": "a few µs",
}


# ---------------------------------------------------------------- PyTorch side of each case

def torch_case_timings(torch, case, dev, rule):
    """{dir: (value, unit, timing)} for one case of the list, through PyTorch on device dev."""
    import torch.nn.functional as F
    q, kind, out = case["params"], case["kind"], {}
    sync = (lambda: torch.cuda.synchronize()) if dev == "cuda" else (lambda: None)

    def rand(*shape):
        return torch.rand(*shape, device=dev) * 2 - 1

    if kind == "conv":
        N, C, H, W, K, Fs, S, P = (q[k] for k in ("N", "C", "H", "W", "K", "F", "S", "P"))
        x, w, b = rand(N, C, H, W), rand(K, C, Fs, Fs), rand(K)
        with torch.no_grad():
            y = F.conv2d(x, w, b, stride=S, padding=P)
            dy = torch.rand_like(y) * 2 - 1
            flops = 2.0 * N * K * y.shape[2] * y.shape[3] * C * Fs * Fs
            del y

            def backward(mask):  # aten's own backward: dx only, or dw and db (like cnnlab's)
                return lambda: torch.ops.aten.convolution_backward(
                    dy, x, w, [K], [S, S], [P, P], [1, 1], False, [0, 0], 1, mask)
            calls = {"fwd": lambda: F.conv2d(x, w, b, stride=S, padding=P),
                     "bwd_data": backward([True, False, False]),
                     "bwd_wgt": backward([False, True, True])}
            for d in case["dirs"]:
                if d in calls:
                    t = measure(calls[d], sync, **rule)
                    out[d] = (flops / t["median"], "FLOP/s", t)
    elif kind == "conv_transpose":
        N, C, H, W, K, Fs, S, P, OP = (q[k] for k in ("N", "C", "H", "W", "K", "F", "S", "P", "OP"))
        x, w, b = rand(N, C, H, W), rand(C, K, Fs, Fs), rand(K)
        kw = dict(stride=S, padding=P, output_padding=OP)
        with torch.no_grad():
            y = F.conv_transpose2d(x, w, b, **kw)
            dy = torch.rand_like(y) * 2 - 1
            flops = 2.0 * N * C * H * W * K * Fs * Fs  # the matching convolution's
            del y

            def backward_t(mask):  # aten's backward of the transposed convolution
                return lambda: torch.ops.aten.convolution_backward(
                    dy, x, w, [K], [S, S], [P, P], [1, 1], True, [OP, OP], 1, mask)
            calls = {"fwd": lambda: F.conv_transpose2d(x, w, b, **kw),
                     "bwd_data": backward_t([True, False, False]),
                     "bwd_wgt": backward_t([False, True, True])}
            for d in case["dirs"]:
                if d in calls:
                    t = measure(calls[d], sync, **rule)
                    out[d] = (flops / t["median"], "FLOP/s", t)
    elif kind == "gemm":
        n = q["n"]
        a, bm, c = rand(n, n), rand(n, n), torch.empty(n, n, device=dev)
        t = measure(lambda: torch.mm(a, bm, out=c), sync, **rule)  # cnnlab: a preallocated C
        out["fwd"] = (2.0 * n ** 3 / t["median"], "FLOP/s", t)
    elif kind == "maxpool":
        x = rand(q["N"], q["C"], q["H"], q["W"])
        nbytes = (x.numel() + x.numel() // 4) * 4
        with torch.no_grad():
            t = measure(lambda: F.max_pool2d(x, 2, 2), sync, **rule)
        out["fwd"] = (nbytes / t["median"] * 1e-9, "GB/s", t)
    elif kind == "relu":
        x, y = rand(q["numel"]), torch.empty(q["numel"], device=dev)
        nbytes = 2 * q["numel"] * 4
        t = measure(lambda: torch.relu(x), sync, **rule)  # a new output each call
        out["ops"] = (nbytes / t["median"] * 1e-9, "GB/s", t)
        t = measure(lambda: torch.clamp_min(x, 0.0, out=y), sync, **rule)  # preallocated
        out["prealloc"] = (nbytes / t["median"] * 1e-9, "GB/s", t)
    elif kind == "lenet":
        t = measure(lenet_step(torch, q["batch"], dev), sync, **rule)
        out["train"] = (q["batch"] / t["median"], "img/s", t)
    elif kind == "concat":
        xs = [rand(q["N"], c, q["H"], q["W"]) for c in (64, 128, 32, 32)]
        dy = rand(q["N"], 256, q["H"], q["W"])
        gb = 2 * dy.numel() * 4 * 1e-9
        t = measure(lambda: torch.cat(xs, 1), sync, **rule)
        out["fwd"] = (gb / t["median"], "GB/s", t)
        t = measure(lambda: [p.contiguous() for p in torch.split(dy, [64, 128, 32, 32], 1)],
                    sync, **rule)
        out["bwd"] = (gb / t["median"], "GB/s", t)
    elif kind == "dispatch":
        out.update(torch_dispatch(torch, q["ops"], q["numel"], dev, sync, rule))
    elif kind in MEMBOUND_KINDS:
        for d, (call, nbytes) in membound_calls(torch, case, dev).items():
            t = measure(call, sync, **rule)
            out[d] = (nbytes / t["median"] * 1e-9, "GB/s", t)
    return out


def torch_dispatch(torch, ops, numel, dev, sync, rule):
    """PyTorch's host cost per op, like cnnlab's dispatch_overhead: ops ReLUs, then one sync."""
    import statistics
    import time
    x, y = torch.rand(numel, device=dev), torch.empty(numel, device=dev)
    result = {}
    for name, call in (("prealloc", lambda: torch.clamp_min(x, 0.0, out=y)),
                       ("ops", lambda: torch.relu(x))):
        rec, tot = [], []
        for i in range(1 + (1 if rule["quick"] else rule["trials"])):  # trial 0: warm-up
            t0 = time.perf_counter()
            for _ in range(ops):
                call()
            t1 = time.perf_counter()
            sync()
            t2 = time.perf_counter()
            if i > 0:
                rec.append((t1 - t0) / ops)
                tot.append((t2 - t0) / ops)
        for d, v in ((name, tot), (name + "_rec", rec)):
            med = statistics.median(v)
            result[d] = (med * 1e6, "us/op", {"median": med, "fastest": min(v),
                                              "slowest": max(v)})
    return result


def torch_side(cases, only, dev, rule):
    """{(name, dir): (value, unit, timing)} for every case (FLOP/s, GB/s, img/s, us/op)."""
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    res = {}
    for case in cases:
        if not only.search(case["name"]):
            continue
        try:
            for d, (v, unit, t) in torch_case_timings(torch, case, dev, rule).items():
                res[(case["name"], d)] = (v, unit, t)
        except Exception as e:  # one failing case (e.g. out of memory) must not stop the rest
            print(f"gpu_compare.py: PyTorch {case['name']} failed: {e}", file=sys.stderr)
        if dev == "cuda":
            torch.cuda.empty_cache()
    return res


# ---------------------------------------------------------------- the table

def fmt(v):
    return "—" if v is None else (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}")


def to_unit(value, unit, want):
    """PyTorch's FLOP/s → cnnlab's GFLOP/s or TFLOP/s; other units are already cnnlab's."""
    if unit == "FLOP/s":
        return value * (1e-12 if want == "TFLOP/s" else 1e-9)
    return value


def table(cases, ours, theirs, extra, have_torch, torch_column):
    """Markdown lines: one row per case (a conv layer's passes joined as fwd / bwd-data /
    bwd-weight), then the OpenMP and cold-start rows of @p extra."""
    lines = [f"| case | cnnlab Vulkan | {torch_column} | ratio | target |",
             "|---|---|---|---|---|"]

    def cell(vals, unit):
        return " / ".join(fmt(v) for v in vals) + (f" {unit}" if unit else "")

    def ratio(a, b, lower_is_better=False):
        if a is None or b is None or a == 0 or b == 0:
            return None
        return b / a if lower_is_better else a / b

    for case in cases:
        name = case["name"]
        groups = ([case["dirs"]] if case["kind"] in ("conv", "conv_transpose") else
                  [[d] for d in case["dirs"] if not d.endswith("_rec")])
        for dirs in groups:
            mine = [ours.get((name, d)) for d in dirs]
            if all(m is None for m in mine):
                continue
            unit = next(m["unit"] for m in mine if m is not None)
            a = [m["value"] if m else None for m in mine]
            b = [to_unit(*theirs[(name, d)][:2], unit) if (name, d) in theirs else None
                 for d in dirs]
            lower = unit == "us/op"
            r = [ratio(x, y, lower) for x, y in zip(a, b)]
            label = case["label"]
            if case["kind"] in ("conv", "conv_transpose"):
                label += ": " + " / ".join(d.replace("_", "-") for d in dirs)
            elif case["kind"] in ("relu", "dispatch"):
                label += {"ops": ", ops API (new output each call)",
                          "prealloc": ", preallocated output (Backend::relu_forward)"}[dirs[0]]
            mine_cell, their_cell = cell(a, unit), cell(b, unit)
            rec_key = (name, dirs[0] + "_rec")
            if lower and rec_key in ours:  # host µs: add the recording loop alone
                mine_cell += f" ({fmt(ours[rec_key]['value'])} recording)"
            if lower and rec_key in theirs:
                their_cell += f" ({fmt(theirs[rec_key][0])} recording)"
            target = TARGETS.get((name, dirs[0]), TARGETS.get(name, "—"))
            if case["kind"] == "relu" and dirs[0] == "prealloc":
                target = "—"
            lines.append(f"| {label} | {mine_cell} | {their_cell if have_torch else '—'} | "
                         f"{cell(r, '') if have_torch else '—'} | {target} |")
    lines += extra
    return lines


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="build/bench/cnnlab_bench", help="path of cnnlab_bench")
    ap.add_argument("--size", default="gpu", choices=["gpu", "tiny", "cpu"],
                    help="case set (default gpu; tiny only to test this script)")
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds of timed calls per case")
    ap.add_argument("--only", default="", help="regular expression selecting cases")
    ap.add_argument("--openmp-threads", type=int, default=os.cpu_count() or 1,
                    help="threads of the OpenMP LeNet-5 step (default: every core)")
    ap.add_argument("--out", help="also write the Markdown table (and its header) to this file")
    ap.add_argument("--raw", help="also write every figure of both sides to this CSV file")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds allowed to each cnnlab_bench run (default 600)")
    ap.add_argument("--torch-cpu-selftest", action="store_true",
                    help="run the PyTorch side on the CPU when CUDA is missing, only to check "
                         "this script (figures are no comparison)")
    args = ap.parse_args()
    only = re.compile(args.only or ".*")
    rule = {"min_time": args.min_time, "trials": 5, "quick": False}
    cases = [c for c in read_cases(args.bench, args.size) if only.search(c["name"])]
    notes = []

    # 1. cnnlab on Vulkan
    base = [args.bench, "--csv", "--size", args.size, "--min-time", str(args.min_time)]
    out, err, rc = run_bench(base + ["--backend", "vulkan"] + (["--only", args.only] if args.only
                                                               else []), args.timeout)
    sys.stderr.write(err)
    rows, comments = read_rows(out)
    if not rows:
        sys.exit(f"gpu_compare.py: cnnlab_bench --backend vulkan gave no figure (exit {rc})")
    if rc != 0:
        notes.append(f"cnnlab_bench exited with {rc}: some cases failed (see stderr).")
    ours = {(r["name"], r["dir"]): r for r in rows}
    raw = [dict(r, side="cnnlab vulkan") for r in rows]
    device = next((c.split(":", 1)[1].strip() for c in comments if c.startswith("vulkan:")), "?")

    # 2. the LeNet-5 step on the OpenMP backend, every core
    extra = []
    lenet = ours.get(("lenet5_step", "train"))
    if only.search("lenet5_step"):
        out, err, rc = run_bench(base + ["--backend", "openmp", "--threads",
                                         str(args.openmp_threads), "--only", "^lenet5_step$"],
                                 args.timeout)
        omp = next((r for r in read_rows(out)[0] if r["name"] == "lenet5_step"), None)
        if omp:
            raw.append(dict(omp, side="cnnlab openmp"))
        if omp and lenet:
            n = args.openmp_threads
            extra.append(f"| LeNet-5 step: Vulkan vs the OpenMP backend ({n} thread"
                         f"{'s' if n != 1 else ''}, same machine) | {fmt(lenet['value'])} img/s | "
                         f"{fmt(omp['value'])} img/s (OpenMP) | "
                         f"{fmt(lenet['value'] / omp['value'])} | {TARGETS['lenet_vs_openmp']} |")
        else:
            sys.stderr.write(err)

        # 3. cold start: the first step of two new processes sharing a fresh cache directory
        # (which also empties the driver's own shader cache: Mesa's and NVIDIA's live there too)
        firsts = []
        with tempfile.TemporaryDirectory() as cache:
            # NVIDIA's driver keeps its shader cache under $XDG_CACHE_HOME too, or where
            # __GL_SHADER_DISK_CACHE_PATH says; Mesa's under $XDG_CACHE_HOME or
            # MESA_SHADER_CACHE_DIR.
            env = dict(os.environ, XDG_CACHE_HOME=cache, __GL_SHADER_DISK_CACHE_PATH=cache,
                       MESA_SHADER_CACHE_DIR=cache)
            for _ in range(2):
                cmd = base + ["--backend", "vulkan", "--only", "^lenet5_step$", "--quick"]
                out, err, rc = run_bench(cmd, args.timeout, env)
                sys.stderr.write(err)
                r = next((r for r in read_rows(out)[0] if r["name"] == "lenet5_step"), None)
                firsts.append(r["first_ms"] / 1e3 if r else None)
                if r:
                    raw.append(dict(r, side=f"cnnlab vulkan, new process {len(firsts)}"))
        if firsts[0] is not None:
            extra.append(f"| first LeNet-5 step in a new process, no pipeline cache | "
                         f"{firsts[0]:.3f} s | — | — | — |")
        if firsts[1] is not None:
            extra.append(f"| first LeNet-5 step of a second process (cache from the first) | "
                         f"{firsts[1]:.3f} s | — | — | {TARGETS['cold_second']} |")

    # 4. PyTorch on CUDA
    have_torch, header_torch = False, ""
    try:
        import torch
        cuda = torch.cuda.is_available()
        if cuda:
            header_torch = (f"PyTorch {torch.__version__} on {torch.cuda.get_device_name(0)} "
                            f"(cuDNN {torch.backends.cudnn.version()}, TF32 off)")
        else:
            header_torch = (f"PyTorch {torch.__version__} sees no CUDA device: cnnlab's column "
                            f"only (PyTorch on the CPU is no substitute for cuBLAS/cuDNN)")
    except ImportError:
        torch, cuda = None, False
        header_torch = "PyTorch is not installed: cnnlab's column only"
    theirs, torch_column = {}, "PyTorch CUDA"
    if cuda or (torch is not None and args.torch_cpu_selftest):
        theirs = torch_side(cases, only, "cuda" if cuda else "cpu", rule)
        have_torch = True
        if not cuda:
            header_torch += "; --torch-cpu-selftest: the PyTorch column is PyTorch on the CPU"
            torch_column = "PyTorch CPU (self-test only)"
        for (name, d), (v, unit, t) in theirs.items():
            raw.append({"side": "pytorch " + ("cuda" if cuda else "cpu"), "name": name,
                        "dir": d, "value": v, "unit": unit, "ms": t["median"] * 1e3,
                        "min_ms": t["fastest"] * 1e3, "max_ms": t["slowest"] * 1e3,
                        "repeats": t.get("repeats", ""), "trials": t.get("trials", ""),
                        "first_ms": t["first"] * 1e3 if "first" in t else ""})

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"cnnlab Vulkan on {device}, {args.size} cases, {when}, {platform.node()} "
            f"({os.cpu_count()} CPUs)", header_torch,
            "Timing: warm-up call, then the median of 5 trials of R calls and one synchronize. "
            "Ratio: cnnlab / PyTorch for rates, PyTorch / cnnlab for host µs (above 1: cnnlab "
            "faster)."] + notes
    text = "\n".join(head) + "\n\n" + "\n".join(
        table(cases, ours, theirs, extra, have_torch, torch_column))
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    if args.raw:
        keys = ["side", "name", "dir", "backend", "threads", "value", "unit", "ms", "min_ms",
                "max_ms", "repeats", "trials", "first_ms"]
        with open(args.raw, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
            w.writeheader()
            w.writerows(raw)


if __name__ == "__main__":
    main()

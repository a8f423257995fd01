"""bench/bench_common.py — what bench/compare.py and bench/gpu_compare.py share.

- measure(): the timing rule of bench/timing.hpp, for PyTorch: one untimed warm-up call, R calls
  per trial chosen from a second call so a trial lasts at least min_time / 5, a trial = R calls
  then ONE sync(), the figure = the median over the trials (5 by default) of trial time / R; a
  call that alone lasts min_time / 5 gets R = 1 (and is the first trial), and the trials stop
  early (after at least one) once they have used 3 × min_time.
- run_bench(), read_rows(), read_cases(): run build/bench/cnnlab_bench and parse its --csv and
  --list output (lines starting with '#' are comments: the backend's description).
- ISAS, torch_isa_env(), cnnlab_kernel(), probe_torch(), isa_report(): one instruction set on
  both sides of a CPU comparison (--isa of compare.py and train_compare.py): the environment
  that caps PyTorch's libraries, and what each side says it ran.
- STEADY_MALLOC, steady_malloc_env(): fixed glibc malloc thresholds, so that PyTorch's figures
  do not depend on the history of its process (see below).

Not a benchmark by itself; plain Python 3.9+, no NumPy or PyTorch needed to import it.
"""
import csv
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time


def measure(call, sync, min_time=1.0, trials=5, quick=False):
    """Times call() by the rule above; returns a dict of seconds per call (median, fastest,
    slowest, first) and repeats (R) and trials."""
    def trial(repeats):
        t0 = time.perf_counter()
        for _ in range(repeats):
            call()
        sync()
        return time.perf_counter() - t0

    def repeats_for(target, seconds, repeats):
        per_call = seconds / repeats
        r = math.ceil(target / per_call) if per_call > 0 else 10**6
        return int(min(max(r, 1), 10**6))

    target = min_time / 5
    first = trial(1)  # warm-up: never the figure (cuDNN's autotuning, lazy CUDA init...)
    # R from a second call; a call that alone lasts a trial is slow: R = 1, it is trial one.
    # (A third or fourth call while each takes under half the time of the one before.)
    repeats, per_call, used = 1, [], trial(1)
    before = first
    for _ in range(2):
        if not (target <= used < 0.5 * before):
            break
        before, used = used, trial(1)
    if used >= target:
        per_call.append(used)
    else:
        repeats, used = repeats_for(target, used, 1), 0.0
        for _ in range(0 if quick else 3):
            s = trial(repeats)
            if s >= 0.5 * target:
                break
            repeats = max(repeats, repeats_for(target, s, repeats))  # R only grows
    wanted = 1 if quick else max(1, trials)
    while len(per_call) < wanted and (not per_call or used <= 3 * min_time):
        s = trial(repeats)
        per_call.append(s / repeats)
        used += s
    return {"median": statistics.median(per_call), "fastest": min(per_call),
            "slowest": max(per_call), "first": first, "repeats": repeats,
            "trials": len(per_call)}


def run_bench(cmd, timeout=None, env=None):
    """Runs cnnlab_bench (a list of arguments; env: the environment, default ours); returns
    (stdout, stderr, returncode). A failing case makes the exit status 1 but the other cases'
    lines are still there."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8",
                           timeout=timeout, env=env)
        return p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        if isinstance(out, bytes):
            out = out.decode("utf-8", "replace")
        return out, f"timed out after {timeout} s: {' '.join(cmd)}", 124


def read_rows(text):
    """cnnlab_bench --csv output → (rows, comments). A row is a dict: name, dir, backend,
    threads, value, unit, ms, and where printed min_ms, max_ms, repeats, trials, first_ms."""
    rows, comments = [], []
    keys = ["name", "dir", "backend", "threads", "value", "unit", "ms", "min_ms", "max_ms",
            "repeats", "trials", "first_ms"]
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            comments.append(line[1:].strip())
            continue
        r = dict(zip(keys, next(csv.reader(io.StringIO(line)))))
        for k in ("value", "ms", "min_ms", "max_ms", "first_ms"):
            if k in r:
                r[k] = float(r[k])
        for k in ("threads", "repeats", "trials"):
            if k in r:
                r[k] = int(r[k])
        rows.append(r)
    return rows, comments


def read_cases(bench, size):
    """cnnlab_bench --size SIZE --list → list of dicts: kind, name, dirs (list), params (dict of
    ints), label. The shapes come from the C++ side, so both sides of a comparison agree."""
    out = subprocess.run([bench, "--size", size, "--list"], check=True, capture_output=True,
                         text=True, encoding="utf-8").stdout
    cases = []
    for line in out.splitlines():
        kind, name, dirs, params, label = line.split(",", 4)
        cases.append({"kind": kind, "name": name, "dirs": dirs.split(),
                      "params": {k: int(v) for k, v in (p.split("=") for p in params.split())},
                      "label": label})
    return cases


def lenet_step(torch, batch, dev):
    """The LeNet-5 step of src/cnnlab/demo/lenet5_step.hpp (and bench/train_compare.py): ReLU, 2×2 max pool, SGD
    with momentum 0.9, the loss read on the host every step (cnnlab's step() returns it)."""
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10)).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 1, 28, 28, device=dev)
    labels = (torch.arange(batch) % 10).to(dev)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), labels)
        loss.backward()
        opt.step()
        float(loss)
    return step


MEMBOUND_KINDS = ("lrn", "l2pool", "gap")


def membound_calls(torch, case, dev):
    """The memory-bound layers of issue 12 (cnnlab_bench's kinds lrn, l2pool, gap) in PyTorch:
    {dir: (call, bytes)} for dirs fwd and fwd+bwd, with the byte counts cnnlab's
    bench_membound() uses (what each pass must at least read and write).
      lrn:    F.local_response_norm with AlexNet's size 5, alpha 1e-4, beta 0.75, k 2 (the same
              convention as cnnlab's lrn: alpha divided by size)
      l2pool: sqrt(avg_pool2d(x^2)), cnnlab's L2 (root-mean-square) pooling; F.lp_pool2d(x, 2)
              is this times F (it leaves out the mean), and costs the same
      gap:    x.mean((2, 3), keepdim=True), global average pooling
    fwd+bwd is one forward and torch.autograd.grad of x through it."""
    import torch.nn.functional as F
    q = case["params"]
    x = (torch.rand(q["N"], q["C"], q["H"], q["W"], device=dev) * 2 - 1).requires_grad_()
    n_in = x.numel() * 4
    if case["kind"] == "lrn":
        def f(t):
            return F.local_response_norm(t, 5, alpha=1e-4, beta=0.75, k=2.0)
        fwd_bytes, bwd_bytes = 2 * n_in, 3 * n_in
    elif case["kind"] == "l2pool":
        def f(t):
            return F.avg_pool2d(t * t, q["F"], q["S"]).sqrt()
        with torch.no_grad():
            n_out = f(x).numel() * 4
        fwd_bytes, bwd_bytes = n_in + n_out, 2 * n_in + 2 * n_out
    else:
        def f(t):
            return t.mean((2, 3), keepdim=True)
        n_out = q["N"] * q["C"] * 4
        fwd_bytes, bwd_bytes = n_in + n_out, n_in + n_out
    with torch.no_grad():
        dy = torch.rand_like(f(x))

    def forward():
        with torch.no_grad():
            f(x)

    def forward_backward():
        torch.autograd.grad(f(x), x, dy)

    return {"fwd": (forward, fwd_bytes), "fwd+bwd": (forward_backward, fwd_bytes + bwd_bytes)}



# ---- one instruction set on both sides (--isa) --------------------------------------------------
#
# cnnlab: cnnlab_bench --isa NAME, or CNNLAB_ISA=NAME for `cnnlab train` (backends/openmp/gemm.hpp).
# PyTorch (Debian's 1.13) runs three libraries, each with its own switch, read when it is loaded,
# so they go into the environment of a child process that imports torch afterwards:
#   oneDNN 2.6 (convolution, ...)       ONEDNN_MAX_CPU_ISA: SSE41, AVX2, AVX512_CORE (the
#                                       highest ISA it may use; AVX512_CORE = AVX-512 F/BW/VL/DQ,
#                                       without the VNNI/BF16/AMX extensions, which FP32 does
#                                       not use anyway)
#   OpenBLAS 0.3.21 (torch.mm, linear)  OPENBLAS_CORETYPE: the kernel set of one CPU model:
#                                       Nehalem (SSE4.2), Haswell (AVX2), SkylakeX (AVX-512)
#   ATen (elementwise, pooling, ...)    ATEN_CPU_CAPABILITY: default, avx2, avx512
# cnnlab's "portable" kernels are plain C++ compiled for baseline x86-64 (SSE2); oneDNN goes no
# lower than SSE4.1, so "portable" is the nearest match there, not the same thing.
ISAS = {
    "avx512": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "OPENBLAS_CORETYPE": "SkylakeX",
               "ATEN_CPU_CAPABILITY": "avx512"},
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell",
             "ATEN_CPU_CAPABILITY": "avx2"},
    "portable": {"ONEDNN_MAX_CPU_ISA": "SSE41", "OPENBLAS_CORETYPE": "Nehalem",
                 "ATEN_CPU_CAPABILITY": "default"},
}
# What each library then reports (probe_torch), to check that the cap took: a substring of
# oneDNN's "isa:" line, OpenBLAS's core name, ATen's capability.
_EXPECTED = {
    "avx512": ("AVX-512", "SkylakeX", "AVX512"),
    "avx2": ("AVX2", "Haswell", "AVX2"),
    "portable": ("SSE4.1", "Nehalem", "NO AVX"),
}
TORCH_ISA_VARIABLES = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "OPENBLAS_CORETYPE",
                       "ATEN_CPU_CAPABILITY")


# glibc's malloc hands out blocks above its mmap threshold (128 KiB at first) as fresh pages from
# the kernel and returns them on free; it raises that threshold as such blocks are freed, so
# whether a process has reached the steady state depends on its history. PyTorch's output
# tensors (400 KiB for lenet_c2) fall on either side: measured in one process after another,
# lenet_c2 fwd ran at 14 or at 149 GFLOP/s and fwd+bwd at 12 or 68 (page faults on new pages
# every call, or heap reuse). Fixed thresholds put every process in the steady state. cnnlab
# keeps its own buffers (its figures do not move with these), and both sides get them.
STEADY_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(256 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}


def steady_malloc_env(base=None):
    """@p base (default ours) with STEADY_MALLOC set where it does not set them itself."""
    env = dict(os.environ if base is None else base)
    for k, v in STEADY_MALLOC.items():
        env.setdefault(k, v)
    return env


def torch_isa_env(isa, base=None):
    """The environment for a PyTorch child process: @p base (default ours) with the variables of
    ISAS[isa] set; isa None leaves base as it is (each library picks its widest, unless base
    already caps it, e.g. a machine's own OPENBLAS_CORETYPE)."""
    env = dict(os.environ if base is None else base)
    if isa is not None:
        env.pop("DNNL_MAX_CPU_ISA", None)  # oneDNN's older name; ONEDNN_ wins anyway
        env.update(ISAS[isa])
    return env


def cnnlab_kernel(comments, backend):
    """What cnnlab_bench's '# BACKEND: description' comment says ran, e.g. 'sgemm kernel avx2
    6x16 (this CPU runs avx512 avx2 portable)' for openmp; the whole description otherwise."""
    for c in comments:
        if c.startswith(backend + ":"):
            desc = c.split(":", 1)[1].strip()
            m = re.search(r"sgemm kernel ([^;)]+)(?:; this CPU runs ([^)]*))?", desc)
            if not m:
                return desc
            return f"sgemm kernel {m.group(1)}" + (f" (this CPU runs {m.group(2)})"
                                                    if m.group(2) else "")
    return "(no description printed)"


def _probe_main():
    """Child process of probe_torch(): one small convolution and one matmul, then a line
    'probe: {json}' with what PyTorch and its BLAS say (oneDNN speaks on stdout itself)."""
    import ctypes
    import torch
    import torch.nn.functional as F
    F.conv2d(torch.randn(2, 6, 14, 14), torch.randn(16, 6, 5, 5))
    torch.mm(torch.randn(64, 64), torch.randn(64, 64))
    cpu = getattr(getattr(torch, "backends", None), "cpu", None)
    if cpu is not None and hasattr(cpu, "get_cpu_capability"):  # PyTorch 2.x
        aten = cpu.get_cpu_capability()
    else:  # 1.13: only in the build summary, "CPU capability usage: AVX2"
        m = re.search(r"CPU capability usage: (.*)", torch.__config__.show())
        aten = m.group(1).strip() if m else "unknown"
    blas = "none found"
    for path in sorted({line.split()[-1] for line in open("/proc/self/maps")
                        if "blas" in line.split()[-1]}):
        try:
            lib = ctypes.CDLL(path)  # the copy already loaded
            core, config = lib.openblas_get_corename, lib.openblas_get_config
            core.restype = config.restype = ctypes.c_char_p
            name_version = " ".join(config().decode().split()[:2])  # "OpenBLAS 0.3.21"
            blas = f"{name_version} core {core().decode()} ({path})"
            break
        except AttributeError:  # not OpenBLAS (e.g. the reference libblas3)
            blas = f"not OpenBLAS: {path}"
    print("probe: " + json.dumps({"torch": torch.__version__, "aten": aten, "blas": blas}),
          flush=True)


def probe_torch(env):
    """What PyTorch runs with in environment @p env: a dict with torch (version), aten (ATen's
    CPU capability), blas (OpenBLAS version, core and library path), onednn (oneDNN's 'isa:' line)
    and conv (oneDNN's implementation of a small convolution, e.g. jit:avx2). Raises
    RuntimeError with the child's output when PyTorch cannot be imported."""
    env = dict(env, ONEDNN_VERBOSE="1", OMP_NUM_THREADS="1")
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--probe"],
                       capture_output=True, text=True, encoding="utf-8", env=env)
    info = {"onednn": "unknown", "conv": "unknown"}
    for line in p.stdout.splitlines():
        if line.startswith("probe: "):
            info.update(json.loads(line[len("probe: "):]))
        fields = line.split(",")
        if len(fields) > 3 and fields[0] in ("onednn_verbose", "dnnl_verbose"):
            if fields[1] == "info" and fields[3].startswith("isa:"):
                info["onednn"] = ",".join(fields[3:])[len("isa:"):]
            elif fields[1] == "exec" and fields[3] == "convolution":
                info["conv"] = fields[4]
    if "torch" not in info:
        raise RuntimeError((p.stdout + p.stderr).strip() or f"exit status {p.returncode}")
    return info


def isa_report(isa, torch_info, cnnlab_ran, env, cnnlab_how=None):
    """Header lines saying which instruction set each side ran (and a WARNING line per library
    whose report does not match a forced @p isa). cnnlab_how: how cnnlab was told (default
    'cnnlab_bench --isa ISA')."""
    lines = []
    if isa is None:
        preset = " ".join(f"{k}={env[k]}" for k in TORCH_ISA_VARIABLES if env.get(k))
        lines.append("instruction set: not forced (each side's own choice" +
                     (f"; from the environment: {preset}" if preset else "") + ")")
    else:
        how = cnnlab_how or f"cnnlab_bench --isa {isa}"
        lines.append(f"instruction set: --isa {isa} ({how}; PyTorch with " +
                     " ".join(f"{k}={v}" for k, v in ISAS[isa].items()) + ")")
    lines.append(f"  cnnlab ran:  {cnnlab_ran}")
    t = torch_info
    lines.append(f"  PyTorch ran: oneDNN isa \"{t['onednn']}\" (conv {t['conv']}); BLAS "
                 f"{t['blas']}; ATen CPU capability {t['aten']}")
    if isa is not None:
        onednn, core, aten = _EXPECTED[isa]
        checks = [("cnnlab", isa, cnnlab_ran, cnnlab_ran.startswith("sgemm kernel " + isa)),
                  ("oneDNN", onednn, t["onednn"],
                   onednn in t["onednn"] and not (isa == "avx2" and "512" in t["onednn"])),
                  ("OpenBLAS", core, t["blas"], f"core {core} " in t["blas"]),
                  ("ATen", aten, t["aten"], t["aten"].upper() == aten)]
        for lib, want, got, ok in checks:
            if not ok:
                lines.append(f"  WARNING: {lib} did not run {want} (it says: {got})")
    return lines


if __name__ == "__main__" and sys.argv[1:] == ["--probe"]:
    _probe_main()

"""bench/bench_common.py — what bench/compare.py and bench/gpu_compare.py share.

- measure(): the timing rule of bench/timing.hpp, for PyTorch: one untimed warm-up call, R calls
  per trial chosen from a second call so a trial lasts at least min_time / 5, a trial = R calls
  then ONE sync(), the figure = the median over the trials (5 by default) of trial time / R; a
  call that alone lasts min_time / 5 gets R = 1 (and is the first trial), and the trials stop
  early (after at least one) once they have used 3 × min_time.
- run_bench(), read_rows(), read_cases(): run build/bench/cnnlab_bench and parse its --csv and
  --list output (lines starting with '#' are comments: the backend's description).

Not a benchmark by itself; plain Python 3.9+, no NumPy or PyTorch needed to import it.
"""
import csv
import io
import math
import statistics
import subprocess
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


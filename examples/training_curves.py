#!/usr/bin/env python3
"""training_curves.py — run `cnnlab train`, keep its loss curves, and check what they show.

docs/training.md "Reading the loss curve" shows two real runs: LeNet-5 trained the default way
(all 60,000 images), and the same network on 500 images for 40 epochs, until it overfits.

Contract:
    training_curves.py --out DIR --name NAME --expect fits|overfits -- CNNLAB train [ARGS...]

runs the command with `--out DIR/NAME-run --overwrite` added, then reads the run's metrics.csv
and writes
    DIR/NAME.svg   the run's curves.svg (the page shows it with \\image),
    DIR/NAME.txt   the epochs as a table and what the curves did (the page's \\verbinclude).
It also prints that text. Exit status 0 when the curves did what --expect says, 1 when they did
not (the page's words would then be wrong), 2 on bad arguments or a failed run; on failure
neither file is left behind.

What the two expectations mean, measured on the test loss (the dots of the curve's left panel):
    fits      the test loss ends within 5 % of its lowest value: it fell with the training loss
              and never turned up;
    overfits  the test loss is lowest before the last epoch and ends at least 20 % above that
              lowest value, while the training loss ends below half of its value at that epoch:
              the network keeps getting better on its training images and worse on new ones.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for NAME.svg, NAME.txt and the run")
    parser.add_argument("--name", required=True, help="base name of the files written")
    parser.add_argument("--expect", required=True, choices=["fits", "overfits"])
    parser.add_argument("command", nargs="+", help="the cnnlab program and its arguments (after --)")
    return parser.parse_args()


def read_metrics(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path} has no epochs")
    return [{"epoch": int(r["epoch"]), "train_loss": float(r["train_loss"]),
             "test_loss": float(r["test_loss"]), "train_acc": float(r["train_accuracy"]),
             "test_acc": float(r["test_accuracy"])} for r in rows]


def table(rows):
    """The epochs as text: all of them up to 12, else the first ten, every fifth, the last and
    those of the lowest test loss and of the best test accuracy."""
    marked = (min(rows, key=lambda r: r["test_loss"]), max(rows, key=lambda r: r["test_acc"]), rows[-1])
    keep = [r for r in rows
            if len(rows) <= 12 or r["epoch"] <= 10 or r["epoch"] % 5 == 0 or any(r is m for m in marked)]
    lines = ["epoch  train loss  test loss  train acc  test acc"]
    for r in keep:
        lines.append(f"{r['epoch']:5d}  {r['train_loss']:10.4f}  {r['test_loss']:9.4f}  "
                     f"{100 * r['train_acc']:7.1f} %  {100 * r['test_acc']:6.1f} %")
    if len(keep) < len(rows):
        lines.append(f"({len(rows) - len(keep)} epochs not shown; all are in the run's metrics.csv)")
    return lines


def verdict(rows, expect):
    """(text lines, whether the curves did what `expect` says)."""
    best = min(rows, key=lambda r: r["test_loss"])
    last = rows[-1]
    rise = last["test_loss"] / best["test_loss"] - 1
    top = max(rows, key=lambda r: r["test_acc"])  # the first epoch of the best accuracy
    lines = [f"lowest test loss: {best['test_loss']:.4f} at epoch {best['epoch']}",
             f"best test accuracy: {100 * top['test_acc']:.1f} % at epoch {top['epoch']} "
             f"(the epoch best.safetensors keeps)",
             f"last epoch ({last['epoch']}): test loss {last['test_loss']:.4f} "
             f"({100 * rise:+.0f} % from the lowest), train loss {last['train_loss']:.4f}"]
    if expect == "fits":
        ok = rise <= 0.05
        lines.append("the test loss fell with the training loss and ended within 5 % of its lowest"
                     if ok else "EXPECTED the test loss to end within 5 % of its lowest")
    else:
        train_fell = last["train_loss"] < 0.5 * best["train_loss"]
        ok = best is not last and rise >= 0.20 and train_fell
        lines.append(f"after epoch {best['epoch']} the training loss kept falling "
                     f"({best['train_loss']:.4f} -> {last['train_loss']:.4f}) while the test loss "
                     f"rose: overfitting" if ok else
                     "EXPECTED the test loss to turn up by 20 % or more while the training "
                     "loss kept falling")
    return lines, ok


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    run_dir = os.path.join(args.out, f"{args.name}-run")
    svg = os.path.join(args.out, f"{args.name}.svg")
    txt = os.path.join(args.out, f"{args.name}.txt")
    for stale in (svg, txt):
        if os.path.exists(stale):
            os.remove(stale)
    command = args.command + ["--out", run_dir, "--overwrite"]
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if run.returncode != 0:
        sys.stdout.write(run.stdout[-4000:])
        print(f"training_curves.py: `{' '.join(command)}` failed with exit status {run.returncode}",
              file=sys.stderr)
        return 2
    rows = read_metrics(os.path.join(run_dir, "metrics.csv"))
    lines, ok = verdict(rows, args.expect)
    text = "\n".join(table(rows) + [""] + lines) + "\n"
    sys.stdout.write(text)
    if not ok:
        print(f"training_curves.py: the curves of {args.name} are not what the page says "
              f"(--expect {args.expect})", file=sys.stderr)
        return 1
    shutil.copyfile(os.path.join(run_dir, "curves.svg"), svg + ".tmp")
    with open(txt + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(svg + ".tmp", svg)
    os.replace(txt + ".tmp", txt)
    return 0


if __name__ == "__main__":
    sys.exit(main())

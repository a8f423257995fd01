#!/usr/bin/env python3
"""check_example.py — run one example program and check its output (ctest, examples/).

Contract: `check_example.py [--expect REGEX]... -- PROGRAM [ARGS...]` runs PROGRAM, prints its
output, and exits 0 only when PROGRAM exited 0 and every REGEX (Python syntax, searched in the
whole output, so it may span lines) is found; otherwise it names what is missing and exits 1.
The regexes carry values worked out by hand (examples/CMakeLists.txt), not a saved run.
"""
import argparse
import re
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expect", action="append", default=[], help="regex the output must contain")
    parser.add_argument("program", nargs=argparse.REMAINDER, help="-- PROGRAM [ARGS...]")
    args = parser.parse_args()
    command = args.program[1:] if args.program[:1] == ["--"] else args.program
    if not command:
        parser.error("no program given")
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=600, check=False)
    sys.stdout.write(run.stdout)
    failures = []
    if run.returncode != 0:
        failures.append(f"exit status {run.returncode}, expected 0")
    for regex in args.expect:
        if not re.search(regex, run.stdout):
            failures.append(f"output lacks /{regex}/")
    for failure in failures:
        print(f"check_example: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

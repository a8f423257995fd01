#!/usr/bin/env python3
"""grader_selftest.py — runs cnnlab-grade-selftest and checks its report, line by line.

    python3 tests/grader/grader_selftest.py BUILD/tests/cnnlab-grade-selftest

The self-test grader has checks that pass, fail, call a stub, crash and hang
(tests/grader/selftest_checks.cpp). Exit 0 when the report says exactly that.
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        # Time limits scaled down: exercise 5's endless loop is stopped after 30 s * 0.1.
        p = subprocess.run([exe, "--json", report, "--time-scale", "0.1"], capture_output=True,
                           text=True, timeout=120)
        out = p.stdout
        r = json.load(open(report))
    ex = {e["number"]: e for e in r["exercises"]}
    problems = []

    def want(cond, what):
        if not cond:
            problems.append(what)

    want(p.returncode == 1, f"exit status {p.returncode}, expected 1 (some checks fail)")
    want(ex[1]["status"] == "passed" and ex[1]["points"] == 5, "exercise 1 should pass: 5/5")
    want(ex[2]["status"] == "failed" and ex[2]["points"] == 2.5,
         "exercise 2 should score half its 5 points (1 of 2 checks)")
    d = ex[2]["checks"][1]["diagnosis"]
    for piece in ["1 of 4 values differ", "first at [1, 0]: expected 3.5, got 3",
                  "max abs error 0.5 at [1, 0]", "max rel error"]:
        want(piece in d, f"exercise 2's diagnosis lacks '{piece}': {d!r}")
    want(ex[3]["status"] == "not_implemented" and "is not implemented yet" in
         ex[3]["checks"][0]["diagnosis"], "exercise 3 should be 'not implemented yet'")
    want(ex[4]["status"] == "crashed" and ex[4]["points"] == 0 and
         # signal 11 with the check's last output; or, under AddressSanitizer, which catches
         # the signal, its exit status (the last output is then the end of ASan's long report)
         (("signal 11" in ex[4]["note"] and "about to crash" in ex[4]["checks"][0]["diagnosis"])
          or "exited with status" in ex[4]["note"]),
         "exercise 4 should be reported as crashed, with its last output")
    want(ex[5]["status"] == "timeout" and ex[5]["points"] == 0 and ex[5]["seconds"] < 10,
         "exercise 5 should be stopped at its (scaled) time limit")
    for n in (6, 7, 8, 9, 11):
        want(ex[n]["status"] == "passed", f"exercise {n} should pass despite the crash and hang")
    want(ex[10]["status"] == "blocked" and "needs exercise 3" in ex[10]["note"],
         "exercise 10 should be blocked by exercise 3")
    want(ex[12]["status"] == "failed" and "nothing was thrown" in
         ex[12]["checks"][0]["diagnosis"], "exercise 12's expect_error should fail")
    want(r["total"] == 5 + 2.5 + 10 * 5 and r["max"] == 110, f"total {r['total']}/{r['max']}")
    want("Total 57.5/110" in out, "the table should end with 'Total 57.5/110'")
    for p_ in problems:
        print("FAIL:", p_)
    if problems:
        print(out)
        return 1
    print("grader self-test: every kind of result reported as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())

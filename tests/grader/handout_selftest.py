#!/usr/bin/env python3
"""handout_selftest.py — tests exercises/handout.py on a tiny repository made for the purpose.

    python3 tests/grader/handout_selftest.py

Builds a throw-away git repository with a copy of handout.py, the real exercise list and one
source file per case, then checks: a C++ region becomes a not_implemented() call with its
arguments; a GLSL region becomes its {stub: ...} text; --only stubs one exercise and keeps the
others; hidden files and the proofs script stay out of the kit and --keep-hidden keeps them;
README's quick start is rewritten for students; malformed markers (no END, nesting, an unknown
exercise) are refused with file and line and nothing is written; a non-empty --out is refused;
--update rewrites only the files that change. Exit 0 when all hold.
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CPP = """int f(int x, int y) {
  // BEGIN SOLUTION exercise 7: conv2d_forward [x, y]
  return x + y;
  // END SOLUTION
}
int g() {
  // BEGIN SOLUTION exercise 3: linear_forward []
  return 1;
  // END SOLUTION
}
"""
GLSL = """void main() {
  // BEGIN SOLUTION exercise 12: relu_backward {stub: r = vec4(CNNLAB_NOT_IMPLEMENTED);}
  r = a;
  // END SOLUTION
}
"""
# Every other exercise gets a region too: a kit needs one for each exercise.
OTHERS = "".join(f"void e{n}() {{\n  // BEGIN SOLUTION exercise {n}: e{n} []\n  // END SOLUTION\n}}\n"
                 for n in (1, 2, 4, 5, 6, 8, 9, 10, 11))
README = "# x\n\n## Quick start\n\nbash scripts/quickstart.sh\n\n## Layout\n\nfolders\n"

problems = []


def want(cond, what):
    if not cond:
        problems.append(what)


def make_repo(tmp, extra=None):
    repo = os.path.join(tmp, "repo")
    os.makedirs(os.path.join(repo, "exercises/grader"))
    os.makedirs(os.path.join(repo, "exercises/hidden"))
    os.makedirs(os.path.join(repo, "src"))
    os.makedirs(os.path.join(repo, "scripts"))
    shutil.copy(os.path.join(ROOT, "exercises/handout.py"), os.path.join(repo, "exercises"))
    shutil.copy(os.path.join(ROOT, "exercises/grader/exercise_list.cpp"),
                os.path.join(repo, "exercises/grader"))
    files = {"src/a.cpp": CPP, "src/b.comp": GLSL, "src/others.cpp": OTHERS, "README.md": README,
             "exercises/hidden/h.cpp": "secret\n", "scripts/exercise_proofs.sh": "proofs\n"}
    files.update(extra or {})
    for rel, text in files.items():
        with open(os.path.join(repo, rel), "w") as f:
            f.write(text)
    subprocess.run(["git", "init", "-q", repo], check=True)
    return repo


def handout(repo, *args):
    return subprocess.run([sys.executable, os.path.join(repo, "exercises/handout.py"), *args],
                          capture_output=True, text=True)


def read(path):
    return open(path).read()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(tmp)
        kit = os.path.join(tmp, "kit")
        p = handout(repo, "--out", kit)
        want(p.returncode == 0, f"the kit was not written: {p.stderr}")
        a = read(os.path.join(kit, "src/a.cpp"))
        want('cnnlab::not_implemented("exercise 7: conv2d_forward", x, y);' in a,
             f"C++ stub with arguments missing:\n{a}")
        want('cnnlab::not_implemented("exercise 3: linear_forward");' in a, "C++ stub without")
        want("return x + y" not in a and "SOLUTION" not in a, "the solution is still in the kit")
        want("Task page: exercises/07_conv2d_forward.md" in a, "the stub does not name its page")
        b = read(os.path.join(kit, "src/b.comp"))
        want("  r = vec4(CNNLAB_NOT_IMPLEMENTED);" in b and "r = a;" not in b, f"GLSL stub:\n{b}")
        want(not os.path.exists(os.path.join(kit, "exercises/hidden")), "hidden files in the kit")
        want(not os.path.exists(os.path.join(kit, "scripts/exercise_proofs.sh")), "proofs script")
        r = read(os.path.join(kit, "README.md"))
        want("scripts/grade.sh" in r and "## Layout" in r and "quickstart.sh\n\n## Layout" not in r,
             "README's quick start was not rewritten for students")

        p = handout(repo, "--out", kit)
        want(p.returncode == 1 and "not an empty folder" in p.stderr, "a non-empty --out accepted")

        one = os.path.join(tmp, "one")
        p = handout(repo, "--out", one, "--only", "7", "--keep-hidden")
        a = read(os.path.join(one, "src/a.cpp"))
        want("exercise 7: conv2d_forward" in a and "return 1;" in a, f"--only 7:\n{a}")
        want(os.path.exists(os.path.join(one, "exercises/hidden/h.cpp")), "--keep-hidden")
        stamp = os.path.getmtime(os.path.join(one, "src/b.comp"))
        p = handout(repo, "--out", one, "--update", "--keep-hidden", "--only", "3")
        a = read(os.path.join(one, "src/a.cpp"))
        want(p.returncode == 0 and "return x + y;" in a and "exercise 3: linear_forward" in a,
             f"--update --only 3:\n{a}\n{p.stderr}")
        want(os.path.getmtime(os.path.join(one, "src/b.comp")) == stamp,
             "--update rewrote a file that did not change")
        p = handout(repo, "--out", kit, "--update")
        want(p.returncode == 0, "--update of a kit")
        p = handout(repo, "--out", tmp, "--update")
        want(p.returncode == 1 and "was not written by handout.py" in p.stderr,
             "--update of a folder it did not write")

    bad = {
        "no END": ("// BEGIN SOLUTION exercise 7: x [a]\nint a;\n", "without an END SOLUTION"),
        "nested": ("// BEGIN SOLUTION exercise 7: x []\n// BEGIN SOLUTION exercise 7: y []\n"
                   "// END SOLUTION\n", "do not nest"),
        "unknown exercise": ("// BEGIN SOLUTION exercise 99: x []\n// END SOLUTION\n",
                             "there is no exercise 99"),
        "stray END": ("int a;\n// END SOLUTION\n", "without a BEGIN"),
        "malformed": ("// BEGIN SOLUTION exercise seven\n// END SOLUTION\n", "malformed marker"),
    }
    for case, (text, needle) in bad.items():
        with tempfile.TemporaryDirectory() as tmp:
            repo = make_repo(tmp, {"src/bad.cpp": text})
            kit = os.path.join(tmp, "kit")
            p = handout(repo, "--out", kit)
            want(p.returncode == 1 and needle in p.stderr and "src/bad.cpp:" in p.stderr,
                 f"{case}: expected an error with '{needle}' and the file, got {p.stderr!r}")
            want(not os.path.exists(kit), f"{case}: something was written")

    for p_ in problems:
        print("FAIL:", p_)
    if not problems:
        print("handout.py self-test: all cases behave")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""handout.py — writes the student kit: cnnlab with every exercise's solution taken out.

    python3 exercises/handout.py --out DIR          the student kit (all exercises stubbed)
    python3 exercises/handout.py --out DIR --only 7 one exercise stubbed (CI's per-exercise proof)
    python3 exercises/handout.py --list             the marked regions, per exercise
    python3 exercises/handout.py --out DIR --update --keep-hidden --only 7
                                                    rewrite an earlier copy in place (CI)

Contract. The solutions are the library's own code, marked in place:

    // BEGIN SOLUTION exercise 7: conv2d_forward [x, w, b, y, g]
    ... the body ...
    // END SOLUTION

Each region becomes a stub: in C++ `cnnlab::not_implemented("exercise 7: conv2d_forward", x, w,
b, y, g);`, which throws cnnlab::NotImplemented (the names in [...] are passed only so that the
stubbed function compiles without unused-parameter warnings); in GLSL, or wherever the marker
says `{stub: ...}`, that text. A comment above the stub points to the exercise's task page.

The kit is every file of the repository (git's tracked and untracked-but-not-ignored files)
except exercises/hidden/ (the instructor's hidden checks and data) and the proofs script, with
README.md's quick start rewritten for students. DIR must not exist or be empty; the kit is
written to a temporary folder next to it and renamed at the end, so a failure leaves nothing
half written. --update instead rewrites, in a folder this tool wrote before, only the files
whose content changes (so an incremental build recompiles just those); --keep-hidden keeps
exercises/hidden/ (an instructor's copy, for CI's per-exercise proof). A malformed marker (BEGIN without END, nesting, an unknown exercise) is an error
naming the file and line, and nothing is written.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Files that never go to students: the hidden checks and data, and what proves the kit.
INSTRUCTOR_ONLY = ("exercises/hidden/", "scripts/exercise_proofs.sh")
MARKED_SUFFIXES = (".cpp", ".hpp", ".h", ".comp", ".glsl", ".cpp.in")

BEGIN = re.compile(
    r"^(?P<indent>\s*)//\s*BEGIN SOLUTION exercise (?P<num>\d+): (?P<name>[A-Za-z0-9_]+)"
    r"\s*(?:\[(?P<args>[^\]]*)\])?\s*(?:\{stub:\s*(?P<stub>.*)\})?\s*$")
END = re.compile(r"^\s*//\s*END SOLUTION\s*$")
ANY_MARKER = re.compile(r"(BEGIN|END) SOLUTION")


class MarkerError(Exception):
    pass


def exercise_pages():
    """{number: task page} from exercises/grader/exercise_list.cpp, the one list of exercises."""
    text = open(os.path.join(ROOT, "exercises/grader/exercise_list.cpp"), encoding="utf-8").read()
    pages = {}
    for m in re.finditer(r'\.number = (\d+),.*?\.page = "([^"]+)"', text, re.S):
        pages[int(m.group(1))] = m.group(2)
    if not pages:
        raise MarkerError("exercises/grader/exercise_list.cpp: no exercises found")
    return pages


STAMP = ".cnnlab-handout"


def repository_files(keep_hidden):
    """Relative paths of the files a student gets (with keep_hidden: the instructor's too)."""
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True, capture_output=True).stdout
        files = [f for f in out.decode("utf-8").split("\0") if f]
    except (OSError, subprocess.CalledProcessError) as e:
        raise MarkerError(f"cannot list the repository's files with git ({e}); run it in a "
                          "git checkout of cnnlab")
    files = [f for f in files if os.path.isfile(os.path.join(ROOT, f))]
    return sorted(f for f in files if keep_hidden or not f.startswith(INSTRUCTOR_ONLY))


def find_regions(path, lines, pages):
    """[(begin line index, end line index, match)] of the file's marked regions."""
    regions, open_at = [], None
    for i, line in enumerate(lines):
        b, e = BEGIN.match(line), END.match(line)
        if b:
            if open_at is not None:
                raise MarkerError(f"{path}:{i + 1}: BEGIN SOLUTION inside the region opened at "
                                  f"line {open_at[0] + 1} (regions do not nest)")
            if int(b.group("num")) not in pages:
                raise MarkerError(f"{path}:{i + 1}: there is no exercise {b.group('num')} "
                                  "(exercises/grader/exercise_list.cpp)")
            open_at = (i, b)
        elif e:
            if open_at is None:
                raise MarkerError(f"{path}:{i + 1}: END SOLUTION without a BEGIN SOLUTION")
            regions.append((open_at[0], i, open_at[1]))
            open_at = None
        elif ANY_MARKER.search(line) and "SOLUTION" in line and line.lstrip().startswith("//"):
            raise MarkerError(f"{path}:{i + 1}: malformed marker; write "
                              "'// BEGIN SOLUTION exercise N: name [args]' or '// END SOLUTION'")
    if open_at is not None:
        raise MarkerError(f"{path}:{open_at[0] + 1}: BEGIN SOLUTION without an END SOLUTION")
    return regions


def stub_lines(match, pages):
    indent, num, name = match.group("indent"), int(match.group("num")), match.group("name")
    what = f"exercise {num}: {name}"
    lines = [f"{indent}// EXERCISE {num} ({name}): write your code here. Task page: {pages[num]}\n"]
    if match.group("stub"):
        lines.append(f"{indent}{match.group('stub').strip()}\n")
    else:
        args = [a.strip() for a in (match.group("args") or "").split(",") if a.strip()]
        lines.append(f'{indent}cnnlab::not_implemented("{what}"' +
                     "".join(", " + a for a in args) + ");\n")
    return lines


def stub_file(path, text, pages, only):
    """(new text, [(exercise, name)] stubbed) for one file."""
    lines = text.splitlines(keepends=True)
    regions = find_regions(path, lines, pages)
    out, stubbed, pos = [], [], 0
    for begin, end, m in regions:
        num = int(m.group("num"))
        if only and num not in only:
            continue
        out.extend(lines[pos:begin])
        out.extend(stub_lines(m, pages))
        stubbed.append((num, m.group("name")))
        pos = end + 1
    out.extend(lines[pos:])
    return "".join(out), stubbed


def student_readme(text):
    """README.md with its quick start replaced by the student kit's."""
    kit = """## Quick start (student kit)

This is the **student kit** of cnnlab: the whole library, with the bodies of the graded
exercises taken out. Each missing body throws `cnnlab::NotImplemented`, so everything builds and
every command runs, saying which exercise is not implemented yet. The exercises, their task
pages and the grader are described in [exercises/README.md](exercises/README.md).

On Debian 12, from the repository root, as root (or as a user who may run `sudo`):

```sh
bash scripts/grade.sh              # installs what is missing, builds, grades every exercise
bash scripts/grade.sh --only 7     # grades exercise 7 (and what it needs) only
```

`scripts/grade.sh` prints a table (exercise, points, checks passed), a diagnosis for each
failed check and `Total N/M`. Once your exercises pass, `bash scripts/quickstart.sh` trains
LeNet-5 with your code.

"""
    m = re.search(r"^## Quick start\n.*?(?=^## )", text, re.M | re.S)
    if not m:
        return kit + text
    return text[:m.start()] + kit + text[m.end():]


def update(out, plan, found):
    """--update: rewrites the files of an earlier copy whose content changes."""
    if not os.path.isfile(os.path.join(out, STAMP)):
        print(f"handout.py: error: --update: {out} was not written by handout.py (no {STAMP}); "
              "nothing was changed", file=sys.stderr)
        return 1
    changed = 0
    for rel, text in plan:
        src, dst = os.path.join(ROOT, rel), os.path.join(out, rel)
        new = open(src, "rb").read() if text is None else text.encode("utf-8")
        if os.path.isfile(dst) and open(dst, "rb").read() == new:
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = dst + ".handout-tmp"
        with open(tmp, "wb") as f:
            f.write(new)
        shutil.copymode(src, tmp)
        os.replace(tmp, dst)
        changed += 1
    regions = sum(len(v) for v in found.values())
    print(f"handout.py: updated {out}: {changed} file(s) rewritten, {regions} region(s) of "
          f"{len(found)} exercise(s) stubbed")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="folder to write the kit to (must not exist, or be empty)")
    ap.add_argument("--only", type=int, action="append", metavar="N",
                    help="stub only exercise N (repeatable); default: every exercise")
    ap.add_argument("--list", action="store_true", help="list the marked regions and stop")
    ap.add_argument("--update", action="store_true",
                    help="DIR is a copy this tool wrote before: rewrite only what changes")
    ap.add_argument("--keep-hidden", action="store_true",
                    help="keep exercises/hidden/ (an instructor's copy; never give it to students)")
    args = ap.parse_args()
    if not args.list and not args.out:
        ap.error("give --out DIR (or --list)")

    try:
        pages = exercise_pages()
        if args.only:
            for n in args.only:
                if n not in pages:
                    raise MarkerError(f"--only {n}: there is no exercise {n}")
        files = repository_files(args.keep_hidden)
        plan, found = [], {}
        for rel in files:
            src = os.path.join(ROOT, rel)
            text = None
            if rel.endswith(MARKED_SUFFIXES):
                with open(src, encoding="utf-8") as f:
                    text = f.read()
                new, stubbed = stub_file(rel, text, pages, set(args.only or []))
                for num, name in stubbed:
                    found.setdefault(num, []).append(f"{rel}: {name}")
                text = new if stubbed else None
            if rel == "README.md" and not args.only and not args.keep_hidden:
                with open(src, encoding="utf-8") as f:
                    text = student_readme(f.read())
            plan.append((rel, text))
    except MarkerError as e:
        print(f"handout.py: error: {e}", file=sys.stderr)
        return 1

    wanted = sorted(args.only) if args.only else sorted(pages)
    missing = [n for n in wanted if n not in found]
    if args.list:
        for n in sorted(pages):
            print(f"exercise {n}: " + ("; ".join(found.get(n, [])) or "NO REGIONS"))
        return 1 if missing else 0
    if missing:
        print("handout.py: error: no marked region for exercise(s) " +
              ", ".join(map(str, missing)), file=sys.stderr)
        return 1

    out = os.path.abspath(args.out)
    if args.update:
        return update(out, plan, found)
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        print(f"handout.py: error: {out} exists and is not an empty folder; choose a new one "
              "(nothing was written)", file=sys.stderr)
        return 1
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".handout-", dir=parent)
    try:
        open(os.path.join(tmp, STAMP), "w").close()
        for rel, text in plan:
            dst = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if text is None:
                shutil.copy2(os.path.join(ROOT, rel), dst)
            else:
                with open(dst, "w", encoding="utf-8") as f:
                    f.write(text)
                shutil.copymode(os.path.join(ROOT, rel), dst)
        if os.path.isdir(out):
            os.rmdir(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    regions = sum(len(v) for v in found.values())
    print(f"handout.py: wrote {out}: {len(plan)} files, {regions} region(s) of "
          f"{len(found)} exercise(s) stubbed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""page_commands.py — every command a page shows is run by a test or by CI (issue 14).

Contract: `page_commands.py --source ROOT --build BUILD [--ctest CTEST]` reads the ```sh,
```bash, ```shell and ```console blocks of ROOT/docs/*.md, ROOT/exercises/*.md and
ROOT/README.md, takes each command out of them (a line of a sh/bash/shell block, or a `$ `
line of a console block; a trailing `  # comment` dropped, `\\` continuations joined), and
checks it against COMMANDS below, which says who runs it:

  Test(name, argv, file)  the ctest test `name` (it must be registered in BUILD: read from
                          `ctest --show-only=json-v1`), whose command line must contain the words
                          `argv` in that order (a word matches an argument or its file name), and
                          whose script `file` = (path, text), if given, must contain `text`;
  Ci(path, texts)         CI's own scripts: ROOT/path must contain every text (CI runs .ci/run,
                          which runs scripts/test.sh, which runs scripts/setup.sh, the whole
                          ctest suite and scripts/arm64.sh);
  Unrun(reason)           no automated run can execute it here; the reason is printed each time.

A page command missing from COMMANDS fails the check (add a test, then a row); so does a row no
page shows any more, a test that is not registered (unless the row says it is registered only in
some builds: optional=True, printed as a note), a test whose command lacks `argv`, and a script
lacking its text. Tag filters of the test programs ("[cross-backend]") must name a tag that some
tests/*.cpp file uses. Exit status 0 when every command is accounted for, 1 otherwise.
"""
import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field


@dataclass
class Test:
    name: str
    argv: list
    file: tuple = ()
    optional: bool = False


@dataclass
class Ci:
    path: str
    texts: list = field(default_factory=list)


@dataclass
class Unrun:
    reason: str


COMMANDS = {
    # README.md, docs/mainpage.md: the two-command quick start.
    "bash scripts/quickstart.sh": Ci(".ci/run", ["bash scripts/quickstart.sh"]),
    "bash scripts/test.sh": Ci(".ci/run", ["bash scripts/test.sh"]),
    # README.md: building and installing.
    "cmake -S . -B build && cmake --build build -j": Ci("scripts/setup.sh", ['cmake -S "$ROOT" -B "$BUILD_DIR"', 'cmake --build "$BUILD_DIR"']),
    "cmake --install build --prefix /opt/cnnlab": Test(
        "consumer_project", ["run_consumer_test.cmake"], ("cmake/run_consumer_test.cmake", '--install "${BUILD_DIR}" --prefix "${PREFIX}"')),
    "bash scripts/arm64.sh": Ci("scripts/test.sh", ["bash scripts/arm64.sh"]),
    # docs/add_an_op.md: the op's command line and the tests that check it.
    "build/tools/cnnlab op global_avgpool2d --help": Test("cli_op_global_avgpool2d_help", ["cnnlab", "op", "global_avgpool2d", "--help"]),
    "build/tools/cnnlab op global_avgpool2d --x x.npy --dy dy.npy --backend vulkan": Test(
        "cli_op_global_avgpool2d_vulkan", ["cnnlab", "op", "global_avgpool2d", "--x", "--dy", "--backend", "vulkan"], optional=True),
    "build/tools/cnnlab gradcheck global_avgpool2d": Test("cli_gradcheck_global_avgpool2d", ["cnnlab", "gradcheck", "global_avgpool2d"]),
    "cmake --build build --target cnnlab_tests cnnlab_vulkan_tests cnnlab-cli cnnlab_npy_tool": Ci("scripts/setup.sh", ['cmake --build "$BUILD_DIR"']),
    'build/tests/cnnlab_tests "[cross-backend]"': Ci("scripts/test.sh", ["ctest --test-dir build "]),
    'build/tests/cnnlab_vulkan_tests "[cross-backend]"': Ci("scripts/test.sh", ["ctest --test-dir build "]),
    'build/tests/cnnlab_tests "[ops],[gradcheck],[registry]"': Ci("scripts/test.sh", ["ctest --test-dir build "]),
    'ctest --test-dir build -R "cli_|registry|gradcheck"': Ci("scripts/test.sh", ["ctest --test-dir build "]),
    "ctest --test-dir build": Ci("scripts/test.sh", ["ctest --test-dir build "]),
    # docs/gradcheck.md
    "build/tools/cnnlab gradcheck --list": Test("cli_gradcheck_list", ["cnnlab", "gradcheck", "--list"]),
    "build/tools/cnnlab gradcheck conv2d --shape 1,2,5,5 --filters 3 --stride 2 --padding 1": Test(
        "cli_gradcheck_conv2d_page", ["cnnlab", "gradcheck", "conv2d", "--shape", "1,2,5,5", "--filters", "3", "--stride", "2", "--padding", "1"]),
    # docs/openmp.md: measuring.
    "build/bench/cnnlab_bench --backend openmp --passes": Test("bench_openmp_passes", ["cnnlab_bench", "--backend", "openmp", "--passes"]),
    # Registered only where /usr/bin/python3 imports torch (Debian's python3-torch, which CI does
    # not install: some 200 packages); it runs one layer, one thread.
    "/usr/bin/python3 bench/compare.py": Test(
        "bench_compare_torch", ["python3", "compare.py", "--bench", "cnnlab_bench"], optional=True),
    # docs/training.md: Fashion-MNIST is installed by scripts/setup.sh; without it the test is
    # not registered (tests/cli/CMakeLists.txt).
    "build/tools/cnnlab train": Test("cli_trained_run", ["trained_run.sh", "cnnlab"], ("tests/cli/trained_run.sh", '"$cli" train --epochs 1 --limit 2000'), optional=True),
    # docs/training.md "Overfitting": examples/training_curves.py runs it and checks the curves.
    "build/tools/cnnlab train --limit 500 --epochs 40 --schedule constant --warmup 0": Test(
        "example_overfitting", ["training_curves.py", "cnnlab", "train", "--limit", "500", "--epochs", "40",
                                "--schedule", "constant", "--warmup", "0"], optional=True),
    # docs/vulkan.md "Profiling": the run the page's table comes from.
    "CNNLAB_VK_PROFILE=1 build/tools/cnnlab train --backend vulkan --limit 256 --epochs 1": Test(
        "cli_train_vulkan_profile", ["CNNLAB_VK_PROFILE=1", "cnnlab", "train", "--backend", "vulkan", "--limit", "256",
                                     "--epochs", "1"], optional=True),
    # docs/xo.md
    "build/tools/cnnlab demo xo": Test("cli_demo_xo", ["cnnlab", "demo", "xo"]),
}

BLOCK_LANGUAGES = {"sh", "bash", "shell", "console"}


def page_commands(root):
    """Yields (page, line number, command) for every command of every page."""
    pages = sorted(glob.glob(os.path.join(root, "docs", "*.md")) +
                   glob.glob(os.path.join(root, "exercises", "*.md")) + [os.path.join(root, "README.md")])
    for page in pages:
        language = None  # the open block's language, None outside a block
        pending, pending_line = "", 0
        with open(page, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                fence = re.match(r"^\s*(```|~~~)\s*([\w-]*)", line)
                if fence:
                    language = (fence.group(2) or "text") if language is None else None
                    continue
                if language not in BLOCK_LANGUAGES:
                    continue
                text = line.rstrip("\n")
                if language == "console":
                    if not pending and not text.startswith("$ "):
                        continue  # output, not a command
                    text = text[2:] if not pending else text
                text = re.sub(r"(^|\s)#.*$", "", text).strip()
                if not text:
                    continue
                if not pending:
                    pending_line = number
                if text.endswith("\\"):
                    pending += text[:-1].strip() + " "
                    continue
                yield os.path.relpath(page, root), pending_line, " ".join((pending + text).split())
                pending = ""


def registered_tests(ctest, build):
    """Maps each ctest test name in BUILD to its command line (a list)."""
    out = subprocess.run([ctest, "--test-dir", build, "--show-only=json-v1"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return {t["name"]: t.get("command", []) for t in json.loads(out).get("tests", [])}


def contains_in_order(command, words):
    """True when every word matches an argument of command (or its file name), in order."""
    i = 0
    for arg in command:
        if i < len(words) and words[i] in (arg, os.path.basename(arg)):
            i += 1
    return i == len(words)


def test_tags(root):
    text = ""
    for path in glob.glob(os.path.join(root, "tests", "*.cpp")):
        with open(path, encoding="utf-8") as f:
            text += f.read()
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="the repository root")
    parser.add_argument("--build", required=True, help="a configured build folder")
    parser.add_argument("--ctest", default="ctest", help="the ctest program (default: ctest on PATH)")
    args = parser.parse_args()
    root = os.path.abspath(args.source)
    tests = registered_tests(args.ctest, args.build)
    sources = test_tags(root)
    problems, notes, shown = [], [], set()

    for page, line, command in page_commands(root):
        where = f"{page}:{line}: `{command}`"
        shown.add(command)
        row = COMMANDS.get(command)
        if row is None:
            problems.append(f"{where} is run by no test: add a test that runs it, then a row to "
                            f"COMMANDS in tests/docs/page_commands.py")
            continue
        for program_tags in re.findall(r'cnnlab_(?:vulkan_)?tests "([^"]*)"', command):
            for tag in re.findall(r"\[[^\]]+\]", program_tags):
                if f'"{tag}' not in sources and f"{tag}\"" not in sources and tag not in sources:
                    problems.append(f"{where}: no test in tests/*.cpp has the tag {tag}")
        before = len(problems)
        if isinstance(row, Test):
            if row.name not in tests:
                (notes if row.optional else problems).append(
                    f"{where}: test {row.name} is not registered in {args.build}" +
                    (" (registered only in some builds)" if row.optional else ""))
            elif not contains_in_order(tests[row.name], row.argv):
                problems.append(f"{where}: test {row.name} does not run {' '.join(row.argv)}: "
                                f"{shlex.join(tests[row.name])}")
            if row.file:
                path, text = row.file
                with open(os.path.join(root, path), encoding="utf-8") as f:
                    if text not in f.read():
                        problems.append(f"{where}: {path} no longer contains {text!r}")
            if row.name in tests and len(problems) == before:
                print(f"ok  {where}: test {row.name}")
        elif isinstance(row, Ci):
            with open(os.path.join(root, row.path), encoding="utf-8") as f:
                script = f.read()
            missing = [t for t in row.texts if t not in script]
            if missing:
                problems.append(f"{where}: {row.path} no longer contains {missing!r}")
            else:
                print(f"ok  {where}: CI, {row.path}")
        else:
            notes.append(f"{where} is not run automatically: {row.reason}")

    for command in sorted(set(COMMANDS) - shown):
        problems.append(f"COMMANDS row `{command}` is shown by no page: remove it")
    for note in notes:
        print(f"note {note}")
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print(f"page_commands: {len(shown)} distinct commands, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""leak_check.py — proves that nothing hidden, and no solution, is in a student kit.

    python3 exercises/tools/leak_check.py --kit DIR --hidden exercises/hidden

Contract: exit 0 and one summary line when the kit at DIR is clean; otherwise one line per leak
and exit 1. A kit leaks when it has
  1. a file under exercises/hidden/, or any file whose bytes equal a file of the hidden folder
     (its checks, its data, its scripts);
  2. a check array whose numbers equal a hidden .npy file's (compared after the .npy header);
     a layer's settings (fewer than 8 values, all small integers, such as stride 1, padding 0,
     dilation 1, groups 1) are too common to tell anything and are not compared;
  3. the name of a hidden check (GRADE_HIDDEN_CHECK(N, "name")) anywhere in its text files;
  4. a number a hidden check expects: every numeric literal of 5 or more digits in the hidden
     checks' sources, searched as a whole token in the kit's text files;
  5. a solution marker (BEGIN SOLUTION / END SOLUTION) left in any source file.
"""
import argparse
import hashlib
import os
import re
import sys

TEXT_SUFFIXES = (".cpp", ".hpp", ".h", ".comp", ".glsl", ".py", ".md", ".txt", ".json", ".sh",
                 ".cmake", ".in", ".csv")
HIDDEN_NAME = re.compile(r'GRADE_HIDDEN_CHECK\(\s*\d+\s*,\s*"((?:[^"\\]|\\.)*)"')
LONG_NUMBER = re.compile(r"(?<![\w.])(\d[\d']{4,}(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])")


def walk(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x not in (".git", "build", "build-asan")]
        for f in files:
            yield os.path.join(d, f)


def digest(data):
    return hashlib.sha256(data).hexdigest()


def npy_payload(data):
    """The array bytes of an .npy file (after its header), or None."""
    if not data.startswith(b"\x93NUMPY"):
        return None
    major = data[6]
    if major == 1:
        hlen = int.from_bytes(data[8:10], "little")
        start = 10 + hlen
    else:
        hlen = int.from_bytes(data[8:12], "little")
        start = 12 + hlen
    return data[start:]


def is_settings(payload):
    """True for a tiny array of small integers (a layer's settings), assuming float32 values."""
    import struct
    if len(payload) % 4 or len(payload) // 4 >= 8:
        return False
    values = struct.unpack(f"<{len(payload) // 4}f", payload)
    return all(v == int(v) and abs(v) <= 64 for v in values)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kit", required=True, help="the student kit (handout.py --out)")
    ap.add_argument("--hidden", required=True, help="the instructor's exercises/hidden folder")
    args = ap.parse_args()
    if not os.path.isdir(args.kit) or not os.path.isdir(args.hidden):
        print("leak_check.py: error: --kit and --hidden must be folders", file=sys.stderr)
        return 2

    hidden_files, hidden_payloads, names, numbers = {}, {}, set(), set()
    for path in walk(args.hidden):
        data = open(path, "rb").read()
        payload = npy_payload(data)
        if payload is not None and is_settings(payload):
            continue
        hidden_files[digest(data)] = path
        if payload:
            hidden_payloads[digest(payload)] = path
        if path.endswith(".cpp"):
            text = data.decode("utf-8", "replace")
            names.update(n for n in HIDDEN_NAME.findall(text))
            numbers.update(m.replace("'", "") for m in LONG_NUMBER.findall(text))

    leaks = []
    scanned = 0
    for path in walk(args.kit):
        rel = os.path.relpath(path, args.kit)
        if rel.startswith(os.path.join("exercises", "hidden")):
            leaks.append(f"{rel}: a file of the hidden folder")
            continue
        data = open(path, "rb").read()
        scanned += 1
        if digest(data) in hidden_files:
            leaks.append(f"{rel}: same bytes as hidden {hidden_files[digest(data)]}")
        payload = npy_payload(data)
        if payload and digest(payload) in hidden_payloads:
            leaks.append(f"{rel}: same array as hidden {hidden_payloads[digest(payload)]}")
        if not rel.endswith(TEXT_SUFFIXES):
            continue
        text = data.decode("utf-8", "replace")
        for n in names:
            if n in text:
                leaks.append(f"{rel}: names the hidden check \"{n}\"")
        if numbers:
            for m in LONG_NUMBER.findall(text):
                if m.replace("'", "") in numbers:
                    leaks.append(f"{rel}: has {m}, a number a hidden check expects")
        if rel.endswith((".cpp", ".hpp", ".h", ".comp", ".glsl")) and re.search(
                r"//\s*(BEGIN|END) SOLUTION", text):
            leaks.append(f"{rel}: a solution marker is still there")

    for leak in leaks:
        print("LEAK " + leak)
    if leaks:
        print(f"leak_check.py: {len(leaks)} leak(s) in {args.kit}", file=sys.stderr)
        return 1
    print(f"leak_check.py: no leaks: {scanned} files of {args.kit} against {len(hidden_files)} "
          f"hidden files, {len(names)} hidden check names and {len(numbers)} hidden numbers")
    return 0


if __name__ == "__main__":
    sys.exit(main())

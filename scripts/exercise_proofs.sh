#!/usr/bin/env bash
# scripts/exercise_proofs.sh — CI's proofs that the exercise kit works (exercises/README.md).
#
#   bash scripts/exercise_proofs.sh [BUILD_DIR]      (default build/, made by scripts/setup.sh)
#
# 1. The solution: the grader of BUILD_DIR, in instructor mode (visible and hidden checks),
#    scores full points on every exercise.
# 2. The student kit: exercises/handout.py writes it to a scratch folder; leak_check.py finds
#    nothing hidden (files, check names, expected numbers, data) and no solution in it; it builds
#    warning-free with its README's command (scripts/grade.sh), whose grader scores exactly 0 with
#    no crash and no timeout; the `cnnlab` commands run and say what is not implemented yet.
# 3. One stub at a time: for each exercise N, the solution with only N's regions stubbed scores
#    less than full points on N and on every exercise that needs N (directly or through another
#    one), and full points on every other exercise. The copies are rewritten in place in the
#    kit's folder (handout.py --update), so each step recompiles only the files that change.
#
# Runs from any directory; writes only under a scratch folder ($CNNLAB_PROOFS_DIR, default a
# new mktemp folder, removed at the end unless CNNLAB_KEEP_PROOFS=1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
BUILD_DIR="${1:-build}"
GRADER="$BUILD_DIR/exercises/cnnlab-grade"
say() { printf '\n==> exercise proofs: %s\n' "$*"; }
die() { printf 'exercise_proofs.sh: FAILED: %s\n' "$*" >&2; exit 1; }
[[ -x "$GRADER" ]] || die "$GRADER not found: build $BUILD_DIR first (bash scripts/setup.sh $BUILD_DIR)"

WORK="${CNNLAB_PROOFS_DIR:-$(mktemp -d /tmp/cnnlab-proofs.XXXXXX)}"
mkdir -p "$WORK"
[[ "${CNNLAB_KEEP_PROOFS:-0}" == 1 ]] || trap 'rm -rf "$WORK"' EXIT
KIT="$WORK/kit"

# report.json -> checks its numbers with a few lines of Python (no jq on a fresh machine).
json_check() {  # json_check REPORT PYTHON_EXPRESSION_ABOUT_r MESSAGE
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1" ||
    die "$3 (report: $1)"
}

# ---- 1. the solution scores 100 % -------------------------------------------------------------
say "1. the solution tree, instructor mode"
"$GRADER" --instructor --json "$WORK/solution.json" ||
  die "the solution tree does not score full points (the table above says where)"
json_check "$WORK/solution.json" "r['total'] == r['max'] and len(r['exercises']) >= 12" \
  "the solution's report is not 100 % of at least 12 exercises"

# ---- 2. the student kit: no leak, builds, scores exactly 0, commands still run ------------------
say "2. the student kit: write, leak check, build with its README's command, grade"
python3 exercises/handout.py --out "$KIT"
python3 exercises/tools/leak_check.py --kit "$KIT" --hidden exercises/hidden ||
  die "the student kit leaks hidden material or a solution"
grep -q 'bash scripts/grade.sh' "$KIT/README.md" || die "the kit's README does not say how to grade"
set +e
(cd "$KIT" && bash scripts/grade.sh --json "$WORK/kit.json") > "$WORK/kit.log" 2>&1
status=$?
set -e
tail -n 25 "$WORK/kit.log"
((status == 1)) || die "the kit's scripts/grade.sh exited with $status, not 1 (all exercises to do)"
grep -q 'warning:' "$WORK/kit.log" && die "the kit's build printed compiler warnings (see $WORK/kit.log)"
json_check "$WORK/kit.json" \
  "r['total'] == 0 and all(e['status'] in ('not_implemented', 'blocked') for e in r['exercises'])" \
  "the kit does not score exactly 0 with every exercise 'not implemented yet' (or blocked by one)"

# Every command still runs and names the missing exercise; none crashes (status 1, not a signal).
CLI="$KIT/build/tools/cnnlab"
"$CLI" --help > /dev/null || die "cnnlab --help fails in the kit"
run_says_not_implemented() {
  set +e
  "$@" > "$WORK/cmd.out" 2> "$WORK/cmd.err"
  local s=$?
  set -e
  ((s == 1)) || die "in the kit, '$*' exited with $s (expected 1: an error naming the exercise)"
  grep -q 'is not implemented yet' "$WORK/cmd.err" ||
    die "in the kit, '$*' did not say what is not implemented: $(head -c 300 "$WORK/cmd.err")"
  printf '  %s -> %s\n' "${*#"$KIT/build/tools/"}" "$(head -n 1 "$WORK/cmd.err")"
}
run_says_not_implemented "$CLI" summary lenet5
run_says_not_implemented "$CLI" gradcheck relu
run_says_not_implemented "$CLI" demo xo --no-train
run_says_not_implemented "$CLI" train --epochs 1 --limit 256 --backend reference --out "$WORK/run"

# ---- 3. one exercise stubbed at a time --------------------------------------------------------
say "3. one exercise stubbed at a time (instructor mode, hidden checks included)"
numbers=$(python3 -c "import json; print(' '.join(str(e['number']) for e in json.load(open('$WORK/solution.json'))['exercises']))")
for n in $numbers; do
  python3 exercises/handout.py --out "$KIT" --update --keep-hidden --only "$n" > /dev/null
  # The first update brings exercises/hidden/ in: configure again so the grader gets its checks.
  if ((n == ${numbers%% *})); then cmake -S "$KIT" -B "$KIT/build" > /dev/null; fi
  cmake --build "$KIT/build" --parallel "$(nproc)" --target cnnlab-grade > "$WORK/build-$n.log" 2>&1 ||
    { tail -n 30 "$WORK/build-$n.log"; die "the tree with only exercise $n stubbed does not build"; }
  set +e
  "$KIT/build/exercises/cnnlab-grade" --instructor --quiet --json "$WORK/one-$n.json" > "$WORK/one-$n.log" 2>&1
  set -e
  python3 - "$WORK/one-$n.json" "$n" <<'EOF' || { cat "$WORK/one-$n.log"; die "exercise $n's stub affects the wrong exercises"; }
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
ex = {e["number"]: e for e in r["exercises"]}
needs = {k: set(e["prerequisites"]) for k, e in ex.items()}
affected = {n}
changed = True
while changed:  # every exercise that needs n, directly or through another one
    changed = False
    for k, pre in needs.items():
        if k not in affected and pre & affected:
            affected.add(k)
            changed = True
bad = []
for k, e in sorted(ex.items()):
    lowered = e["points"] < e["max_points"]
    if k in affected and not lowered:
        bad.append(f"exercise {k} still scores {e['points']}/{e['max_points']}")
    if k not in affected and lowered:
        bad.append(f"exercise {k} dropped to {e['points']}/{e['max_points']} ({e['note']})")
line = ", ".join(f"{k}: {ex[k]['points']:g}/{ex[k]['max_points']}" for k in sorted(affected))
print(f"  exercise {n} stubbed: lowered {line}; the other {len(ex) - len(affected)} at full points"
      if not bad else f"  exercise {n} stubbed: " + "; ".join(bad))
sys.exit(1 if bad else 0)
EOF
done

say "all three proofs and the leak check passed"

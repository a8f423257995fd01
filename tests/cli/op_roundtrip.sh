#!/bin/sh
# op_roundtrip.sh — `cnnlab op` forward and backward on files written by npy_tool, checked
# value by value against hand-worked answers.
#
#   sh op_roundtrip.sh CNNLAB NPY_TOOL INPUTS WORKDIR [BACKEND]
#
# BACKEND (default reference) is passed to every `cnnlab op` as --backend.
set -eu
cnnlab=$1 tool=$2 in=$3 work=$4 backend=${5:-reference}
run_op() { "$cnnlab" op "$@" --backend "$backend"; }
rm -rf "$work" && mkdir -p "$work"

# relu: y = max(0, x); dL/dx = dL/dy where x > 0.
run_op relu --x "$in/r.npy" --dy "$in/dr.npy" --out "$work/relu"
"$tool" check "$work/relu/y.npy" 1,1,2,3 1,0,3,0,5,0
"$tool" check "$work/relu/dx.npy" 1,1,2,3 10,0,30,0,50,0

# conv2d by hand (see make_inputs.sh): y = -4 everywhere. With dL/dy = [[1, 2], [3, 4]]:
#   dL/dw[a][b] = sum_ij dy[i][j] x[i+a][j+b]  ->  [[37, 47], [67, 77]],  dL/db = 10,
#   dL/dx = dy spread through the filter: +dy at (i, j), -dy at (i+1, j+1).
run_op conv2d --x "$in/x3.npy" --w "$in/w2.npy" --dy "$in/dy2.npy" --out "$work/conv"
"$tool" check "$work/conv/y.npy" 1,1,2,2 -4,-4,-4,-4
"$tool" check "$work/conv/dw.npy" 1,1,2,2 37,47,67,77
"$tool" check "$work/conv/dx.npy" 1,1,3,3 1,2,0,3,3,-2,0,-3,-4
if [ -e "$work/conv/db.npy" ]; then
  echo "FAIL: db.npy written although conv2d had no --b"
  exit 1
fi

# The tool reads its own output: y of relu fed back in as the next input.
run_op relu --x "$work/relu/y.npy" --out "$work/again"
"$tool" check "$work/again/y.npy" 1,1,2,3 1,0,3,0,5,0

# All or nothing: when one output cannot be written (here a directory is in the way of
# dx.npy), none of this run's outputs (nor their temporary files) is left behind.
# keep_old_outputs.sh checks that the files of an earlier run survive such a failure.
mkdir -p "$work/blocked/dx.npy"
if run_op relu --x "$in/r.npy" --dy "$in/dr.npy" --out "$work/blocked"; then
  echo "FAIL: the run succeeded although dx.npy could not be written"
  exit 1
fi
if [ "$(ls -A "$work/blocked")" != "dx.npy" ]; then
  echo "FAIL: a failed run left files behind: $(ls -A "$work/blocked")"
  exit 1
fi
echo "OK"

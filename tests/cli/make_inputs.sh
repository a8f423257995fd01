#!/bin/sh
# make_inputs.sh — writes the small .npy inputs the CLI tests share (a ctest fixture).
#
#   sh make_inputs.sh NPY_TOOL DIR
set -eu
tool=$1 dir=$2
mkdir -p "$dir"
# A 7x7 image and a 3x3 filter: stride 3 does not fit ((7 - 3)/3 + 1 is not an integer).
"$tool" write "$dir/x7.npy" 1,1,7,7 \
  1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49
"$tool" write "$dir/w3.npy" 1,1,3,3 1,0,-1,2,0,-2,1,0,-1
# relu: x with both signs and an upstream gradient of the same shape.
"$tool" write "$dir/r.npy" 1,1,2,3 1,-2,3,-4,5,-6
"$tool" write "$dir/dr.npy" 1,1,2,3 10,20,30,40,50,60
# global_avgpool2d: an upstream gradient [N,C,1,1] for r.npy.
"$tool" write "$dir/dy1111.npy" 1,1,1,1 6
# conv2d by hand: a 3x3 image 1..9 and the 2x2 filter [[1, 0], [0, -1]] give
# y[i][j] = x[i][j] - x[i+1][j+1] = -4 everywhere.
"$tool" write "$dir/x3.npy" 1,1,3,3 1,2,3,4,5,6,7,8,9
"$tool" write "$dir/w2.npy" 1,1,2,2 1,0,0,-1
"$tool" write "$dir/dy2.npy" 1,1,2,2 1,2,3,4
"$tool" write "$dir/huge_logits.npy" 1,2 3e38,-3e38
"$tool" write "$dir/label1.npy" 1 1

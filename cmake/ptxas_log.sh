#!/bin/sh
# CUDA compiler launcher for hk's kernels: runs the nvcc command line it is given, files
# the ptxas resource lines (hk compiles its CUDA sources with -Xptxas=-v) in
# <object>.ptxas next to the object, and passes every other line of stderr through.
# cmake/cuda_resources.cmake turns those files into the static resource report.
out=""
prev=""
for a in "$@"; do
  [ "$prev" = "-o" ] && out="$a"
  prev="$a"
done
log="${out:-nvcc}.stderr.$$"
"$@" 2> "$log"
rc=$?
grep -v -e '^ptxas info' -e 'bytes stack frame' "$log" >&2
if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
  grep -e '^ptxas info' -e 'bytes stack frame' "$log" > "$out.ptxas"
fi
rm -f "$log"
exit "$rc"

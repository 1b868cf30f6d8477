#!/usr/bin/env bash
# Builds hk and runs every test, in seven stages (README.md "Tests and CI"):
#   release     Release build (cuda backend for the default architectures when nvcc is
#               present): the full ctest suite
#   python      pip install . into a fresh venv (build/python-venv): the Python package,
#               tested with pytest from outside the source tree; the lecture notebook
#   generators  libhk with CMake's other Linux generators (Unix Makefiles, Ninja
#               Multi-Config), CUDA for one architecture: the ptxas resource table is made
#               from a clean folder and again after an object changes
#   clean-room  a fresh minimal Debian 12 root (scripts/clean_room.sh): the README's Quick
#               start as written, a default-generator build installed to a prefix, outside
#               programs built against it (root only; skipped with the reason otherwise)
#   asan-ubsan  CPU-only, AddressSanitizer + LeakSanitizer + UBSan (float-cast-overflow
#               included): the full suite except the install test (label packaging) and
#               the cuda_sim equivalence rows rerun per simulator schedule (the release
#               stage runs those; here they would repeat the default schedule's rows,
#               which do run, at three times their cost)
#   tsan        CPU-only, ThreadSanitizer: the tests labelled concurrency or sim
#   mutants     scripts/mutants.sh --sample HK_MUTANTS_SAMPLE (default 6): that many planted
#               bugs, a different window of them each commit, each of which the tests must
#               catch (CPU-only scratch build in build/mutants/)
#   fuzz        clang/libFuzzer under ASan+UBSan for HK_FUZZ_SECONDS (default 60) seconds,
#               split over the HK_CPU_ISA levels so every SIMD path is fuzzed
# HK_TEST_STAGES="release tsan" runs only the stages named.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
HK_TEST_STAGES="${HK_TEST_STAGES:-release python generators clean-room asan-ubsan tsan mutants fuzz}"
HK_FUZZ_SECONDS="${HK_FUZZ_SECONDS:-60}"

hk_install_dependencies
case " $HK_TEST_STAGES " in *" fuzz "*) hk_install_packages required "${HK_FUZZ_PACKAGES[@]}" ;; esac
case " $HK_TEST_STAGES " in
  *" clean-room "*) [ "$(id -u)" -ne 0 ] || hk_install_packages required "${HK_CLEAN_ROOM_PACKAGES[@]}" ;;
esac

# (The sanitizer options of the ctest stages are in CMakePresets.json's test presets.)
stage_release() { hk_build release && ctest --preset release -j "$HK_JOBS"; }
stage_asan_ubsan() { hk_build asan-ubsan && ctest --preset asan-ubsan -j "$HK_JOBS"; }
stage_tsan() { hk_build tsan hk_tsan_tests && ctest --preset tsan -j "$HK_JOBS"; }
# A sample of the planted bugs, so that a test weakened since it was written shows here; the
# full set (scripts/mutants.sh, ASan ones included) is too long for every commit.
stage_mutants() { "$HK_ROOT/scripts/mutants.sh" --sample "${HK_MUTANTS_SAMPLE:-6}"; }

# The package as a user installs it: a plain `pip install .` (CUDA when nvcc is present),
# then pytest run from outside the checkout, so the installed hk is the one tested.
# HK_PYTHON names the interpreter (default Debian's python3).
stage_python() {
  local venv="$HK_ROOT/build/python-venv" python="${HK_PYTHON:-python3}"
  [ -x /usr/bin/python3 ] && [ -z "${HK_PYTHON:-}" ] && python=/usr/bin/python3
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || return 1
  "$venv/bin/python" -m pip install -q --upgrade pip || return 1
  "$venv/bin/python" -m pip install -q pytest numpy nbclient nbformat ipykernel matplotlib || return 1
  echo "hk: pip install . (the build log is build/python-venv/pip-install.log)"
  "$venv/bin/python" -m pip install -v "$HK_ROOT" > "$venv/pip-install.log" 2>&1 ||
    { tail -n 40 "$venv/pip-install.log"; return 1; }
  ( cd "$venv" && "$venv/bin/python" -c 'import hk; print("hk:", hk.__file__); [print("hk:", b["name"], b["available"], b["reason"]) for b in hk.backends()]' &&
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "$HK_ROOT/python/tests" ) || return 1
  echo "hk: executing examples/kernels_lecture.ipynb"
  ( set -o pipefail; cd "$HK_ROOT/examples" && "$venv/bin/python" -c '
import nbclient, nbformat, sys
nb = nbformat.read("kernels_lecture.ipynb", as_version=4)
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute()
images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
print(f"hk: notebook ran top to bottom, {images} charts")
sys.exit(0 if images >= 2 else 1)' 2>&1 | grep -v "running over TCP" ) || return 1
}

# The generators packagers use. With nvcc, the resource table must have rows after a
# clean build, and be collected again when one kernel object is newer than it.
stage_generators() {
  local g dir args=(-DHK_BUILD_TESTS=OFF -DHK_BUILD_BENCH=OFF) table rows obj
  if command -v nvcc > /dev/null; then args+=(-DCMAKE_CUDA_ARCHITECTURES=75-real); else echo "hk: no nvcc, CPU-only builds"; fi
  for g in "Unix Makefiles" "Ninja Multi-Config"; do
    dir="$HK_ROOT/build/generator-${g// /-}"
    echo "hk: $g, clean build folder $dir"
    rm -rf "$dir"
    cmake -S "$HK_ROOT" -B "$dir" -G "$g" "${args[@]}" > /dev/null || return 1
    cmake --build "$dir" --config Release -j "$HK_JOBS" --target hk > "$dir/build.log" 2>&1 || { tail -n 30 "$dir/build.log"; return 1; }
    command -v nvcc > /dev/null || continue
    table=$(find "$dir" -name cuda_resources.inc)
    rows=$(sed -n 's/^#define HK_CUDA_RESOURCE_ROWS //p' $table)
    [ "${rows:-0}" -gt 0 ] || { echo "hk: $g: empty or missing resource table (${table:-none})" >&2; return 1; }
    obj=$(find "$dir" -name 'reduce_cub.cu.o' | head -n 1)
    touch "$obj"
    cmake --build "$dir" --config Release -j "$HK_JOBS" --target hk > "$dir/rebuild.log" 2>&1 || { tail -n 30 "$dir/rebuild.log"; return 1; }
    grep -q "Collecting the ptxas resource report" "$dir/rebuild.log" ||
      { echo "hk: $g: a newer kernel object did not regenerate the resource table" >&2; return 1; }
    echo "hk: $g: $rows resource rows; regenerated after an object changed"
  done
}

# Exit status 3: skipped, with the reason printed.
stage_clean_room() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "hk: clean-room skipped: it needs root (debootstrap and chroot)"
    return 3
  fi
  "$HK_ROOT/scripts/clean_room.sh"
}

# libFuzzer over the public API: new inputs go to a scratch copy of the seed corpus; a
# finding prints the call and leaves the input in build/fuzz/artifacts/.
stage_fuzz() {
  hk_build fuzz || return 1
  local work="$HK_ROOT/build/fuzz/run" levels=(none avx2 scalar) isa seconds
  rm -rf "$work" && mkdir -p "$work/corpus" "$HK_ROOT/build/fuzz/artifacts"
  seconds=$(( (HK_FUZZ_SECONDS + ${#levels[@]} - 1) / ${#levels[@]} ))
  for isa in "${levels[@]}"; do
    echo "hk: fuzzing for ${seconds} s with HK_CPU_ISA=${isa}"
    ( [ "$isa" = none ] && unset HK_CPU_ISA || export HK_CPU_ISA="$isa"
      export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
      "$HK_ROOT/build/fuzz/fuzz/hk_fuzz" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$HK_ROOT/build/fuzz/artifacts/" \
        "$work/corpus" "$HK_ROOT/fuzz/corpus" 2>"$work/log-$isa.txt" ) || {
      grep -v "failed to allocate" "$work/log-$isa.txt" | tail -n 60
      echo "hk: the fuzzer found a problem (HK_CPU_ISA=${isa}); the input is in build/fuzz/artifacts/" >&2
      return 1
    }
    # A fuzzer that ran no input proves nothing: its final stats must count some.
    local units
    units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log-$isa.txt" | tail -n 1)
    if [ "${units:-0}" -le 0 ]; then
      tail -n 20 "$work/log-$isa.txt"
      echo "hk: the fuzzer ran no input (HK_CPU_ISA=${isa})" >&2
      return 1
    fi
    echo "hk: fuzzer executed $units inputs (HK_CPU_ISA=${isa})"
  done
  echo "hk: fuzz corpus: $(ls "$HK_ROOT/fuzz/corpus" | wc -l) seed inputs + $(ls "$work/corpus" | wc -l) found this run"
}

# ccache's counters (hits, then compiles), to print this run's share (hk_compiler_cache).
cache_counts() {
  command -v ccache > /dev/null || return 0
  ccache --print-stats 2>/dev/null | awk -F '\t' '$1 ~ /^(direct|preprocessed)_cache_hit$/ {h += $2} $1 == "cache_miss" {m += $2} END {print h + 0, m + 0}'
}
read -r hits_before misses_before <<< "$(cache_counts)"

passed=0 failed=0 skipped=0 summary=""
for s in $HK_TEST_STAGES; do
  echo "==== hk test stage: $s"
  start=$(date +%s)
  rc=0
  "stage_${s//-/_}" || rc=$?
  case $rc in
    0) result=passed; passed=$((passed + 1)) ;;
    3) result=skipped; skipped=$((skipped + 1)) ;;
    *) result=FAILED; failed=$((failed + 1)) ;;
  esac
  summary+="  $(printf '%-11s %-7s %5d s' "$s" "$result" $(( $(date +%s) - start )))"$'\n'
  [ "$result" != FAILED ] || break  # a failed stage stops the run: its output is the last thing printed
done
echo "==== hk test stages"
printf '%s' "$summary"
if [ -n "${hits_before:-}" ]; then
  read -r hits misses <<< "$(cache_counts)"
  echo "ccache: $((hits - hits_before)) objects reused, $((misses - misses_before)) compiled by this run's builds"
fi
echo "stages: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

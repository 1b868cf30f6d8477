#!/usr/bin/env bash
# Builds hk and runs every test, in four stages (README.md "Tests and CI"):
#   release     Release build (cuda backend for the default architectures when nvcc is
#               present): the full ctest suite
#   asan-ubsan  CPU-only, AddressSanitizer + LeakSanitizer + UBSan (float-cast-overflow
#               included): the full suite except the install test (label packaging)
#   tsan        CPU-only, ThreadSanitizer: the tests labelled concurrency or sim
#   fuzz        clang/libFuzzer under ASan+UBSan for HK_FUZZ_SECONDS (default 60) seconds,
#               split over the HK_CPU_ISA levels so every SIMD path is fuzzed
# HK_TEST_STAGES="release tsan" runs only the stages named.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
HK_TEST_STAGES="${HK_TEST_STAGES:-release asan-ubsan tsan fuzz}"
HK_FUZZ_SECONDS="${HK_FUZZ_SECONDS:-60}"

hk_install_dependencies
case " $HK_TEST_STAGES " in *" fuzz "*) hk_install_packages required "${HK_FUZZ_PACKAGES[@]}" ;; esac

# (The sanitizer options of the ctest stages are in CMakePresets.json's test presets.)
stage_release() { hk_build release && ctest --preset release -j "$HK_JOBS"; }
stage_asan_ubsan() { hk_build asan-ubsan && ctest --preset asan-ubsan -j "$HK_JOBS"; }
stage_tsan() { hk_build tsan hk_tsan_tests && ctest --preset tsan -j "$HK_JOBS"; }

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
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/log-$isa.txt" || true
  done
  echo "hk: fuzz corpus: $(ls "$HK_ROOT/fuzz/corpus" | wc -l) seed inputs + $(ls "$work/corpus" | wc -l) found this run"
}

passed=0 failed=0 summary=""
for s in $HK_TEST_STAGES; do
  echo "==== hk test stage: $s"
  start=$(date +%s)
  if "stage_${s//-/_}"; then result=passed; passed=$((passed + 1)); else result=FAILED; failed=$((failed + 1)); fi
  summary+="  $(printf '%-11s %-7s %5d s' "$s" "$result" $(( $(date +%s) - start )))"$'\n'
  [ "$result" = passed ] || break  # a failed stage stops the run: its output is the last thing printed
done
echo "==== hk test stages"
printf '%s' "$summary"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

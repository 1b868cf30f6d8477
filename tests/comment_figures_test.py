#!/usr/bin/env python3
"""ctest comment_figures: no comment in cpu/, cuda/ or common/ carries a measured figure.

Comments give the reason for a design in a clause; timings, rates, speed-ups and shares of
peak measured on some machine go stale there and live in docs/measurements.md, generated
by scripts/measurements.sh (docs/design.md, STYLE "Habits"). Design parameters (block
sizes, 32 MiB, cache sizes, 4 cycles of FMA latency) are fine: the patterns below look for
measured outcomes only. Before scanning, the patterns must flag every sample in PLANTED
and none in INNOCENT, so a pattern that stops matching fails the test too.

usage: comment_figures_test.py [ROOT]     (default: the checkout this file is in)
"""
import re
import sys

from source_lint import misjudged, root_from_argv, sources, verdict

DIRS = ("cpu", "cuda", "common")
SUFFIXES = {".cpp", ".hpp", ".h", ".cc", ".cu", ".cuh", ".inl"}

NUM = r"\d[\d.,]*(?:\s*[–-]\s*\d[\d.,]*)?"  # 40, 0.28, 816–866
PATTERNS = {
    "a rate": rf"{NUM}\s*(?:GOP/s|GFLOP/s|TFLOP/s|GB/s|GiB/s|MB/s|GMAC/s|G ?pairs/s)",
    "a time": rf"{NUM}\s*(?:ns|µs|us|ms)\b(?!/)",
    "a speed-up": rf"\d\.\d+\s*[×x](?!\s*\d)|{NUM}\s*[×x]\s+(?:faster|slower|the\b|as fast)"
                  rf"|\b(?:\d+|ten|a hundred)\s+times\s+(?:faster|slower)",
    "a share of peak": rf"{NUM}\s*%\s*(?:of (?:the )?(?:peak|cuBLAS|memcpy|a |an )|faster|slower)",
    "a measurement": r"\bmeasured (?:in place|on (?:the|a|this|hk)|here)\b|\b(?:was|were) measured\b"
                     r"|\bon the (?:\S+ )?(?:VM|machine) (?:this|it) was\b",
}
COMPILED = {name: re.compile(p, re.IGNORECASE) for name, p in PATTERNS.items()}

PLANTED = [
    "in alternating runs, from 816–866 to 866–883 GOP/s",
    "fp32 2048³ from 197–208 to 219–220 GFLOP/s (hk-bench, 2 threads)",
    "a single core streams ~40 GB/s",
    "0.28 ms for A and 0.46 ms for B",
    "waking one costs ~1 µs",
    "a cache line back and forth in 340 ns",
    "fp32 on 2 cores: 1.96× at 512³",
    "the kernel is 3x faster than naive",
    "ten times slower",
    "runs at 85% of peak",
    "woke late on the VM this was measured on",
    "0.42 ms for A, measured in place",
]
INNOCENT = [
    "a: (M, K) row-major, 12 × 2 vectors, a 4×4 tile",
    "KC capped at 8192; blocks of 32 MiB; L2 of 1 MiB",
    "FMA latency 4 cycles, two FMA pipes",
    "a block is at most 25% larger than asked",
    "the elementwise kernel is measured against it",
    "cpu.max: QUOTA PERIOD in µs",
    "returns its GPU time in ms measured with CUDA events",
]

# (path relative to ROOT, text in the flagged line): figures that are no measurement.
ALLOWED = []


def comments(text):
    """(line number, comment text) for every // and /* */ comment, string literals skipped."""
    out, in_block = [], False
    for no, line in enumerate(text.splitlines(), 1):
        i, n = 0, len(line)
        while i < n:
            if in_block:
                end = line.find("*/", i)
                out.append((no, line[i:] if end < 0 else line[i:end]))
                if end < 0:
                    break
                in_block, i = False, end + 2
            elif line.startswith("//", i):
                out.append((no, line[i + 2:]))
                break
            elif line.startswith("/*", i):
                in_block, i = True, i + 2
            elif line[i] in "\"'":
                m = re.match(r"(['\"])(?:\\.|(?!\1).)*\1", line[i:])
                i += m.end() if m else 1
            else:
                i += 1
    return out


def findings(comment):
    return [name for name, rx in COMPILED.items() if rx.search(comment)]


def main():
    root = root_from_argv()
    bad = misjudged(findings, PLANTED, INNOCENT)
    hits = []
    for rel, text in sources(root, DIRS, SUFFIXES):
        for no, c in comments(text):
            for what in findings(c):
                if not any(rel == p and t in c for p, t in ALLOWED):
                    hits.append(f"{rel}:{no}: {what} in a comment: {c.strip()}")
    return verdict(bad, hits, "comment(s) carry measured figures. Give the reason in a clause and put the figures in "
                   "docs/measurements.md (scripts/measurements.sh).",
                   f"no measured figures in the comments of {', '.join(DIRS)}")


if __name__ == "__main__":
    sys.exit(main())

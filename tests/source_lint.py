"""What the source lints of tests/ (comment_figures_test.py, sim_inlined_vector_returns_test.py)
share: the checkout to scan, the pattern's self-check against planted and innocent samples
(a pattern that stops matching fails the test too), the files, and the verdict."""
import sys
from pathlib import Path


def root_from_argv():
    """ROOT from the command line, or the checkout this file is in."""
    return Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent


def misjudged(flags, planted, innocent):
    """The samples the pattern gets wrong: planted ones it misses, innocent ones it flags."""
    return [s for s in planted if not flags(s)] + [f"(innocent) {s}" for s in innocent if flags(s)]


def sources(root, dirs, suffixes):
    """(path relative to root, text) of every source file below root/dir for each dir."""
    for d in dirs:
        for path in sorted((root / d).rglob("*")):
            if path.suffix in suffixes and path.is_file():
                yield path.relative_to(root).as_posix(), path.read_text(encoding="utf-8", errors="replace")


def verdict(bad, hits, failure, success):
    """Prints what is wrong and returns the exit status: 1 on a misjudged sample or a hit."""
    for s in bad:
        print(f"FAILED: the pattern misjudges: {s}")
    for h in hits:
        print(h)
    if hits:
        print(f"FAILED: {len(hits)} {failure}")
    if bad or hits:
        return 1
    print(f"ok: {success}")
    return 0

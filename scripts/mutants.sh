#!/usr/bin/env bash
# Mutation check: plants known bugs one at a time in a scratch copy of the checkout and
# fails unless the tests chosen for each bug catch it. The mutants and the driver are in
# scripts/mutants.py (its header explains the run); this is the command CI and people use.
#   scripts/mutants.sh                    every mutant, the ASan ones included
#   scripts/mutants.sh --sample N         N of them, rotated by the checkout's HEAD (no ASan
#                                         ones unless --with-asan)
#   scripts/mutants.sh --list             the table
#   scripts/mutants.sh ID...              only those
# HK_JOBS sets the build's parallelism (default: the CPU count).
set -euo pipefail
command -v python3 > /dev/null || { echo "hk: scripts/mutants.sh needs python3" >&2; exit 2; }
exec python3 "$(dirname "${BASH_SOURCE[0]}")/mutants.py" "$@"

#!/usr/bin/env bash
# The decoder issue's acceptance sweeps:
#  1. a linear sweep of the .text sections of this machine's binaries (/usr/bin, /usr/lib) in
#     64-bit mode: validity and length against Zydis and Capstone, every difference bucketed
#     and explained by a registered known oracle bug or reported as unexplained;
#  2. 1,000,000 seeded random 15-byte buffers in each mode (and 64-bit AMD).
# Reports go to Reports/sweep/ as JSON. Exit status 1 when anything is unexplained.
#   Scripts/sweep-text.sh [--random N] [--seed S] [--roots /usr/bin,/usr/lib]
set -uo pipefail
cd "$(dirname "$0")/.."
random=1000000
seed=20261123
roots=/usr/bin,/usr/lib
while [ $# -gt 0 ]; do
    case "$1" in
        --random) random="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --roots) roots="$2"; shift 2 ;;
        *) echo "sweep-text.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
Scripts/setup.sh
swift build -c release --product difftest >/dev/null || exit 2
bin=$(swift build -c release --show-bin-path)/difftest
status=0
mkdir -p Reports/sweep
"$bin" sweep --text --text-roots "$roots" --report Reports/sweep || status=1
for args in "--mode 64" "--mode 64 --vendor amd" "--mode 32" "--mode 16"; do
    name=$(echo "$args" | tr -d ' -' )
    # shellcheck disable=SC2086
    "$bin" sweep --random "$random" --seed "$seed" $args --report "Reports/sweep/$name" || status=1
done
exit $status

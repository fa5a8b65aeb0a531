#!/usr/bin/env bash
# The nightly job: set-up, release build, replay of the stored findings, one time-boxed
# campaign per generator with a date-derived seed, minimization (automatic for every new
# bucket), reports to Reports/<date>/. Exit 1 when a campaign found a new unexplained bucket
# or replay saw a fixed bucket diverge again; 2 on a set-up error.
#
# Environment (all optional):
#   NIGHTLY_SECONDS   seconds per generator campaign (default 600)
#   NIGHTLY_SHARD     I/N: this runner's shard (default 1/1)
#   NIGHTLY_DATE      YYYY-MM-DD (default: today, UTC); the seed is derived from it
#   NIGHTLY_JOBS      workers per campaign (default: all cores)
#   NIGHTLY_MODES     modes to fuzz (default "64")
#   NIGHTLY_FINDINGS  what each findings.jsonl lists: unexplained (default) or all. With all,
#                     a 600-second campaign writes gigabytes of lines of known oracle bugs
#                     (about 3.4 MB/s on 2 cores), more than a hosted runner's disk and
#                     artifact space; the report's buckets count every finding either way.
set -uo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh || exit 2
swift build -c release --product difftest || exit 2
bin="$(swift build -c release --show-bin-path)/difftest"

date="${NIGHTLY_DATE:-$(date -u +%Y-%m-%d)}"
shard="${NIGHTLY_SHARD:-1/1}"
seconds="${NIGHTLY_SECONDS:-600}"
jobs="${NIGHTLY_JOBS:-$(nproc)}"
modes="${NIGHTLY_MODES:-64}"
findings="${NIGHTLY_FINDINGS:-unexplained}"
seed="$(echo "${date//-/}" | sed 's/^0*//')"   # 2024-01-31 -> 20240131: the same seed on every shard that night
out="Reports/$date/shard-${shard/\//of}"
mkdir -p "$out"
status=0

echo "nightly $date: seed $seed, shard $shard, ${seconds}s per generator, $jobs jobs, modes $modes"

"$bin" replay --corpus Corpus | tee "$out/replay.txt"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 1 ]; then status=1; elif [ "$rc" -ne 0 ]; then exit 2; fi

previous="$(ls -1d Reports/*/ 2>/dev/null | grep -v "Reports/$date/" | sort | tail -n 1)"
for mode in $modes; do
    for generator in structured random tunnel mutate; do
        dir="$out/$mode-$generator"
        args=(fuzz --seconds "$seconds" --seed "$seed" --generator "$generator" --mode "$mode" --jobs "$jobs"
              --shard "$shard" --corpus Corpus --report "$dir" --findings "$findings" --quiet)
        prev="${previous:+${previous}shard-${shard/\//of}/$mode-$generator/report.json}"
        if [ -n "$prev" ] && [ -f "$prev" ]; then args+=(--previous "$prev"); fi
        echo "== $mode-bit $generator"
        "$bin" "${args[@]}" | tee "$dir.txt"
        rc=${PIPESTATUS[0]}
        if [ "$rc" -eq 1 ]; then status=1; elif [ "$rc" -ne 0 ]; then exit 2; fi
    done
done

# Coverage-guided fuzzing of the decoder and emulator (Scripts/nightly-fuzz.sh).
Scripts/nightly-fuzz.sh "$out/fuzz"; rc=$?; if [ "$rc" -eq 1 ]; then status=1; elif [ "$rc" -ne 0 ]; then exit 2; fi

"$bin" report --corpus Corpus --out "$out/corpus" || exit 2
echo "nightly $date: reports in $out (exit $status)"
exit $status

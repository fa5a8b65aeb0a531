#!/usr/bin/env bash
# The nightly coverage-guided fuzzing job (issue 6), called by Scripts/nightly.sh:
#
#   Scripts/nightly-fuzz.sh REPORT_DIR
#
# Builds the libFuzzer targets (Scripts/fuzz-build.sh), replays the stored regression cases
# (Scripts/fuzz.sh --replay), fuzzes each target for NIGHTLY_FUZZ_SECONDS with the corpus kept
# from night to night in FUZZ_CORPUS, stores every new crash minimized in
# Corpus/fuzz/regressions/, and writes the line coverage of X86Decoder and X86Emulator reached by
# the corpora (Scripts/fuzz-coverage.sh). Everything it prints also goes to REPORT_DIR/fuzz.txt;
# libFuzzer logs and raw crash files go to REPORT_DIR/runs/.
#
# Environment (all optional):
#   NIGHTLY_FUZZ_SECONDS  seconds per target (default 600)
#   NIGHTLY_FUZZ_JOBS     libFuzzer fork workers per target (default 1)
#   NIGHTLY_FUZZ_TARGETS  default "decoder emulator differential"
#   FUZZ_CORPUS           corpus root kept between nights (default .build-fuzz/corpus)
#
# Exit status (the convention of nightly.sh): 0 nothing new, 1 a new crash signature or a fixed
# regression case failing again, 2 set-up error (build failed).
{
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
report="${1:-$root/Reports/$(date -u +%Y-%m-%d)/fuzz}"
seconds="${NIGHTLY_FUZZ_SECONDS:-600}"
jobs="${NIGHTLY_FUZZ_JOBS:-1}"
targets="${NIGHTLY_FUZZ_TARGETS:-decoder emulator differential}"
corpus="${FUZZ_CORPUS:-${FUZZ_OUT:-$root/.build-fuzz}/corpus}"
mkdir -p "$report"
status=0

run() {
    echo "nightly-fuzz: ${seconds}s per target, $jobs job(s), targets: $targets, corpus $corpus"
    # A map edit without a regenerated dictionary must not stop the night: warn, use the fresh one.
    FUZZ_DICT_DRIFT=warn "$root/Scripts/fuzz-build.sh" fuzz >"$report/build.log" 2>&1 ||
        { tail -20 "$report/build.log"; echo "nightly-fuzz: build failed ($report/build.log)"; return 2; }
    grep 'warning' "$report/build.log" || true

    "$root/Scripts/fuzz.sh" --no-build --replay --targets "$targets" --log "$report/runs"
    [ $? -eq 1 ] && status=1

    "$root/Scripts/fuzz.sh" --no-build --seconds "$seconds" --jobs "$jobs" --targets "$targets" \
        --corpus "$corpus" --log "$report/runs"
    case $? in 0) ;; 1) status=1 ;; *) return 2 ;; esac

    local covered=""
    for t in decoder emulator; do case " $targets " in *" $t "*) covered="$covered $t" ;; esac; done
    if [ -n "$covered" ]; then
        "$root/Scripts/fuzz-coverage.sh" --targets "${covered# }" --corpus "$corpus" --report "$report" \
            --label "corpus after the nightly run of $(date -u +%Y-%m-%d), ${seconds}s per target" || true
    fi
    echo "nightly-fuzz: report in $report (exit $status)"
    return $status
}

run 2>&1 | tee "$report/fuzz.txt"
exit "${PIPESTATUS[0]}"
}

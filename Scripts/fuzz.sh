#!/usr/bin/env bash
# Runs the libFuzzer targets (issue 6) for a given time each, one target after the other,
# merging new inputs into a corpus folder per target; every crash is minimized
# (-minimize_crash=1), named by the check that failed, and stored as a regression case in
# Corpus/fuzz/regressions/<target>/ unless one with the same check and message is there.
#
#   Scripts/fuzz.sh [--seconds N] [--jobs N] [--targets "decoder emulator differential"]
#                   [--corpus DIR] [--log DIR] [--no-build]
#   Scripts/fuzz.sh --replay        run every stored regression case once through its target
#   Scripts/fuzz.sh --store TARGET FILE   minimize FILE (a crash of fuzz-TARGET) and store it
#   --skip-known  do not stop on failures whose signature a stored regression case already has
#                 (FUZZ_SKIP, see Sources/FuzzChecks/FuzzSkipList.swift): for long local runs
#                 while reported bugs wait for their fix; the nightly run does not use it
#
#   --seconds   per target (default 300)
#   --jobs      libFuzzer fork-mode workers (-fork=N; default 1). Fork mode keeps fuzzing after
#               a crash (-ignore_crashes=1), so one run reports every crash it meets.
#   --corpus    corpus root (default .build-fuzz/corpus): <root>/<target>/ grows run by run;
#               the first run starts from the seeds built from Corpus/vectors.
#   --log       where the libFuzzer logs and crash artifacts go (default .build-fuzz/runs/<time>)
#
# Exit status: 0 nothing new, 1 a new crash signature (stored now) or, with --replay, a fixed
# regression case failing again; 2 set-up error.
# Options per target come from Scripts/oss-fuzz/fuzz-<target>.options (the OSS-Fuzz file).
{
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${FUZZ_OUT:-$root/.build-fuzz}"
seconds=300
jobs=1
targets="decoder emulator differential"
corpus="$out/corpus"
log=""
build=1
replay=0
skip_known=0
store_target=""
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --targets) targets="$2"; shift 2 ;;
        --corpus) corpus="$2"; shift 2 ;;
        --log) log="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --replay) replay=1; shift ;;
        --skip-known) skip_known=1; shift ;;
        --store) store_target="$2"; store_file="$3"; shift 3 ;;
        -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
log="${log:-$out/runs/$(date -u +%Y%m%dT%H%M%S)}"
# The fuzzer runs inside the log folder: relative paths given on the command line are made
# absolute first.
corpus="$(realpath -m "$corpus")"
log="$(realpath -m "$log")"

# The Swift runtime's own crash handler would race libFuzzer's and AddressSanitizer's.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:symbolize=1}"
export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || echo /opt/swift/usr/bin/llvm-symbolizer)}"

if [ "$build" = 1 ]; then
    mkdir -p "$out"
    "$root/Scripts/fuzz-build.sh" fuzz >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; echo "fuzz.sh: build failed ($out/build.log)" >&2; exit 2; }
fi

# options TARGET: the [libfuzzer] lines of the target's options file as -name=value flags
# (dict= resolved against the built dictionary).
options() {
    local file="$root/Scripts/oss-fuzz/fuzz-$1.options"
    [ -f "$file" ] || return 0
    sed -n '/^\[libfuzzer\]/,/^\[/p' "$file" | grep -E '^[a-z_]+ *= *' | sed 's/ *= */=/' | while IFS='=' read -r k v; do
        if [ "$k" = dict ]; then echo "-dict=$out/$v"; else echo "-$k=$v"; fi
    done
}

# signature TARGET FILE: the `signature:` line the target prints for FILE (check and bucket), or
# the sanitizer's SUMMARY line, with addresses dropped so equal failures compare equal.
signature() {
    local text
    text="$("$out/bin/fuzz-$1" -runs=1 "$2" 2>&1)"
    if echo "$text" | grep -q '^signature: '; then
        echo "$text" | grep -m1 '^signature: ' | sed 's/^signature: //'
    else
        echo "$text" | grep -m1 -E 'SUMMARY:|Fatal error|ERROR:' | sed -E 's/0x[0-9a-f]+/X/g; s/==[0-9]+==//'
    fi
}

# stored TARGET SIGNATURE: the stored regression case with this signature, if any.
stored() {
    grep -l -x -F "signature: $2" "$root/Corpus/fuzz/regressions/$1"/*.txt 2>/dev/null | head -1
}

# store TARGET FILE: unless a stored case has the same signature, minimize FILE and keep it as
# Corpus/fuzz/regressions/<target>/<check>-<sha1 8> with <name>.txt (the target's report).
store() {
    local t="$1" f="$2" min="$2.min" sig="${3:-}" old
    [ -n "$sig" ] || sig="$(signature "$t" "$f")"
    for seen in "${seen_signatures[@]:-}"; do [ "$seen" = "$t $sig" ] && return; done
    seen_signatures+=("$t $sig")
    old="$(stored "$t" "$sig")"
    if [ -n "$old" ]; then echo "  known: $sig ($(basename "${old%.txt}"))"; return; fi
    status=1
    "$out/bin/fuzz-$t" -minimize_crash=1 -max_total_time=20 -exact_artifact_path="$min" $(options "$t") "$f" >"$f.minimize.log" 2>&1
    [ -s "$min" ] && [ "$(signature "$t" "$min")" = "$sig" ] || cp "$f" "$min"
    local dir="$root/Corpus/fuzz/regressions/$t" check
    check="$(echo "$sig" | awk '{print $2}' | sed -E 's/[^a-zA-Z0-9-]+/-/g' | cut -c1-40)"
    mkdir -p "$dir"
    local name="$check-$(sha1sum "$min" | cut -c1-8)"
    cp "$min" "$dir/$name"
    { echo "status: open"; "$out/bin/fuzz-$t" -runs=1 "$dir/$name" 2>&1 |
        sed -n '/check failed\|unexplained divergence/,/==[0-9]*== ERROR: libFuzzer/p' | sed '$d' | sed -E 's/^[A-Za-z]+\/[A-Za-z]+\.swift:[0-9]+: Fatal error: //'; } >"$dir/$name.txt"
    echo "  NEW:   $sig → Corpus/fuzz/regressions/$t/$name"
}
seen_signatures=()

mkdir -p "$log"
status=0

if [ -n "$store_target" ]; then
    store "$store_target" "$store_file"
    exit $status
fi

if [ "$replay" = 1 ]; then
    # A case whose .txt says `status: open` is expected to fail until its bug is fixed; once it
    # passes, say so (flip it to `status: fixed`). A fixed case that fails again is a regression.
    for t in $targets; do
        for f in $(find "$root/Corpus/fuzz/regressions/$t" -type f ! -name '*.txt' 2>/dev/null | sort); do
            open=0
            head -1 "$f.txt" 2>/dev/null | grep -q '^status: open' && open=1
            if "$out/bin/fuzz-$t" -runs=1 "$f" >"$log/replay-$t-$(basename "$f").log" 2>&1; then
                if [ "$open" = 1 ]; then echo "replay $t/$(basename "$f"): passes now: set 'status: fixed' in its .txt"; fi
            elif [ "$open" = 1 ]; then
                echo "replay $t/$(basename "$f"): still open: $(signature "$t" "$f")"
            else
                echo "replay $t/$(basename "$f"): FIXED CASE FAILS AGAIN: $(signature "$t" "$f")"
                status=1
            fi
        done
    done
    exit $status
fi

if [ "$skip_known" = 1 ]; then
    export FUZZ_SKIP="$log/skip.txt"
    cat "$root"/Corpus/fuzz/regressions/*/*.txt 2>/dev/null | sed -n 's/^signature: //p' | sed 's/ | /\n/g' | sort -u >"$FUZZ_SKIP"
fi

for t in $targets; do
    [ -x "$out/bin/fuzz-$t" ] || { echo "fuzz.sh: no $out/bin/fuzz-$t (build failed?)" >&2; exit 2; }
    seeds="$out/seeds/decoder"
    [ "$t" = emulator ] && seeds="$out/seeds/emulator"
    mkdir -p "$corpus/$t" "$log/$t"
    echo "== fuzz-$t: ${seconds}s, $jobs fork worker(s), corpus $corpus/$t ($(ls "$corpus/$t" | wc -l) inputs)"
    (cd "$log/$t" && "$out/bin/fuzz-$t" "$corpus/$t" "$seeds" $(options "$t") -fork="$jobs" -ignore_crashes=1 \
        -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$seconds" -artifact_prefix="$log/$t/" \
        -print_final_stats=1 >"$log/$t/fuzz.log" 2>&1)
    rc=$?
    grep -E '^#[0-9]+: cov' "$log/$t/fuzz.log" | tail -1 | sed 's/^/   /'
    crashes=$(find "$log/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) ! -name '*.min' ! -name '*.log' | sort)
    if [ -z "$crashes" ]; then
        # Without a crash file a non-zero exit is a set-up error (a missing folder, a bad flag).
        if [ "$rc" != 0 ]; then
            echo "fuzz.sh: fuzz-$t failed (exit $rc): $(grep -m1 -E 'ERROR|error' "$log/$t/fuzz.log" || tail -1 "$log/$t/fuzz.log")" >&2
            exit 2
        fi
        continue
    fi
    # The signature of every crash file from one process (FUZZ_REPORT_ONLY: report, do not
    # crash; libFuzzer prints `Running: FILE` before each), then one stored case per signature.
    echo "$crashes" | xargs env FUZZ_REPORT_ONLY=1 "$out/bin/fuzz-$t" -runs=1 2>&1 |
        awk '/^Running: / { f = $2 } /^signature: / { s = substr($0, 12) }
             /^(difftest repro|show: |code: )/ { if (s != "") { print f "\t" s "\t" $0; s = "" } }' >"$log/$t/signatures.tsv"
    echo "   $(echo "$crashes" | wc -l) crash files, $(cut -f2 "$log/$t/signatures.tsv" | sort -u | wc -l) signatures ($log/$t/signatures.tsv)"
    for f in $crashes; do
        sig="$(grep -m1 -F "$f	" "$log/$t/signatures.tsv" | cut -f2)"
        if [ -n "$sig" ]; then
            for seen in "${seen_signatures[@]:-}"; do [ "$seen" = "$t $sig" ] && continue 2; done
        fi
        store "$t" "$f" "$sig"
    done
done
exit $status
exit
}

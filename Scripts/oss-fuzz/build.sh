#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for difftest (issue 6). Run by the base-builder-swift
# image with $SRC, $OUT, $WORK and $SANITIZER set; locally:
#   DIFFTEST_ROOT=$PWD OUT=/tmp/fuzz-out WORK=/tmp/fuzz-work SANITIZER=address Scripts/oss-fuzz/build.sh
#
# Builds the three libFuzzer targets with Scripts/fuzz-build.sh (swiftc, outside SwiftPM; the
# Swift runtime linked statically, FUZZ_STATIC=1), and puts next to each binary in $OUT what
# the engines look for by name:
#   fuzz-<target>                     the target
#   fuzz-<target>.options             [libfuzzer] max_len, timeout, dict
#   fuzz-<target>_seed_corpus.zip     seeds built from Corpus/vectors (+ regression cases)
#   x86.dict                          the dictionary generated from the opcode map
# fuzz-differential links Debian's libcapstone/libZydis/libZycore/libunicorn; they are copied to
# $OUT/lib and found through the binary's RUNPATH ($ORIGIN/lib): the runner image has no apt.
root="${DIFFTEST_ROOT:-$SRC/difftest}"
work="${WORK:-/tmp}/difftest-fuzz"

case "${SANITIZER:-address}" in
    address) variant=fuzz; sanitizer=address ;;
    coverage) variant=coverage; sanitizer=none ;;
    *) echo "build.sh: sanitizer '$SANITIZER' is not supported (address, coverage)" >&2; exit 1 ;;
esac

export FUZZ_STATIC=1 FUZZ_OUT="$work" SANITIZER="$sanitizer"
export FUZZ_LINK_FLAGS="-Xlinker -rpath -Xlinker \$ORIGIN/lib"
# The dictionary and the seeds come from the fuzz variant's tool build; a coverage build
# builds it too (cheap) so that both variants ship the same files.
"$root/Scripts/fuzz-build.sh" fuzz
if [ "$variant" = coverage ]; then "$root/Scripts/fuzz-build.sh" coverage; bin="$work/cov/bin"; else bin="$work/bin"; fi

mkdir -p "$OUT/lib"
for t in decoder emulator differential; do
    cp "$bin/fuzz-$t" "$OUT/"
    cp "$root/Scripts/oss-fuzz/fuzz-$t.options" "$OUT/"
    seeds="$work/seeds/decoder"
    [ "$t" = emulator ] && seeds="$work/seeds/emulator"
    rm -f "$OUT/fuzz-${t}_seed_corpus.zip"
    (cd "$seeds" && zip -q -r "$OUT/fuzz-${t}_seed_corpus.zip" .)
    if [ -d "$root/Corpus/fuzz/regressions/$t" ]; then
        (cd "$root/Corpus/fuzz/regressions/$t" && find . -type f ! -name '*.txt' | zip -q "$OUT/fuzz-${t}_seed_corpus.zip" -@ || true)
    fi
done
cp "$work/x86.dict" "$OUT/x86.dict"
for lib in $(ldd "$OUT/fuzz-differential" | awk '/capstone|Zydis|Zycore|unicorn/ {print $3}'); do
    cp -L "$lib" "$OUT/lib/"
done

#!/usr/bin/env bash
# Builds the libFuzzer targets (issue 6) with swiftc, outside SwiftPM, from the library sources:
# the normal `swift build` / `swift test` never see sanitizer flags, and no fuzz target is a
# SwiftPM product. Also builds fuzz-tool, generates the seed corpora from Corpus/vectors and the
# dictionary from the opcode map, and fails when Corpus/fuzz/x86.dict has drifted from the map.
#
#   Scripts/fuzz-build.sh [fuzz|coverage]
#
#   fuzz      (default) -O -g -sanitize=fuzzer,$SANITIZER      → $FUZZ_OUT/bin/fuzz-*
#   coverage  -Onone -g -sanitize=fuzzer + llvm profile/coverage → $FUZZ_OUT/cov/bin/fuzz-*
#             (replays a corpus with -runs=0; Scripts/fuzz-coverage.sh does that)
#
# Environment: FUZZ_OUT (default .build-fuzz), SANITIZER (address | none; default address;
# OSS-Fuzz sets it), SWIFTC (default swiftc), CC (default clang), FUZZ_STATIC=1 to link the
# Swift runtime statically (what OSS-Fuzz/ClusterFuzzLite runners need), FUZZ_LINK_FLAGS (more
# link flags), FUZZ_TARGETS (default "decoder emulator differential"), FUZZ_UPDATE_DICT=1
# (rewrite Corpus/fuzz/x86.dict instead of failing on drift), FUZZ_DICT_DRIFT=warn (warn only).
#
# Module graph (one object per module, whole-module, in dependency order):
#   X86Decoder ← X86Emulator ← FuzzChecks ← FuzzDecoder, FuzzEmulator
#   X86Decoder, X86Emulator, C shims, CNativeSandbox (*.c) ← DiffTest ← FuzzDifferential
#   X86Decoder, X86OpcodeMap, FuzzChecks ← FuzzTool (no sanitizer)
{
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
variant="${1:-fuzz}"
out="${FUZZ_OUT:-$root/.build-fuzz}"
sanitizer="${SANITIZER:-address}"
swiftc="${SWIFTC:-swiftc}"
cc="${CC:-clang}"
targets="${FUZZ_TARGETS:-decoder emulator differential}"

case "$sanitizer" in
    address) san="fuzzer,address" ;;
    none | "") san="fuzzer" ;;
    *) echo "fuzz-build: unsupported SANITIZER '$sanitizer' (address, none)" >&2; exit 2 ;;
esac
case "$variant" in
    fuzz) flags=(-O -g "-sanitize=$san"); obj="$out/obj"; bin="$out/bin" ;;
    coverage) flags=(-Onone -sanitize=fuzzer -profile-generate -profile-coverage-mapping); obj="$out/cov/obj"; bin="$out/cov/bin" ;;
    *) echo "fuzz-build: unknown variant '$variant' (fuzz, coverage)" >&2; exit 2 ;;
esac
link_flags=(-use-ld=lld)
# Statically linked, Foundation's archives need each other and their C/C++ parts (CoreFoundation,
# ICU, the collections and shims) named explicitly, as one group: swiftc's autolinking names the
# Swift modules the objects import, not what those archives depend on.
if [ "${FUZZ_STATIC:-0}" = 1 ]; then
    link_flags+=(-static-stdlib -Xlinker --start-group -lFoundation -lFoundationInternationalization
        -lFoundationEssentials -lCoreFoundation -l_FoundationCollections -l_FoundationCShims -l_FoundationICU
        -Xlinker --end-group -lstdc++)
fi
# shellcheck disable=SC2206  # extra linker flags, split on spaces (Scripts/oss-fuzz/build.sh: RUNPATH)
link_flags+=(${FUZZ_LINK_FLAGS:-})
mkdir -p "$obj" "$bin" "$out/tool"

# Compile from a snapshot of Sources/ taken now, so that every module of one build sees the
# same tree even while it is being edited (the coverage report reads the same snapshot).
src="$out/src-$variant"
rm -rf "$src"
mkdir -p "$src"
cp -R "$root/Sources/." "$src/"
sources() { find "$src/$1" -name '*.swift' | sort; }

# module NAME OBJDIR FLAGS... -- SOURCES...: one whole-module object and its .swiftmodule.
module() {
    local name="$1" dir="$2"; shift 2
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    echo "fuzz-build: $name ($variant)"
    "$swiftc" -swift-version 6 -parse-as-library -module-name "$name" -emit-module \
        -emit-module-path "$dir/$name.swiftmodule" -c -wmo -o "$dir/$name.o" -I "$dir" "${opts[@]}" "$@"
}

# The library modules under test, instrumented.
module X86Decoder "$obj" "${flags[@]}" -- $(sources X86Decoder)
module X86Emulator "$obj" "${flags[@]}" -- $(sources X86Emulator)
module FuzzChecks "$obj" "${flags[@]}" -- $(sources FuzzChecks)

for t in $targets; do
    case "$t" in
        decoder)
            module FuzzDecoder "$obj" "${flags[@]}" -- $(sources FuzzDecoder)
            "$swiftc" "${flags[@]}" "${link_flags[@]}" -o "$bin/fuzz-decoder" \
                "$obj/FuzzDecoder.o" "$obj/FuzzChecks.o" "$obj/X86Emulator.o" "$obj/X86Decoder.o" ;;
        emulator)
            module FuzzEmulator "$obj" "${flags[@]}" -- $(sources FuzzEmulator)
            "$swiftc" "${flags[@]}" "${link_flags[@]}" -o "$bin/fuzz-emulator" \
                "$obj/FuzzEmulator.o" "$obj/FuzzChecks.o" "$obj/X86Emulator.o" "$obj/X86Decoder.o" ;;
        differential)
            # CNativeSandbox has no module map of its own (SwiftPM makes one): write it here.
            mkdir -p "$obj/CNativeSandbox"
            printf 'module CNativeSandbox {\n    header "%s"\n    export *\n}\n' \
                "$src/CNativeSandbox/include/CNativeSandbox.h" >"$obj/CNativeSandbox/module.modulemap"
            sandbox_objects=()
            for c in "$src"/CNativeSandbox/*.c; do
                "$cc" -O2 -g -D_GNU_SOURCE -I "$src/CNativeSandbox/include" -c "$c" -o "$obj/CNativeSandbox-$(basename "$c" .c).o"
                sandbox_objects+=("$obj/CNativeSandbox-$(basename "$c" .c).o")
            done
            module DiffTest "$obj" "${flags[@]}" -I "$src/CCapstone" -I "$src/CZydis" \
                -I "$src/CUnicorn" -I "$obj/CNativeSandbox" -- $(sources DiffTest)
            module FuzzDifferential "$obj" "${flags[@]}" -I "$src/CCapstone" -I "$src/CZydis" \
                -I "$src/CUnicorn" -I "$obj/CNativeSandbox" -- $(sources FuzzDifferential)
            "$swiftc" "${flags[@]}" "${link_flags[@]}" -o "$bin/fuzz-differential" \
                "$obj/FuzzDifferential.o" "$obj/DiffTest.o" "${sandbox_objects[@]}" "$obj/FuzzChecks.o" \
                "$obj/X86Emulator.o" "$obj/X86Decoder.o" -lcapstone -lZydis -lZycore -lunicorn ;;
        *) echo "fuzz-build: unknown target '$t'" >&2; exit 2 ;;
    esac
    echo "fuzz-build: $bin/fuzz-$t"
done

# fuzz-tool, the dictionary and the seed corpora (only with the fuzz variant: same for both).
if [ "$variant" = fuzz ]; then
    tool="$out/tool"
    module X86Decoder "$tool" -O -- $(sources X86Decoder)
    module X86Emulator "$tool" -O -- $(sources X86Emulator)
    module X86OpcodeMap "$tool" -O -- $(sources X86OpcodeMap)
    module FuzzChecks "$tool" -O -- $(sources FuzzChecks)
    "$swiftc" -swift-version 6 -module-name FuzzTool -O -I "$tool" -o "$tool/fuzz-tool" $(sources FuzzTool) \
        "$tool/FuzzChecks.o" "$tool/X86OpcodeMap.o" "$tool/X86Emulator.o" "$tool/X86Decoder.o"

    "$tool/fuzz-tool" dict "$src/X86Decoder/OpcodeMap" >"$out/x86.dict"
    if ! cmp -s "$out/x86.dict" "$root/Corpus/fuzz/x86.dict"; then
        if [ "${FUZZ_UPDATE_DICT:-0}" = 1 ]; then
            cp "$out/x86.dict" "$root/Corpus/fuzz/x86.dict"
            echo "fuzz-build: updated Corpus/fuzz/x86.dict"
        elif [ "${FUZZ_DICT_DRIFT:-fail}" = warn ]; then
            echo "fuzz-build: warning: Corpus/fuzz/x86.dict has drifted from the opcode map (using $out/x86.dict)" >&2
        else
            echo "fuzz-build: Corpus/fuzz/x86.dict has drifted from the opcode map;" \
                "rerun with FUZZ_UPDATE_DICT=1 and commit it (diff: $out/x86.dict)" >&2
            exit 1
        fi
    fi
    rm -rf "$out/seeds"
    "$tool/fuzz-tool" seeds decoder "$out/seeds/decoder" "$root"/Corpus/vectors/decoder-hand.tsv \
        "$root"/Corpus/vectors/peer-decoder-vectors.tsv
    "$tool/fuzz-tool" seeds emulator "$out/seeds/emulator" "$root"/Corpus/vectors/decoder-hand.tsv \
        "$root"/Corpus/vectors/peer-decoder-vectors.tsv
fi
echo "fuzz-build: done ($variant, sanitizer $sanitizer) in $bin"
exit
}

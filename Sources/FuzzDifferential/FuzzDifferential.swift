import DiffTest
import FuzzChecks
import X86Decoder

// libFuzzer target `fuzz-differential`: the project decoder against Capstone and Zydis on one
// input (byte 0: mode and vendor as in DecoderFuzzInput; the address is always 0, as in
// campaigns; at most 15 bytes are compared). A divergence that no registered known oracle bug
// explains (`Comparison.unexplained`) is a crash that prints the `difftest repro` line and a
// signature (oracle, opcode map, opcode byte, field kinds: the campaign's bucket shape).
//
// FUZZ_SKIP (FuzzSkipList): divergences whose signatures are all listed are not crashes.
// Built by Scripts/fuzz-build.sh; links Debian's libcapstone and libZydis.

nonisolated(unsafe) let oracles: [DecodeOracle] = {
    do {
        return [ProjectOracle(), try CapstoneOracle(), try ZydisOracle()]
    } catch {
        fatalError("fuzz-differential: cannot open the oracles: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDifferentialOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let input = DecoderFuzzInput(UnsafeRawBufferPointer(start: data, count: size)), !input.bytes.isEmpty else { return 0 }
    let bytes = Array(input.bytes.prefix(15))
    let comparison = Comparison(bytes: bytes, mode: input.mode, vendor: input.vendor, oracles: oracles)
    let unexplained = comparison.unexplained
    if unexplained.isEmpty { return 0 }
    let probe = DecoderChecks.decoder(input.mode, input.vendor).probe(bytes)
    let where_ = probe.opcodeKnown ? "\(probe.map.name) \(fuzzHex([probe.opcode]))" : "- -"
    var signatures: [String] = []
    for oracle in Set(unexplained.map(\.oracle)).sorted() {
        let kinds = Set(unexplained.filter { $0.oracle == oracle }.map { FieldDifference(field: $0.field, left: "", right: "").fieldKind })
        signatures.append("differential \(oracle) \(where_) \(kinds.sorted().joined(separator: ","))")
    }
    if signatures.allSatisfy(FuzzSkipList.skips) { return 0 }
    let lines = unexplained.map { "  \($0.oracle) \($0.field): project \($0.project), \($0.oracle) \($0.other)" }
    FuzzReport.fail("""
        fuzz-differential: unexplained divergence (\(input.mode.bits)-bit \(input.vendor.rawValue))
        \(lines.joined(separator: "\n"))
        signature: \(signatures.joined(separator: " | "))
        difftest repro \(input.cliOptions) \(fuzzHex(bytes))
        """)
    return 0
}

import FuzzChecks
import X86Decoder

// libFuzzer target `fuzz-decoder`: the DecoderChecks of one input (byte 0: mode, vendor,
// address; the rest: the buffer). A failed check is a crash, with the check, the bytes, the
// signature Scripts/fuzz.sh dedups by and the `difftest decode` line that shows the
// instruction. Built by Scripts/fuzz-build.sh.

nonisolated(unsafe) var checks = DecoderChecks()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoderOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    guard let failure = checks.check(buffer), let input = DecoderFuzzInput(buffer), !FuzzSkipList.skips("decoder " + failure.signature) else { return 0 }
    FuzzReport.fail("""
        fuzz-decoder check failed: \(failure)
        signature: decoder \(failure.signature)
        input: \(fuzzHex(buffer)) (\(input.mode.bits)-bit \(input.vendor.rawValue), address 0x\(String(input.address, radix: 16)))
        show:  difftest decode \(input.cliOptions) \(fuzzHex(input.bytes))
        """)
    return 0
}

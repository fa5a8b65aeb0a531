import FuzzChecks

// libFuzzer target `fuzz-emulator`: the EmulatorChecks of one input (a machine state, a data
// window, the code; format in EmulatorFuzzInput). A failed check is a crash with the check, the
// signature Scripts/fuzz.sh dedups by, and the bytes. Built by Scripts/fuzz-build.sh.

let checks = EmulatorChecks()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEmulatorOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    guard let failure = checks.check(buffer), !FuzzSkipList.skips("emulator " + failure.signature) else { return 0 }
    let code = size > EmulatorFuzzInput.codeOffset ? fuzzHex(buffer[EmulatorFuzzInput.codeOffset...]) : "(none)"
    FuzzReport.fail("""
        fuzz-emulator check failed: \(failure)
        signature: emulator \(failure.signature)
        input: \(fuzzHex(buffer))
        code:  \(code)
        """)
    return 0
}

import X86Decoder
import X86Emulator

extension NativePolicy {
    /// The fields on which a native result and another execution oracle's result differ for
    /// `bytes` run from `state`, after the policy's masks (see `NativePolicy`). Field names:
    /// `outcome`, `exception.vector`, `exception.errorCode`, `exception.address`, `note`, the
    /// register names, `rip`, `rflags`, `fsBase`, `gsBase`, `es` … `gs`, `writes`.
    /// An answer that is not comparable (`unsupported`) on either side gives no differences.
    public static func differences(native: ExecutionResult, other: ExecutionResult, bytes: [UInt8], state: MachineState) -> [FieldDifference] {
        guard native.comparable && other.comparable else { return [] }
        var out: [FieldDifference] = []
        func check<T: Equatable>(_ field: String, _ a: T?, _ b: T?, _ text: (T) -> String = { "\($0)" }) {
            if a != b { out.append(FieldDifference(field: field, left: a.map(text) ?? "-", right: b.map(text) ?? "-")) }
        }
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        check("outcome", native.outcome.rawValue, other.outcome.rawValue)
        check("exception.vector", native.exception?.vector, other.exception?.vector)
        let mnemonic: String? = X86Decoder(mode: .bits64, vendor: .amd).decode(bytes).instruction?.mnemonic
        if let m = mnemonic, nondeterministic.contains(m) || hostArtifacts[m] != nil { return out }
        guard out.isEmpty else { return out }
        if let a = native.exception, let b = other.exception {
            var ea = a.errorCode, eb = b.errorCode
            if a.vector == "PF", let address = a.address.flatMap(MachineState.parseNumber), address >= 0x8000_0000_0000_0000 {
                ea = ea.map { $0 & ~1 }
                eb = eb.map { $0 & ~1 }
            }
            check("exception.errorCode", ea, eb) { hex(UInt64($0)) }
            check("exception.address", a.address, b.address)
        }
        if native.outcome == .syscall { check("note", native.note, other.note) }
        let x = native.state, y = other.state
        for (n, name) in CPUState.gprNames.enumerated() {
            if native.outcome == .syscall && (n == 1 || n == 11) { continue }
            check(name, x.gpr[n], y.gpr[n], hex)
        }
        check("rip", x.rip, y.rip, hex)
        check("rflags", x.rflags & ~maskedFlags, y.rflags & ~maskedFlags, hex)
        if HostCPU.hasFSGSBase {
            check("fsBase", x.fsBase, y.fsBase, hex)
            check("gsBase", x.gsBase, y.gsBase, hex)
        }
        for (n, name) in ["es", "cs", "ss", "ds", "fs", "gs"].enumerated() { check(name, x.segments[n], y.segments[n]) { hex(UInt64($0)) } }
        let initial = RegionMemory(state.regions(code: bytes))
        func changed(_ writes: [(address: UInt64, bytes: [UInt8])]) -> [(address: UInt64, byte: UInt8)] {
            var flat: [(address: UInt64, byte: UInt8)] = []
            for w in writes {
                for (k, b) in w.bytes.enumerated() {
                    let a = w.address &+ UInt64(k)
                    if initial.byte(at: a) != b { flat.append((a, b)) }
                }
            }
            return flat
        }
        let wa = ExecutionResult.coalesce(changed(native.writes)), wb = ExecutionResult.coalesce(changed(other.writes))
        if !wa.elementsEqual(wb, by: { $0.address == $1.address && $0.bytes == $1.bytes }) {
            func text(_ w: [(address: UInt64, bytes: [UInt8])]) -> String {
                w.isEmpty ? "none" : w.map { "\(hex($0.address)):\(Hex.string($0.bytes))" }.joined(separator: ",")
            }
            out.append(FieldDifference(field: "writes", left: text(wa), right: text(wb)))
        }
        return out
    }
}

import X86Decoder

/// The checks of the decoder fuzz target (issue 6), for one input. Each returns the first
/// property that fails as a `FuzzFailure` (the fuzz target turns it into a crash; the regression
/// tests into an issue), or nil. Out-of-bounds reads are caught by AddressSanitizer in the fuzz
/// build and by Swift's bounds checks elsewhere; traps are crashes in both.
///
/// Checks, in order:
/// - `length-vs-decode`: `length(of:)` and `decode` agree on validity, length and invalid reason;
///   `probe` agrees with both.
/// - `length-range`: a valid length is 1…15 and within the buffer.
/// - `layout-tiling`: the encoding layout's segments tile the instruction exactly.
/// - `redecode`: the first `length` bytes alone decode to the same instruction (and the same
///   length on the length path).
/// - `decode-into`: `decode(_:address:into:)` over an instruction still holding the previous
///   input's decode gives the same instruction as a fresh `decode` (no stale field), or the same
///   invalid reason.
/// - `truncation`: every proper prefix of a valid instruction is `truncated` (the emulator turns
///   truncated-at-a-fault into #PF on fetch, so another reason there would be a wrong #UD).
/// - `padding`: bytes after the instruction change nothing: the buffer padded past 15 bytes
///   (which takes the `FastLengthTables` shortcut) gives the same length, instruction, or
///   invalid reason (except `truncated`, which padding may complete).
public struct DecoderChecks {
    /// One decoder per (mode, vendor), built once.
    static let decoders: [X86Decoder] = Mode.allCases.flatMap { m in Vendor.allCases.map { X86Decoder(mode: m, vendor: $0) } }

    /// The instruction the previous call decoded, reused by the `decode-into` check.
    var reused = Instruction()

    public init() {}

    public static func decoder(_ mode: Mode, _ vendor: Vendor) -> X86Decoder {
        let m = Mode.allCases.firstIndex(of: mode)!
        return decoders[m * Vendor.allCases.count + (vendor == .amd ? 1 : 0)]
    }

    /// Runs every check on one fuzz input (header byte + buffer).
    public mutating func check(_ data: UnsafeRawBufferPointer) -> FuzzFailure? {
        guard let input = DecoderFuzzInput(data) else { return nil }
        return check(input)
    }

    public mutating func check(_ input: DecoderFuzzInput) -> FuzzFailure? {
        guard var failure = firstFailure(input) else { return nil }
        let p = Self.decoder(input.mode, input.vendor).probe(Array(input.bytes))
        failure.key = p.opcodeKnown ? "\(input.mode.bits) \(p.map.name) \(fuzzHex([p.opcode]))" : "\(input.mode.bits) -"
        return failure
    }

    mutating func firstFailure(_ input: DecoderFuzzInput) -> FuzzFailure? {
        let d = Self.decoder(input.mode, input.vendor)
        let bytes = input.bytes
        let address = input.address
        let fast = d.length(of: bytes)
        let full = d.decode(bytes, address: address)
        let probe = d.probe(Array(bytes))

        switch full {
        case .invalid(let reason):
            if fast.invalidReason != reason {
                return FuzzFailure("length-vs-decode", "decode: invalid \(reason.name); length(of:): \(describe(fast))")
            }
            if probe.result != fast { return FuzzFailure("length-vs-decode", "probe: \(describe(probe.result)); length(of:): \(describe(fast))") }
            let into = d.decode(bytes, address: address, into: &reused)
            if into != reason { return FuzzFailure("decode-into", "decode(into:) says \(into?.name ?? "valid"), decode says invalid \(reason.name)") }
            if reason != .truncated { return checkPadding(d, bytes, address, expect: full) }
            return nil
        case .valid(let i):
            let n = i.length
            if fast.length != n { return FuzzFailure("length-vs-decode", "decode: valid, length \(n); length(of:): \(describe(fast))") }
            if probe.result != fast { return FuzzFailure("length-vs-decode", "probe: \(describe(probe.result)); length(of:): \(describe(fast))") }
            if n < 1 || n > 15 || n > bytes.count {
                return FuzzFailure("length-range", "length \(n) with a buffer of \(bytes.count) bytes")
            }
            if let problem = layoutTilingProblem(i.layout, length: n) { return FuzzFailure("layout-tiling", problem) }
            if i.mode != input.mode || i.vendor != input.vendor {
                return FuzzFailure("redecode", "instruction says \(i.mode.bits)-bit \(i.vendor), decoded as \(input.mode.bits)-bit \(input.vendor)")
            }

            // The first n bytes alone, in a buffer of exactly n bytes.
            let alone = Array(bytes[0..<n])
            let again = alone.withUnsafeBytes { d.decode($0, address: address) }
            guard case .valid(let j) = again else {
                return FuzzFailure("redecode", "first \(n) bytes alone: \(describe(again))")
            }
            if let diff = instructionDifference(i, j) { return FuzzFailure("redecode", "first \(n) bytes alone differ in \(diff)") }
            let againLength = alone.withUnsafeBytes { d.length(of: $0) }
            if againLength.length != n { return FuzzFailure("redecode", "length(of:) of the first \(n) bytes alone: \(describe(againLength))") }

            let stale = d.decode(bytes, address: address, into: &reused)
            if let stale { return FuzzFailure("decode-into", "decode(into:) says invalid \(stale.name), decode says valid") }
            if let diff = instructionDifference(i, reused) { return FuzzFailure("decode-into", "reused instruction differs in \(diff)") }

            for k in 0..<n {
                let r = alone.withUnsafeBytes { d.length(of: UnsafeRawBufferPointer(rebasing: $0[0..<k])) }
                if r.invalidReason != .truncated {
                    return FuzzFailure("truncation", "first \(k) of \(n) bytes: \(describe(r)), expected truncated")
                }
            }
            return checkPadding(d, bytes, address, expect: full)
        }
    }

    /// The `padding` check: the buffer followed by filler up to 16 bytes (the fast-path size).
    func checkPadding(_ d: X86Decoder, _ bytes: UnsafeRawBufferPointer, _ address: UInt64, expect: DecodeResult) -> FuzzFailure? {
        guard bytes.count < 16 else { return nil }
        var padded = Array(bytes)
        // Filler that is neither a prefix nor an escape: 0xcc (int3).
        while padded.count < 16 { padded.append(0xCC) }
        let (fast, full) = padded.withUnsafeBytes { (d.length(of: $0), d.decode($0, address: address)) }
        switch (expect, full) {
        case (.invalid(let r), _):
            if fast.invalidReason != r { return FuzzFailure("padding", "invalid \(r.name) unpadded; padded length(of:): \(describe(fast))") }
            if case .invalid(let s) = full, s == r { return nil }
            return FuzzFailure("padding", "invalid \(r.name) unpadded; padded decode: \(describe(full))")
        case (.valid(let i), .valid(let j)):
            if fast.length != i.length { return FuzzFailure("padding", "length \(i.length) unpadded; padded length(of:): \(describe(fast))") }
            if let diff = instructionDifference(i, j) { return FuzzFailure("padding", "padded decode differs in \(diff)") }
            return nil
        case (.valid(let i), .invalid(let s)):
            return FuzzFailure("padding", "length \(i.length) unpadded; padded decode: invalid \(s.name)")
        }
    }
}

func describe(_ r: LengthResult) -> String {
    if let n = r.length { return "valid, length \(n)" }
    return "invalid \(r.invalidReason?.name ?? "?")"
}

func describe(_ r: DecodeResult) -> String {
    switch r {
    case .valid(let i): "valid, length \(i.length) (\(i.mnemonic))"
    case .invalid(let reason): "invalid \(reason.name)"
    }
}

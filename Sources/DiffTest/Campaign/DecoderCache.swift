import X86Decoder

/// One `X86Decoder` per (mode, vendor), made on first use: what each campaign checker keeps so
/// that no case pays for building a decoder. One instance is used by one thread.
struct DecoderCache {
    private var decoders: [Int: X86Decoder] = [:]

    mutating func decoder(_ mode: Mode, _ vendor: Vendor) -> X86Decoder {
        let key = mode.bits * 2 + (vendor == .amd ? 1 : 0)
        if let d = decoders[key] { return d }
        let d = X86Decoder(mode: mode, vendor: vendor)
        decoders[key] = d
        return d
    }
}

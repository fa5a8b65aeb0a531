import Testing
import TestSupport
import X86Decoder

/// Corpus/vectors/decoder-hand.tsv: every map and every invalid reason, three modes, both vendors.
@Suite struct HandVectorTests {
    static let vectors: [DecodeVector] = (try? VectorFile.load("decoder-hand.tsv")) ?? []

    @Test func vectorFileLoads() {
        #expect(Self.vectors.count > 150)
    }

    @Test(arguments: vectors)
    func vector(_ v: DecodeVector) {
        for vendor in v.vendor.map({ [$0] }) ?? Vendor.allCases {
            let decoder = X86Decoder(mode: v.mode, vendor: vendor)
            let fast = decoder.length(of: v.bytes)
            let full = decoder.decode(v.bytes)
            let expectedWord = v.expected.split(separator: " ").first.map(String.init) ?? ""
            switch full {
            case .valid(let i):
                #expect(v.length == i.length, "\(v) \(vendor): length \(i.length) (\(i.mnemonic)), expected \(v.length.map(String.init) ?? "invalid (\(v.expected))")")
                if v.length != nil { #expect(i.mnemonic == expectedWord, "\(v) \(vendor): mnemonic \(i.mnemonic), expected \(expectedWord)") }
                #expect(fast.length == i.length, "\(v) \(vendor): length path \(String(describing: fast.length)) vs full \(i.length)")
            case .invalid(let reason):
                #expect(v.length == nil, "\(v) \(vendor): invalid (\(reason.name)), expected length \(v.length ?? 0) \(v.expected)")
                if v.length == nil { #expect(reason.name == expectedWord, "\(v) \(vendor): reason \(reason.name), expected \(expectedWord)") }
                #expect(fast.invalidReason == reason, "\(v) \(vendor): length path says \(String(describing: fast.invalidReason))")
            }
        }
    }

    /// Every InvalidReason the decoder can give is exercised by at least one vector.
    @Test func everyInvalidReasonCovered() {
        let named = Set(Self.vectors.filter { $0.length == nil }.compactMap { $0.expected.split(separator: " ").first.map(String.init) })
        for reason in InvalidReason.allCases where reason != .invalidEncoding {
            #expect(named.contains(reason.name), "no vector for \(reason.name)")
        }
    }

    /// Every opcode map is reached by at least one valid vector.
    @Test func everyMapCovered() {
        var maps = Set<OpcodeMap>()
        for v in Self.vectors where v.length != nil {
            if case .valid(let i) = X86Decoder(mode: v.mode, vendor: v.vendor ?? .intel).decode(v.bytes) { maps.insert(i.map) }
        }
        for m in OpcodeMap.allCases {
            #expect(maps.contains(m), "no valid vector in map \(m.name)")
        }
    }
}

extension DecodeVector: CustomTestStringConvertible {
    public var testDescription: String { description }
}

/// The generated tables, decoded once from their hex text into memory that lives for the
/// process (never freed), read through raw pointers so the hot path has no bounds checks,
/// no reference counting and no lazy-global checks.
public final class DecoderTables: @unchecked Sendable {
    public static let shared = DecoderTables()

    @usableFromInline let nodes: UnsafeMutablePointer<UInt32>
    @usableFromInline let forms: UnsafeMutablePointer<UInt64>
    @usableFromInline let operands: UnsafeMutablePointer<UInt64>
    public let nodeCount: Int
    public let formCount: Int
    public let mnemonics: [String]

    private init() {
        nodeCount = GeneratedTables.nodeCount
        formCount = GeneratedTables.formCount
        nodes = Self.decode(GeneratedTables.nodesHex, count: max(nodeCount, OpcodeMap.allCases.count * 256), digits: 8) { UInt32($0) }
        forms = Self.decode(GeneratedTables.formsHex, count: max(formCount, 1), digits: 16) { $0 }
        operands = Self.decode(GeneratedTables.operandsHex, count: max(formCount, 1), digits: 16) { $0 }
        var names: [String] = []
        GeneratedTables.mnemonicsText.withUTF8Buffer { buffer in
            for line in buffer.split(separator: UInt8(ascii: "\n")) {
                let trimmed = line.drop(while: { $0 == UInt8(ascii: " ") })
                if !trimmed.isEmpty { names.append(String(decoding: trimmed, as: UTF8.self)) }
            }
        }
        mnemonics = names
    }

    private static func decode<T: FixedWidthInteger>(_ text: StaticString, count: Int, digits: Int, _ make: (UInt64) -> T) -> UnsafeMutablePointer<T> {
        let table = UnsafeMutablePointer<T>.allocate(capacity: count)
        table.initialize(repeating: 0, count: count)
        var value: UInt64 = 0
        var have = 0
        var index = 0
        text.withUTF8Buffer { buffer in
            for c in buffer {
                let digit: UInt64
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(c - UInt8(ascii: "a") + 10)
                default: continue
                }
                value = value << 4 | digit
                have += 1
                if have == digits {
                    if index < count { table[index] = make(value) }
                    index += 1
                    value = 0
                    have = 0
                }
            }
        }
        return table
    }

    @inline(__always) @usableFromInline func node(_ i: Int) -> UInt32 { nodes[i] }
    @inline(__always) @usableFromInline func form(_ i: Int) -> UInt64 { forms[i] }
    @inline(__always) @usableFromInline func formOperands(_ i: Int) -> UInt64 { operands[i] }

    public func mnemonic(ofForm i: Int) -> String {
        let id = Int(forms[i] & FormLayout.mnemonicBits)
        return id < mnemonics.count ? mnemonics[id] : "(invalid)"
    }

    public func flags(ofForm i: Int) -> FormFlags {
        FormFlags(formBits: forms[i])
    }
}

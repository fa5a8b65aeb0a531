import X86Decoder

/// One instruction form of the opcode map: the opcode, the conditions under which it applies
/// and what it decodes to. `XX+r` lines are expanded into eight of these by the parser.
public struct MapLine: Sendable {
    public var file: String
    public var lineNumber: Int
    public var map: OpcodeMap
    public var opcode: UInt8
    /// Selector values by switch kind; absent kinds do not constrain the line.
    public var selectors: [SwitchKind: Int]
    public var hasModRM: Bool
    public var mnemonic: String
    public var operands: [OperandSpec]
    public var immediate: ImmediateKind
    public var flags: FormFlags
    public var tuple: TupleType

    /// "file:line", for error messages.
    public var location: String { "\(file):\(lineNumber)" }

    /// How specific the line is: more selectors win over fewer.
    public var specificity: Int { selectors.count }
}

/// An error in the opcode map, with the line it concerns.
public struct MapError: Error, CustomStringConvertible, Sendable {
    public var location: String
    public var message: String
    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }
    public var description: String { "\(location): \(message)" }
}

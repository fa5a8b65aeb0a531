import X86Decoder

/// The decode oracles the command line can name, and how to make one.
public enum OracleRegistry {
    public static let decodeOracleNames = ["project", "capstone", "zydis"]

    public struct UnknownOracle: Error, CustomStringConvertible {
        public var description: String
    }

    /// A fresh oracle (one per thread: handles are not shared).
    public static func makeDecodeOracle(_ name: String) throws -> DecodeOracle {
        switch name {
        case "project": return ProjectOracle()
        case "capstone": return try CapstoneOracle()
        case "zydis": return try ZydisOracle()
        default:
            throw UnknownOracle(description: "unknown oracle '\(name)' (known: \(decodeOracleNames.joined(separator: ", ")))")
        }
    }
}

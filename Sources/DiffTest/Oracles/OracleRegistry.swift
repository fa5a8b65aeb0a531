import X86Decoder

/// The decode oracles the command line can name, and how to make one.
public enum OracleRegistry {
    /// Every decode oracle the tool knows, whether or not this host can run it.
    public static let allDecodeOracleNames = ["project", "capstone", "zydis", "native-length"]

    /// The decode oracles this host can run: `native-length` only on x86-64 Linux
    /// (`NativePolicy.hostSupported`). `difftest repro`, `decode --oracle` and the campaigns'
    /// default oracle lists use these.
    public static let availableDecodeOracleNames = allDecodeOracleNames.filter { $0 != "native-length" || NativePolicy.hostSupported }

    public static let decodeOracleNames = availableDecodeOracleNames

    public struct UnknownOracle: Error, CustomStringConvertible {
        public var description: String
    }

    /// A fresh oracle (one per thread: handles are not shared).
    public static func makeDecodeOracle(_ name: String) throws -> DecodeOracle {
        switch name {
        case "project": return ProjectOracle()
        case "capstone": return try CapstoneOracle()
        case "zydis": return try ZydisOracle()
        case "native-length" where NativePolicy.hostSupported: return try NativeLengthOracle()
        default:
            throw UnknownOracle(description: "unknown oracle '\(name)' (known: \(decodeOracleNames.joined(separator: ", ")))")
        }
    }
}

import X86Decoder
import X86Emulator

/// A registered bug of a peer execution oracle (Unicorn), with its evidence: the finding it
/// explains is counted under `known:<id>`, never silenced. Like `KnownOracleBug` for decode
/// oracles: an example case, what the oracle says, the truth and who says so (the CPU through
/// Tests/X86EmulatorTests/NativeCPU.swift, or another oracle).
public struct KnownExecutionBug: Sendable {
    public var id: String
    public var oracle: String
    public var summary: String
    /// Example: hex bytes; the state is the generator's (see `evidence`).
    public var example: String
    public var oracleSays: String
    public var truth: String
    public var evidence: String
    /// Field kinds it explains (`rflags.of`, `register`, …: a prefix of the field name).
    public var fields: [String]
    public var matches: @Sendable (_ c: Case, _ mnemonic: String, _ field: String, _ mine: ExecutionResult, _ theirs: ExecutionResult) -> Bool
}

public enum KnownExecutionBugs {
    /// The first registered bug of `oracle` that explains the difference in `field`, or nil.
    public static func lookup(oracle: String, case c: Case, mnemonic: String, field: String, mine: ExecutionResult,
                              theirs: ExecutionResult) -> KnownExecutionBug? {
        all.first { bug in
            bug.oracle == oracle && bug.fields.contains { field.hasPrefix($0) } && bug.matches(c, mnemonic, field, mine, theirs)
        }
    }

    public static let all: [KnownExecutionBug] = []
}

extension NativeExecutionOracle {
    /// `difftest native --exec --json`: the `difftest emulate --json` object plus `cpu` (the CPU
    /// the answer was taken on).
    public struct JSON: Encodable {
        var outcome: ExecutionResult.Outcome
        var exception: ExecutionResult.Exception?
        var reason: String?
        var state: [String: String]
        var writes: [ExecutionResult.Write]
        var cpu: HostCPU
    }

    public func json(_ r: ExecutionResult) -> JSON {
        JSON(
            outcome: r.outcome, exception: r.exception, reason: r.note, state: MachineState.registerFields(r.state),
            writes: r.writes.map { ExecutionResult.Write(address: "0x" + String($0.address, radix: 16), bytes: Hex.string($0.bytes)) },
            cpu: cpu)
    }
}

extension NativeLengthOracle {
    /// `difftest native --length --json`: the `difftest decode --json` line plus `cpu`.
    public struct JSON: Encodable {
        var bytes: String
        var mode: Int
        var valid: Bool
        var length: Int?
        var mnemonic: String?
        var operands: [OperandAnswer]?
        var reason: String?
        var cpu: HostCPU
    }

    public func json(bytes: [UInt8], mode: Int, answer: DecodeAnswer) -> JSON {
        JSON(
            bytes: Hex.string(bytes), mode: mode, valid: answer.valid, length: answer.length, mnemonic: answer.mnemonic,
            operands: answer.valid ? answer.operands : nil, reason: answer.reason, cpu: cpu)
    }
}

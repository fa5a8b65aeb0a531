import X86Decoder
import X86Emulator

/// The project's emulator as an execution oracle: the state's regions plus the code at RIP
/// behind a write-discard bus (writes reported, never applied), one `step`.
public final class EmulatorOracle: ExecutionOracle {
    public let name = "emulator"

    public init() {}

    public func execute(_ bytes: [UInt8], state: MachineState, vendor: Vendor) -> ExecutionResult {
        let bus = WriteDiscardBus(RegionMemory(state.regions(code: bytes)))
        var emulator = Emulator(state: state.cpu, bus: bus, environment: Environment(profile: vendor))
        let outcome = emulator.step()
        return ExecutionResult(outcome, state: emulator.state, writtenBytes: emulator.bus.writtenBytes)
    }
}

import X86Decoder

/// Anything that can execute one instruction from a machine state: the project's emulator,
/// Unicorn, and (issue of the native sandbox) the CPU. Same state in, same result model out.
/// One instance is used by one thread.
public protocol ExecutionOracle: AnyObject {
    /// Short name for the command line and reports: `emulator`, `unicorn`.
    var name: String { get }
    /// Executes the first instruction of `bytes`, placed at `state.cpu.rip`.
    func execute(_ bytes: [UInt8], state: MachineState, vendor: Vendor) -> ExecutionResult
}

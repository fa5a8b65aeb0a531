import Glibc
import X86Decoder
import X86Emulator

/// Runs one register-only instruction on this CPU: an RWX page holds a stub that loads RAX–R15
/// (not RSP) and RFLAGS from a context, runs the instruction bytes, and stores them back.
/// Called through `@convention(c)`. Only for instructions that touch no memory and no RSP.
final class NativeCPU {
    /// RAX…R15 (index 4, RSP, is neither loaded nor stored) and RFLAGS at index 16.
    struct Context {
        var r: InlineArray<17, UInt64> = InlineArray(repeating: 0)
    }

    typealias Entry = @convention(c) (UnsafeMutablePointer<UInt64>) -> Void
    let page: UnsafeMutableRawPointer
    let entry: Entry
    static let pageSize = 4096

    init(_ instruction: [UInt8]) {
        let p = mmap(nil, Self.pageSize, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        precondition(p != MAP_FAILED, "mmap RWX failed")
        page = p
        var code: [UInt8] = []
        // Save callee-saved registers and the context pointer.
        code += [0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x57]
        code += [0xFF, 0xB7, 0x80, 0x00, 0x00, 0x00, 0x9D]  // push [rdi+128]; popfq
        for n in [0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15] { code += Self.load(n) }
        code += Self.load(7)  // rdi last
        code += instruction
        code += [0x9C, 0x50]  // pushfq; push rax
        code += [0x48, 0x8B, 0x44, 0x24, 0x10]  // mov rax, [rsp+16] (context)
        for n in [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] { code += Self.store(n) }
        code += [0x59, 0x48, 0x89, 0x08]  // pop rcx; mov [rax], rcx
        code += [0x59, 0x48, 0x89, 0x88, 0x80, 0x00, 0x00, 0x00]  // pop rcx; mov [rax+128], rcx
        code += [0x5F, 0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B, 0xC3]
        code.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        entry = unsafeBitCast(p, to: Entry.self)
    }

    deinit { munmap(page, Self.pageSize) }

    /// mov rN, [rdi + 8n]
    static func load(_ n: Int) -> [UInt8] {
        [0x48 | (n >= 8 ? 4 : 0), 0x8B, UInt8(0x87 | (n & 7) << 3)] + withUnsafeBytes(of: UInt32(n * 8).littleEndian, Array.init)
    }

    /// mov [rax + 8n], rN
    static func store(_ n: Int) -> [UInt8] {
        [0x48 | (n >= 8 ? 4 : 0), 0x89, UInt8(0x80 | (n & 7) << 3)] + withUnsafeBytes(of: UInt32(n * 8).littleEndian, Array.init)
    }

    func run(_ context: inout Context) {
        withUnsafeMutableBytes(of: &context.r) { entry($0.baseAddress!.assumingMemoryBound(to: UInt64.self)) }
    }
}

/// The same instruction on the emulator, with the same context.
struct EmulatedCPU {
    static let codeAddress: UInt64 = 0x40_0000
    var emulator: Emulator<RegionMemory>

    init(_ instruction: [UInt8], profile: Vendor = .amd) {
        emulator = Emulator(bus: RegionMemory([.init(address: Self.codeAddress, bytes: instruction)]), environment: Environment(profile: profile))
    }

    mutating func run(_ context: inout NativeCPU.Context) -> StepOutcome {
        var s = CPUState(rip: Self.codeAddress)
        for n in 0..<16 where n != 4 { s.gpr[n] = context.r[n] }
        s.gpr[4] = 0x7FFF_0000
        s.rflags = context.r[16]
        emulator.state = s
        let outcome = emulator.step()
        for n in 0..<16 where n != 4 { context.r[n] = emulator.state.gpr[n] }
        context.r[16] = emulator.state.rflags
        return outcome
    }
}

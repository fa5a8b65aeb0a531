import Testing
import X86Decoder

/// Operands decoded from hand-checked encodings (SDM Vol. 2, 2.1 and 2.7).
@Suite struct OperandTests {
    func decode(_ hexText: String, mode: Mode = .bits64, vendor: Vendor = .intel, address: UInt64 = 0) -> Instruction? {
        var bytes: [UInt8] = []
        var s = Substring(hexText)
        while s.count >= 2 {
            bytes.append(UInt8(s.prefix(2), radix: 16)!)
            s = s.dropFirst(2)
        }
        return X86Decoder(mode: mode, vendor: vendor).decode(bytes, address: address).instruction
    }

    func memory(_ i: Instruction?, _ n: Int) -> MemoryOperand? {
        guard let i, n < i.operandCount, case .memory(let m) = i.operand(at: n) else { return nil }
        return m
    }

    func register(_ i: Instruction?, _ n: Int) -> String? {
        guard let i, n < i.operandCount, case .register(let r) = i.operand(at: n) else { return nil }
        return r.name
    }

    func immediate(_ i: Instruction?, _ n: Int) -> (UInt64, UInt8)? {
        guard let i, n < i.operandCount, case .immediate(let v, let s) = i.operand(at: n) else { return nil }
        return (v, s)
    }

    @Test func sibWithStackBaseUsesSS() throws {
        let m = try #require(memory(decode("8b443d10"), 1))  // mov eax, [rbp+rdi*1+0x10]
        #expect(m.base?.name == "rbp" && m.index?.name == "rdi" && m.scale == 1 && m.displacement == 0x10)
        #expect(m.segment == .ss && m.size == 4)
    }

    @Test func r12BaseUsesDS() throws {
        let m = try #require(memory(decode("418b0424"), 1))  // mov eax, [r12]
        #expect(m.base?.name == "r12" && m.index == nil && m.segment == .ds)
    }

    @Test func ripRelative() throws {
        let m = try #require(memory(decode("8b05f0ffffff"), 1))
        #expect(m.base?.name == "rip" && m.displacement == -16)
        let m32 = try #require(memory(decode("678b0500000000"), 1))
        #expect(m32.base?.name == "eip")
        let abs32 = try #require(memory(decode("8b0500000010", mode: .bits32), 1))
        #expect(abs32.base == nil && abs32.displacement == 0x1000_0000)
    }

    @Test func segmentOverrides() throws {
        #expect(memory(decode("648b00"), 1)?.segment == .fs)
        #expect(memory(decode("2e8b00"), 1)?.segment == .ds, "CS override is ignored in 64-bit mode")
        #expect(memory(decode("2e8b00", mode: .bits32), 1)?.segment == .cs)
        #expect(memory(decode("6426000000"), 0)?.segment == .fs, "X86-NOTES: FS wins over a later ES")
    }

    @Test func sixteenBitAddressing() throws {
        let m = try #require(memory(decode("8b4610", mode: .bits16), 1))  // mov ax, [bp+0x10]
        #expect(m.base?.name == "bp" && m.index == nil && m.segment == .ss && m.displacement == 0x10)
        let m2 = try #require(memory(decode("8b00", mode: .bits16), 1))
        #expect(m2.base?.name == "bx" && m2.index?.name == "si" && m2.segment == .ds)
        #expect(register(decode("8b00", mode: .bits16), 0) == "ax")
    }

    @Test func evexCompressedDisplacementAndBroadcast() throws {
        let m = try #require(memory(decode("62f17c485840ff"), 2))  // vaddps zmm0, zmm0, [rax-64]
        #expect(m.displacement == -64 && m.size == 64)
        let b = try #require(memory(decode("62f17c58584001"), 2))  // {1to16} [rax+4]
        #expect(b.broadcast == 4 && b.displacement == 4)
        #expect(register(decode("62e17c4858c1"), 0) == "zmm16", "EVEX.R' extends ModRM.reg")
    }

    @Test func immediatesAreExtendedAsTheCPUDoes() {
        #expect(immediate(decode("6a80"), 0)! == (0xFFFF_FFFF_FFFF_FF80, 8))
        #expect(immediate(decode("83c0ff"), 1)! == (0xFFFF_FFFF, 4))
        #expect(immediate(decode("6683c0ff"), 1)! == (0xFFFF, 2))
        #expect(immediate(decode("4881c0ffffffff"), 1)! == (0xFFFF_FFFF_FFFF_FFFF, 8))
        #expect(immediate(decode("b0ff"), 1)! == (0xFF, 1))
        #expect(immediate(decode("48b80102030405060708"), 1)! == (0x0807_0605_0403_0201, 8))
    }

    @Test func relativeTargets() {
        guard case .relative(let t, _) = decode("e8fbffffff", address: 0x1000)?.operand(at: 0) else {
            Issue.record("no relative operand")
            return
        }
        #expect(t == 0x1000)
        guard case .relative(let amd, let size) = decode("66e82e1b88e6", vendor: .amd)?.operand(at: 0) else {
            Issue.record("no relative operand")
            return
        }
        #expect(amd == 0x1B32 && size == 2, "X86-NOTES: AMD truncates RIP to 16 bits")
    }

    /// The AMD-only rules of Vendor.swift, as Zen 4 runs them: LOCK MOV CR0 is CR8; an ignored
    /// EVEX.b leaves the vector length to L'L (a probe measured 256 bits for L'L 01) and no
    /// rounding or SAE decoration; an ignored {z} is no zeroing.
    @Test func amdOnlyEncodingsOperands() {
        #expect(decode("f00f20c0", vendor: .amd)?.operand(at: 1) == .register(Register(.control, 8)))
        #expect(decode("f00f22c0", vendor: .amd)?.operand(at: 0) == .register(Register(.control, 8)))
        let b = decode("62f17538fec1", vendor: .amd)
        #expect(b?.operand(at: 0) == .register(Register(.ymm, 0)))
        #expect(b?.evex.rounding == nil && b?.evex.suppressAllExceptions == false)
        let z = decode("62f275a8dcc1", vendor: .amd)
        #expect(z?.operand(at: 0) == .register(Register(.ymm, 0)) && z?.evex.zeroing == false)
        // Rounding forms keep their meaning: L'L is the rounding mode, the length 512.
        #expect(decode("62f17438 58c1".replacingOccurrences(of: " ", with: ""), vendor: .amd)?.evex.rounding == 1)
    }

    @Test func byteRegistersWithAndWithoutRex() {
        #expect(register(decode("88e0"), 0) == "al" && register(decode("88e0"), 1) == "ah")
        #expect(register(decode("4088e0"), 1) == "spl")
        #expect(register(decode("4588c0"), 0) == "r8b")
    }

    @Test func vexAndXopRegisters() {
        let i = decode("c5b9fec0")
        #expect(register(i, 0) == "xmm0" && register(i, 1) == "xmm8" && register(i, 2) == "xmm0")
        let y = decode("c5fdfec0")
        #expect(register(y, 0) == "ymm0")
        let blend = decode("c4e3794ac120")
        #expect(register(blend, 3) == "xmm2", "is4 register from imm8[7:4]")
    }

    @Test func layoutOfAFullInstruction() throws {
        // lock add qword ptr fs:[r8+rcx*4+0x12345678], 0x7f  (f0 64 49 83 84 88 78563412 7f)
        let i = try #require(decode("f064498384887856341207"))
        #expect(i.length == 11 && i.hasLock && i.segmentOverride == .fs)
        let l = i.layout
        #expect(l.prefixCount == 2 && l.rexOffset == 2 && l.opcodeOffset == 3 && l.modrmOffset == 4 && l.sibOffset == 5)
        #expect(l.displacementOffset == 6 && l.displacementSize == 4 && l.immediateOffset == 10 && l.immediateSize == 1)
    }
}

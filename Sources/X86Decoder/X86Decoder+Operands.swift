extension X86Decoder {
    /// Fills `instruction` (operands, layout) from a successful core decode, in place. `count`
    /// is the buffer's size (the core has checked that the instruction fits in it).
    func fill(_ instruction: inout Instruction, _ p: UnsafePointer<UInt8>, _ count: Int, _ r: inout RawDecode, address: UInt64) {
        // Every position and size is below 16 (the core enforces 15 bytes): the conversions
        // need no overflow check.
        @inline(__always) func u8(_ v: Int) -> UInt8 { UInt8(truncatingIfNeeded: v) }
        instruction.layout = EncodingLayout()
        instruction.layout.prefixCount = u8(r.prefixCount)
        if r.rexPos >= 0 { instruction.layout.rexOffset = u8(r.rexPos); instruction.layout.rexSize = 1 }
        if r.kind != .legacy { instruction.layout.vexOffset = u8(r.vexPos); instruction.layout.vexSize = u8(r.vexSize) }
        instruction.layout.opcodeOffset = u8(r.opcodePos)
        instruction.layout.opcodeSize = u8(r.opcodeSize)
        if r.hasModRM { instruction.layout.modrmOffset = u8(r.modrmPos); instruction.layout.modrmSize = 1 }
        if r.hasSIB { instruction.layout.sibOffset = u8(r.sibPos); instruction.layout.sibSize = 1 }
        if r.dispSize > 0 { instruction.layout.displacementOffset = u8(r.dispPos); instruction.layout.displacementSize = u8(r.dispSize) }
        if r.immSize > 0 { instruction.layout.immediateOffset = u8(r.immPos); instruction.layout.immediateSize = u8(r.immSize) }
        if r.imm2Size > 0 {
            instruction.layout.immediate2Offset = u8(r.immPos &+ r.immSize)
            instruction.layout.immediate2Size = u8(r.imm2Size)
        }

        instruction.evex = EvexDecorations()
        if r.kind == .evex {
            instruction.evex.mask = r.evexAAA
            instruction.evex.zeroing = r.evexZ
            if r.evexB && r.isRegisterForm {
                if r.flags.contains(.rounding) { instruction.evex.rounding = r.l } else { instruction.evex.suppressAllExceptions = true }
            }
        }
        instruction.mode = mode
        instruction.vendor = vendor
        instruction.length = r.length
        instruction.map = r.map
        instruction.opcode = r.opcode
        instruction.encoding = r.kind
        instruction.operandSize = r.operandSize
        instruction.addressSize = r.addressSize
        instruction.hasLock = r.lock
        instruction.repPrefix = r.rep
        instruction.segmentOverride = r.segment == 0xFF ? nil : Register(.segment, r.segment)
        instruction.formIndex = r.form
        instruction.operandCount = 0

        let specs = formOperands[r.form]
        let count = r.operandCount
        withUnsafePointer(to: &r) { rp in
            var builder = OperandBuilder(p: p, count: count, rp: rp, decoder: self, address: address)
            for i in 0..<count {
                let spec = OperandSpec(trusted: (specs >> (UInt64(i) * 12)) & 0xFFF)
                instruction.operandStorage[i] = builder.operand(spec)
            }
        }
        instruction.operandCount = r.operandCount
    }
}

/// Turns operand specs into operands for one decoded instruction.
struct OperandBuilder {
    let p: UnsafePointer<UInt8>
    /// The buffer's size: fields are read with one 8-byte load when 8 bytes are there.
    let count: Int
    /// The core's result, borrowed (a copy would cost more than building the operands).
    let rp: UnsafePointer<RawDecode>
    let decoder: X86Decoder
    let address: UInt64
    /// Which immediate field the next I/J operand reads (ENTER and EXTRQ have two).
    var immediateIndex = 0
    /// An is4 register (imm8[7:4]) was built: an `Ib` after it is the rest of that byte,
    /// imm8[3:0] (VPERMIL2PS/PD's m2z selector; Zydis and Capstone give 0xd for `… 7d`).
    var sawIs4 = false

    init(p: UnsafePointer<UInt8>, count: Int, rp: UnsafePointer<RawDecode>, decoder: X86Decoder, address: UInt64) {
        self.p = p
        self.count = count
        self.rp = rp
        self.decoder = decoder
        self.address = address
    }

    @inline(__always) var r: RawDecode { _read { yield rp.pointee } }

    var is64: Bool { decoder.mode == .bits64 }

    /// Vector length in bytes: 16 for legacy SSE, VEX.L, EVEX.L'L (512 with embedded rounding).
    var vectorBytes: Int {
        switch r.kind {
        case .legacy: 16
        case .vex2, .vex3, .xop: r.l == 1 ? 32 : 16
        case .evex: (r.evexB && r.isRegisterForm) ? 64 : (16 << Int(min(r.l, 2)))
        }
    }

    func size(_ t: OperandType) -> Int {
        let osize = r.operandSize
        switch t {
        case .none, .xs, .mb, .c: return 0
        case .b: return 1
        case .w, .sh: return 2
        case .d, .ss, .si: return 4
        case .q, .sd, .pi: return 8
        case .dq: return 16
        case .qq: return 32
        case .oq: return 64
        case .v: return osize / 8
        case .z: return osize == 16 ? 2 : 4
        case .y: return osize == 64 ? 8 : 4
        case .s: return is64 ? 10 : 6
        case .a: return osize == 16 ? 4 : 8
        case .p: return osize / 8 + 2
        case .t: return 10
        case .ps, .pd, .x: return vectorBytes
        case .h: return vectorBytes / 2
        case .qx: return vectorBytes / 4
        case .ox: return vectorBytes / 8
        case .e: return osize == 16 ? 14 : 28
        case .st: return osize == 16 ? 94 : 108
        case .fx: return 512
        case .kl: return 48
        }
    }

    /// The little-endian field of `size` (0-8) bytes at `offset`, inside the instruction.
    @inline(__always)
    func readImmediate(at offset: Int, size: Int) -> UInt64 {
        if offset &+ 8 <= count {
            let v = UnsafeRawPointer(p + offset).loadUnaligned(as: UInt64.self)
            return size >= 8 ? v : v & ((1 &<< UInt64(truncatingIfNeeded: size &* 8)) &- 1)
        }
        var v: UInt64 = 0
        for i in 0..<size { v |= UInt64(p[offset &+ i]) &<< (8 &* UInt64(truncatingIfNeeded: i)) }
        return v
    }

    static func signExtend(_ v: UInt64, from bytes: Int) -> UInt64 {
        if bytes >= 8 { return v }
        let shift = UInt64(64 - bytes * 8)
        return UInt64(bitPattern: Int64(bitPattern: v << shift) >> Int64(shift))
    }

    static func mask(_ v: UInt64, bytes: Int) -> UInt64 { bytes >= 8 ? v : v & ((1 << UInt64(bytes * 8)) - 1) }

    mutating func nextImmediate() -> (value: UInt64, size: Int) {
        defer { immediateIndex += 1 }
        if immediateIndex == 0 { return (readImmediate(at: r.immPos, size: r.immSize), r.immSize) }
        return (readImmediate(at: r.immPos + r.immSize, size: r.imm2Size), r.imm2Size)
    }

    var rex: Bool { r.rex != 0 }
    /// The register vvvv names: outside 64-bit mode only eight registers exist and its high bit
    /// is ignored (binutils and Zydis agree), though an unused vvvv must still be 1111b.
    var vvvv: UInt8 { is64 ? r.vvvv : r.vvvv & 7 }
    var rmRegister: UInt8 { r.rmField | r.b << 3 }

    mutating func operand(_ spec: OperandSpec) -> Operand {
        let t = spec.type
        switch spec.method {
        case .none: return .immediate(value: 0, size: 0)
        case .modrmReg: return .register(.gpr(r.regField | r.r << 3, size: size(t), rex: rex))
        case .modrmRM, .gprRM:
            if r.isRegisterForm || r.flags.contains(.modIgnored) { return .register(.gpr(rmRegister, size: size(t), rex: rex)) }
            return .memory(memory(size(t)))
        case .vvvvGPR: return .register(.gpr(vvvv, size: size(t), rex: true))
        case .controlReg: return .register(Register(.control, r.regField | r.r << 3 | (r.lock ? 8 : 0)))  // LOCK: AMD's CR8 alias
        case .debugReg: return .register(Register(.debug, r.regField | r.r << 3))
        case .segmentReg: return .register(Register(.segment, r.regField))
        case .vectorReg: return .register(.vector(r.regField | r.r << 3 | r.r2 << 4, size: size(t)))
        case .vectorRM, .vectorRMOrMemory:
            if r.isRegisterForm {
                let high: UInt8 = r.kind == .evex ? r.x << 4 : 0
                return .register(.vector(rmRegister | high, size: size(t)))
            }
            return .memory(memory(size(t)))
        case .vvvvVector: return .register(.vector(vvvv | r.v2 << 4, size: size(t)))
        case .is4Vector:
            sawIs4 = true
            let byte = p[r.immPos]
            return .register(.vector(is64 ? byte >> 4 : (byte >> 4) & 7, size: size(t)))
        case .mmxReg: return .register(Register(.mmx, r.regField))
        case .mmxRM, .mmxRMOrMemory:
            if r.isRegisterForm { return .register(Register(.mmx, r.rmField)) }
            return .memory(memory(size(t)))
        case .memoryOnly: return .memory(memory(size(t)))
        case .maskReg: return .register(Register(.mask, r.regField))
        case .maskVVVV: return .register(Register(.mask, r.vvvv & 7))
        case .maskRM, .maskRMOrMemory:
            if r.isRegisterForm { return .register(Register(.mask, r.rmField)) }
            return .memory(memory(size(t)))
        case .tileReg: return .register(Register(.tile, r.regField | r.r << 3))
        case .tileRM: return .register(Register(.tile, rmRegister))
        case .tileVVVV: return .register(Register(.tile, r.vvvv))
        case .boundReg: return .register(Register(.bound, r.regField | r.r << 3))
        case .boundRMOrMemory:
            if r.isRegisterForm { return .register(Register(.bound, rmRegister)) }
            return .memory(memory(16))
        case .x87RM: return .register(Register(.x87, r.rmField))
        case .x87Top: return .register(Register(.x87, 0))
        case .opcodeReg: return .register(.gpr((r.opcode & 7) | r.b << 3, size: size(t), rex: rex))
        case .fixedAL: return .register(Register(.gpr8, 0))
        case .fixedCL: return .register(Register(.gpr8, 1))
        case .fixedDX: return .register(Register(.gpr16, 2))
        case .fixedAX: return .register(Register(.gpr16, 0))
        case .fixedEAX: return .register(.gpr(0, size: r.operandSize == 16 ? 2 : 4, rex: false))
        case .fixedRAX: return .register(.gpr(0, size: r.operandSize / 8, rex: false))
        case .fixedES: return .register(.es)
        case .fixedCS: return .register(.cs)
        case .fixedSS: return .register(.ss)
        case .fixedDS: return .register(.ds)
        case .fixedFS: return .register(.fs)
        case .fixedGS: return .register(.gs)
        case .constantOne: return .immediate(value: 1, size: 1)
        case .immediate:
            let (v, n) = nextImmediate()
            if t == .z && r.operandSize == 64 { return .immediate(value: Self.signExtend(v, from: 4), size: 8) }
            if sawIs4 { return .immediate(value: v & 0x0F, size: 1) }
            return .immediate(value: v, size: UInt8(n))
        case .immediateSignExtended:
            let (v, _) = nextImmediate()
            let n = r.operandSize / 8
            return .immediate(value: Self.mask(Self.signExtend(v, from: 1), bytes: n), size: UInt8(n))
        case .relative:
            let (v, n) = nextImmediate()
            let next = address &+ UInt64(r.length)
            let target = next &+ Self.signExtend(v, from: n)
            // XBEGIN (c7 f8): "use of the 16-bit operand size does not cause this address to be
            // truncated to 16 bits, unlike a near jump" (SDM): only the mode's width applies.
            if r.map == .legacy && r.opcode == 0xC7 { return .relative(target: Self.mask(target, bytes: is64 ? 8 : 4), size: UInt8(n)) }
            return .relative(target: Self.mask(target, bytes: r.operandSize / 8), size: UInt8(n))
        case .farPointer:
            let (offset, _) = nextImmediate()
            let (selector, _) = nextImmediate()
            return .farPointer(selector: UInt16(truncatingIfNeeded: selector), offset: UInt32(truncatingIfNeeded: offset))
        case .moffs:
            let (v, _) = nextImmediate()
            return .memory(
                MemoryOperand(
                    segment: segment(default: .ds), base: nil, index: nil, scale: 1, displacement: Int64(bitPattern: v),
                    size: UInt16(size(t)), broadcast: 0))
        case .stringSource:
            return .memory(
                MemoryOperand(
                    segment: segment(default: .ds), base: .gpr(6, size: r.addressSize / 8, rex: true), index: nil,
                    scale: 1, displacement: 0, size: UInt16(size(t)), broadcast: 0))
        case .stringDestination:
            return .memory(
                MemoryOperand(
                    segment: .es, base: .gpr(7, size: r.addressSize / 8, rex: true), index: nil, scale: 1,
                    displacement: 0, size: UInt16(size(t)), broadcast: 0))
        }
    }

    /// The segment in force: the override if one applies in this mode, else `default`.
    func segment(default d: Register) -> Register { r.segment == 0xFF ? d : Register(.segment, r.segment) }
}

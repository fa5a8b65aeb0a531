extension X86Decoder {
    /// Reads a VEX2 (C5), VEX3 (C4), EVEX (62) or XOP (8F) prefix at `pos` and the opcode after it.
    /// Field values are stored un-inverted: a register extension bit of 1 means "add 8".

    func vexPrefix(_ p: UnsafePointer<UInt8>, _ count: Int, _ pos: Int, _ r: inout RawDecode) throws(InvalidReason) {
        // Any 66/F2/F3/LOCK or REX before VEX/EVEX/XOP is #UD (X86-NOTES: `66 c5 f9 fe c0`).
        if r.lock || r.operandSizePrefix || r.rep != 0 || r.rex != 0 {
            // Read the whole escape first so truncation wins over the prefix rule.
            _ = try byte(p, count, pos &+ 1)
            throw .prefixBeforeVex
        }
        let is64 = mode == .bits64
        let lead = p[pos]
        let b1 = try byte(p, count, pos &+ 1)
        r.vexPos = pos
        switch lead {
        case 0xC5:
            r.kind = .vex2
            r.vexSize = 2
            r.r = (~b1 >> 7) & 1
            r.vvvv = (~b1 >> 3) & 0xF
            r.l = (b1 >> 2) & 1
            r.pp = b1 & 3
            r.map = .vex1
        case 0xC4, 0x8F:
            let b2 = try byte(p, count, pos &+ 2)
            r.kind = lead == 0xC4 ? .vex3 : .xop
            r.vexSize = 3
            r.r = (~b1 >> 7) & 1
            r.x = (~b1 >> 6) & 1
            r.b = (~b1 >> 5) & 1
            r.w = b2 >> 7
            r.vvvv = (~b2 >> 3) & 0xF
            r.l = (b2 >> 2) & 1
            r.pp = b2 & 3
            let select = b1 & 0x1F
            if lead == 0xC4 {
                switch select {
                case 1: r.map = .vex1
                case 2: r.map = .vex2
                case 3: r.map = .vex3
                default: _ = try byte(p, count, pos &+ 3); throw .reservedVexField
                }
            } else {
                switch select {
                case 8: r.map = .xop8
                case 9: r.map = .xop9
                case 10: r.map = .xopA
                default: _ = try byte(p, count, pos &+ 3); throw .reservedVexField
                }
            }
        default:  // 0x62, EVEX
            let b2 = try byte(p, count, pos &+ 2)
            let b3 = try byte(p, count, pos &+ 3)
            r.kind = .evex
            r.vexSize = 4
            r.r = (~b1 >> 7) & 1
            r.x = (~b1 >> 6) & 1
            r.b = (~b1 >> 5) & 1
            r.r2 = (~b1 >> 4) & 1
            r.w = b2 >> 7
            r.vvvv = (~b2 >> 3) & 0xF
            r.pp = b2 & 3
            r.evexZ = b3 & 0x80 != 0
            r.l = (b3 >> 5) & 3
            r.evexB = b3 & 0x10 != 0
            r.v2 = (~b3 >> 3) & 1
            r.evexAAA = b3 & 7
            // P0 bit 3 must be 0 and P1 bit 2 must be 1.
            if b1 & 0x08 != 0 || b2 & 0x04 == 0 { _ = try byte(p, count, pos &+ 4); throw .reservedVexField }
            switch b1 & 7 {
            case 1: r.map = .evex1
            case 2: r.map = .evex2
            case 3: r.map = .evex3
            case 5: r.map = .evex5
            case 6: r.map = .evex6
            default: _ = try byte(p, count, pos &+ 4); throw .reservedVexField
            }
        }
        if !is64 {
            // Outside 64-bit mode only eight registers exist: R and X are 1 by construction
            // (that is what told the prefix from LES/LDS/BOUND), B and R' are ignored.
            r.r = 0
            r.x = 0
            r.b = 0
            r.r2 = 0
            // EVEX.V' is not ignored: outside 64-bit mode it must be 1 (stored as 0), which the
            // vvvv check in validate() enforces for every form.
            if r.kind == .evex && r.v2 != 0 { _ = try byte(p, count, pos &+ r.vexSize); throw .reservedVexField }
        }
        r.opcodePos = pos &+ r.vexSize
        r.opcode = try byte(p, count, r.opcodePos)
        r.opcodeSize = 1
    }

    /// Checks that need the whole instruction: LOCK, reserved registers, VEX/EVEX fields.

    func validate(_ r: inout RawDecode) throws(InvalidReason) {
        let flags = r.flags
        if r.lock && !(flags.contains(.lock) && r.hasModRM && !r.isRegisterForm) && !lockedMovCR8(r) { throw .lockNotAllowed }
        if r.kind == .legacy {
            let ops = formOperands[r.form]
            let first = OperandMethod(in: ops, at: 0)
            let second = OperandMethod(in: ops, at: 1)
            if first == .controlReg || second == .controlReg {
                let n = r.regField | r.r << 3
                if !(n == 0 || n == 2 || n == 3 || n == 4 || n == 8) { throw .reservedRegister }
            }
            if (first == .debugReg || second == .debugReg) && r.r != 0 { throw .reservedRegister }
            if flags.contains(.noRIPRelative) && mode == .bits64 && r.mod == 0 && r.rmField == 5 { throw .invalidModRM }
            // MPX has four bound registers.
            if first == .boundReg || second == .boundReg {
                // MPX with 16-bit addressing is #UD (SDM: BNDCL and friends, "16-bit addressing").
                if r.addressSize == 16 { throw .invalidEncoding }
                if r.regField | r.r << 3 >= 4 { throw .reservedRegister }
                if (first == .boundRMOrMemory || second == .boundRMOrMemory) && r.isRegisterForm && r.rmField | r.b << 3 >= 4 {
                    throw .reservedRegister
                }
            }
            if first == .segmentReg || second == .segmentReg {
                if r.regField >= 6 { throw .reservedRegister }
                // MOV CS, r/m does not exist (8E /1).
                if first == .segmentReg && r.regField == 1 { throw .reservedRegister }
            }
            return
        }
        // VEX/EVEX/XOP: an unused vvvv must be 1111b (stored un-inverted as 0).
        if !flags.contains(.usesVVVV) && r.vvvv != 0 { throw .reservedVexField }
        // VSIB addressing exists only with a SIB byte.
        if (flags.contains(.vsib) || flags.contains(.vsibHalf)) && !r.hasSIB { throw .invalidModRM }
        if r.kind == .xop && r.pp != 0 { throw .reservedVexField }
        if (flags.contains(.distinctRegisters) || flags.contains(.distinctFromDestination)) && !registersDistinct(r) {
            throw .invalidEncoding
        }
        if flags.contains(.maskOperand) && !maskRegistersExist(r) { throw .reservedRegister }
        guard r.kind == .evex else { return }
        // Only 16 general-purpose registers exist: one in ModRM.reg cannot take EVEX.R'
        // (`62 41 7e 08 79 cd`, vcvtss2usi r9d: Zen 4 #UD, Zydis rejects it).
        if r.r2 != 0 && hasGeneralRegisterInReg(r) { throw .reservedRegister }
        // EVEX.V' extends a vector vvvv, or the VSIB index; otherwise it must be 1 (stored as 0).
        let vsib = flags.contains(.vsib) || flags.contains(.vsibHalf)
        if !flags.contains(.usesV2) && !vsib && r.v2 != 0 { throw .reservedVexField }
        let registerForm = r.isRegisterForm
        if r.evexB {
            if registerForm {
                if !flags.contains(.rounding) && !flags.contains(.sae) { throw .reservedVexField }
            } else if !flags.contains(.broadcast32) && !flags.contains(.broadcast64) && !flags.contains(.broadcast16) {
                throw .reservedVexField
            }
        }
        if r.l == 3 && !(r.evexB && registerForm) { throw .reservedVexField }
        if r.evexAAA != 0 && !flags.contains(.mask) && !flags.contains(.maskRequired) { throw .reservedVexField }
        if r.evexAAA == 0 && flags.contains(.maskRequired) { throw .reservedVexField }
        if r.evexZ && r.evexAAA == 0 && vendor.ignoresEvexZeroingWithoutMasking
            && flags.isDisjoint(with: [.zeroing, .mask, .maskRequired, .maskOperand]) && !writesMemory(r) {
            r.evexZ = false  // AMD: ignored on a form without masking that writes no mask register or memory (Vendor.swift)
        }
        if r.evexZ && !flags.contains(.zeroing) { throw .reservedVexField }
        // Zeroing needs a mask: {z} with k0 is #UD (Zydis and XED agree).
        if r.evexZ && r.evexAAA == 0 { throw .reservedVexField }
    }

    /// The destination (first operand) is memory: a memory form whose first operand is ModRM.rm
    /// (`62 f1 7c 88 13 00`, vmovlps [rax] with {z}: Zen 4 #UD, unlike its register forms).
    func writesMemory(_ r: RawDecode) -> Bool {
        guard !r.isRegisterForm else { return false }
        let first = OperandMethod(in: formOperands[r.form], at: 0)
        return first == .vectorRMOrMemory || first == .modrmRM || first == .memoryOnly || first == .mmxRMOrMemory
            || first == .maskRMOrMemory
    }

    /// AMD's alias of CR8: LOCK MOV CR0 (`f0 0f 20 c0`, `f0 0f 22 c0`) is MOV CR8 (Vendor.swift).
    @inline(__always)
    func lockedMovCR8(_ r: RawDecode) -> Bool {
        vendor.aliasesLockedMovCR0ToCR8 && r.map == .map0F && (r.opcode == 0x20 || r.opcode == 0x22) && r.regField == 0 && r.r == 0
    }

    /// Gathers and AMX TDP* #UD when two of their vector/tile register operands (or the VSIB
    /// index) are the same register (`distinct`); the complex FP16 multiplies only when the
    /// destination is one of the sources (`distinctdest`: SDM "dest_reg == src1_reg or dest_reg
    /// == src2_reg", so `vfmulcph xmm6, xmm0, xmm0` is valid; Zydis agrees). Outside 64-bit mode
    /// vvvv's high bit is ignored before comparing (`c4 e2 39 92 64 00 67`, 32-bit: the mask is
    /// xmm0, the index's register, so #UD; Zydis agrees). No allocation: registers are bits.
    func registersDistinct(_ r: RawDecode) -> Bool {
        let specs = formOperands[r.form]
        let destinationOnly = r.flags.contains(.distinctFromDestination)
        let vvvv = mode == .bits64 ? r.vvvv : r.vvvv & 7
        var seen: UInt32 = 0
        var destination: UInt32 = 0
        var first = true
        for i in 0..<r.operandCount {
            let method = OperandMethod(in: specs, at: i)
            let n: UInt8
            switch method {
            case .vectorReg, .tileReg: n = r.regField | r.r << 3 | r.r2 << 4
            case .vvvvVector, .tileVVVV: n = vvvv | r.v2 << 4
            case .vectorRM, .vectorRMOrMemory, .tileRM:
                guard r.isRegisterForm else { continue }
                n = r.rmField | r.b << 3 | (r.kind == .evex ? r.x << 4 : 0)
            default: continue
            }
            let bit = UInt32(1) << (n & 31)
            if destinationOnly {
                if first { destination = bit } else if bit == destination { return false }
            } else {
                if seen & bit != 0 { return false }
                seen |= bit
            }
            first = false
        }
        if !destinationOnly && r.hasSIB && (r.flags.contains(.vsib) || r.flags.contains(.vsibHalf)) {
            let index = ((r.sib >> 3) & 7) | r.x << 3 | (r.kind == .evex ? r.v2 << 4 : 0)
            if seen & UInt32(1) << (index & 31) != 0 { return false }
        }
        return true
    }

    /// Whether an operand of the form is a general-purpose register in ModRM.reg.
    func hasGeneralRegisterInReg(_ r: RawDecode) -> Bool {
        let specs = formOperands[r.form]
        for i in 0..<r.operandCount
        where OperandMethod(in: specs, at: i) == .modrmReg {
            return true
        }
        return false
    }

    /// Only k0-k7 and tmm0-tmm7 exist. Which register-extension bits make a mask or tile
    /// operand #UD (DESIGN-NOTES, "mask register specifiers"):
    /// - ModRM.rm (register form): VEX.B and EVEX.B (and EVEX.X) are ignored for a mask (SDM
    ///   Vol. 1, 2.6.11.3; Zen 4 executes `c4 c1 fd 4a e1`, kaddd k4, k0, k1; Zydis decodes it);
    ///   a tile with B is #UD.
    /// - ModRM.reg: EVEX.R or R' is #UD (Zen 4 and Zydis: `62 71 7d 48 76 c9`); so is VEX.R for
    ///   Intel (XED and Zydis reject it), while AMD ignores it (Zen 4 executes `c5 7c 4a e1`).
    /// - vvvv: V' is #UD; vvvv's high bit is ignored outside 64-bit mode (`c4 e1 8d 42 c7` is
    ///   valid in 32-bit mode; Zydis agrees), and in 64-bit mode #UD for Intel (XED, Zydis), ignored
    ///   for AMD (Zen 4 executes `c5 bc 4a e1`).
    func maskRegistersExist(_ r: RawDecode) -> Bool {
        let specs = formOperands[r.form]
        let is64 = mode == .bits64
        // AMD reads only the low three bits of a VEX mask specifier.
        let lowBitsOnly = r.kind != .evex && vendor == .amd
        for i in 0..<r.operandCount {
            switch OperandMethod(in: specs, at: i) {
            case .maskReg: if r.r2 != 0 || (r.r != 0 && !lowBitsOnly) { return false }
            case .tileReg: if r.r != 0 || r.r2 != 0 { return false }
            case .maskVVVV: if (is64 && r.vvvv >= 8 && !lowBitsOnly) || r.v2 != 0 { return false }
            case .tileVVVV: if (is64 && r.vvvv >= 8) || r.v2 != 0 { return false }
            case .tileRM: if r.isRegisterForm && r.b != 0 { return false }
            default: break
            }
        }
        return true
    }
}

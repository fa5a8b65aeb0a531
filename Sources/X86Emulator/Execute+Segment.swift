import X86Decoder

/// Segment-register loads (MOV Sreg, POP FS/GS, LFS/LGS/LSS), RDFSBASE…WRGSBASE.
///
/// Loads are checked against the environment's `DescriptorProfile` as the CPU checks them at
/// CPL3 in 64-bit mode (SDM MOV/POP "Protected Mode Exceptions"):
/// - a null selector is allowed for DS/ES/FS/GS (FS/GS base cleared when the profile says so);
///   SS may not be null at CPL3: #GP(0);
/// - TI=1 (the LDT, empty on Linux) or an index past the GDT limit: #GP(selector & ~3);
/// - a system descriptor or empty slot, an execute-only code segment, a data/code segment whose
///   DPL is below CPL or RPL: #GP(selector & ~3); SS needs a writable data segment with
///   RPL = DPL = 3.
/// Segment bases of DS/ES/SS are ignored in 64-bit mode; FS/GS bases come from the descriptor.
extension Emulator {
    @inlinable mutating func loadSegment(_ n: Int, selector: UInt16) throws(Stop) {
        guard n != 1 && n < 6 else { throw .exception(.ud) }
        let code = UInt32(selector & 0xFFFC)
        let gp = X86Exception(.GP, errorCode: code)
        let index = Int(selector >> 3)
        let rpl = UInt8(selector & 3)
        var base: UInt64? = nil
        if index == 0 && selector & 4 == 0 {
            if n == 2 { throw .exception(.gp0) }
            if environment.descriptors.nullSelectorClearsBase { base = 0 }
        } else {
            if selector & 4 != 0 || index >= environment.descriptors.gdtEntries { throw .exception(gp) }
            switch environment.descriptors.gdt[index] ?? .system {
            case .system: throw .exception(gp)
            case .code(let dpl, _):
                // Readable code may go in DS/ES/FS/GS (DPL >= max(CPL, RPL)), never in SS.
                if n == 2 || dpl < 3 || dpl < rpl { throw .exception(gp) }
                base = 0
            case .data(let dpl, let b):
                if n == 2 && (rpl != 3 || dpl != 3) { throw .exception(gp) }
                if dpl < 3 || dpl < rpl { throw .exception(gp) }
                base = b
            }
        }
        state.segments[n] = selector
        if let base {
            if n == 4 { state.fsBase = base }
            if n == 5 { state.gsBase = base }
        }
    }

    /// LFS/LGS/LSS: offset then selector from memory.
    @inlinable mutating func loadFar(_ i: Instruction) throws(Stop) {
        guard case .register(let r) = i.operand(at: 0), case .memory(let m) = i.operand(at: 1) else { throw .exception(.ud) }
        let size = r.size
        if size == 8 && amd { throw .unsupported("\(i.mnemonic) with REX.W: AMD behaviour not verified") }
        let a = linearAddress(m, i)
        let offset = try load(a, size, stack: isStack(m))
        let selector = try load(a &+ UInt64(size), 2, stack: isStack(m))
        let n = i.mnemonic == "lfs" ? 4 : i.mnemonic == "lgs" ? 5 : 2
        try loadSegment(n, selector: UInt16(truncatingIfNeeded: selector))
        state.write(r, offset)
    }

    /// RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (Linux enables CR4.FSGSBASE since 5.9).
    /// WR* with a non-canonical value: #GP(0).
    @inlinable mutating func baseOp(_ i: Instruction, _ op: Op) throws(Stop) {
        guard case .register(let r) = i.operand(at: 0) else { throw .exception(.ud) }
        switch op {
        case .rdfsbase: state.write(r, state.fsBase)
        case .rdgsbase: state.write(r, state.gsBase)
        default:
            let v = state.read(r)
            if !Self.isCanonical(v) { throw .exception(.gp0) }
            if op == .wrfsbase { state.fsBase = v } else { state.gsBase = v }
        }
    }
}

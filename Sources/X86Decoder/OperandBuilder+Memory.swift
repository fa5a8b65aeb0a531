extension OperandBuilder {
    /// The ModRM (and SIB) memory operand, with the EVEX disp8*N scaling applied.
    func memory(_ accessSize: Int) -> MemoryOperand {
        let mod = r.mod
        let rm = r.rmField
        var disp: Int64 = 0
        if r.dispSize > 0 {
            disp = Int64(bitPattern: Self.signExtend(readImmediate(at: r.dispPos, size: r.dispSize), from: r.dispSize))
        }
        var broadcast: UInt8 = 0
        let flags = r.flags
        if r.kind == .evex && r.evexB {
            broadcast = flags.contains(.broadcast16) ? 2 : flags.contains(.broadcast64) && (r.w == 1 || !flags.contains(.broadcast32)) ? 8 : 4
        }
        if r.kind == .evex && r.dispSize == 1 { disp *= Int64(disp8Scale(accessSize: accessSize, broadcast: Int(broadcast))) }
        let size = UInt16(broadcast != 0 ? Int(broadcast) : accessSize)

        if r.addressSize == 16 {
            // [bx+si] [bx+di] [bp+si] [bp+di] [si] [di] [bp]/disp16 [bx]
            let bases: [UInt8] = [3, 3, 5, 5, 6, 7, 5, 3]
            let indexes: [UInt8] = [6, 7, 6, 7, 0xFF, 0xFF, 0xFF, 0xFF]
            if mod == 0 && rm == 6 {
                return MemoryOperand(segment: segment(default: .ds), base: nil, index: nil, scale: 1, displacement: disp, size: size, broadcast: broadcast)
            }
            let base = Register(.gpr16, bases[Int(rm)])
            let index = indexes[Int(rm)] == 0xFF ? nil : Register(.gpr16, indexes[Int(rm)])
            let defaultSegment: Register = bases[Int(rm)] == 5 ? .ss : .ds
            return MemoryOperand(segment: segment(default: defaultSegment), base: base, index: index, scale: 1, displacement: disp, size: size, broadcast: broadcast)
        }

        // MPX memory forms (Intel 0f 1a/0f 1b) compute a 64-bit effective address in 64-bit mode
        // whatever 67 says (SDM BNDMK: "IF 64-bit mode THEN ... LEA.64_bits(SRCMEM)"; Zydis names
        // rax for 67 f3 0f 1b 00). For AMD these bytes are hint NOPs and 67 applies as usual.
        let mpx = decoder.mode == .bits64 && decoder.vendor == .intel && r.map == .map0F && (r.opcode == 0x1A || r.opcode == 0x1B)
        let addressBytes = mpx ? 8 : r.addressSize / 8
        var base: Register?
        var index: Register?
        var scale: UInt8 = 1
        if r.hasSIB {
            let sib = r.sib
            scale = 1 << (sib >> 6)
            let indexNumber = ((sib >> 3) & 7) | r.x << 3
            if flags.contains(.vsib) || flags.contains(.vsibHalf) {
                let width = flags.contains(.vsibHalf) ? max(vectorBytes / 2, 16) : vectorBytes
                index = .vector(indexNumber | (r.kind == .evex ? r.v2 << 4 : 0), size: width)
            } else if indexNumber != 4 {
                index = .gpr(indexNumber, size: addressBytes, rex: true)
            }
            if !(sib & 7 == 5 && mod == 0) { base = .gpr((sib & 7) | r.b << 3, size: addressBytes, rex: true) }
        } else if mod == 0 && rm == 5 {
            if decoder.mode == .bits64 { base = Register(.ip, addressBytes == 8 ? 0 : 1) }
        } else {
            base = .gpr(rm | r.b << 3, size: addressBytes, rex: true)
        }
        let stackBased = base.map { ($0.number == 4 || $0.number == 5) && $0.regClass != .ip } ?? false
        return MemoryOperand(
            segment: segment(default: stackBased ? .ss : .ds), base: base, index: index, scale: index == nil ? 1 : scale,
            displacement: disp, size: size, broadcast: broadcast)
    }

    /// EVEX compressed displacement factor N (SDM Vol. 2, 2.7.5).
    func disp8Scale(accessSize: Int, broadcast: Int) -> Int {
        let v = vectorBytes
        switch r.tuple {
        case .fv: return broadcast != 0 ? broadcast : v
        case .hv: return broadcast != 0 ? broadcast : v / 2
        case .qv: return broadcast != 0 ? broadcast : v / 4
        case .ov: return v / 8
        case .fvm: return v
        case .hvm: return v / 2
        case .qvm: return v / 4
        case .ovm: return v / 8
        case .t2: return r.w == 1 ? 16 : 8
        case .t4: return r.w == 1 ? 32 : 16
        case .t8: return 32
        case .m128: return 16
        case .dup: return v == 16 ? 8 : v
        case .t1b: return 1
        case .t1w: return 2
        case .t1s, .t1f, .none:
            // Scalar memory operands give the element size; vector-sized ones (gathers,
            // scatters) take it from W.
            if accessSize > 0 && accessSize <= 8 { return accessSize }
            return r.w == 1 ? 8 : 4
        }
    }
}

import CCapstone
import X86Decoder

/// The campaign's common case without the normalized answer: most cases decode to the same
/// instruction in Capstone and the project, and building Capstone's `DecodeAnswer` (a dozen
/// optional strings per operand) cost more than cs_disasm itself (bench campaign:
/// capstone-alone 2.65M/s, capstone-normalized 1.07M/s). Here the cs_insn is compared with the
/// project's `Instruction` as numbers: mnemonic and register names as ids, immediates,
/// displacements and targets as integers, each with the exact rule of `answer(…)` and
/// Normalization.swift.
///
/// The comparison only ever says "equal" for forms where those rules are all it takes; every
/// form that a list rule reshapes (`nop`, `xchg`, `lea`, `movd`, `aam`/`aad`, folded compare
/// predicates, the XSAVE family, AMD's implicit-register system instructions, x87 stack
/// registers, EVEX write masks, string instructions, far pointers, XOP) and every register
/// name the project does not use goes to the full answer. FastPathTests checks on the
/// campaign's own cases that "equal" here is always equal there.
extension CapstoneOracle {
    /// What the comparison knows of one instruction id: the raw mnemonic text it was made from
    /// (one id can print differently: `rep movsb`, `cmpltps`), as four words, and the
    /// project's mnemonic id of its normalized name, or -1 when the full answer must decide.
    struct FastName {
        var raw: (UInt64, UInt64, UInt64, UInt64)
        var mnemonicID: Int
    }

    /// Mnemonics whose operand list or name a rule of Normalization reshapes.
    static let reshapedMnemonics: Set<String> =
        ["nop", "xchg", "movd", "aam", "aad"].reduce(into: Normalization.addressOnly.union(Normalization.xsaveFamily)
            .union(Normalization.implicitRegisterSystem)) { $0.insert($1) }

    /// The project's mnemonic ids by name.
    static let projectMnemonicIDs: [String: Int] = {
        var out: [String: Int] = [:]
        for (k, name) in DecoderTables.shared.mnemonics.enumerated() where out[name] == nil { out[name] = k }
        return out
    }()

    /// Capstone's answer, or nil when it is shown equal to `ProjectOracle.answer(result)`
    /// (`compare` would find no field). One cs_disasm either way.
    public func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, unlessAgreeingWith instruction: Instruction,
                       invalid: InvalidReason?) -> DecodeAnswer? {
        guard let (h, insn) = handle(mode, detail: true) else { return .invalid("cs_open failed") }
        let ok = bytes.withUnsafeBytes { Self.disassemble(h, insn, $0, address: 0) }
        if invalid != nil {
            if !ok || insn.pointee.detail == nil { return nil }
        } else if ok, insn.pointee.detail != nil, agrees(h, insn, instruction, mode: mode) {
            return nil
        }
        return answer(h, insn, ok: ok, bytes: bytes, mode: mode)
    }

    /// True when `answer(h, insn, …)` is shown equal to `ProjectOracle.answer(i)`.
    private func agrees(_ h: csh, _ insn: UnsafeMutablePointer<cs_insn>, _ i: Instruction, mode: Mode) -> Bool {
        guard Int(insn.pointee.size) == i.length, fastMnemonicID(insn) == i.mnemonicID,
              let detail = insn.pointee.detail else { return false }
        let x86 = detail.pointee.x86
        // The shape of `answer` as far as these forms need it: which byte is the opcode.
        var shape = Normalization.Shape()
        shape.modrmReg = (x86.modrm >> 3) & 7
        shape.rexW = x86.rex & 0x08 != 0
        var immediates = 0
        switch x86.opcode.0 {
        case 0x0F: break
        case 0x62:
            if i.length > 4 && x86.opcode.3 & 7 != 0 { return false }  // the write mask is dropped from the list
        case 0xC4...0xC5 where x86.opcode.1 != 0: break
        case 0x8F where x86.opcode.1 != 0: return false  // XOP (map A's Id)
        default:
            shape.legacyOpcode = x86.opcode.0
            // String operands and far pointers.
            if shape.isString || x86.opcode.0 == 0x9A || x86.opcode.0 == 0xEA { return false }
        }
        let count = Int(x86.op_count)
        guard count == i.operandCount, count <= 8 else { return false }
        return withUnsafeBytes(of: x86.operands) { raw in
            let ops = raw.bindMemory(to: cs_x86_op.self)
            for k in 0..<count {
                let op = ops[k]
                switch (op.type, i.operand(at: k)) {
                case (X86_OP_REG, .register(let r)):
                    guard let id = ProjectRegisterNames.id(r), fastRegister(h, op.reg.rawValue) == id else { return false }
                case (X86_OP_IMM, .immediate(let value, let size)):
                    let cs = Normalization.capstoneImmediateSize(shape: shape, index: immediates, reported: Int(op.size))
                    immediates += 1
                    guard cs == Int(size), UInt64(bitPattern: op.imm) & Normalization.mask(bytes: cs) == value,
                          !cs_insn_group(h, insn, UInt32(CS_GRP_BRANCH_RELATIVE.rawValue)) else { return false }
                case (X86_OP_IMM, .relative(let target, _)):
                    let t = UInt64(bitPattern: op.imm)
                    guard Normalization.relativeTarget(t, mode: mode) == target,
                          cs_insn_group(h, insn, UInt32(CS_GRP_BRANCH_RELATIVE.rawValue)) else { return false }
                case (X86_OP_MEM, .memory(let m)):
                    guard memoryAgrees(h, op, m, addressBits: Int(x86.addr_size) * 8, mode: mode,
                                       moffs: shape.isMoffs) else { return false }
                default:
                    return false
                }
            }
            return true
        }
    }

    /// Normalization.memory and .segment on Capstone's memory operand, against the project's.
    private func memoryAgrees(_ h: csh, _ op: cs_x86_op, _ m: MemoryOperand, addressBits: Int, mode: Mode, moffs: Bool) -> Bool {
        let mem = op.mem
        var base: Int16 = -1
        if mem.base != X86_REG_INVALID {
            base = fastRegister(h, mem.base.rawValue)
            guard base >= 0 else { return false }
        }
        guard base == (m.base.map { ProjectRegisterNames.id($0) ?? -2 } ?? -1) else { return false }
        var index: Int16 = -1
        if mem.index != X86_REG_INVALID {
            index = fastRegister(h, mem.index.rawValue)
            guard index >= 0 else { return false }  // eiz/riz (no index) included: the full answer decides
        }
        guard index == (m.index.map { ProjectRegisterNames.id($0) ?? -2 } ?? -1),
              (index < 0 ? 1 : Int(mem.scale)) == Int(m.scale) else { return false }
        // The segment: the default of the base unless an override counts (FS/GS only in 64-bit mode).
        var segment = ProjectRegisterNames.defaultSegment(base: base)
        if mem.segment != X86_REG_INVALID {
            let s = fastRegister(h, mem.segment.rawValue)
            guard s >= 0 else { return false }
            if mode != .bits64 || s == ProjectRegisterNames.fs || s == ProjectRegisterNames.gs { segment = s }
        }
        guard segment == ProjectRegisterNames.id(m.segment) else { return false }
        let disp = Normalization.displacement(mem.disp, addressBits: addressBits, unsignedOffset: moffs)
        return disp == m.displacement && Int(op.size) == Int(m.size)
    }

    /// The project's id of `insn`'s normalized mnemonic, or -1 (see FastName).
    private func fastMnemonicID(_ insn: UnsafeMutablePointer<cs_insn>) -> Int {
        let id = Int(insn.pointee.id)
        guard id >= 0 && id < fastNames.count else { return -1 }
        // The text up to its NUL (cs_insn keeps the rest of a longer earlier name after it).
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeBytes(of: insn.pointee.mnemonic) { b in
            withUnsafeMutableBytes(of: &words) { w in
                for k in 0..<min(b.count, 32) {
                    guard b[k] != 0 else { break }
                    w[k] = b[k]
                }
            }
        }
        let raw = words
        if let f = fastNames[id], f.raw == raw { return f.mnemonicID }
        let name = Normalization.mnemonic(Self.string(insn.pointee.mnemonic), oracle: self.name)
        let reshaped = Self.reshapedMnemonics.contains(name) || name.hasPrefix("vpcmp")
            || Normalization.unfoldComparePredicate(name) != nil
        let entry = FastName(raw: raw, mnemonicID: reshaped ? -1 : Self.projectMnemonicIDs[name] ?? -1)
        fastNames[id] = entry
        return entry.mnemonicID
    }

    /// The project's name id of Capstone register `reg` (ProjectRegisterNames), or -1 when the
    /// full answer must decide: x87 stack registers (reshaped by `finish`), names the project
    /// never gives, and names whose size (Normalization.registerSize) differs from the project's.
    private func fastRegister(_ h: csh, _ reg: UInt32) -> Int16 {
        let k = Int(reg)
        guard k < fastRegisters.count else { return -1 }
        let cached = fastRegisters[k]
        if cached != Int16.min { return cached }
        let name = Normalization.registerName(cs_reg_name(h, reg).map { String(cString: $0) } ?? "")
        var id: Int16 = -1
        if !name.hasPrefix("st"), let n = ProjectRegisterNames.idByName[name],
           ProjectRegisterNames.sizes[Int(n)] == Normalization.registerSize(name) { id = n }
        fastRegisters[k] = id
        return id
    }
}

/// Every register name the project's answers use, numbered: two registers with the same name
/// (`al` as gpr8 0 and as gpr8High 0) get the same id, so comparing ids is comparing names.
enum ProjectRegisterNames {
    static let table: (ids: [[Int16]], names: [String], sizes: [Int?]) = {
        var ids: [[Int16]] = []
        var names: [String] = []
        var sizes: [Int?] = []
        var byName: [String: Int16] = [:]
        var c: UInt8 = 0
        while let cls = Register.Class(rawValue: c) {
            ids.append((0..<32).map { n in
                let r = Register(cls, UInt8(n))
                let name = ProjectOracle.name(r)
                if let id = byName[name] {
                    if sizes[Int(id)] != r.size { sizes[Int(id)] = nil }  // never compared fast
                    return id
                }
                let id = Int16(names.count)
                byName[name] = id
                names.append(name)
                sizes.append(r.size)
                return id
            })
            c += 1
        }
        return (ids, names, sizes)
    }()

    static let idByName: [String: Int16] = {
        var out: [String: Int16] = [:]
        for (k, n) in table.names.enumerated() { out[n] = Int16(k) }
        return out
    }()

    static var sizes: [Int?] { table.sizes }
    static let ss = idByName["ss"]!, ds = idByName["ds"]!, fs = idByName["fs"]!, gs = idByName["gs"]!
    /// sp/esp/rsp and bp/ebp/rbp: Normalization.defaultSegment gives SS for these bases.
    static let stackBases: Set<Int16> = Set(["rsp", "esp", "sp", "rbp", "ebp", "bp"].map { idByName[$0]! })

    @inline(__always)
    static func id(_ r: Register) -> Int16? {
        Int(r.number) < 32 ? table.ids[Int(r.regClass.rawValue)][Int(r.number)] : nil
    }

    static func defaultSegment(base: Int16) -> Int16 { stackBases.contains(base) ? ss : ds }
}

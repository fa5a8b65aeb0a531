import CCapstone
import X86Decoder

/// Capstone (Debian's libcapstone 4.0.2) as a decode oracle. Owns one handle per mode with
/// detail on (for `decode`) and one with detail off (for `length`), each opened on first use
/// with one cs_insn from cs_malloc, all released in deinit. Not shared between threads.
///
/// Vendor: Capstone 4 has no vendor switch. It always decodes 66-prefixed near branches in
/// 64-bit mode with a 16-bit offset (`66 e8 2e 1b 88 e6` is 4 bytes, "call 0x1b32"), i.e. the
/// AMD rule, for vendor intel as well: see KnownOracleBugs "capstone-66-near-branch-intel".
/// UD0 (`0f ff`) has no ModRM in Capstone (the AMD rule); see "capstone-ud0-no-modrm-intel".
///
/// Threads: Capstone 4 sorts its table of implicit registers (X86_insn_reg_intel) lazily, on
/// first use, without a lock, so two handles used at once on two threads can see it half
/// sorted and drop an operand (measured: `a1 …` came back as "mov dword ptr [0]" and `91` as
/// "xchg ecx" in parallel tests). The first CapstoneOracle therefore decodes such forms once,
/// under Swift's once-only static initialization, before any handle is handed out.
public final class CapstoneOracle: ProjectAgreeingOracle {
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    public let name = "capstone"
    /// "4.0.2": major.minor from the library (cs_version), the patch level from the header.
    public let version: String

    /// Index: mode (0 16-bit, 1 32-bit, 2 64-bit) * 2 + (detail ? 1 : 0). 0: not open yet.
    private var handles = [csh](repeating: 0, count: 6)
    private var insns = [UnsafeMutablePointer<cs_insn>?](repeating: nil, count: 6)

    /// Runs once per process: fills Capstone's lazily built global tables (see above).
    private static let globalTablesReady: Bool = {
        var h: csh = 0
        guard cs_open(CS_ARCH_X86, CS_MODE_64, &h) == CS_ERR_OK else { return false }
        defer { cs_close(&h) }
        cs_option(h, CS_OPT_DETAIL, Int(CS_OPT_ON.rawValue))
        guard let insn = cs_malloc(h) else { return false }
        defer { cs_free(insn, 1) }
        for bytes: [UInt8] in [[0xA1, 0, 0, 0, 0, 0, 0, 0, 0], [0x91], [0x04, 0x05]] {
            _ = bytes.withUnsafeBytes { disassemble(h, insn, $0, address: 0) }
        }
        return true
    }()

    public init() throws {
        guard cs_support(Int32(CS_ARCH_X86.rawValue)) else { throw SetupError(description: "capstone: built without x86") }
        guard Self.globalTablesReady else { throw SetupError(description: "capstone: cs_open failed") }
        var major: Int32 = 0
        var minor: Int32 = 0
        _ = cs_version(&major, &minor)
        let extra = (major == CS_API_MAJOR && minor == CS_API_MINOR) ? ".\(CS_VERSION_EXTRA)" : ""
        version = "\(major).\(minor)\(extra)"
    }

    deinit {
        for k in 0..<6 where handles[k] != 0 {
            if let insn = insns[k] { cs_free(insn, 1) }
            cs_close(&handles[k])
        }
    }

    /// The handle and instruction buffer for a mode, opened on first use; nil if cs_open fails.
    func handle(_ mode: Mode, detail: Bool) -> (csh, UnsafeMutablePointer<cs_insn>)? {
        let k = (mode == .bits16 ? 0 : mode == .bits32 ? 2 : 4) + (detail ? 1 : 0)
        if handles[k] == 0 {
            let csMode = mode == .bits16 ? CS_MODE_16 : mode == .bits32 ? CS_MODE_32 : CS_MODE_64
            var h: csh = 0
            guard cs_open(CS_ARCH_X86, csMode, &h) == CS_ERR_OK else { return nil }
            cs_option(h, CS_OPT_DETAIL, Int(detail ? CS_OPT_ON.rawValue : CS_OPT_OFF.rawValue))
            guard let insn = cs_malloc(h) else {
                cs_close(&h)
                return nil
            }
            handles[k] = h
            insns[k] = insn
        }
        return (handles[k], insns[k]!)
    }

    /// One instruction from `buffer`: true when Capstone decoded one into `insn`.
    @inline(__always)
    static func disassemble(_ h: csh, _ insn: UnsafeMutablePointer<cs_insn>, _ buffer: UnsafeRawBufferPointer,
                                    address: UInt64) -> Bool {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return false }
        var code: UnsafePointer<UInt8>? = base.assumingMemoryBound(to: UInt8.self)
        var size = buffer.count
        var pc = address
        return cs_disasm_iter(h, &code, &size, &pc, insn)
    }

    public func length(_ bytes: UnsafeRawBufferPointer, mode: Mode, vendor: Vendor) -> Int? {
        rawLength(bytes, mode: mode, detail: false)
    }

    /// Length with detail off (the fast path) or on (what `decode` pays), for benchmarks.
    public func rawLength(_ bytes: UnsafeRawBufferPointer, mode: Mode, detail: Bool) -> Int? {
        guard let (h, insn) = handle(mode, detail: detail) else { return nil }
        return Self.disassemble(h, insn, bytes, address: 0) ? Int(insn.pointee.size) : nil
    }

    public func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, address: UInt64) -> DecodeAnswer {
        guard let (h, insn) = handle(mode, detail: true) else { return .invalid("cs_open failed") }
        let ok = bytes.withUnsafeBytes { Self.disassemble(h, insn, $0, address: address) }
        return answer(h, insn, ok: ok, bytes: bytes, mode: mode)
    }

    /// The normalized answer of the instruction cs_disasm_iter just left in `insn` (`ok`: it
    /// returned true).
    func answer(_ h: csh, _ insn: UnsafeMutablePointer<cs_insn>, ok: Bool, bytes: [UInt8], mode: Mode) -> DecodeAnswer {
        guard ok, let detail = insn.pointee.detail else { return .invalid("no instruction") }
        let x86 = detail.pointee.x86
        var mnemonic = normalizedMnemonic(id: Int(insn.pointee.id), raw: Self.string(insn.pointee.mnemonic))
        let opcode = Self.bytes(x86.opcode)
        let length = Int(insn.pointee.size)
        var shape = Normalization.Shape()
        switch opcode[0] {
        case 0x0F: shape.opcode0F = opcode[1]
        case 0x62: shape.evexMask = length > 4 ? opcode[3] & 7 : 0
        case 0xC4...0xC5 where opcode[1] != 0: break  // VEX (LES/LDS have opcode[1] == 0)
        case 0x8F where opcode[1] != 0:  // XOP
            let scan = PrefixScan(bytes, mode)
            shape.xopMapA = scan.startsXop && scan.at(1).map { $0 & 0x1F == 0x0A } == true
        default: shape.legacyOpcode = opcode[0]
        }
        shape.modrmReg = (x86.modrm >> 3) & 7
        shape.rexW = x86.rex & 0x08 != 0
        let scan = PrefixScan(bytes, mode)
        if let e = scan.evex, e.p0 & 7 == 3, let op = scan.vectorOpcode?.opcode, [0x1E, 0x1F, 0x3E, 0x3F].contains(op) {
            shape.evexIntegerCompare = true
        }
        shape.lastByte = length <= bytes.count ? bytes[length - 1] : nil
        let legacyOpcode = shape.legacyOpcode
        let relative = cs_insn_group(h, insn, UInt32(CS_GRP_BRANCH_RELATIVE.rawValue))

        var operands: [OperandAnswer] = []
        var immediates = 0
        let raw = Self.operands(x86)
        if let op = legacyOpcode, op == 0x9A || op == 0xEA, raw.count == 2, raw.allSatisfy({ $0.type == X86_OP_IMM }) {
            operands = [Normalization.farPointer(selector: UInt64(bitPattern: raw[0].imm), offset: UInt64(bitPattern: raw[1].imm))]
        } else {
            for op in raw {
                switch op.type {
                case X86_OP_REG:
                    let r = register(h, op.reg.rawValue)
                    operands.append(.reg(r.name, size: r.size))
                case X86_OP_IMM where relative:
                    operands.append(Normalization.relative(UInt64(bitPattern: op.imm), mode: mode))
                case X86_OP_IMM:
                    let size = Normalization.capstoneImmediateSize(shape: shape, index: immediates, reported: Int(op.size))
                    immediates += 1
                    operands.append(Normalization.immediate(UInt64(bitPattern: op.imm), size: size))
                case X86_OP_MEM:
                    let m = op.mem
                    let base = m.base == X86_REG_INVALID ? nil : register(h, m.base.rawValue).name
                    let index = m.index == X86_REG_INVALID ? nil : register(h, m.index.rawValue).name
                    let reported = m.segment == X86_REG_INVALID ? nil : register(h, m.segment.rawValue).name
                    let segment = Normalization.segment(
                        reported: reported, base: base, mode: mode, addressOnly: mnemonic == "lea",
                        stringDestination: shape.isString && Normalization.isStringDestination(base: base))
                    operands.append(Normalization.memory(
                        segment: segment, base: base, index: index, scale: Int(m.scale), displacement: m.disp,
                        addressBits: Int(x86.addr_size) * 8, size: mnemonic == "lea" ? nil : Int(op.size),
                        unsignedOffset: shape.isMoffs))
                default:
                    continue
                }
            }
        }
        operands = Normalization.capstoneOperands(operands, mnemonic: &mnemonic, shape: shape)
        var answer = DecodeAnswer(valid: true, length: length, mnemonic: mnemonic, operands: operands)
        Normalization.finish(&answer)
        return answer
    }

    // MARK: Caches of normalized names (Capstone's ids are fixed; normalizing a name costs
    // more than the decode it follows)

    /// Normalized mnemonic by instruction id, with the raw text it was made from: the raw text
    /// of one id can differ (`rep movsb`, `lock add`), so it is checked before the cache is used.
    private var mnemonics = [(raw: String, normalized: String)?](repeating: nil, count: Int(X86_INS_ENDING.rawValue) + 1)
    /// Normalized name and size by register id (`st(3)` -> `st3`, size from the name).
    private var registers = [(name: String, size: Int?)?](repeating: nil, count: Int(X86_REG_ENDING.rawValue) + 1)
    /// The fast comparison's caches (CapstoneOracle+Agreement.swift): by instruction id, and
    /// the project's register-name id by register id (Int16.min: not computed yet).
    var fastNames = [FastName?](repeating: nil, count: Int(X86_INS_ENDING.rawValue) + 1)
    var fastRegisters = [Int16](repeating: .min, count: Int(X86_REG_ENDING.rawValue) + 1)

    private func normalizedMnemonic(id: Int, raw: String) -> String {
        guard id >= 0 && id < mnemonics.count else { return Normalization.mnemonic(raw, oracle: name) }
        if let cached = mnemonics[id], cached.raw == raw { return cached.normalized }
        let normalized = Normalization.mnemonic(raw, oracle: name)
        mnemonics[id] = (raw, normalized)
        return normalized
    }

    private func register(_ h: csh, _ reg: UInt32) -> (name: String, size: Int?) {
        let k = Int(reg)
        if k < registers.count, let cached = registers[k] { return cached }
        let name = Normalization.registerName(Self.registerName(h, reg))
        let entry = (name: name, size: Normalization.registerSize(name))
        if k < registers.count { registers[k] = entry }
        return entry
    }

    // MARK: C struct helpers (tuples and enums converted in one place)

    private static func operands(_ x86: cs_x86) -> [cs_x86_op] {
        var ops = x86.operands
        let count = min(Int(x86.op_count), 8)
        return withUnsafeBytes(of: &ops) { Array($0.bindMemory(to: cs_x86_op.self).prefix(count)) }
    }


    private static func registerName(_ h: csh, _ reg: UInt32) -> String {
        cs_reg_name(h, reg).map { String(cString: $0) } ?? ""
    }

    private static func bytes(_ t: (UInt8, UInt8, UInt8, UInt8)) -> [UInt8] { [t.0, t.1, t.2, t.3] }

    /// A C `char[N]` imported as a tuple, up to its first NUL.
    static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            let chars = raw.prefix { $0 != 0 }
            return String(decoding: chars, as: UTF8.self)
        }
    }
}

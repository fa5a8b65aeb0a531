import X86Decoder

/// The one place where Capstone's and Zydis' answers are brought into the shared model
/// (DecodeAnswer). Each rule names an example byte string (64-bit mode unless said) and what the
/// oracle reports for it, as measured on Debian's Capstone 4.0.2 and Zydis 4.0.0. The oracle
/// files only read the libraries' structs; every decision about names, sizes and values is here.
///
/// The target shape is the project decoder's (its opcode map's mnemonics and operand lists), so
/// that a difference means a disagreement about the instruction, not about spelling. Rules that
/// apply to every oracle (the project's included) are in `finish(_:)`, which `compare` applies.
public enum Normalization {
    // MARK: Mnemonics

    /// Words Capstone puts before the mnemonic: `f3 a4` is "rep movsb", `f0 01 08` "lock add",
    /// `f2 e8 …` "bnd call", `f2 f0 01 08` "xacquire lock add". The model keeps prefixes out.
    static let prefixWords: Set<String> = [
        "lock", "rep", "repe", "repz", "repne", "repnz", "bnd", "notrack", "xacquire", "xrelease", "data16", "addr32",
    ]

    /// Pure spelling differences, mapped to the name the project's opcode map uses
    /// (Sources/X86Decoder/OpcodeMap: the SDM's first name for the form; aliases as the map names
    /// them). Context-dependent names (far `ret`, `sal` for /6) are in the list rules below.
    static let spelling: [String: [String: String]] = [
        "capstone": [
            "movabs": "mov",  // a1 <moffs64>, 48 b8 <imm64>: SDM "MOV"
            "ud2b": "ud1",  // 0f b9 /r: SDM "UD1" (Capstone 4 predates the rename)
            "retfq": "retf",  // 48 cb: the map's "retf" (Capstone says "retf" without REX.W)
            "lcall": "call", "ljmp": "jmp",  // ff /3, ff /5, 9a, ea (32-bit): SDM "CALL", "JMP" far
            "pushal": "pushad", "pushaw": "pusha",  // 60 (32-bit), 66 60
            "popal": "popad", "popaw": "popa",  // 61 (32-bit), 66 61
            "fsetpm": "fsetpm287_nop",  // db e4: the map (and Zydis) name the 287-only no-op so
            "xstorerng": "xstore",  // 0f a7 c0 (VIA PadLock)
            "vcvtpd2dqx": "vcvtpd2dq", "vcvtpd2dqy": "vcvtpd2dq",  // c5 f9 e6 00: AT&T-style size suffix
            "vcvttpd2dqx": "vcvttpd2dq", "vcvttpd2dqy": "vcvttpd2dq",
            "vcvtpd2psx": "vcvtpd2ps", "vcvtpd2psy": "vcvtpd2ps",
        ],
        "zydis": [
            // Condition codes: Zydis spells them after the flag (jnb, jz, jnbe, jnl, jnle); the SDM's
            // first name is the unsigned/signed one (73 00: "jnb" -> "jae"; 0f 44 c0: "cmovz" -> "cmove").
            "jnb": "jae", "jz": "je", "jnz": "jne", "jnbe": "ja", "jnl": "jge", "jnle": "jg",
            "setnb": "setae", "setz": "sete", "setnz": "setne", "setnbe": "seta", "setnl": "setge", "setnle": "setg",
            "cmovnb": "cmovae", "cmovz": "cmove", "cmovnz": "cmovne", "cmovnbe": "cmova", "cmovnl": "cmovge",
            "cmovnle": "cmovg",
            "fwait": "wait",  // 9b: SDM lists WAIT first
            "xlat": "xlatb",  // d7: no explicit operand, so SDM "XLATB"
            "pfcpit1": "pfrcpit1",  // 0f 0f c0 a6: AMD's name (Zydis typo)
            "pfsqrt": "pfrsqrt",  // 0f 0f c0 97: AMD's PFRSQRT (Zydis misnames it)
            "xcrypt_ecb": "xcryptecb", "xcrypt_cbc": "xcryptcbc", "xcrypt_ctr": "xcryptctr",  // f3 0f a7 c8…e8
            "xcrypt_cfb": "xcryptcfb", "xcrypt_ofb": "xcryptofb",
        ],
    ]

    /// Capstone folds the comparison predicate of `cmpps`/`vcmpps`/`vpcom*` into the mnemonic and
    /// drops the imm8 operand (`0f c2 c1 01` is "cmpltps xmm0, xmm1"); the model keeps the SDM
    /// form `cmpps xmm0, xmm1, 0x1`. Predicate spellings Capstone 4 uses, SSE, AVX and XOP:
    static let comparePredicates: Set<String> = [
        "eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord", "eq_uq", "nge", "ngt", "false", "neq_oq", "ge", "gt",
        "true", "eq_os", "lt_oq", "le_oq", "unord_s", "neq_us", "nlt_uq", "nle_uq", "ord_s", "eq_us", "nge_uq",
        "ngt_uq", "false_os", "neq_os", "ge_oq", "gt_oq", "true_us",
    ]
    static let compareFamilies: [(prefix: String, suffixes: [String])] = [
        ("vcmp", ["ps", "pd", "ss", "sd"]), ("cmp", ["ps", "pd", "ss", "sd"]),
        ("vpcom", ["ub", "uw", "ud", "uq", "b", "w", "d", "q"]),  // 8f e8 78 cc c1 02: "vpcomgtb"
    ]

    /// The mnemonic without prefix words, lower case, with the oracle's spelling mapped.
    public static func mnemonic(_ raw: String, oracle: String) -> String {
        let words = raw.lowercased().split(separator: " ").filter { !prefixWords.contains(String($0)) }
        let name = words.last.map(String.init) ?? raw.lowercased()
        return spelling[oracle]?[name] ?? name
    }

    /// `cmpltps` -> `cmpps` when the name is a predicate pseudo-op, else nil.
    static func unfoldComparePredicate(_ name: String) -> String? {
        // Every family starts with "c" or "v": most names are rejected by one byte compare.
        guard let first = name.utf8.first, first == UInt8(ascii: "c") || first == UInt8(ascii: "v") else { return nil }
        for family in compareFamilies where name.hasPrefix(family.prefix) {
            for suffix in family.suffixes where name.hasSuffix(suffix) {
                let middle = name.dropFirst(family.prefix.count).dropLast(suffix.count)
                if comparePredicates.contains(String(middle)) { return family.prefix + suffix }
            }
        }
        return nil
    }

    // MARK: Registers

    /// Lower-case architectural name: Capstone's "st(3)" is "st3" (`dd d3`); Capstone's pseudo
    /// index registers "eiz"/"riz" mean no index and never reach here as registers.
    public static func registerName(_ raw: String) -> String {
        var name = raw.lowercased()
        if name.hasPrefix("st(") && name.hasSuffix(")") { name = "st" + name.dropFirst(3).dropLast() }
        return name
    }

    /// Register sizes come from the name, never from the oracle: Capstone gives xmm0 the element
    /// size in some forms, Zydis gives bits. Widths as the project's `Register.size` (cr/dr/k: 8).
    public static func registerSize(_ name: String) -> Int? {
        if let size = gprSizes[name] { return size }
        for (prefix, size) in prefixSizes where name.hasPrefix(prefix) && name.dropFirst(prefix.count).allSatisfy(\.isNumber) {
            return size
        }
        if name.hasPrefix("r"), let last = name.last {
            let digits = name.dropFirst().prefix { $0.isNumber }
            guard !digits.isEmpty else { return nil }
            switch last { case "b": return 1; case "w": return 2; case "d": return 4; default: return last.isNumber ? 8 : nil }
        }
        return nil
    }

    static let gprSizes: [String: Int] = {
        var t: [String: Int] = ["es": 2, "cs": 2, "ss": 2, "ds": 2, "fs": 2, "gs": 2, "rip": 8, "eip": 4, "ip": 2]
        for n in ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh", "spl", "bpl", "sil", "dil"] { t[n] = 1 }
        for n in ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"] {
            t[n] = 2
            t["e" + n] = 4
            t["r" + n] = 8
        }
        return t
    }()
    static let prefixSizes: [(String, Int)] = [
        ("xmm", 16), ("ymm", 32), ("zmm", 64), ("tmm", 1024), ("mm", 8), ("st", 10), ("cr", 8), ("dr", 8), ("k", 8),
        ("bnd", 16),
    ]

    /// The general register numbered `n` (0-15) of `size` bytes (2, 4, 8): 2, 4 -> "dx", 9, 4 -> "r9d".
    static func gprName(_ n: Int, size: Int) -> String? {
        let low = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
        guard (0..<16).contains(n) else { return nil }
        if n >= 8 { return size == 2 ? "r\(n)w" : size == 4 ? "r\(n)d" : size == 8 ? "r\(n)" : nil }
        return size == 2 ? low[n] : size == 4 ? "e" + low[n] : size == 8 ? "r" + low[n] : nil
    }

    public static func register(_ raw: String) -> OperandAnswer {
        let name = registerName(raw)
        return .reg(name, size: registerSize(name))
    }

    // MARK: Immediates and branch targets

    /// `0x` and lower-case hex digits, no leading zeros (`0x0` for zero).
    public static func hex(_ value: UInt64) -> String {
        let digits = max(1, (64 - value.leadingZeroBitCount + 3) / 4)
        return String(unsafeUninitializedCapacity: digits + 2) { buffer in
            buffer[0] = UInt8(ascii: "0")
            buffer[1] = UInt8(ascii: "x")
            var x = value
            for k in stride(from: digits + 1, through: 2, by: -1) {
                let d = UInt8(truncatingIfNeeded: x & 15)
                buffer[k] = d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") - 10 + d
                x >>= 4
            }
            return digits + 2
        }
    }

    static func mask(bytes: Int) -> UInt64 { bytes >= 8 ? .max : (1 << UInt64(bytes * 8)) - 1 }

    /// An immediate as the CPU uses it: `raw` already sign- or zero-extended to 64 bits by the
    /// oracle, cut to `size` bytes. `83 c0 ff`: Capstone -1 (size 4), Zydis -1 signed (operand
    /// width 32) -> 0xffffffff, size 4. `c8 ff ff ff` (enter): 0xffff size 2 and 0xff size 1.
    public static func immediate(_ raw: UInt64, size: Int) -> OperandAnswer {
        OperandAnswer(kind: .immediate, size: size, value: hex(raw & mask(bytes: size)))
    }

    /// Capstone 4 reports some immediates at the operand size rather than their own: `c2 ff ff`
    /// (ret) and `cd 80` (int) come with size 8, `c8 …` (enter) with 8 and 8, the port of `e7 6d`
    /// (out) with 8, the constant 1 of `d1 e0` (sal eax, 1) with 4, the imm8 of `c6 f8 cb`
    /// (xabort) with 4 (value 0xffffffcb). Legacy one-byte opcode -> the true size of each
    /// immediate operand in order.
    static let capstoneImmediateSizes: [UInt8: [Int]] = [
        0xC2: [2], 0xCA: [2], 0xC8: [2, 1], 0xCD: [1], 0xE4: [1], 0xE5: [1], 0xE6: [1], 0xE7: [1], 0xD0: [1], 0xD1: [1],
        0xC6: [1],
    ]

    /// Relative targets are absolute at the decode address, wrapped to the mode's width (both
    /// libraries already wrap to the operand size: `66 e8 2e 1b 88 e6` on AMD is 0x1b32).
    public static func relative(_ target: UInt64, mode: Mode) -> OperandAnswer {
        OperandAnswer(kind: .relative, target: hex(relativeTarget(target, mode: mode)))
    }

    /// The target `relative` reports: wrapped to 32 bits outside 64-bit mode.
    static func relativeTarget(_ target: UInt64, mode: Mode) -> UInt64 { mode == .bits64 ? target : target & 0xFFFF_FFFF }

    /// `9a 78 56 34 12 34 12` (32-bit): selector 0x1234, offset 0x12345678 -> "0x1234:0x12345678".
    public static func farPointer(selector: UInt64, offset: UInt64) -> OperandAnswer {
        OperandAnswer(kind: .farPointer, value: "\(hex(selector & 0xFFFF)):\(hex(offset & 0xFFFF_FFFF))")
    }

    // MARK: Memory

    /// The segment the access uses when no override applies: SS for stack-frame bases
    /// (`8b 04 24` [rsp], `8b 45 00` [rbp], 16-bit `8b 02` [bp+si]), DS otherwise, including
    /// RIP-relative (`8b 05 …`) and absolute (`a1 …`, `8b 04 25 …`) forms.
    public static func defaultSegment(base: String?) -> String {
        switch base { case "rsp", "esp", "sp", "rbp", "ebp", "bp": "ss"; default: "ds" }
    }

    /// Segment from what the oracle says. Capstone 4 says nothing (X86_REG_INVALID) for the
    /// default segment and, in 64-bit mode, repeats ignored ES/CS/SS/DS overrides (`26 00 00` is
    /// "es:[rax]", the CPU uses DS): both become the default. FS and GS are kept.
    /// LEA (`addressOnly`) uses no segment at all: its operand gets the default segment of its
    /// base whatever the prefixes (Zydis does so; Capstone repeats an override: 16-bit
    /// `2e 8d 1b` is "lea bx, cs:[bp + di]" there, ss here).
    /// The destination of a string instruction (`stringDestination`) is always ES.
    public static func segment(reported: String?, base: String?, mode: Mode, addressOnly: Bool = false,
                               stringDestination: Bool = false) -> String {
        if stringDestination { return "es" }
        guard !addressOnly, let s = reported.map(registerName), !s.isEmpty else { return defaultSegment(base: base) }
        if mode == .bits64 && s != "fs" && s != "gs" { return defaultSegment(base: base) }
        return s
    }

    /// A memory operand. `displacement` is signed, sign-extended from the address size (32-bit
    /// `8b 05 ff ff ff ff` is -1, as the project's decoder gives it), except a moffs offset
    /// (`a0`–`a3`, `unsignedOffset`), which is an address: zero-extended (32-bit `a1 ff ff ff ff`
    /// is 0xffffffff, as the project gives it). Scale is 1 when there is no index (Zydis says
    /// 0), size nil when the form has none (LEA's `M`).
    public static func memory(segment: String, base: String?, index: String?, scale: Int, displacement: Int64,
                              addressBits: Int, size: Int?, unsignedOffset: Bool = false) -> OperandAnswer {
        let disp = Self.displacement(displacement, addressBits: addressBits, unsignedOffset: unsignedOffset)
        let indexName = index.map(registerName).flatMap { $0 == "eiz" || $0 == "riz" || $0.isEmpty ? nil : $0 }
        let baseName = base.map(registerName).flatMap { $0.isEmpty ? nil : $0 }
        return OperandAnswer(kind: .memory, segment: segment, base: baseName, index: indexName,
                             scale: indexName == nil ? 1 : scale, displacement: disp, size: size == 0 ? nil : size)
    }

    /// `memory`'s displacement: sign-extended from the address size, or zero-extended for a
    /// moffs offset (`unsignedOffset`).
    static func displacement(_ raw: Int64, addressBits: Int, unsignedOffset: Bool) -> Int64 {
        let shift = Int64(64 - min(max(addressBits, 16), 64))
        return unsignedOffset ? Int64(bitPattern: UInt64(bitPattern: raw << shift) >> UInt64(shift)) : (raw << shift) >> shift
    }

    // MARK: Operand lists

    /// Where an instruction's opcode sits, as the list rules need it (filled by each oracle).
    struct Shape {
        /// One-byte-map opcode (nil for 0F maps, VEX, EVEX, XOP), 0F-map opcode, ModRM.reg.
        var legacyOpcode: UInt8?
        var opcode0F: UInt8?
        var modrmReg: UInt8?
        /// EVEX.aaa (0 when not EVEX) and the instruction's last byte.
        var evexMask: UInt8 = 0
        var lastByte: UInt8?
        /// XOP map 0Ah (`8f ea …`), whose forms take a 4-byte immediate.
        var xopMapA = false
        /// EVEX 0F3A 1E/1F/3E/3F (VPCMP[U]B/W/D/Q), whose predicate Capstone folds into the name.
        var evexIntegerCompare = false
        /// ModRM.rm with REX.B (0-15) when ModRM.mod is 11b (register form), else nil.
        var modrmRM: UInt8?
        /// REX.W was set (legacy encodings).
        var rexW = false
        var isString: Bool { legacyOpcode.map(Normalization.stringOpcodes.contains) ?? false }
        var isMoffs: Bool { legacyOpcode.map { (0xA0...0xA3).contains($0) } ?? false }
    }

    /// String instructions carry their operands the way the map's `X`/`Y` notation does:
    /// `a4` is "movsb byte es:[rdi], byte ds:[rsi]", `aa` "stosb byte es:[rdi], al", `6e`
    /// "outsb dx, byte ds:[rsi]" (Capstone lists them so; Zydis hides them and they are taken
    /// from its hidden operands). The destination is always ES (Capstone 4 says nothing in
    /// 64-bit mode); the source takes the override rules.
    static let stringOpcodes: Set<UInt8> = [0x6C, 0x6D, 0x6E, 0x6F, 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF]
    static let stringRegisters: Set<String> = ["al", "ax", "eax", "rax", "dx"]
    static func isStringDestination(base: String?) -> Bool { base == "rdi" || base == "edi" || base == "di" }

    /// Capstone's list in the model's shape:
    /// - the EVEX write mask is a decoration, not an operand (`62 f1 7d 49 fe c0` is "vpaddd
    ///   zmm0 {k1}, zmm0, zmm0", operand 1 is k1);
    /// - folded compare predicates are unfolded (`0f c2 c1 01` "cmpltps xmm0, xmm1");
    /// - `91` is "xchg eax, ecx", the map's `xchg Zv,rAX` is "xchg ecx, eax" (Zydis agrees);
    /// - `d4 0a` / `d5 0a` are "aam" / "aad" without operand, the map's `aam Ib` has 0xa;
    /// - hint NOPs as for Zydis (`0f 19 c8`: "nop eax, ecx");
    /// - `48 0f 6e c0` / `48 0f 7e 00` are "movd mm0, rax" / "movd qword ptr [rax], mm0": the SDM
    ///   names the REX.W forms of 0F 6E/7E MOVQ (the MOVD/MOVQ page; Zydis says movq).
    static func capstoneOperands(_ ops: [OperandAnswer], mnemonic: inout String, shape: Shape) -> [OperandAnswer] {
        var ops = dropImplicitSystemRegisters(hintNop(ops, mnemonic: mnemonic, shape: shape), mnemonic: mnemonic)
        if mnemonic == "movd", shape.rexW, shape.opcode0F == 0x6E || shape.opcode0F == 0x7E { mnemonic = "movq" }
        if shape.evexMask != 0, ops.count > 1, ops[1].register == "k\(shape.evexMask)" { ops.remove(at: 1) }
        // EVEX VPCMP[U]B/W/D/Q likewise: 16-bit `62 f3 7d 08 3f 66 00 00` is "vpcmpeqb k4, xmm0,
        // [bp]", the SDM's "vpcmpb k4, xmm0, [bp], 0" (only these opcodes: VPCMPEQB 0f 74 is real).
        if shape.evexIntegerCompare, let imm = shape.lastByte, mnemonic.hasPrefix("vpcmp") {
            for suffix in ["ub", "uw", "ud", "uq", "b", "w", "d", "q"] where mnemonic.hasSuffix(suffix) {
                let middle = mnemonic.dropFirst(5).dropLast(suffix.count)
                if comparePredicates.contains(String(middle)) {
                    mnemonic = "vpcmp" + suffix
                    ops.append(immediate(UInt64(imm), size: 1))
                    break
                }
            }
        } else if let unfolded = unfoldComparePredicate(mnemonic), let imm = shape.lastByte {
            mnemonic = unfolded
            ops.append(immediate(UInt64(imm), size: 1))
        }
        switch shape.legacyOpcode {
        case .some(0x90...0x97) where mnemonic == "xchg" && ops.count == 2: return [ops[1], ops[0]]
        case .some(0xD4...0xD5) where ops.isEmpty: return [immediate(0xA, size: 1)]
        default: return ops
        }
    }

    /// Which Zydis operands the model keeps. Zydis marks operands EXPLICIT, IMPLICIT (named in
    /// the SDM's operand column: al of `04 05` "add al, 5", the 1 of `d0 e0`, st0 of `d8 c1`) or
    /// HIDDEN (`ret`: rip, rsp, [rsp]). Kept: explicit and implicit, minus the EVEX write mask
    /// (`62 f1 7d 48 fe c0` has a k0 operand); for string instructions also the hidden memory
    /// operands and al/ax/eax/rax/dx (not rsi, rdi, rcx, rflags).
    static func zydisKeeps(hidden: Bool, writeMask: Bool, string: Bool, memory: Bool, register: String?) -> Bool {
        if writeMask { return false }
        if !hidden { return true }
        return string && (memory || register.map(stringRegisters.contains) == true)
    }

    /// Zydis' list and name in the model's shape:
    /// - far returns (`cb`, `ca`) are "ret" with a far branch type: the map says "retf";
    /// - group 2 with ModRM.reg 6 (`d0 f0`, undocumented alias of /4) is "shl": the map says "sal";
    /// - hint NOPs `0f 18`–`0f 1f` are "nop Ev, Gv" (`0f 1f fa`: "nop edx, edi"); the map's
    ///   `nop Ev` has one operand (the reg field does nothing): the second is dropped.
    /// - the MPX-space hint NOPs `0f 1a`/`0f 1b` (register forms) name only the ModRM.reg
    ///   register: 16-bit `0f 1a f2` is "nop si" (`0f 1f f2`: "nop dx, si"); the map's `nop Ev`
    ///   names ModRM.rm, so the register becomes the GPR of the same size that ModRM.rm (with
    ///   REX.B) names: "nop dx";
    /// - `0f 0d` register forms (Intel's reserved NOP) likewise: 16-bit `0f 0d c4` is "nop sp, ax";
    /// - CLFLUSH, CLFLUSHOPT and CLWB are sized by the cache line they act on: `0f ae 38` is
    ///   "clflush zmmword ptr [rax]" (64); the SDM's operand is m8, as the map has it.
    static func zydisOperands(_ ops: [OperandAnswer], mnemonic: inout String, shape: Shape) -> [OperandAnswer] {
        if mnemonic == "ret" && (shape.legacyOpcode == 0xCA || shape.legacyOpcode == 0xCB) { mnemonic = "retf" }
        if mnemonic == "shl" && shape.modrmReg == 6 && [0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3].contains(shape.legacyOpcode) {
            mnemonic = "sal"
        }
        var ops = dropImplicitSystemRegisters(ops, mnemonic: mnemonic)
        if ["clflush", "clflushopt", "clwb"].contains(mnemonic), ops.count == 1, ops[0].kind == .memory, ops[0].size == 64 { ops[0].size = 1 }
        if mnemonic == "nop", shape.opcode0F == 0x1A || shape.opcode0F == 0x1B, ops.count == 1, let size = ops[0].size,
           let rm = shape.modrmRM, let name = gprName(Int(rm), size: size) {
            return [register(name)]
        }
        return hintNop(ops, mnemonic: mnemonic, shape: shape)
    }

    static func hintNop(_ ops: [OperandAnswer], mnemonic: String, shape: Shape) -> [OperandAnswer] {
        guard mnemonic == "nop", let op = shape.opcode0F, op == 0x0D || (0x18...0x1F).contains(op), ops.count == 2 else { return ops }
        return [ops[0]]
    }

    /// Capstone 4 gives the imm8 of forms outside the one-byte map the size of the instruction's
    /// operand and sign-extends its value to it: `c4 e3 7b f0 10 cb` (rorx edx, [eax], 0xcb) has
    /// "size 4, -53", `8f e8 78 c2 3c 08 2c` (vprotd) "size 16". Every immediate in the 0F, 0F 38,
    /// 0F 3A, VEX, EVEX and XOP 8/9 maps is one byte (SDM/APM opcode maps: `Ib`); only XOP map A
    /// (`8f ea …`: bextr, lwpins, lwpval) has a 4-byte `Id`. Such immediates become size 1.
    static func capstoneImmediateIsByte(shape: Shape) -> Bool { shape.legacyOpcode == nil && !shape.xopMapA }

    /// TEST r/m64, imm32 (`48 f7 /0 id`, REX.W) comes with size 4 from Capstone, whose other
    /// REX.W imm32 forms (`48 81 c0 …`) say 8: the immediate is used sign-extended to 64 bits.
    static func capstoneImmediateIsWide(shape: Shape) -> Bool {
        shape.legacyOpcode == 0xF7 && shape.rexW && (shape.modrmReg == 0 || shape.modrmReg == 1)
    }

    /// The size of Capstone's `index`-th (non-branch) immediate, which it reported as
    /// `reported` bytes: the rules above, else the reported size.
    static func capstoneImmediateSize(shape: Shape, index: Int, reported: Int) -> Int {
        if capstoneImmediateIsByte(shape: shape) { return 1 }
        if capstoneImmediateIsWide(shape: shape) { return 8 }
        let listed = shape.legacyOpcode.flatMap { capstoneImmediateSizes[$0] }
        return listed.flatMap { index < $0.count ? $0[index] : nil } ?? reported
    }

    // MARK: Rules for every oracle

    static let addressOnly: Set<String> = ["lea", "bndmk", "bndcl", "bndcu", "bndcn"]
    static let xsaveFamily: Set<String> = [
        "xsave", "xsave64", "xrstor", "xrstor64", "xsaveopt", "xsaveopt64", "xsavec", "xsavec64", "xsaves", "xsaves64",
        "xrstors", "xrstors64",
    ]

    /// AMD SVM and SEV-SNP instructions take their registers implicitly (APM: "VMRUN rAX",
    /// "RMPADJUST"); the map lists no operand for them, as for MONITOR/MWAIT (which neither
    /// library lists). Capstone and Zydis list some: `0f 01 d8` is "vmrun eax" in 32-bit mode,
    /// `f3 0f 01 fe` "rmpadjust rax, rcx, rdx" in Zydis. Their register operands are dropped.
    static let implicitRegisterSystem: Set<String> = [
        "vmrun", "vmload", "vmsave", "skinit", "invlpga", "rmpadjust", "rmpupdate", "psmash", "pvalidate", "rmpquery",
        "invlpgb", "tlbsync", "clzero",
    ]

    static func dropImplicitSystemRegisters(_ ops: [OperandAnswer], mnemonic: String) -> [OperandAnswer] {
        guard !ops.isEmpty, implicitRegisterSystem.contains(mnemonic), ops.allSatisfy({ $0.kind == .register }) else { return ops }
        return []
    }

    /// Last step for every oracle's answer (the project's too):
    /// - x87 register forms name ST(0) implicitly or explicitly depending on the oracle:
    ///   `d8 c1` is "fadd st(1)" in Capstone, "fadd st0, st1" in Zydis; `dc c1` "fadd st(1),
    ///   st(0)" in both. The operands collapse to the one ST(i) that ModRM.rm names (st0 when rm is
    ///   0), at the position of the first x87 operand.
    /// - LEA uses no segment: its operand gets the default segment of its base whatever the
    ///   prefixes say (16-bit `36 8d 4c 66`: "lea cx, [si + 0x66]", ds; the project's decoder
    ///   reports the SS override it read, Capstone and Zydis the default). So do BNDMK and
    ///   BNDCL/BNDCU/BNDCN, which use the effective address, not a linear one (SDM; `64 f3 0f 1b
    ///   10`: Zydis says ds, the decoder the FS it read).
    /// - The XSAVE family's area has no fixed size (it depends on XCR0): `0f ae 28` (xrstor) is
    ///   unsized in the map, Capstone says 8 (the operand size), Zydis 576 (legacy area and
    ///   header). The memory operand of these loses its size.
    public static func finish(_ answer: inout DecodeAnswer) {
        // addressOnly names start with "l" or "b", xsaveFamily names with "x" (one byte compare
        // before the set lookups, for every answer of every oracle).
        if let name = answer.mnemonic, let c = name.utf8.first, c == UInt8(ascii: "l") || c == UInt8(ascii: "b") || c == UInt8(ascii: "x"),
           addressOnly.contains(name) || xsaveFamily.contains(name) {
            for k in answer.operands.indices where answer.operands[k].kind == .memory {
                if addressOnly.contains(name) { answer.operands[k].segment = defaultSegment(base: answer.operands[k].base) }
                if xsaveFamily.contains(name) { answer.operands[k].size = nil }
            }
        }
        let stack = answer.operands.indices.filter { answer.operands[$0].register?.hasPrefix("st") == true }
        guard stack.count > 1 else { return }
        let named = stack.first { answer.operands[$0].register != "st0" } ?? stack[0]
        let keep = answer.operands[named]
        let first = stack[0]
        answer.operands = answer.operands.enumerated().compactMap { k, op in
            k == first ? keep : (stack.contains(k) ? nil : op)
        }
    }
}

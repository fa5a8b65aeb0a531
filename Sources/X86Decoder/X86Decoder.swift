import Synchronization

/// The project's x86 decoder: `length(of:)` is the cheap path (length and validity, no operand
/// work); `decode(_:address:)` adds the mnemonic, operands and encoding layout. Both run the
/// same core over the tables generated from the opcode map; neither reads past the buffer nor
/// traps, whatever the bytes.
public struct X86Decoder: @unchecked Sendable {  // the table pointers are immutable, process-lifetime data
    public let mode: Mode
    public let vendor: Vendor
    @usableFromInline let entry: UnsafeMutablePointer<FastLengthTables.Pointers>
    let nodes: UnsafeMutablePointer<UInt32>
    let forms: UnsafeMutablePointer<UInt64>
    let formOperands: UnsafeMutablePointer<UInt64>
    /// The length shortcut (FastLengthTables). Raw pointers into the process-lifetime
    /// tables: a class reference here would cost a retain/release on every `length(of:)`.
    @usableFromInline let fastIndex: UnsafeMutablePointer<Atomic<UInt32>>
    @usableFromInline let fastRows: UnsafeMutablePointer<UInt8>
    @usableFromInline let flat: UnsafeMutablePointer<Atomic<UInt8>>
    @usableFromInline let modrmInfo: UnsafeMutablePointer<UInt64>
    @usableFromInline let pairMasks: UnsafeMutablePointer<UInt64>
    /// Per byte: 4 when it is a SIB whose base is 5, else 0 (FastLengthTables.sibBase5).
    @usableFromInline let sibBase5: UnsafeMutablePointer<UInt8>
    @usableFromInline let prefixContext: UnsafeMutablePointer<UInt8>
    @usableFromInline let modrmLength: UnsafeMutablePointer<UInt8>
    @usableFromInline let prefixClass: UnsafeMutablePointer<UInt8>
    let prefixKind: UnsafeMutablePointer<UInt8>
    /// 16 in 64-bit mode (where 40-4F are REX), else 0: a byte b is a REX when
    /// `b ^ 0x40 < rexLimit`.
    @usableFromInline let rexLimit: Int

    public init(mode: Mode = .bits64, vendor: Vendor = .intel) {
        self.init(entry: FastLengthTables.pointers + FastLengthTables.key(mode, vendor))
    }

    /// A decoder from its tables' entry (`FastLengthTables.pointers`), which it keeps: the
    /// length path's calls out make their decoder from it.
    @usableFromInline init(entry: UnsafeMutablePointer<FastLengthTables.Pointers>) {
        let t = entry.pointee
        self.entry = entry
        mode = t.mode
        vendor = t.vendor
        nodes = t.nodes
        forms = t.forms
        formOperands = t.operands
        fastIndex = t.fastIndex
        fastRows = t.fastRows
        flat = t.flat
        modrmInfo = t.modrmInfo
        pairMasks = t.pairMasks
        sibBase5 = t.sibBase5
        prefixContext = t.prefixContext
        modrmLength = t.modrmLength
        prefixClass = t.prefixClass
        prefixKind = t.prefixKind
        rexLimit = mode == .bits64 ? 16 : 0
    }

    /// Length and validity of the first instruction in `bytes`.

    @inlinable @inline(__always)
    public func length(of bytes: UnsafeRawBufferPointer) -> LengthResult {
        guard let base = bytes.baseAddress else { return LengthResult(invalid: .truncated) }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let s = shortcut(p, bytes.count)
        if s != 0 { return LengthResult(shortcut: s) }
        return Self.slowLength(p, bytes.count, entry)
    }

    /// The length shortcut (FastLengthTables): the length (> 0), minus the invalid reason's raw
    /// value (< 0), or 0 when the full path must decide. With 15 bytes at hand nothing can be
    /// truncated; reads stop at p[11].
    ///
    /// A linear sweep calls this once per instruction, so it is written to execute few
    /// instructions and to branch only where the branch goes the same way nearly always in
    /// compiled code. First the pair table (FastLengthTables.flat): one load keyed by the
    /// first two bytes, whose entry is the answer or says where the rest of it is; nothing
    /// tests what the first byte is (a branch on REX mispredicts: half of compiled code has
    /// one). Legacy prefixes, REX+0F and rows without a pair entry meet 0 there and go on to
    /// the rows: up to four legacy prefixes, an optional REX, the one-byte or 0F map.
    @inlinable @inline(__always)
    func shortcut(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int {
        guard count >= 15 else { return 0 }
        let n = pairAnswer(flat, p)
        if n != 0 { return n }
        // One prefix (66, F3, F2, a segment) or a REX before 0F: the pair table for the bytes
        // after it.
        let context = Int(prefixContext[Int(p[0])])
        if context != 0 {
            let n = pairAnswer(flat + (context &- 1) &<< 16, p + 1)  // FastLengthTables.pairTableSize
            if n > 0 && n < 15 { return n &+ 1 }
            if n < 0 { return n }
        }
        return rowsShortcut(p)
    }

    /// One pair table's answer for the bytes at `p` (see FastLengthTables.flat): the length,
    /// minus the invalid reason, or 0 when the table has none.
    @inlinable @inline(__always)
    func pairAnswer(_ table: UnsafeMutablePointer<Atomic<UInt8>>, _ p: UnsafePointer<UInt8>) -> Int {
        // Each byte is loaded by itself, not taken out of one word: a load is as quick as
        // the load plus the shift, and the key is on the chain from one instruction to the next.
        let b2 = Int(p[2])
        let b3 = Int(p[3])
        let key = Int(UnsafeRawPointer(p).loadUnaligned(as: UInt16.self))
        let e = Int(table[key].load(ordering: .acquiring))
        let info = modrmInfo[b2]
        // Tables and sign bits, not comparisons: the compiler turns `?:` here into branches,
        // and whether an entry is a formula follows REX, which mispredicts.
        let formula = (0x3F &- e) &>> 63
        let m = Int(truncatingIfNeeded: info)
        // What ModRM b2 brings to a formula: its bytes, and 4 when its SIB b3 has base 5; an
        // exact entry of kind 2 (bit 5) gains 4 when its SIB b2 has base 5.
        let modrm = (m & 0x0F) &+ ((m &>> 5) & Int(sibBase5[b3]))
        let sib = (e &>> 3) & ~formula & Int(sibBase5[b2])
        let n = (e & 0x0F) &+ (modrm & formula) &+ sib
        if pairMasks[e &>> 4] & info != 0 {
            if n <= 15 { return n }
        } else if e & 0xF0 == 0x30 {
            return 0 &- (e & 0x0F)
        }
        return 0
    }

    /// The shortcut's second stage, from the rows (see `shortcut`).
    @inlinable @inline(__always)
    func rowsShortcut(_ p: UnsafePointer<UInt8>) -> Int {
        var i = 0
        var state = 0
        while i < 4 {
            let c = Int(prefixClass[Int(p[i])])
            if c == 0 { break }
            if c & 0x40 != 0 { return 0 }  // LOCK, 67: the full path
            if c & 0x20 != 0 { state &= 1 }
            state |= c & 7
            i &+= 1
        }
        // The eight bytes after the prefixes are loaded at once; REX and 0F are skipped with
        // one shift. Both places the 0F escape can be are tested before the REX test is known.
        let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
        let b0 = Int(truncatingIfNeeded: w & 0xFF)
        let isRex = b0 ^ 0x40 < rexLimit ? 1 : 0
        let escapes = (b0 == 0x0F ? 1 : 0) | (Int(truncatingIfNeeded: w & 0xFF00) == 0x0F00 ? 2 : 0)
        let map = (escapes &>> isRex) & 1
        let skip = isRex &+ map
        let u = w &>> UInt64(truncatingIfNeeded: skip &<< 3)
        let opcode = Int(truncatingIfNeeded: u & 0xFF)
        let next = Int(truncatingIfNeeded: (u &>> 8) & 0xFF)
        let sib = Int(truncatingIfNeeded: (u &>> 16) & 0xFF)
        i &+= skip
        // ((state * 3 + rex) * 2 + map) * 256 + opcode; rex: 0, 1 (REX), 2 (REX.W)
        let rex = isRex &+ (isRex & (b0 &>> 3))
        let row = (state &* 6 &+ rex &* 2 &+ map) &<< 8 | opcode
        var word = Int(fastIndex[row].load(ordering: .acquiring))
        if word == 0 { word = Self.fillFastRow(row, entry) }
        let summary = word &>> 24
        if summary != 0 {
            // No row load: c, plus the ModRM's bytes when the row says so.
            let m = Int(modrmLength[next]) & (0 &- ((summary &>> 4) & 1))
            let sibBase5 = sib & 7 == 5 ? 4 : 0
            let n = i &+ (summary & 0x0F) &+ (m & 0x0F) &+ (sibBase5 & (m &>> 5))
            return n <= 15 ? n : 0
        }
        let e = Int(fastRows[(word & 0xFF_FFFF) &+ next])
        if e & 0x40 == 0 {
            if e != 0 {
                // Bit 7: a SIB whose base is 5 adds a disp32.
                let sibBase5 = sib & 7 == 5 ? 4 : 0
                let n = i &+ (e & 0x0F) &+ (sibBase5 & (e &>> 5))
                if n <= 15 { return n }
            }
        } else if i &+ 11 <= 15 {  // FastLengthTables.longestFromOpcode
            return 0 &- (e & 0x1F)
        }
        return 0
    }

    // The calls out of the inlined length path are static and take scalars: a method call
    // passes the decoder (a dozen words) by address, and the compiler then copies it into a
    // fresh stack slot on every call of the caller's loop.
    @usableFromInline @inline(never)
    static func fillFastRow(_ row: Int, _ entry: UnsafeMutablePointer<FastLengthTables.Pointers>) -> Int {
        FastLengthTables.shared(mode: entry.pointee.mode, vendor: entry.pointee.vendor).fill(row)
    }

    @usableFromInline @inline(never)
    static func slowLength(_ p: UnsafePointer<UInt8>, _ count: Int, _ entry: UnsafeMutablePointer<FastLengthTables.Pointers>) -> LengthResult {
        var raw = RawDecode()
        do {
            try X86Decoder(entry: entry).core(p, count, &raw)
            return LengthResult(length: raw.length)
        } catch {
            return LengthResult(invalid: error)
        }
    }

    public func length(of bytes: [UInt8]) -> LengthResult {
        bytes.withUnsafeBytes { length(of: $0) }
    }

    /// Full decode of the first instruction in `bytes`, located at `address` (relative branch
    /// targets are absolute).
    public func decode(_ bytes: UnsafeRawBufferPointer, address: UInt64 = 0) -> DecodeResult {
        guard let base = bytes.baseAddress else { return .invalid(.truncated) }
        let p = base.assumingMemoryBound(to: UInt8.self)
        var raw = RawDecode()
        do {
            try core(p, bytes.count, &raw)
        } catch {
            return .invalid(error)
        }
        var instruction = Instruction()
        fill(&instruction, p, bytes.count, &raw, address: address)
        return .valid(instruction)
    }

    /// Full decode into a caller-owned instruction (no copies of the result): nil when valid,
    /// else the reason. `instruction` is unspecified after a failure.
    public func decode(_ bytes: UnsafeRawBufferPointer, address: UInt64 = 0, into instruction: inout Instruction) -> InvalidReason? {
        guard let base = bytes.baseAddress else { return .truncated }
        let p = base.assumingMemoryBound(to: UInt8.self)
        var raw = RawDecode()
        do {
            try core(p, bytes.count, &raw)
        } catch {
            return error
        }
        fill(&instruction, p, bytes.count, &raw, address: address)
        return nil
    }

    public func decode(_ bytes: [UInt8], address: UInt64 = 0) -> DecodeResult {
        bytes.withUnsafeBytes { decode($0, address: address) }
    }

    // MARK: - Core

    /// Reads byte `i`, enforcing the 15-byte cap and the end of the buffer.
    @inline(__always)
    /// `count` is the buffer's size capped at 15 (core caps it once), so one compare covers both.
    func byte(_ p: UnsafePointer<UInt8>, _ count: Int, _ i: Int) throws(InvalidReason) -> UInt8 {
        if i >= count { throw i >= 15 ? .tooLong : .truncated }
        return p[i]
    }


    func core(_ p: UnsafePointer<UInt8>, _ count: Int, _ r: inout RawDecode) throws(InvalidReason) {
        let count = min(count, 15)  // what byte() expects
        let is64 = mode == .bits64
        var pos = 0
        // Legacy prefixes and REX. A REX followed by anything but the opcode is ignored.
        prefixes: while true {
            let b = try byte(p, count, pos)
            let kind = prefixKind[Int(b)]
            if kind == 0 { break }
            if kind == 7 {
                guard is64 else { break }
                r.rex = b
                r.rexPos = pos
                pos &+= 1
                continue
            }
            switch kind {
            case 1: r.lock = true
            case 2: r.rep = b
            case 3: r.operandSizePrefix = true
            case 4: r.addressSizePrefix = true
            case 5:
                // In 64-bit mode ES/CS/SS/DS overrides are ignored (X86-NOTES: `64 26 00 00` uses FS).
                if !is64 { r.segment = (b >> 3) & 3 }
            default: r.segment = b &- 0x60  // FS, GS
            }
            r.rex = 0
            r.rexPos = -1
            pos &+= 1
        }
        r.prefixCount = r.rexPos >= 0 ? r.rexPos : pos
        if r.rex != 0 {
            r.w = (r.rex >> 3) & 1
            r.r = (r.rex >> 2) & 1
            r.x = (r.rex >> 1) & 1
            r.b = r.rex & 1
        }

        // Escapes: 0F, 0F 38, 0F 3A, 0F 0F, VEX, EVEX, XOP.
        let first = p[pos]
        r.opcodePos = pos
        switch first {
        case 0x0F:
            let second = try byte(p, count, pos &+ 1)
            switch second {
            case 0x38, 0x3A:
                r.map = second == 0x38 ? .map0F38 : .map0F3A
                r.opcode = try byte(p, count, pos &+ 2)
                r.opcodeSize = 3
            case 0x0F:
                r.map = .amd3DNow
                r.opcodeSize = 2
            default:
                r.map = .map0F
                r.opcode = second
                r.opcodeSize = 2
            }
        case 0xC4, 0xC5, 0x62:
            let next = try byte(p, count, pos &+ 1)
            if is64 || next & 0xC0 == 0xC0 {
                try vexPrefix(p, count, pos, &r)
            } else {
                r.opcode = first
                r.opcodeSize = 1
            }
        case 0x8F:
            let next = try byte(p, count, pos &+ 1)
            if next & 0x1F >= 8 {
                try vexPrefix(p, count, pos, &r)
            } else {
                r.opcode = first
                r.opcodeSize = 1
            }
        default:
            r.opcode = first
            r.opcodeSize = 1
        }
        pos = r.opcodePos &+ r.opcodeSize

        // 3DNow!: ModRM, SIB, displacement, then the suffix byte that names the operation.
        if r.map == .amd3DNow {
            r.modrm = try byte(p, count, pos)
            r.modrmPos = pos
            r.hasModRM = true
            r.addressSize = addressSize(r)
            pos = try addressingBytes(p, count, pos &+ 1, &r)
            r.opcode = try byte(p, count, pos)
            r.immPos = pos
            r.immSize = 1
            let e = nodes[Int(OpcodeMap.amd3DNow.rawValue) << 8 | Int(r.opcode)]
            guard e >> NodeLayout.tagShift == NodeLayout.tagLeaf else { throw .unknownOpcode }
            r.form = Int(e & 0xFFFF)
            r.formBits = forms[r.form]
            r.operandSize = 32
            r.length = pos &+ 1
            try validate(&r)
            return
        }

        // Walk the decode tree.
        let root = nodes[Int(r.map.rawValue) << 8 | Int(r.opcode)]
        var e = root
        var ignoredEvexB = false
        while true {
            if e & NodeLayout.modrmBit != 0 && !r.hasModRM {
                r.modrm = try byte(p, count, pos)
                r.modrmPos = pos
                r.hasModRM = true
                pos &+= 1
            }
            let tag = e >> NodeLayout.tagShift
            if tag == NodeLayout.tagLeaf {
                // AMD ignores EVEX.b on a register form with embedded broadcast and no rounding
                // (Vendor.swift): the form is the one of the encoded L'L, walked again.
                if r.evexB, vendor.ignoresEvexBroadcastOnRegisterForms, r.kind == .evex, r.isRegisterForm,
                   Self.broadcastWithoutRounding(forms[Int(e & 0xFFFF)]) {
                    r.evexB = false
                    ignoredEvexB = true
                    e = root
                    continue
                }
                break
            }
            if tag != NodeLayout.tagSwitch { throw InvalidReason(rawValue: UInt8(truncatingIfNeeded: e)) ?? .unknownOpcode }
            let value: Int
            switch SwitchKind(trusted: UInt8(truncatingIfNeeded: (e >> NodeLayout.kindShift) & 0xF)) {
            case .vendor: value = vendor == .amd ? 1 : 0
            case .mode: value = is64 ? 1 : 0
            case .prefix: value = r.prefixSelector
            case .w: value = Int(r.w)
            case .l: value = (r.kind == .evex && r.evexB && r.isRegisterForm) ? 2 : Int(r.l)
            case .mod: value = r.isRegisterForm ? 1 : 0
            case .reg: value = Int(r.regField)
            case .rm: value = Int(r.rmField)
            case .operandSize:
                let size = operandSize(r, d64: e & NodeLayout.d64Bit != 0, f64: e & NodeLayout.f64Bit != 0)
                value = size == 16 ? 0 : size == 32 ? 1 : 2
            case .addressSize:
                let size = addressSize(r)
                value = size == 16 ? 0 : size == 32 ? 1 : 2
            case .rexB: value = Int(r.b)
            }
            e = nodes[Int(e & NodeLayout.childMask) + value]
        }
        r.form = Int(e & 0xFFFF)
        r.formBits = forms[r.form]
        let flags = r.flags
        // The form of the encoded L'L must take broadcast without rounding as well (it does
        // wherever the map is consistent); L'L = 11 stays reserved (Zen 4: #UD).
        if ignoredEvexB && !Self.broadcastWithoutRounding(r.formBits) { throw .reservedVexField }
        r.operandSize = operandSize(r, d64: flags.contains(.d64), f64: flags.contains(.f64))
        r.addressSize = addressSize(r)
        if r.hasModRM && !flags.contains(.modIgnored) {
            pos = try addressingBytes(p, count, pos, &r)
        }

        // Immediates.
        // Immediate sizes by kind (ImmediateKind's raw values), four bits each: one constant
        // per operand size, so no jump table on the kind. imm2: ENTER, EXTRQ/INSERTQ, Ap.
        //            kind: c b a 9 8 7 6 5 4 3 2 1 0   (suffix3DNow … none; moffs below)
        let osize = r.operandSize
        let sizes: UInt64 = osize == 16 ? 0x0_2102_1222_4210 : osize == 32 ? 0x0_4104_1244_4210 : 0x0_4104_1284_4210
        let kind = Int(truncatingIfNeeded: (r.formBits >> FormLayout.immediateShift) & 0x1F)
        let shift = UInt64(truncatingIfNeeded: kind &<< 2)
        r.immSize = Int(truncatingIfNeeded: (sizes &>> shift) & 0xF)
        r.imm2Size = Int(truncatingIfNeeded: (UInt64(0x2_1100_0000) &>> shift) & 0xF)
        if kind == Int(ImmediateKind.moffs.rawValue) { r.immSize = r.addressSize / 8 }
        r.immPos = pos
        pos &+= r.immSize &+ r.imm2Size
        if pos > 0 { _ = try byte(p, count, pos &- 1) }
        r.length = pos
        try validate(&r)
    }

    /// A form with EVEX embedded broadcast of 32/64-bit elements and neither embedded rounding
    /// nor SAE (`vpaddd`, `vandps`, `vpternlogd`; not `vaddps`, not the byte/word forms).
    static func broadcastWithoutRounding(_ formBits: UInt64) -> Bool {
        let flags = FormFlags(formBits: formBits)
        return !flags.isDisjoint(with: [.broadcast32, .broadcast64]) && flags.isDisjoint(with: [.rounding, .sae])
    }

    /// ModRM's SIB and displacement bytes; returns the position after them.
    @inline(__always)
    func addressingBytes(_ p: UnsafePointer<UInt8>, _ count: Int, _ start: Int, _ r: inout RawDecode) throws(InvalidReason) -> Int {
        var pos = start
        let mod = r.mod
        if mod == 3 { return pos }
        let rm = r.rmField
        if r.addressSize == 16 {
            r.dispSize = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0
        } else {
            if rm == 4 {
                r.sib = try byte(p, count, pos)
                r.sibPos = pos
                r.hasSIB = true
                pos &+= 1
                if mod == 0 && r.sib & 7 == 5 { r.dispSize = 4 }
            } else if mod == 0 && rm == 5 {
                r.dispSize = 4
            }
            if mod == 1 { r.dispSize = 1 } else if mod == 2 { r.dispSize = 4 }
        }
        r.dispPos = pos
        pos &+= r.dispSize
        if r.dispSize > 0 { _ = try byte(p, count, pos &- 1) }
        return pos
    }

    /// Effective operand size in bits (see Vendor for the near-branch rule).
    @inline(__always)
    func operandSize(_ r: RawDecode, d64: Bool, f64: Bool) -> Int {
        if r.kind != .legacy { return (mode == .bits64 && r.w == 1) ? 64 : 32 }
        switch mode {
        case .bits64:
            if r.w == 1 { return 64 }
            if f64 { return (r.operandSizePrefix && vendor.honoursOperandSizeOnNearBranches) ? 16 : 64 }
            if d64 { return r.operandSizePrefix ? 16 : 64 }
            return r.operandSizePrefix ? 16 : 32
        case .bits32: return r.operandSizePrefix ? 16 : 32
        case .bits16: return r.operandSizePrefix ? 32 : 16
        }
    }

    @inline(__always)
    func addressSize(_ r: RawDecode) -> Int {
        switch mode {
        case .bits64: r.addressSizePrefix ? 32 : 64
        case .bits32: r.addressSizePrefix ? 16 : 32
        case .bits16: r.addressSizePrefix ? 32 : 16
        }
    }
}

extension X86Decoder {
    /// Where decoding got to, valid or not: the opcode map and opcode byte (once known), the
    /// length or the invalid reason. Used to bucket disagreements by opcode.
    public struct Probe: Sendable {
        public var map: OpcodeMap
        public var opcode: UInt8
        public var opcodeKnown: Bool
        public var result: LengthResult
        /// The bytes the instruction spans as read, also when a rule checked after its last
        /// byte makes it invalid (LOCK where the form takes none, reserved registers, reserved
        /// VEX/EVEX fields, ModRM and encoding rules); nil when decoding stopped before its end
        /// (unknown opcode, no form for the prefix, W or L, truncation, too long). The CPU
        /// fetches such an instruction to its end before its #UD nearly always: the native
        /// length probe's prediction.
        public var spanned: Int?
    }

    public func probe(_ bytes: [UInt8]) -> Probe {
        bytes.withUnsafeBytes { buffer in
            var raw = RawDecode()
            var result = LengthResult(invalid: .truncated)
            if let base = buffer.baseAddress {
                do throws(InvalidReason) {
                    try core(base.assumingMemoryBound(to: UInt8.self), buffer.count, &raw)
                    result = LengthResult(length: raw.length)
                } catch {
                    result = LengthResult(invalid: error)
                }
            }
            return Probe(map: raw.map, opcode: raw.opcode, opcodeKnown: raw.opcodeSize > 0, result: result,
                         spanned: raw.length > 0 ? raw.length : nil)
        }
    }
}

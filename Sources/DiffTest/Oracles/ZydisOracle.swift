import CZydis
import X86Decoder

/// Zydis (Debian's libzydis 4.0.0) as a decode oracle. Keeps one full and one minimal decoder
/// per (mode, vendor), set up once in `init`, and one operand buffer; nothing is allocated per
/// `length` call. Not shared between threads.
///
/// Decoder set-up: LONG_64 / LEGACY_32 / LEGACY_16 with the matching stack width;
/// ZYDIS_DECODER_MODE_AMD_BRANCHES for vendor amd (`66 e8 2e 1b 88 e6` in 64-bit mode: 6 bytes
/// for intel, 4 for amd); KNC mode off. The other modes keep Zydis' defaults (MPX, CET, LZCNT,
/// TZCNT, CLDEMOTE on; WBNOINVD off). Even with KNC mode off, Zydis 4.0.0 decodes Knights Corner
/// encodings (MVEX, `c5 64 84 …` jkzd): see KnownOracleBugs "zydis-knc-without-knc-mode".
public final class ZydisOracle: DecodeOracle {
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    public let name = "zydis"
    /// "4.0.0", from ZydisGetVersion (major, minor, patch in the top three 16-bit fields).
    public let version: String

    /// 12 decoders: index (mode 0/1/2 for 16/32/64) * 2 + (amd ? 1 : 0), then the same + 6 for
    /// the minimal (length-only) ones.
    private let decoders: UnsafeMutablePointer<ZydisDecoder>
    private let operandBuffer: UnsafeMutablePointer<ZydisDecodedOperand>
    /// The instruction `reuse(mode:full:)` decodes into.
    private let benchInstruction: UnsafeMutablePointer<ZydisDecodedInstruction>
    private static let operandCapacity = 10  // ZYDIS_MAX_OPERAND_COUNT

    /// Zydis status codes (module ZYDIS, low byte) as the reason strings of invalid answers.
    public static let statusNames: [UInt32: String] = [
        0x00: "no-more-data", 0x01: "decoding-error", 0x02: "instruction-too-long", 0x03: "bad-register",
        0x04: "illegal-lock", 0x05: "illegal-legacy-prefix", 0x06: "illegal-rex", 0x07: "invalid-map",
        0x08: "malformed-evex", 0x09: "malformed-mvex", 0x0A: "invalid-mask", 0x0C: "impossible-instruction",
    ]

    public init() throws {
        let v = ZydisGetVersion()
        version = "\(v >> 48).\((v >> 32) & 0xFFFF).\((v >> 16) & 0xFFFF)"
        decoders = .allocate(capacity: 12)
        operandBuffer = .allocate(capacity: Self.operandCapacity)
        benchInstruction = .allocate(capacity: 1)
        benchInstruction.initialize(to: ZydisDecodedInstruction())
        for (m, mode) in [Mode.bits16, .bits32, .bits64].enumerated() {
            for (v, vendor) in [Vendor.intel, .amd].enumerated() {
                for minimal in [false, true] {
                    let d = decoders + (m * 2 + v + (minimal ? 6 : 0))
                    let machine = mode == .bits64 ? ZYDIS_MACHINE_MODE_LONG_64 : mode == .bits32 ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16
                    let stack = mode == .bits64 ? ZYDIS_STACK_WIDTH_64 : mode == .bits32 ? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16
                    var ok = Self.succeeded(ZydisDecoderInit(d, machine, stack))
                    ok = ok && Self.succeeded(ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_AMD_BRANCHES, ZyanBool(vendor == .amd ? 1 : 0)))
                    ok = ok && Self.succeeded(ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_KNC, 0))
                    ok = ok && Self.succeeded(ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_MINIMAL, ZyanBool(minimal ? 1 : 0)))
                    guard ok else {
                        decoders.deallocate()
                        operandBuffer.deallocate()
                        benchInstruction.deallocate()
                        throw SetupError(description: "zydis: decoder set-up failed for \(mode.bits)-bit \(vendor)")
                    }
                }
            }
        }
    }

    deinit {
        decoders.deallocate()
        operandBuffer.deallocate()
        benchInstruction.deallocate()
    }

    @inline(__always) static func succeeded(_ status: ZyanStatus) -> Bool { status & 0x8000_0000 == 0 }

    /// Zydis' ISA-set name for the first instruction of `bytes` (`AVX512_FP16_128`, `XOP`), if
    /// it decodes them (the native oracles' extension check, NativeFeatures).
    public func isaSet(_ bytes: [UInt8], mode: Mode, vendor: Vendor) -> String? {
        var instruction = ZydisDecodedInstruction()
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return false }
            return Self.succeeded(ZydisDecoderDecodeInstruction(decoder(mode, vendor, minimal: false), nil, base, raw.count, &instruction))
        }
        guard ok, let text = ZydisISASetGetString(instruction.meta.isa_set) else { return nil }
        return String(cString: text)
    }

    @inline(__always) private func decoder(_ mode: Mode, _ vendor: Vendor, minimal: Bool) -> UnsafeMutablePointer<ZydisDecoder> {
        decoders + ((mode == .bits16 ? 0 : mode == .bits32 ? 2 : 4) + (vendor == .amd ? 1 : 0) + (minimal ? 6 : 0))
    }

    public func length(_ bytes: UnsafeRawBufferPointer, mode: Mode, vendor: Vendor) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var instruction = ZydisDecodedInstruction()
        let status = ZydisDecoderDecodeInstruction(decoder(mode, vendor, minimal: true), nil, base, bytes.count, &instruction)
        return Self.succeeded(status) ? Int(instruction.length) : nil
    }

    /// What a tuned Zydis user holds for a decode loop: the decoder (minimal or full, Intel
    /// rules) and one instruction and one operand buffer, allocated once and reused by every
    /// call (nothing is zeroed or allocated per instruction on our side). For benchmarks;
    /// valid while the oracle lives.
    public struct Reuse {
        let decoder: UnsafePointer<ZydisDecoder>
        let instruction: UnsafeMutablePointer<ZydisDecodedInstruction>
        let operands: UnsafeMutablePointer<ZydisDecodedOperand>
        let full: Bool

        /// The instruction's length, nil when Zydis rejects the bytes.
        @inline(__always)
        public func length(_ bytes: UnsafeRawBufferPointer) -> Int? {
            let status = full
                ? ZydisDecoderDecodeFull(decoder, bytes.baseAddress, bytes.count, instruction, operands)
                : ZydisDecoderDecodeInstruction(decoder, nil, bytes.baseAddress, bytes.count, instruction)
            return ZydisOracle.succeeded(status) ? Int(instruction.pointee.length) : nil
        }
    }

    public func reuse(mode: Mode, full: Bool) -> Reuse {
        Reuse(decoder: UnsafePointer(decoder(mode, .intel, minimal: !full)), instruction: benchInstruction, operands: operandBuffer, full: full)
    }

    public func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, address: UInt64) -> DecodeAnswer {
        var instruction = ZydisDecodedInstruction()
        let status = bytes.withUnsafeBytes { raw -> ZyanStatus in
            guard let base = raw.baseAddress else { return 0x8020_0000 }
            return ZydisDecoderDecodeFull(decoder(mode, vendor, minimal: false), base, raw.count, &instruction, operandBuffer)
        }
        guard Self.succeeded(status) else { return .invalid(Self.statusNames[status & 0xFF] ?? "status \(Normalization.hex(UInt64(status)))") }

        let raw = ZydisMnemonicGetString(instruction.mnemonic).map { String(cString: $0) } ?? "?"
        var mnemonic = Normalization.mnemonic(raw, oracle: name)
        var shape = Normalization.Shape()
        if instruction.encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY || instruction.encoding == ZYDIS_INSTRUCTION_ENCODING_3DNOW {
            if instruction.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT { shape.legacyOpcode = instruction.opcode }
            if instruction.opcode_map == ZYDIS_OPCODE_MAP_0F { shape.opcode0F = instruction.opcode }
        }
        shape.modrmReg = instruction.raw.modrm.reg
        if instruction.raw.modrm.mod == 3 { shape.modrmRM = instruction.raw.modrm.rm | (instruction.raw.rex.B << 3) }
        var operands: [OperandAnswer] = []
        for k in 0..<min(Int(instruction.operand_count), Self.operandCapacity) {
            var op = operandBuffer[k]
            let register = op.type == ZYDIS_OPERAND_TYPE_REGISTER ? Self.registerName(op.reg.value) : nil
            guard Normalization.zydisKeeps(
                hidden: op.visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN, writeMask: op.encoding == ZYDIS_OPERAND_ENCODING_MASK,
                string: shape.isString, memory: op.type == ZYDIS_OPERAND_TYPE_MEMORY, register: register)
            else { continue }
            switch op.type {
            case ZYDIS_OPERAND_TYPE_REGISTER:
                operands.append(Normalization.register(register ?? ""))
            case ZYDIS_OPERAND_TYPE_IMMEDIATE where op.imm.is_relative != 0:
                var target: ZyanU64 = 0
                _ = ZydisCalcAbsoluteAddress(&instruction, &op, address, &target)
                operands.append(Normalization.relative(target, mode: mode))
            case ZYDIS_OPERAND_TYPE_IMMEDIATE:
                // Sign-extended immediates are used at the operand width (`83 c0 ff`: 8-bit field,
                // 32-bit use); the others (`c8 ff ff ff` enter, imm8 of vpshufd) at their own size.
                let own = max(Int(op.size) / 8, 1)
                let size = op.imm.is_signed != 0 && instruction.operand_width > 0 ? Int(instruction.operand_width) / 8 : own
                operands.append(Normalization.immediate(op.imm.value.u, size: size))
            case ZYDIS_OPERAND_TYPE_MEMORY:
                let m = op.mem
                let base = m.base == ZYDIS_REGISTER_NONE ? nil : Self.registerName(m.base)
                let index = m.index == ZYDIS_REGISTER_NONE ? nil : Self.registerName(m.index)
                let reported = m.segment == ZYDIS_REGISTER_NONE ? nil : Self.registerName(m.segment)
                let unsized = m.type == ZYDIS_MEMOP_TYPE_AGEN || m.type == ZYDIS_MEMOP_TYPE_MIB
                let segment = Normalization.segment(
                    reported: reported, base: base, mode: mode, addressOnly: m.type == ZYDIS_MEMOP_TYPE_AGEN,
                    stringDestination: shape.isString && Normalization.isStringDestination(base: base))
                operands.append(Normalization.memory(
                    segment: segment, base: base, index: index, scale: Int(m.scale), displacement: m.disp.value,
                    addressBits: Int(instruction.address_width), size: unsized ? nil : Int(op.size) / 8,
                    unsignedOffset: shape.isMoffs))
            case ZYDIS_OPERAND_TYPE_POINTER:
                operands.append(Normalization.farPointer(selector: UInt64(op.ptr.segment), offset: UInt64(op.ptr.offset)))
            default:
                continue
            }
        }
        operands = Normalization.zydisOperands(operands, mnemonic: &mnemonic, shape: shape)
        var answer = DecodeAnswer(valid: true, length: Int(instruction.length), mnemonic: mnemonic, operands: operands)
        Normalization.finish(&answer)
        return answer
    }

    private static func registerName(_ reg: ZydisRegister) -> String {
        ZydisRegisterGetString(reg).map { String(cString: $0) } ?? ""
    }
}

import X86Decoder

/// Reads the opcode map's text (grammar at the top of OpcodeMap/HEADER.opmap) into `MapLine`s.
/// Every error names the file and line.
public struct MapParser {
    public private(set) var lines: [MapLine] = []
    public private(set) var errors: [MapError] = []

    public init() {}

    /// Parses one file's text; `file` is used in messages only.
    public mutating func parse(_ text: String, file: String) {
        var map: OpcodeMap?
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty { continue }
            let location = "\(file):\(number)"
            if trimmed.hasPrefix("[") {
                let inner = trimmed.dropFirst().dropLast()
                let parts = inner.split(separator: " ")
                guard trimmed.hasSuffix("]"), parts.count == 2, parts[0] == "map",
                    let m = OpcodeMap(name: String(parts[1]))
                else {
                    errors.append(MapError(location, "bad section header '\(trimmed)' (want [map NAME])"))
                    continue
                }
                map = m
                continue
            }
            guard let current = map else {
                errors.append(MapError(location, "instruction line before any [map NAME] header"))
                continue
            }
            do {
                lines += try Self.parseLine(String(trimmed), map: current, file: file, number: number)
            } catch let error as MapError {
                errors.append(error)
            } catch {
                errors.append(MapError(location, "\(error)"))
            }
        }
    }

    static func parseLine(_ text: String, map: OpcodeMap, file: String, number: Int) throws -> [MapLine] {
        let location = "\(file):\(number)"
        guard let colon = text.firstIndex(of: ":") else { throw MapError(location, "missing ':' between opcode and mnemonic") }
        let left = text[..<colon].split(whereSeparator: { $0 == " " || $0 == "\t" })
        var right = Substring(text[text.index(after: colon)...])
        var attributeText: Substring = ""
        if let bar = right.firstIndex(of: "|") {
            attributeText = right[right.index(after: bar)...]
            right = right[..<bar]
        }
        guard let opcodeToken = left.first else { throw MapError(location, "missing opcode") }
        let (opcode, plusR) = try parseOpcode(opcodeToken, location: location)

        var selectors: [SwitchKind: Int] = [:]
        var explicitModRM = false
        func set(_ kind: SwitchKind, _ value: Int, _ token: Substring) throws {
            if let old = selectors[kind], old != value { throw MapError(location, "selector '\(token)' contradicts an earlier one") }
            selectors[kind] = value
        }
        for token in left.dropFirst() {
            switch token {
            case "/r": explicitModRM = true
            case "mem": try set(.mod, 0, token)
            case "reg", "mod3": try set(.mod, 1, token)
            case "p=none": try set(.prefix, 0, token)
            case "p=66": try set(.prefix, 1, token)
            case "p=f3": try set(.prefix, 2, token)
            case "p=f2": try set(.prefix, 3, token)
            case "i64": try set(.mode, 0, token)
            case "o64": try set(.mode, 1, token)
            case "os16": try set(.operandSize, 0, token)
            case "os32": try set(.operandSize, 1, token)
            case "os64": try set(.operandSize, 2, token)
            case "as16": try set(.addressSize, 0, token)
            case "as32": try set(.addressSize, 1, token)
            case "as64": try set(.addressSize, 2, token)
            case "W0": try set(.w, 0, token)
            case "W1": try set(.w, 1, token)
            case "WIG", "LIG": break
            case "L0", "LZ": try set(.l, 0, token)
            case "L1": try set(.l, 1, token)
            case "L2": try set(.l, 2, token)
            case "rexb0": try set(.rexB, 0, token)
            case "rexb1": try set(.rexB, 1, token)
            case "intel": try set(.vendor, 0, token)
            case "amd": try set(.vendor, 1, token)
            default:
                if token.count == 2, token.first == "/", let d = token.last?.wholeNumberValue, d < 8 {
                    try set(.reg, d, token)
                } else if token.hasPrefix("rm="), let d = Int(token.dropFirst(3)), (0..<8).contains(d) {
                    try set(.rm, d, token)
                } else {
                    throw MapError(location, "unknown selector '\(token)'")
                }
            }
        }

        let words = right.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let mnemonicToken = words.first else { throw MapError(location, "missing mnemonic") }
        let mnemonic = String(mnemonicToken)
        guard mnemonic.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" }) else {
            throw MapError(location, "mnemonic '\(mnemonic)' must be lower case letters and digits")
        }
        let operandText = words.dropFirst().joined()
        var operands: [OperandSpec] = []
        if !operandText.isEmpty {
            for token in operandText.split(separator: ",", omittingEmptySubsequences: false) {
                operands.append(try parseOperand(token, location: location))
            }
        }
        guard operands.count <= 5 else { throw MapError(location, "more than five operands") }

        var flags: FormFlags = []
        var tuple = TupleType.none
        for token in attributeText.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            switch token {
            case "lock": flags.insert(.lock)
            case "rep": flags.insert(.rep)
            case "repe": flags.insert(.repe)
            case "repne": flags.insert(.repne)
            case "d64": flags.insert(.d64)
            case "f64": flags.insert(.f64)
            case "k": flags.insert(.mask)
            case "z": flags.insert(.zeroing)
            case "kreq": flags.insert(.maskRequired)
            case "b32": flags.insert(.broadcast32)
            case "b64": flags.insert(.broadcast64)
            case "b16": flags.insert(.broadcast16)
            case "distinct": flags.insert(.distinctRegisters)
            case "distinctdest": flags.insert(.distinctFromDestination)
            case "norip": flags.insert(.noRIPRelative)
            case "er": flags.insert(.rounding)
            case "sae": flags.insert(.sae)
            case "vsib": flags.insert(.vsib)
            case "vsibh": flags.insert(.vsibHalf)
            case "noW": flags.insert(.ignoreWOutside64)
            case "sse": flags.insert(.sse)
            case "intel", "amd": break
            default:
                if token.hasPrefix("t="), let t = TupleType(name: String(token.dropFirst(2))) {
                    tuple = t
                } else {
                    throw MapError(location, "unknown attribute '\(token)'")
                }
            }
        }

        // Derived facts.
        let methods = Set(operands.map(\.method))
        let modrmMethods: Set<OperandMethod> = [
            .controlReg, .debugReg, .modrmRM, .modrmReg, .memoryOnly, .mmxRM, .mmxReg, .mmxRMOrMemory, .gprRM,
            .segmentReg, .vectorRM, .vectorReg, .vectorRMOrMemory, .maskReg, .maskRMOrMemory, .maskRM, .tileReg,
            .tileRM, .x87RM, .boundReg, .boundRMOrMemory,
        ]
        let hasModRM = explicitModRM || selectors[.reg] != nil || selectors[.mod] != nil || selectors[.rm] != nil
            || !methods.isDisjoint(with: modrmMethods) || flags.contains(.vsib) || flags.contains(.vsibHalf)
        if hasModRM { flags.insert(.hasModRM) }
        if !methods.isDisjoint(with: [.vvvvGPR, .vvvvVector, .maskVVVV, .tileVVVV]) { flags.insert(.usesVVVV) }
        if methods.contains(.vvvvVector) { flags.insert(.usesV2) }
        if !methods.isDisjoint(with: [.maskReg, .maskVVVV, .maskRM, .maskRMOrMemory, .tileReg, .tileRM, .tileVVVV]) { flags.insert(.maskOperand) }
        if !methods.isDisjoint(with: [.controlReg, .debugReg]) { flags.insert(.modIgnored) }
        if methods.contains(.memoryOnly) || flags.contains(.vsib) || flags.contains(.vsibHalf) {
            flags.insert(.memoryOnly)
            if selectors[.mod] == 1 { throw MapError(location, "memory-only operand on a 'reg' line") }
            selectors[.mod] = 0
        }
        if !flags.contains(.modIgnored), !methods.isDisjoint(with: [.mmxRM, .gprRM, .vectorRM, .maskRM, .tileRM]) {
            flags.insert(.registerOnly)
            if selectors[.mod] == 0 { throw MapError(location, "register-only operand on a 'mem' line") }
            selectors[.mod] = 1
        }
        if selectors[.rm] != nil, selectors[.mod] == nil, !flags.contains(.modIgnored) {
            throw MapError(location, "rm=N needs 'reg' (register N) or 'mem' (rm = 4: a SIB byte is required)")
        }
        if map == .amd3DNow, selectors.isEmpty == false {
            throw MapError(location, "3dnow lines take no selectors (the opcode is the suffix byte)")
        }
        let immediate = try immediateKind(operands, location: location)

        var result: [MapLine] = []
        for i in 0..<(plusR ? 8 : 1) {
            result.append(
                MapLine(
                    file: file, lineNumber: number, map: map, opcode: opcode &+ UInt8(i), selectors: selectors,
                    hasModRM: hasModRM, mnemonic: mnemonic, operands: operands, immediate: immediate, flags: flags,
                    tuple: tuple))
        }
        if plusR && opcode & 7 != 0 { throw MapError(location, "XX+r needs XX with the low three bits clear") }
        if plusR && hasModRM { throw MapError(location, "XX+r forms have no ModRM byte") }
        return result
    }

    static func parseOpcode(_ token: Substring, location: String) throws -> (UInt8, Bool) {
        var hex = token
        var plusR = false
        if hex.hasSuffix("+r") {
            plusR = true
            hex = hex.dropLast(2)
        }
        guard hex.count == 2, let value = UInt8(hex, radix: 16) else {
            throw MapError(location, "bad opcode '\(token)' (two hex digits, optionally +r)")
        }
        return (value, plusR)
    }

    static func parseOperand(_ raw: Substring, location: String) throws -> OperandSpec {
        let token = String(raw.trimmingSpaces)
        if token.isEmpty { throw MapError(location, "empty operand") }
        if let fixed = OperandMethod.fixed[token] {
            return OperandSpec(method: fixed, type: fixed == .immediateSignExtended ? .b : .none)
        }
        for (spelling, method) in OperandMethod.spellings where token.hasPrefix(spelling) {
            let rest = String(token.dropFirst(spelling.count))
            guard let type = OperandType.spellings[rest] else { continue }
            let untyped: Set<OperandMethod> = [.boundReg, .boundRMOrMemory, .memoryOnly, .maskReg, .maskVVVV, .maskRM, .maskRMOrMemory, .tileReg, .tileRM, .tileVVVV]
            if type == .none && !untyped.contains(method) {
                throw MapError(location, "operand '\(token)' needs a type")
            }
            return OperandSpec(method: method, type: type)
        }
        throw MapError(location, "unknown operand '\(token)'")
    }

    /// The immediate layout follows from the immediate-like operands, in order.
    static func immediateKind(_ operands: [OperandSpec], location: String) throws -> ImmediateKind {
        var imms: [String] = []
        for op in operands {
            switch op.method {
            case .immediate:
                switch op.type {
                case .b: imms.append("b")
                case .w: imms.append("w")
                case .d: imms.append("d")
                case .z: imms.append("z")
                case .v: imms.append("v")
                default: throw MapError(location, "immediate type must be b, w, d, z or v")
                }
            case .immediateSignExtended: imms.append("b")
            case .is4Vector: if !imms.contains("is4") { imms.append("is4") }
            case .relative:
                guard op.type == .b || op.type == .z else { throw MapError(location, "relative type must be b or z") }
                imms.append(op.type == .b ? "jb" : "jz")
            case .farPointer: imms.append("ap")
            case .moffs: imms.append("moffs")
            default: break
            }
        }
        // An is4 register shares its byte with an Ib (VPERMIL2PS's imm4).
        if imms.contains("is4") { imms.removeAll { $0 == "is4" || $0 == "b" }; imms.append("b") }
        switch imms {
        case []: return .none
        case ["b"]: return .ib
        case ["w"]: return .iw
        case ["d"]: return .id
        case ["z"]: return .iz
        case ["v"]: return .iv
        case ["w", "b"]: return .iwIb
        case ["b", "b"]: return .ibIb
        case ["ap"]: return .farPointer
        case ["moffs"]: return .moffs
        case ["jb"]: return .jb
        case ["jz"]: return .jz
        default: throw MapError(location, "unsupported immediate combination \(imms)")
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return s
    }
}

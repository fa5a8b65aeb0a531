import CNativeSandbox

/// The CPU the native oracles run on, from CPUID: recorded on every native result, because AMD
/// and Intel (and generations of each) differ in lengths, #UD and undefined flags.
public struct HostCPU: Codable, Sendable, Equatable, CustomStringConvertible {
    /// CPUID vendor string: `AuthenticAMD`, `GenuineIntel`.
    public var vendor: String
    /// Display family and model (base plus extended fields, as the manuals combine them).
    public var family: Int
    public var model: Int
    public var stepping: Int
    /// The brand string (`AMD EPYC …`), trimmed.
    public var name: String

    public static let current = HostCPU()

    /// CPUID on this CPU: EAX, EBX, ECX, EDX.
    public static func cpuid(_ leaf: UInt32, _ sub: UInt32 = 0) -> [UInt32] {
        var out: [UInt32] = [0, 0, 0, 0]
        out.withUnsafeMutableBufferPointer { cnativesandbox_cpuid(leaf, sub, $0.baseAddress) }
        return out
    }

    init() {
        func text(_ words: [UInt32]) -> String {
            var bytes: [UInt8] = []
            for w in words { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: w >> (8 * UInt32(k)))) } }
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let leaf0 = Self.cpuid(0)
        vendor = text([leaf0[1], leaf0[3], leaf0[2]])
        let sig = Self.cpuid(1)[0]
        let baseFamily = Int(sig >> 8 & 0xF), baseModel = Int(sig >> 4 & 0xF)
        family = baseFamily == 0xF ? baseFamily + Int(sig >> 20 & 0xFF) : baseFamily
        model = baseFamily == 0x6 || baseFamily == 0xF ? baseModel | Int(sig >> 16 & 0xF) << 4 : baseModel
        stepping = Int(sig & 0xF)
        var brand = ""
        if Self.cpuid(0x8000_0000)[0] >= 0x8000_0004 {
            brand = text(Self.cpuid(0x8000_0002) + Self.cpuid(0x8000_0003) + Self.cpuid(0x8000_0004))
        }
        name = brand.trimmed(" ")
    }

    /// `AuthenticAMD family 25 model 17 stepping 1 (AMD EPYC)`.
    public var description: String { "\(vendor) family \(family) model \(model) stepping \(stepping)" + (name.isEmpty ? "" : " (\(name))") }

    public var isAMD: Bool { vendor == "AuthenticAMD" }

    /// FSGSBASE usable from user mode (AT_HWCAP2): FS/GS bases can be loaded and read.
    public static let hasFSGSBase = cnativesandbox_host_has_fsgsbase() != 0
}

extension String {
    fileprivate func trimmed(_ set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

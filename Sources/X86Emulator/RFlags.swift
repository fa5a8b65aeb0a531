/// RFLAGS bits and the parity table.
///
/// Flags are computed eagerly by each instruction family (see the `Execute+*.swift` files for
/// which flags each defines and which the SDM leaves undefined). PF always comes from
/// `parityTable`: the value is PF's own bit (0x04) when the low byte has an even number of ones.
public enum RFlags {
    public static let carry: UInt64 = 1 << 0
    public static let fixed: UInt64 = 1 << 1  // reads as 1
    public static let parity: UInt64 = 1 << 2
    public static let adjust: UInt64 = 1 << 4
    public static let zero: UInt64 = 1 << 6
    public static let sign: UInt64 = 1 << 7
    public static let trap: UInt64 = 1 << 8
    public static let interrupt: UInt64 = 1 << 9
    public static let direction: UInt64 = 1 << 10
    public static let overflow: UInt64 = 1 << 11
    public static let iopl: UInt64 = 3 << 12
    public static let nestedTask: UInt64 = 1 << 14
    public static let resume: UInt64 = 1 << 16
    public static let virtual8086: UInt64 = 1 << 17
    public static let alignmentCheck: UInt64 = 1 << 18
    public static let virtualInterrupt: UInt64 = 1 << 19
    public static let virtualInterruptPending: UInt64 = 1 << 20
    public static let id: UInt64 = 1 << 21

    /// The six arithmetic status flags.
    public static let status: UInt64 = carry | parity | adjust | zero | sign | overflow
    /// What POPF may change at CPL3 with IOPL 0 (IF, IOPL, VM, VIF, VIP, RF stay).
    public static let popfWritableCPL3: UInt64 = status | trap | direction | overflow | nestedTask | alignmentCheck | id

    /// PF for each value of the low result byte (0x04 when the byte has even parity).
    public static let parityTable: InlineArray<256, UInt8> = [
        4, 0, 0, 4, 0, 4, 4, 0, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 4, 0, 0, 4, 0, 4, 4, 0,
        0, 4, 4, 0, 4, 0, 0, 4, 4, 0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 0, 4, 4, 0, 4, 0, 0, 4,
        0, 4, 4, 0, 4, 0, 0, 4, 4, 0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 0, 4, 4, 0, 4, 0, 0, 4,
        4, 0, 0, 4, 0, 4, 4, 0, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 4, 0, 0, 4, 0, 4, 4, 0,
        0, 4, 4, 0, 4, 0, 0, 4, 4, 0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 0, 4, 4, 0, 4, 0, 0, 4,
        4, 0, 0, 4, 0, 4, 4, 0, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 4, 0, 0, 4, 0, 4, 4, 0,
        4, 0, 0, 4, 0, 4, 4, 0, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 4, 0, 0, 4, 0, 4, 4, 0,
        0, 4, 4, 0, 4, 0, 0, 4, 4, 0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 0, 4, 4, 0, 4, 0, 0, 4,
    ]

    @inline(__always) public static func pf(_ result: UInt64) -> UInt64 {
        UInt64(parityTable[Int(result & 0xFF)])
    }

    /// ZF, SF and PF of a result of `size` bytes.
    @inline(__always) public static func szp(_ result: UInt64, size: Int) -> UInt64 {
        let r = result & Width.mask(size)
        return (r == 0 ? zero : 0) | (r & Width.sign(size) != 0 ? sign : 0) | pf(r)
    }
}

/// Operand-width helpers (sizes in bytes: 1, 2, 4, 8).
public enum Width {
    @inline(__always) public static func mask(_ size: Int) -> UInt64 {
        size >= 8 ? ~0 : (1 << UInt64(size * 8)) &- 1
    }
    @inline(__always) public static func sign(_ size: Int) -> UInt64 { 1 << UInt64(size * 8 - 1) }
    @inline(__always) public static func bits(_ size: Int) -> UInt64 { UInt64(size * 8) }
    /// Sign-extends the low `size` bytes of `v` to 64 bits.
    @inline(__always) public static func signExtend(_ v: UInt64, _ size: Int) -> UInt64 {
        if size >= 8 { return v }
        let s = UInt64(64 - size * 8)
        return UInt64(bitPattern: Int64(bitPattern: v << s) >> s)
    }
}

/// Result and status flags of the basic arithmetic, for operands of `size` bytes (the inputs
/// already masked to the size). Every flag here is architecturally defined.
public enum FlagMath {
    /// ADD/ADC: CF carry out, OF signed overflow, AF carry out of bit 3, SF ZF PF of the result.
    @inline(__always) public static func add(_ a: UInt64, _ b: UInt64, carry: Bool, size: Int) -> (UInt64, UInt64) {
        let m = Width.mask(size)
        let c: UInt64 = carry ? 1 : 0
        let r = (a &+ b &+ c) & m
        let cf = carry ? r <= a : r < a
        var f = RFlags.szp(r, size: size) | (a ^ b ^ r) & RFlags.adjust
        if cf { f |= RFlags.carry }
        if (~(a ^ b) & (a ^ r)) & Width.sign(size) != 0 { f |= RFlags.overflow }
        return (r, f)
    }

    /// SUB/SBB/CMP/NEG: CF borrow, OF signed overflow, AF borrow from bit 4.
    @inline(__always) public static func sub(_ a: UInt64, _ b: UInt64, borrow: Bool, size: Int) -> (UInt64, UInt64) {
        let m = Width.mask(size)
        let c: UInt64 = borrow ? 1 : 0
        let r = (a &- b &- c) & m
        let cf = borrow ? a <= b : a < b
        var f = RFlags.szp(r, size: size) | (a ^ b ^ r) & RFlags.adjust
        if cf { f |= RFlags.carry }
        if ((a ^ b) & (a ^ r)) & Width.sign(size) != 0 { f |= RFlags.overflow }
        return (r, f)
    }

    /// AND/OR/XOR/TEST: CF = OF = 0, SF ZF PF of the result; AF is undefined (both profiles
    /// clear it: measured on the AMD host, and Intel's observed behaviour).
    @inline(__always) public static func logic(_ r: UInt64, size: Int) -> UInt64 {
        RFlags.szp(r, size: size)
    }
}

import Testing
import X86Decoder

/// Operand fixes found by fuzz-differential (Corpus/fuzz/differential-buckets.tsv), each checked
/// against the SDM and agreed by Capstone and Zydis.
extension OperandTests {
    @Test func addressSizedRegisterOfMovdir64bAndEnqcmd() {
        #expect(register(decode("660f38f800"), 0) == "rax")  // movdir64b rax, [rax]
        #expect(register(decode("67f20f38f800"), 0) == "eax")  // enqcmd eax, [eax]
        #expect(register(decode("66f20f38f800", mode: .bits16), 0) == "ax", "66 does not change it")
        #expect(register(decode("67f30f38f800", mode: .bits16), 0) == "eax")
    }

    @Test func larLslSourceIsR32OrM16() {
        #expect(register(decode("0f02c3"), 1) == "ebx")  // lar eax, ebx
        #expect(register(decode("480f02c3"), 1) == "ebx", "REX.W: LAR r64, r32/m16")
        #expect(register(decode("660f03c3"), 1) == "bx")
        #expect(memory(decode("480f0300"), 1)?.size == 2)
    }

    @Test func sizesFollowingTheSDM() {
        #expect(register(decode("480fc4c100"), 1) == "ecx", "PINSRW mm, r32/m16: REX.W ignored")
        #expect(register(decode("660fcb"), 0) == "bx", "BSWAP with 66 names the 16-bit register")
        #expect(register(decode("0fcb", mode: .bits16), 0) == "bx")
        #expect(register(decode("6663c0"), 0) == "ax" && memory(decode("666300"), 1)?.size == 4,
                "66 63: 16-bit destination, 32-bit source (Zen 4 reads m32)")
        #expect(register(decode("480fb9c0"), 0) == "eax", "UD1 r32, r/m32")
        #expect(register(decode("660f388000"), 0) == "rax", "INVEPT r64 in 64-bit mode")
        #expect(register(decode("660f388000", mode: .bits32), 0) == "eax")
    }

    @Test func memorySizesFollowingTheSDM() {
        #expect(memory(decode("660f1b00", mode: .bits32), 0)?.size == 8, "BNDMOV m64 outside 64-bit mode")
        #expect(memory(decode("660f1b00"), 0)?.size == 16)
        #expect(memory(decode("f30f1a00"), 1)?.size == 0, "BNDCL checks an address: unsized like LEA")
        #expect(memory(decode("62f27d2c920c86", mode: .bits32), 1)?.size == 4, "EVEX VGATHERDPS: one dword element")
        #expect(memory(decode("62f1ff08127b01", mode: .bits32), 1)?.size == 8, "EVEX.128 VMOVDDUP m64")
        #expect(memory(decode("f30f38dc00"), 1)?.size == 48, "AESENC128KL m384")
        #expect(memory(decode("f30f38de00"), 1)?.size == 64, "AESENC256KL m512")
    }

    @Test func mpxIgnores67In64BitMode() {
        #expect(memory(decode("67f30f1b00"), 1)?.base?.name == "rax", "BNDMK: LEA.64_bits in 64-bit mode")
        #expect(memory(decode("67f30f1b00", vendor: .amd), 0)?.base?.name == "eax", "AMD: a hint NOP, 67 applies")
    }

    @Test func vpermil2ImmediateIsTheLowNibble() {
        let i = decode("c4e3f94862f27d08bd7d0837")  // vpermil2ps xmm4, xmm0, xmm7, [rdx - 0xe], 0xd
        #expect(register(i, 2) == "xmm7")
        #expect(immediate(i, 4).map { $0.0 } == 0xD)
    }
}

import Foundation

/// Reads the `.text` section of 64-bit little-endian ELF files: the code the sweep and the
/// benchmark's "text" workload decode. Files that are not such ELF files are skipped.
public enum ELFText {
    /// The `.text` bytes of one file, or nil when it is not an ELF64 LE file with a .text.
    public static func text(ofFile path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path), data.count > 64 else { return nil }
        return data.withUnsafeBytes { raw -> [UInt8]? in
            let b = raw.bindMemory(to: UInt8.self)
            guard b[0] == 0x7F, b[1] == 0x45, b[2] == 0x4C, b[3] == 0x46, b[4] == 2, b[5] == 1 else { return nil }
            func u16(_ o: Int) -> Int { o + 2 <= b.count ? Int(b[o]) | Int(b[o + 1]) << 8 : 0 }
            func u32(_ o: Int) -> Int { o + 4 <= b.count ? u16(o) | u16(o + 2) << 16 : 0 }
            func u64(_ o: Int) -> Int { o + 8 <= b.count ? u32(o) | u32(o + 4) << 32 : 0 }
            let shoff = u64(0x28), shentsize = u16(0x3A), shnum = u16(0x3C), shstrndx = u16(0x3E)
            guard shoff > 0, shentsize >= 64, shnum > 0, shstrndx < shnum, shoff + shnum * shentsize <= b.count else { return nil }
            let strOffset = u64(shoff + shstrndx * shentsize + 0x18)
            for i in 0..<shnum {
                let sh = shoff + i * shentsize
                let nameOffset = strOffset + u32(sh)
                let type = u32(sh + 4)
                guard type == 1, nameOffset + 6 <= b.count else { continue }  // SHT_PROGBITS
                let name = Array(b[nameOffset..<nameOffset + 6])
                guard name == Array(".text\0".utf8) else { continue }
                let offset = u64(sh + 0x18), size = u64(sh + 0x20)
                guard size > 0, offset + size <= b.count else { return nil }
                return Array(b[offset..<offset + size])
            }
            return nil
        }
    }

    /// Regular files under `roots` (recursively, not following links), sorted, at most `limit`.
    public static func files(under roots: [String], limit: Int = .max) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for root in roots {
            guard let e = fm.enumerator(atPath: root) else { continue }
            while let rel = e.nextObject() as? String {
                let path = root + "/" + rel
                guard let attrs = try? fm.attributesOfItem(atPath: path),
                    attrs[.type] as? FileAttributeType == .typeRegular,
                    let size = attrs[.size] as? Int, size > 64
                else { continue }
                out.append(path)
            }
        }
        return Array(out.sorted().prefix(limit))
    }

    /// Concatenated .text of the files under `roots`, up to `maxBytes`, with the files used.
    public static func corpus(roots: [String], maxBytes: Int) -> (bytes: [UInt8], files: Int) {
        var bytes: [UInt8] = []
        var used = 0
        for path in files(under: roots) {
            guard let t = text(ofFile: path) else { continue }
            bytes += t.prefix(maxBytes - bytes.count)
            used += 1
            if bytes.count >= maxBytes { break }
        }
        return (bytes, used)
    }
}

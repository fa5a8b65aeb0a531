#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signatures a long local run does not stop on: the file named by `FUZZ_SKIP`, one signature a
/// line (`#` comments). `Scripts/fuzz.sh --skip-known` writes it from the stored regression cases
/// so that a run keeps looking for new failures while reported ones wait for their fix. Empty
/// (nothing skipped) when the variable is unset: OSS-Fuzz, the nightly run and the regression
/// tests never skip.
public enum FuzzSkipList {
    public static let signatures: Set<String> = {
        guard let path = getenv("FUZZ_SKIP"), let f = fopen(path, "r") else { return [] }
        defer { fclose(f) }
        var out = Set<String>()
        var line = [CChar](repeating: 0, count: 1024)
        while fgets(&line, 1024, f) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let trimmed = String(text.prefix { $0 != "\n" })
            if !trimmed.isEmpty && !trimmed.hasPrefix("#") { out.insert(trimmed) }
        }
        return out
    }()

    public static func skips(_ signature: String) -> Bool { !signatures.isEmpty && signatures.contains(signature) }
}

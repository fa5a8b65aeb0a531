import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that a crash or SIGKILL can never leave half done: the data goes to a
/// temporary file in the same folder (`.<name>.tmp-<pid>-<n>`, never `*.json`), is flushed
/// with fsync, then renamed over the target (rename(2) is atomic within a file system).
/// Readers see the old file or the new one. Leftover temporaries from a killed writer are
/// removed by `removeStaleTemporaries`.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()

    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        lock.lock()
        counter += 1
        let n = counter
        lock.unlock()
        let temp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(n)"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(description: "cannot create \(temp): \(String(cString: strerror(errno)))") }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let r = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if r < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    return
                }
                offset += r
            }
        }
        if ok && fsync(fd) != 0 { ok = false }
        let error = String(cString: strerror(errno))
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            unlink(temp)
            throw WriteError(description: "cannot write \(path): \(error)")
        }
    }

    /// Encodes `value` as pretty-printed JSON with sorted keys and writes it atomically.
    public static func writeJSON(_ value: some Encodable, to path: String) throws {
        try write(encoder.encode(value) + Data([0x0A]), to: path)
    }

    public static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Deletes `.*.tmp-*` files under `root` (left by a writer that was killed).
    public static func removeStaleTemporaries(under root: String) {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return }
        for case let rel as String in walker {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") && name.contains(".tmp-") { try? FileManager.default.removeItem(atPath: root + "/" + rel) }
        }
    }
}

/// write(2), named apart from `AtomicFile.write`.
@inline(__always)
func systemWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, pointer, count)
    #else
    Darwin.write(fd, pointer, count)
    #endif
}

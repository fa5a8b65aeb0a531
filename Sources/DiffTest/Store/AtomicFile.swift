import CNativeSandbox
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
        let temp = try writeTemporary(data, for: path, sync: true)
        try commit(temp, to: path)
    }

    /// Writes `data` to a fresh temporary beside `path` (fsync'd when `sync`); returns its path.
    static func writeTemporary(_ data: Data, for path: String, sync: Bool) throws -> String {
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
        if ok && sync && fsync(fd) != 0 { ok = false }
        let error = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(temp)
            throw WriteError(description: "cannot write \(path): \(error)")
        }
        return temp
    }

    /// Renames a written temporary over its target.
    static func commit(_ temp: String, to path: String) throws {
        guard rename(temp, path) == 0 else {
            let error = String(cString: strerror(errno))
            unlink(temp)
            throw WriteError(description: "cannot write \(path): \(error)")
        }
    }

    /// Atomic writes made durable together: each file goes to its temporary without an fsync
    /// of its own; `commit` flushes the file system once (syncfs(2)) and then renames every
    /// temporary over its target. The guarantee is `write`'s (readers, a SIGKILL or a power
    /// loss see the old file or the complete new one: no rename happens before the data is on
    /// disk), at one flush per group instead of one per file. A campaign commits one group per
    /// batch, before it prints the batch's new buckets. Not for use from several threads.
    public final class Group {
        private var pending: [(temp: String, path: String)] = []
        /// A folder on the file system the files are written to (for syncfs).
        public let root: String

        public init(root: String) { self.root = root }

        public var isEmpty: Bool { pending.isEmpty }

        /// The target exists or is pending in this group.
        public func exists(_ path: String) -> Bool {
            pending.contains { $0.path == path } || FileManager.default.fileExists(atPath: path)
        }

        public func write(_ data: Data, to path: String) throws {
            pending.append((try writeTemporary(data, for: path, sync: false), path))
        }

        public func writeJSON(_ value: some Encodable, to path: String) throws {
            try write(encoder.encode(value) + Data([0x0A]), to: path)
        }

        /// Flushes and renames everything written since the last commit. On a failed flush
        /// nothing is renamed (the temporaries are removed) and the error is thrown.
        public func commit() throws {
            guard !pending.isEmpty else { return }
            let files = pending
            pending.removeAll()
            let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            let synced = fd >= 0 && cnativesandbox_syncfs(fd) == 0
            let error = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            guard synced else {
                for f in files { unlink(f.temp) }
                throw WriteError(description: "cannot flush \(root): \(error)")
            }
            var firstError: Error?
            for f in files {
                do { try AtomicFile.commit(f.temp, to: f.path) } catch { firstError = firstError ?? error }
            }
            if let firstError { throw firstError }
        }

        deinit {
            for f in pending { unlink(f.temp) }
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

import CNativeSandbox
import Glibc

/// Owns one running sandbox child (the C target CNativeSandbox): spawns it, sends it batches of
/// cases, and is its watchdog. A child that does not answer within `timeoutNanoseconds` is
/// killed and re-forked; one that dies is re-forked. Either way the case it was running gets a
/// `.killed` verdict (and a `Casualty` record), and the cases after it run on the new child.
///
/// The harness process never executes case bytes: only the child does. One instance is used
/// by one thread.
public final class NativeSandbox {
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// One case page: its address (page-aligned), protection (PROT_READ|WRITE|EXEC bits) and
    /// its contents before every case (exactly one page).
    public struct Page: Equatable, Sendable {
        public var address: UInt64
        public var prot: Int32
        public var image: [UInt8]

        public init(address: UInt64, prot: Int32, image: [UInt8]) {
            precondition(image.count == Self.size, "a page image is \(Self.size) bytes")
            self.address = address
            self.prot = prot
            self.image = image
        }

        public static let size = Int(CNATIVESANDBOX_PAGE_SIZE)
        public static let maxCount = Int(CNATIVESANDBOX_MAX_PAGES)
    }

    /// What became of one case.
    public enum Verdict {
        /// The child answered; the pointer is valid only during the callback.
        case finished(UnsafePointer<cnativesandbox_result>)
        /// The case hung or killed the child; the child was replaced.
        case killed(String)
    }

    /// A case that hung or killed the child, kept for the campaign to record as a finding.
    public struct Casualty {
        public var request: cnativesandbox_case
        public var reason: String
    }

    var handle = cnativesandbox_handle()
    var pages: [Page] = []
    var pagesSent = false
    /// How long the child may take for one case before the watchdog kills it.
    public var timeoutNanoseconds: UInt64 = 500_000_000
    public private(set) var respawns = 0
    /// The most recent casualties (at most `maxCasualties`).
    public private(set) var casualties: [Casualty] = []
    public var maxCasualties = 1000
    public private(set) var totalCasualties = 0
    public static let batchSize = Int(CNATIVESANDBOX_BATCH)

    public init() throws(SetupError) {
        try spawn()
    }

    deinit { shutDown() }

    /// The child's process id (tests use it to check the child was replaced).
    public var pid: Int32 { handle.pid }
    public var hasFSGSBase: Bool { handle.control?.pointee.has_fsgsbase != 0 }

    func spawn() throws(SetupError) {
        var stage: UnsafePointer<CChar>?
        let e = cnativesandbox_spawn(&handle, &stage)
        guard e == 0 else {
            let step = stage.map { String(cString: $0) } ?? "?"
            let why = e >= 1000 ? "child set-up step \(e - 1000) failed" : Syscalls.message(e)
            throw SetupError(description: "native sandbox: \(step): \(why)")
        }
        pagesSent = false
    }

    /// Kills the child (if running) and releases the shared block.
    func shutDown() {
        if handle.pid > 0 {
            try? Syscalls.kill(handle.pid, SIGKILL)
            _ = try? Syscalls.waitpid(handle.pid)
        }
        handle.pid = -1
        releaseShared()
    }

    func releaseShared() {
        if let shared = handle.shared {
            try? Syscalls.munmap(shared, Int(handle.shared_size))
            handle.shared = nil
        }
        if handle.memfd > 0 {
            try? Syscalls.close(handle.memfd)
            handle.memfd = -1
        }
    }

    /// Sets the case pages for the following cases (cheap when unchanged).
    public func setPages(_ newPages: [Page]) {
        precondition(newPages.count <= Page.maxCount, "at most \(Page.maxCount) case pages")
        if newPages != pages {
            pages = newPages
            pagesSent = false
        }
    }

    func sendPages() {
        let control = handle.control!
        control.pointee.page_count = UInt32(pages.count)
        withUnsafeMutableBytes(of: &control.pointee.pages) { raw in
            let list = raw.bindMemory(to: cnativesandbox_page.self)
            for (i, p) in pages.enumerated() {
                list[i] = cnativesandbox_page(address: p.address, prot: UInt32(p.prot), reserved: 0)
            }
        }
        for (i, p) in pages.enumerated() {
            p.image.withUnsafeBytes { src in
                (handle.images + i * Page.size).update(from: src.baseAddress!.assumingMemoryBound(to: UInt8.self), count: Page.size)
                (handle.slots + i * Page.size).update(from: src.baseAddress!.assumingMemoryBound(to: UInt8.self), count: Page.size)
            }
        }
        pagesSent = true
    }

    /// The live contents of case page `index` (as the last case left it, before the child
    /// restores it at the next case).
    public func pageContents(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: handle.slots + index * Page.size, count: Page.size)
    }

    /// Runs `cases` in order (in batches), calling `body(index, verdict)` for each.
    public func run(_ cases: UnsafeBufferPointer<cnativesandbox_case>, _ body: (Int, Verdict) -> Void) {
        var start = 0
        var idleRetries = 0
        while start < cases.count {
            guard handle.pid > 0 else {
                // The sandbox could not be re-forked: everything left is reported, nothing runs.
                for i in start..<cases.count { body(i, .killed("native sandbox is not running (re-fork failed)")) }
                return
            }
            let count = min(Self.batchSize, cases.count - start)
            handle.cases.update(from: cases.baseAddress! + start, count: count)
            if !pagesSent { sendPages() }
            cnativesandbox_submit(&handle, UInt32(count))
            var status: Int32 = 0
            let w = cnativesandbox_wait(&handle, timeoutNanoseconds, &status)
            if w == Int32(CNATIVESANDBOX_WAIT_DONE) {
                for i in 0..<count { body(start + i, .finished(handle.results + i)) }
                start += count
                continue
            }
            let current = Int(handle.control.pointee.current)
            let reason: String
            if w == Int32(CNATIVESANDBOX_WAIT_TIMEOUT) {
                reason = "no answer within \(timeoutNanoseconds / 1_000_000) ms: the sandbox was killed and re-forked"
                try? Syscalls.kill(handle.pid, SIGKILL)
                status = (try? Syscalls.waitpid(handle.pid)) ?? 0
            } else {
                reason = "the sandbox \(Syscalls.describe(waitStatus: status)); re-forked"
            }
            let started = current != Int(UInt32.max) && current < count
            if started {
                for i in 0..<current { body(start + i, .finished(handle.results + i)) }
            }
            handle.pid = -1
            releaseShared()
            respawns += 1
            do { try spawn() } catch { handle.pid = -1 }
            if started {
                let victim = cases[start + current]
                totalCasualties += 1
                if casualties.count >= maxCasualties { casualties.removeFirst() }
                casualties.append(Casualty(request: victim, reason: reason))
                body(start + current, .killed(reason))
                start += current + 1
                idleRetries = 0
            } else {
                // Died before it took the batch (e.g. its parent thread ended): run it again.
                idleRetries += 1
                if idleRetries > 3 {
                    for i in start..<cases.count { body(i, .killed(reason)) }
                    return
                }
            }
        }
    }
}

extension cnativesandbox_case {
    /// A case with `bytes` (at most 16) and zeroed registers.
    public init(op: Int32, flags: Int32 = 0, length: Int, bytes: some Collection<UInt8>) {
        self.init()
        self.op = UInt32(op)
        self.flags = UInt32(flags)
        self.length = UInt32(length)
        withUnsafeMutableBytes(of: &self.bytes) { raw in
            for (i, b) in bytes.prefix(16).enumerated() { raw[i] = b }
        }
    }
}

extension cnativesandbox_result {
    /// The recorded byte writes, in the order the child found them (address order per page).
    public var writtenBytes: [(address: UInt64, byte: UInt8)] {
        var out: [(address: UInt64, byte: UInt8)] = []
        var r = self
        let n = Int(write_count)
        withUnsafeBytes(of: &r.write_address) { a in
            withUnsafeBytes(of: &r.write_byte) { b in
                let addresses = a.bindMemory(to: UInt64.self)
                for i in 0..<n { out.append((addresses[i], b[i])) }
            }
        }
        return out
    }
}

extension cnativesandbox_regs {
    public subscript(gpr n: Int) -> UInt64 {
        get { withUnsafeBytes(of: gpr) { $0.load(fromByteOffset: n * 8, as: UInt64.self) } }
        set { withUnsafeMutableBytes(of: &gpr) { $0.storeBytes(of: newValue, toByteOffset: n * 8, as: UInt64.self) } }
    }

    public subscript(selector n: Int) -> UInt16 {
        get { withUnsafeBytes(of: selectors) { $0.load(fromByteOffset: n * 2, as: UInt16.self) } }
        set { withUnsafeMutableBytes(of: &selectors) { $0.storeBytes(of: newValue, toByteOffset: n * 2, as: UInt16.self) } }
    }
}

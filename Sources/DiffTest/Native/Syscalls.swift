import Glibc

/// The system calls the harness makes from Swift for the native sandbox, in one place: EINTR is
/// retried here once for all callers, and a failure comes back as a typed `Errno` instead of a
/// global `errno` read later. (Forking, futexes and everything the child does live in the C
/// target CNativeSandbox; see its header for why.)
enum Syscalls {
    /// An errno value with the call that produced it.
    struct Errno: Error, CustomStringConvertible, Equatable {
        var code: Int32
        var call: String

        var description: String { "\(call): \(String(cString: strerror(code))) (errno \(code))" }
    }

    /// Retries `body` while it fails with EINTR; any other failure (-1) becomes `Errno`.
    @discardableResult
    static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(Errno) -> T {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = errno
            if e == EINTR { continue }
            throw Errno(code: e, call: call)
        }
    }

    static func kill(_ pid: pid_t, _ signal: Int32) throws(Errno) {
        try retrying("kill") { Glibc.kill(pid, signal) }
    }

    /// Waits for `pid` to end (blocking); returns the raw wait status.
    static func waitpid(_ pid: pid_t) throws(Errno) -> Int32 {
        var status: Int32 = 0
        try retrying("waitpid") { Glibc.waitpid(pid, &status, 0) }
        return status
    }

    static func munmap(_ address: UnsafeMutableRawPointer, _ length: Int) throws(Errno) {
        try retrying("munmap") { Glibc.munmap(address, length) }
    }

    static func close(_ fd: Int32) throws(Errno) {
        // close is not retried on EINTR (Linux releases the descriptor anyway).
        if Glibc.close(fd) == -1 && errno != EINTR { throw Errno(code: errno, call: "close") }
    }

    /// Text for an errno value returned (not set) by a C function.
    static func message(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// "killed by SIGKILL", "exited with status 3".
    static func describe(waitStatus s: Int32) -> String {
        let signal = s & 0x7F
        if signal == 0 { return "exited with status \((s >> 8) & 0xFF)" }
        return "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
    }
}

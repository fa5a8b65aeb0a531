#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a fuzz target ends an input that failed a check: a crash (`fatalError`: libFuzzer saves
/// the input and prints the stack), or, with `FUZZ_REPORT_ONLY=1` in the environment, the same
/// report on standard error and on to the next input. The report-only mode lets
/// `Scripts/fuzz.sh` read the signatures of hundreds of crash files in one process
/// (`fuzz-<target> -runs=1 FILE...` prints `Running: FILE` before each).
public enum FuzzReport {
    public static let reportOnly: Bool = getenv("FUZZ_REPORT_ONLY").map { String(cString: $0) == "1" } ?? false

    /// Reports a failed input; returns only in report-only mode.
    public static func fail(_ report: String) {
        if reportOnly {
            var text = report + "\n"
            text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
            return
        }
        fatalError(report)
    }
}

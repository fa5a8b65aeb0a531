import Foundation
import X86Decoder

@testable import DiffTest

/// A decode oracle with a planted bug, for tests that must not depend on which real oracle
/// bugs are registered: it answers like the project decoder except that instructions whose
/// opcode byte (map legacy) is `opcode` come out one byte longer.
final class PlantedBugOracle: DecodeOracle {
    let name: String
    let version = "test"
    let opcode: UInt8?
    let project = ProjectOracle()

    init(name: String, opcode: UInt8?) {
        self.name = name
        self.opcode = opcode
    }

    func decode(_ bytes: [UInt8], mode: Mode, vendor: Vendor, address: UInt64) -> DecodeAnswer {
        var a = project.decode(bytes, mode: mode, vendor: vendor, address: address)
        let probe = X86Decoder(mode: mode, vendor: vendor).probe(bytes)
        if let opcode, a.valid, probe.opcodeKnown, probe.map == .legacy, probe.opcode == opcode {
            a.length = (a.length ?? 0) + 1
        }
        return a
    }

    func length(_ bytes: UnsafeRawBufferPointer, mode: Mode, vendor: Vendor) -> Int? {
        decode(Array(bytes), mode: mode, vendor: vendor, address: 0).length
    }
}

enum TestPaths {
    /// A fresh empty folder under the temporary directory.
    static func temporaryFolder(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "difftest-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The built `difftest` executable next to the test bundle, if `swift build` made it.
    static var difftestExecutable: String? {
        var candidates: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent()) }
        for dir in candidates {
            let path = dir.appendingPathComponent("difftest").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Every *.json file under `root`.
    static func jsonFiles(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        for case let rel as String in walker where rel.hasSuffix(".json") { out.append(root + "/" + rel) }
        return out.sorted()
    }
}

import Foundation
import FuzzChecks
import X86Decoder
import X86OpcodeMap

// fuzz-tool: the generated inputs of the fuzz targets, built by Scripts/fuzz-build.sh.
//
//   fuzz-tool dict OPMAP_DIR                 the libFuzzer dictionary, on stdout
//   fuzz-tool seeds decoder OUT TSV...       decoder/differential seeds from Corpus/vectors
//   fuzz-tool seeds emulator OUT TSV...      emulator seeds (64-bit legacy-map vectors)
//
// Not a SwiftPM target: compiled with swiftc from X86Decoder, X86OpcodeMap and FuzzChecks.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fuzz-tool: \(message)\n".utf8))
    exit(2)
}

let args = CommandLine.arguments
guard args.count >= 3 else { fail("usage: fuzz-tool dict OPMAP_DIR | seeds decoder|emulator OUT TSV...") }

switch args[1] {
case "dict":
    let dir = URL(fileURLWithPath: args[2])
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.hasSuffix(".opmap") }.sorted() ?? []
    guard !names.isEmpty else { fail("no .opmap files in \(dir.path)") }
    var parser = MapParser()
    for name in names {
        guard let text = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) else { fail("cannot read \(name)") }
        parser.parse(text, file: name)
    }
    if let e = parser.errors.first { fail("opcode map: \(e)") }
    print(FuzzDictionary.render(lines: parser.lines), terminator: "")
case "seeds":
    guard args.count >= 5 else { fail("usage: fuzz-tool seeds decoder|emulator OUT TSV...") }
    let out = URL(fileURLWithPath: args[3])
    try? FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    var vectors: [SeedVector] = []
    for path in args[4...] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
        vectors += SeedVector.parse(text, source: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
    }
    let seeds: [(String, [UInt8])]
    switch args[2] {
    case "decoder": seeds = SeedVector.decoderSeeds(vectors)
    case "emulator": seeds = SeedVector.emulatorSeeds(vectors)
    default: fail("unknown seed kind '\(args[2])' (decoder, emulator)")
    }
    for (name, bytes) in seeds {
        do { try Data(bytes).write(to: out.appendingPathComponent(name)) } catch { fail("cannot write \(name): \(error)") }
    }
    print("\(seeds.count) \(args[2]) seeds in \(out.path)")
default:
    fail("unknown command '\(args[1])'")
}

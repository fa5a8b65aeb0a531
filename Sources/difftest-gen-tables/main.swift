// Generates Sources/X86Decoder/Generated/OpcodeTables.swift from Sources/X86Decoder/OpcodeMap.
//   swift run difftest-gen-tables            regenerate
//   swift run difftest-gen-tables --check F  parse F (and the rest of the map) and report errors only
import Foundation
import X86OpcodeMap

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let mapDir = root.appendingPathComponent("Sources/X86Decoder/OpcodeMap")
let output = root.appendingPathComponent("Sources/X86Decoder/Generated/OpcodeTables.swift")
let args = Array(CommandLine.arguments.dropFirst())
let checkOnly = args.first == "--check"

var files: [(name: String, text: String)] = []
if checkOnly && args.count > 1 {
    for path in args.dropFirst() {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            FileHandle.standardError.write("error: cannot read \(path)\n".data(using: .utf8)!)
            exit(2)
        }
        files.append((URL(fileURLWithPath: path).lastPathComponent, text))
    }
} else {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: mapDir.path))?.filter { $0.hasSuffix(".opmap") }.sorted() ?? []
    for name in names {
        files.append((name, try String(contentsOf: mapDir.appendingPathComponent(name), encoding: .utf8)))
    }
}
let (lines, tables, errors) = OpcodeMapSource(files: files).build()
if !errors.isEmpty {
    for e in errors { FileHandle.standardError.write("error: \(e)\n".data(using: .utf8)!) }
    FileHandle.standardError.write("\(errors.count) error(s)\n".data(using: .utf8)!)
    exit(1)
}
let text = TableEmitter.render(tables!, lineCount: lines.count)
if checkOnly {
    print("ok: \(lines.count) lines, \(tables!.forms.count) forms, \(tables!.nodes.count) nodes")
    exit(0)
}
try text.write(to: output, atomically: true, encoding: .utf8)
print("wrote \(output.path): \(lines.count) lines, \(tables!.forms.count) forms, \(tables!.nodes.count) nodes")

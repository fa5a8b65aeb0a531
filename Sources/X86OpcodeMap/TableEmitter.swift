import X86Decoder

/// Renders built tables as the Swift source of X86Decoder/Generated/OpcodeTables.swift.
/// The tables are hex text decoded once at first use: a 30,000-element integer array literal
/// takes over 10 s to type-check, the same data as hex text well under one.
public enum TableEmitter {
    public static let banner = """
        // Generated from Sources/X86Decoder/OpcodeMap/*.opmap by difftest-gen-tables; do not edit.
        // Regenerate with `swift run difftest-gen-tables`; X86OpcodeMapTests fails when this file
        // and the map disagree.
        """

    public static func render(_ tables: TableBuilder, lineCount: Int) -> String {
        var out = banner + "\n"
        out += "// \(lineCount) map lines, \(tables.forms.count) forms, \(tables.nodes.count) nodes, \(tables.mnemonics.count) mnemonics.\n\n"
        out += "enum GeneratedTables {\n"
        out += "    static let nodeCount = \(tables.nodes.count)\n"
        out += "    static let formCount = \(tables.forms.count)\n"
        out += hexBlock("nodesHex", tables.nodes.map { UInt64($0) }, digits: 8)
        out += hexBlock("formsHex", tables.forms, digits: 16)
        out += hexBlock("operandsHex", tables.formOperands, digits: 16)
        out += "    static let mnemonicsText: StaticString = \"\"\"\n"
        for m in tables.mnemonics { out += "        \(m)\n" }
        out += "        \"\"\"\n"
        out += "}\n"
        return out
    }

    static func hexBlock(_ name: String, _ values: [UInt64], digits: Int) -> String {
        var out = "    static let \(name): StaticString = \"\"\"\n"
        let perLine = 512 / digits
        var i = 0
        while i < values.count {
            out += "        "
            for v in values[i..<min(i + perLine, values.count)] {
                let s = String(v, radix: 16)
                out += String(repeating: "0", count: digits - s.count) + s
            }
            out += "\n"
            i += perLine
        }
        out += "        \"\"\"\n"
        return out
    }
}

/// Reads every `*.opmap` file of a folder in name order and builds the tables.
public struct OpcodeMapSource {
    public var files: [(name: String, text: String)]

    public init(files: [(name: String, text: String)]) { self.files = files }

    public func build() -> (lines: [MapLine], tables: TableBuilder?, errors: [MapError]) {
        var parser = MapParser()
        for f in files { parser.parse(f.text, file: f.name) }
        if !parser.errors.isEmpty { return (parser.lines, nil, parser.errors) }
        let tables = TableBuilder(lines: parser.lines)
        return (parser.lines, tables, tables.errors)
    }
}

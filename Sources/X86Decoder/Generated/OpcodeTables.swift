enum GeneratedTables {
    static let nodeCount = 0
    static let formCount = 0
    static let nodesHex: StaticString = ""
    static let formsHex: StaticString = ""
    static let operandsHex: StaticString = ""
    static let mnemonicsText: StaticString = ""
}

/// A copy of `/proc/modules` from the crashed machine:
/// `name size refcount deps state base [taint]`, for example
/// `crashmod 16384 0 - Live 0xffffffffc0a00000 (OE)`.
public struct ProcModulesSnapshot: Sendable {
    /// One module line.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var size: UInt64
        /// The start of the module's core allocation; `.text` is placed first.
        public var base: UInt64
        public var taint: String?
    }

    /// Entries by canonical module name.
    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Parses the text; lines that are not understood go to `problems`.
    public init(text: String, problems: inout [(line: Int, text: String)]) {
        for record in SnapshotText.records(text) {
            let fields = record.fields
            guard fields.count >= 6, ModuleName.isValid(fields[0]), let size = UInt64(fields[1]),
                let base = parseHex(fields[5])
            else {
                problems.append((record.line, String(record.text)))
                continue
            }
            let taint = fields.count > 6 ? String(fields[6]) : nil
            let name = ModuleName.canonical(fields[0])
            entries[name] = Entry(name: name, size: size, base: base, taint: taint)
        }
    }

    /// The entry for a module, if present.
    public func entry(for module: String) -> Entry? { entries[ModuleName.canonical(module)] }
}

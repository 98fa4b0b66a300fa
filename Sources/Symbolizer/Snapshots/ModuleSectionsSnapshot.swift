/// Where a crashed kernel loaded each module's sections: the output of
/// `grep -r . /sys/module/*/sections/` saved from that machine.
///
/// Accepted lines:
/// - `/sys/module/MOD/sections/SECTION:0xADDR` (anything before `/sys/module/` is ignored, so a console capture with time stamps works);
/// - `MOD SECTION 0xADDR`.
/// Blank lines and lines starting with `#` are skipped.
public struct ModuleSectionsSnapshot: Sendable {
    /// Module (canonical name) → section name → address.
    public private(set) var modules: [String: [String: UInt64]] = [:]

    public init() {}

    /// Parses the snapshot text. Lines that are not understood are collected
    /// in `problems` (with their line numbers) rather than stopping the parse.
    public init(text: String, problems: inout [(line: Int, text: String)]) {
        // On the bytes: a service reads the snapshot of every request. A module's lines come
        // together: its canonical name is made once for them.
        // The module's sections are gathered aside and stored when its lines end: one lookup a
        // module, not one a line.
        var last: (module: String, canonical: String, sections: [String: UInt64])?
        func store() {
            if let last { modules[last.canonical] = last.sections }
        }
        SnapshotText.forEachRecord(in: text) { line, bytes, _ in
            guard let entry = Self.parseSysfs(bytes) ?? Self.parseColumns(bytes) else {
                problems.append((line, SnapshotText.string(bytes)))
                return
            }
            if last?.module != entry.module {
                store()
                let canonical = ModuleName.canonical(entry.module)
                last = (entry.module, canonical, modules.removeValue(forKey: canonical) ?? [:])
            }
            last!.sections[entry.section] = entry.address
        }
        store()
    }

    /// Records one section address.
    public mutating func add(module: String, section: String, address: UInt64) {
        modules[ModuleName.canonical(module), default: [:]][section] = address
    }

    /// The sections of a module, if the snapshot has it.
    public func sections(of module: String) -> [String: UInt64]? {
        modules[ModuleName.canonical(module)]
    }

    /// `/sys/module/MOD/sections/SECTION:0xADDR`, anything before `/sys/module/`.
    private static func parseSysfs(_ bytes: UnsafeBufferPointer<UInt8>) -> (module: String, section: String, address: UInt64)? {
        guard let sys = ByteSearch.firstOffset(of: Self.sysModule, in: bytes) else { return nil }
        let moduleStart = sys + Self.sysModule.count
        guard let slash = bytes[moduleStart...].firstIndex(of: UInt8(ascii: "/")),
            ByteSearch.hasBytes(Self.sections, in: bytes, at: slash + 1)
        else { return nil }
        let sectionStart = slash + 1 + Self.sections.count
        guard let colon = bytes[sectionStart...].lastIndex(of: UInt8(ascii: ":")), colon > sectionStart,
            let address = parseHex(UnsafeBufferPointer(rebasing: bytes[(colon + 1)...]))
        else { return nil }
        let module = SnapshotText.string(bytes, moduleStart..<slash)
        guard ModuleName.isValid(module) else { return nil }
        return (module, SnapshotText.string(bytes, sectionStart..<colon), address)
    }

    private static let sysModule = Array("/sys/module/".utf8)
    private static let sections = Array("sections/".utf8)

    /// `MOD SECTION 0xADDR`.
    private static func parseColumns(_ bytes: UnsafeBufferPointer<UInt8>) -> (module: String, section: String, address: UInt64)? {
        let fields = bytes.blankSeparatedWords()
        guard fields.count == 3, let address = parseHex(UnsafeBufferPointer(rebasing: bytes[fields[2]])) else { return nil }
        let module = SnapshotText.string(bytes, fields[0])
        guard ModuleName.isValid(module) else { return nil }
        return (module, SnapshotText.string(bytes, fields[1]), address)
    }
}

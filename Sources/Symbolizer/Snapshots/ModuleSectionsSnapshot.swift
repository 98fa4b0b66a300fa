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
        for record in SnapshotText.records(text) {
            let trimmed = record.text
            if let entry = Self.parseSysfs(trimmed) ?? Self.parseColumns(trimmed) {
                add(module: entry.module, section: entry.section, address: entry.address)
            } else {
                problems.append((record.line, String(record.text)))
            }
        }
    }

    /// Records one section address.
    public mutating func add(module: String, section: String, address: UInt64) {
        modules[ModuleName.canonical(module), default: [:]][section] = address
    }

    /// The sections of a module, if the snapshot has it.
    public func sections(of module: String) -> [String: UInt64]? {
        modules[ModuleName.canonical(module)]
    }

    private static func parseSysfs(_ line: Substring) -> (module: String, section: String, address: UInt64)? {
        guard let sys = ByteSearch.firstRange(of: "/sys/module/", in: line) else { return nil }
        let rest = line[sys.upperBound...]
        guard let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let module = rest[..<slash]
        let afterModule = rest[rest.utf8.index(after: slash)...]
        guard afterModule.hasPrefix("sections/") else { return nil }
        let sectionAndValue = afterModule[afterModule.utf8.index(afterModule.startIndex, offsetBy: "sections/".utf8.count)...]
        guard let colon = sectionAndValue.utf8.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        let section = sectionAndValue[..<colon]
        guard let address = parseHex(sectionAndValue[sectionAndValue.utf8.index(after: colon)...]), !section.isEmpty,
            ModuleName.isValid(module)
        else { return nil }
        return (String(module), String(section), address)
    }

    private static func parseColumns(_ line: Substring) -> (module: String, section: String, address: UInt64)? {
        let fields = line.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { Substring($0) }
        guard fields.count == 3, ModuleName.isValid(fields[0]), let address = parseHex(fields[2]) else { return nil }
        return (String(fields[0]), String(fields[1]), address)
    }
}

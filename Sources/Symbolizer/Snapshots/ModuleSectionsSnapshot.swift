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
        // A module's lines come together: its canonical name is made once for them.
        var last: (module: String, canonical: String)?
        for record in SnapshotText.records(text) {
            let trimmed = record.text
            if let entry = Self.parseSysfs(trimmed) ?? Self.parseColumns(trimmed) {
                let canonical = last?.module == entry.module ? last!.canonical : ModuleName.canonical(entry.module)
                last = (entry.module, canonical)
                modules[canonical, default: [:]][entry.section] = entry.address
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
        // On the bytes: a service reads the snapshot of every request.
        let parts = ByteSearch.withBytes(line) { bytes -> (module: Range<Int>, section: Range<Int>, address: UInt64)? in
            guard let sys = ByteSearch.firstOffset(of: Self.sysModule, in: bytes) else { return nil }
            let moduleStart = sys + Self.sysModule.count
            guard let slash = bytes[moduleStart...].firstIndex(of: UInt8(ascii: "/")),
                ByteSearch.hasBytes(Self.sections, in: bytes, at: slash + 1)
            else { return nil }
            let sectionStart = slash + 1 + Self.sections.count
            guard let colon = bytes[sectionStart...].lastIndex(of: UInt8(ascii: ":")), colon > sectionStart,
                let address = parseHex(UnsafeBufferPointer(rebasing: bytes[(colon + 1)...]))
            else { return nil }
            return (moduleStart..<slash, sectionStart..<colon, address)
        }
        guard let parts else { return nil }
        let module = ByteSearch.slice(line, bytes: parts.module)
        guard ModuleName.isValid(module) else { return nil }
        return (String(module), String(ByteSearch.slice(line, bytes: parts.section)), parts.address)
    }

    private static let sysModule = Array("/sys/module/".utf8)
    private static let sections = Array("sections/".utf8)

    private static func parseColumns(_ line: Substring) -> (module: String, section: String, address: UInt64)? {
        let fields = line.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { Substring($0) }
        guard fields.count == 3, ModuleName.isValid(fields[0]), let address = parseHex(fields[2]) else { return nil }
        return (String(fields[0]), String(fields[1]), address)
    }
}

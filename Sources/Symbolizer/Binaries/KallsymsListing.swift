import ArchFixups

/// One line of `/proc/kallsyms` for a module symbol.
public struct KallsymsEntry: Sendable, Equatable {
    public var address: UInt64
    /// The type letter (`t`, `d`, `r`, `b`…; upper case for exported symbols).
    public var type: Character
    public var name: String
    public var module: String

    /// The line as the kernel prints it: `%px %c %s\t[%s]`.
    public func formatted(pointerSize: Int) -> String {
        let digits = String(address, radix: 16)
        let padded = repeated(UInt8(ascii: "0"), count: pointerSize * 2 - digits.count) + digits
        return "\(padded) \(type) \(name)\t[\(module)]"
    }
}

/// What `/proc/kallsyms` shows for a module loaded at known section
/// addresses, reproducing the module loader: the symbols `add_kallsyms()`
/// keeps (defined, named, in a core allocated section — `.init*` sections are
/// freed, `.modinfo` and `__versions` lose `SHF_ALLOC` at load), in symbol
/// table order, each at its section's address plus the ArchFixups kallsyms
/// view of its value.
public enum KallsymsListing {
    /// Options for the listing.
    public struct Configuration: Sendable {
        /// `CONFIG_KALLSYMS_ALL`: data symbols are listed too (otherwise only code).
        public var includeData = true
        public var mode: KallsymsMode = .fixed
        public init(includeData: Bool = true, mode: KallsymsMode = .fixed) {
            self.includeData = includeData
            self.mode = mode
        }
    }

    /// The listing for the module file at `path`.
    ///
    /// - Parameters:
    ///   - sections: runtime section addresses of this module (section name → address).
    ///   - architecture: overrides the ELF's architecture.
    /// - Returns: the entries and the names of sections that held listed
    ///   symbols but had no address in `sections` (those symbols are left out).
    public static func entries(
        modulePath path: String, sections: [String: UInt64], architecture: Architecture? = nil,
        configuration: Configuration = .init()
    ) throws(SymbolizerError) -> (entries: [KallsymsEntry], missingSections: [String], pointerSize: Int) {
        let contents = try ElfReader.read(path: path)
        guard contents.kind == .relocatable else {
            throw .notELF(path: path, reason: "not a relocatable (ET_REL) module")
        }
        let arch = architecture ?? contents.architecture ?? .x86_64
        let fixup = arch.fixups
        let fileName = String(path.split(separator: "/").last ?? "")
        let module = contents.moduleName ?? ModuleName.ofFile(fileName) ?? fileName
        let exported = Set(contents.symbols.compactMap { symbol -> String? in
            guard symbol.name.hasPrefix("__ksymtab_") else { return nil }
            return String(symbol.name.dropFirst("__ksymtab_".count))
        })
        var entries: [KallsymsEntry] = []
        var missing: Set<String> = []
        for symbol in contents.symbols.dropFirst() {
            guard !symbol.isUndefined, !symbol.name.isEmpty, symbol.sectionIndex < 0xff00,
                let section = contents.section(at: symbol.sectionIndex), isCore(section, fixup: fixup)
            else { continue }
            if !configuration.includeData && !section.isExecutable { continue }
            guard let base = sections[section.name] else {
                missing.insert(section.name)
                continue
            }
            var letter = fixup.kallsymsTypeLetter(of: symbol, section: section.traits)
            if exported.contains(symbol.name), let upper = letter.uppercased().first { letter = upper }
            entries.append(
                KallsymsEntry(
                    address: base &+ fixup.kallsymsValue(of: symbol, mode: configuration.mode), type: letter,
                    name: symbol.name, module: module))
        }
        return (entries, missing.sorted(), arch.pointerSize)
    }

    /// Whether the module loader keeps a section after init, with `SHF_ALLOC`.
    private static func isCore(_ section: ElfSection, fixup: any ArchFixup) -> Bool {
        guard section.isAllocated else { return false }
        if section.name == ".modinfo" || section.name == "__versions" { return false }
        return !fixup.isModuleInitSection(section.name)
    }
}

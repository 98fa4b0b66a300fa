#if canImport(Glibc)
    import Glibc
#endif

/// A build id the crashed kernel reported for one of its binaries, and where
/// ksymbolize read it.
public struct ExpectedBuildID: Sendable, Equatable {
    /// Lower-case hex.
    public var id: String
    /// Where it came from, for messages: `/sys/kernel/notes`, `the log's CPU: line`.
    public var source: String

    public init(id: String, source: String) {
        self.id = id.lowercased()
        self.source = source
    }

    /// Whether a binary's own build id is this one. A log may print a prefix.
    public func matches(_ own: String?) -> Bool {
        // Asked for every frame: on the bytes, lower-cased only when it has capitals.
        // One is a prefix of the other when their common length is equal.
        guard var own, !own.isEmpty else { return false }
        if own.withUTF8({ $0.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } }) { own = own.lowercased() }
        var id = id
        return own.withUTF8 { own in
            id.withUTF8 { id in
                let common = min(own.count, id.count)
                return common == 0 || memcmp(own.baseAddress!, id.baseAddress!, common) == 0
            }
        }
    }
}

/// The build ids of the crashed kernel's binaries, from saved copies of
/// `/sys/kernel/notes` (vmlinux's `.notes` section, as the kernel exposes it)
/// and `/sys/module/MOD/notes/.note.gnu.build-id` (a module's note section).
public struct BuildIDSnapshot: Sendable {
    public var vmlinux: ExpectedBuildID?
    /// By canonical module name.
    public private(set) var modules: [String: ExpectedBuildID] = [:]

    public init() {}

    public mutating func setModule(_ name: String, _ id: ExpectedBuildID) {
        modules[ModuleName.canonical(name)] = id
    }

    public func module(_ name: String) -> ExpectedBuildID? { modules[ModuleName.canonical(name)] }

    public var isEmpty: Bool { vmlinux == nil && modules.isEmpty }

    /// Reads a saved `/sys/kernel/notes`.
    public mutating func readKernelNotes(_ path: String) throws(SymbolizerError) {
        let bytes = try TextFile.readBytes(path)
        guard let id = ElfNotes.gnuBuildID(in: bytes) else {
            throw .badSnapshot(path: path, reason: "no GNU build-id note in it (expected a copy of /sys/kernel/notes)")
        }
        vmlinux = ExpectedBuildID(id: id, source: path)
    }

    /// Reads a saved `/sys/module` tree: `DIR/MOD/notes/.note.gnu.build-id`
    /// (`DIR/MOD/.note.gnu.build-id` is accepted too). Returns the files that
    /// held no build-id note.
    @discardableResult
    public mutating func readModuleNotes(directory: String) throws(SymbolizerError) -> [String] {
        guard let names = DirectoryListing.entries(of: directory) else {
            throw .cannotOpen(path: directory, reason: String(cString: strerror(errno)))
        }
        var unreadable: [String] = []
        for name in names where ModuleName.isValid(Substring(name)) {
            for candidate in ["\(directory)/\(name)/notes/.note.gnu.build-id", "\(directory)/\(name)/.note.gnu.build-id"] {
                guard let bytes = try? TextFile.readBytes(candidate) else { continue }
                if let id = ElfNotes.gnuBuildID(in: bytes) {
                    setModule(name, ExpectedBuildID(id: id, source: candidate))
                } else {
                    unreadable.append(candidate)
                }
                break
            }
        }
        return unreadable
    }
}

/// ELF note parsing (`Elf_Nhdr` records: namesz, descsz, type, name, desc,
/// each padded to 4 bytes), for note sections saved as raw bytes.
public enum ElfNotes {
    /// The `NT_GNU_BUILD_ID` descriptor of the first `GNU` note of type 3, as
    /// lower-case hex. Both byte orders are tried: the notes were written by the
    /// crashed machine, not this one.
    public static func gnuBuildID(in bytes: [UInt8]) -> String? {
        for littleEndian in [true, false] {
            if let id = gnuBuildID(in: bytes, littleEndian: littleEndian) { return id }
        }
        return nil
    }

    private static func gnuBuildID(in bytes: [UInt8], littleEndian: Bool) -> String? {
        func word(_ at: Int) -> Int? {
            guard at >= 0, at + 4 <= bytes.count else { return nil }
            let b = (UInt32(bytes[at]), UInt32(bytes[at + 1]), UInt32(bytes[at + 2]), UInt32(bytes[at + 3]))
            let value = littleEndian ? b.0 | b.1 << 8 | b.2 << 16 | b.3 << 24 : b.3 | b.2 << 8 | b.1 << 16 | b.0 << 24
            return Int(value)
        }
        func padded(_ n: Int) -> Int { (n + 3) & ~3 }
        var position = 0
        while let nameSize = word(position), let descSize = word(position + 4), let type = word(position + 8) {
            guard nameSize <= bytes.count, descSize <= bytes.count else { return nil }
            let nameStart = position + 12
            let descStart = nameStart + padded(nameSize)
            let next = descStart + padded(descSize)
            guard descStart + descSize <= bytes.count else { return nil }
            let name = bytes[nameStart..<nameStart + nameSize]
            if type == 3, name.elementsEqual("GNU\0".utf8), descSize >= 8, descSize <= 64 {
                return hexBytes(bytes[descStart..<descStart + descSize])
            }
            guard next > position else { return nil }
            position = next
        }
        return nil
    }
}

/// Directory entries, sorted, without `.` and `..`.
enum DirectoryListing {
    static func entries(of path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

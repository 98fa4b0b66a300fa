#if canImport(Glibc)
    import Glibc
#endif

/// The running kernel's view of its own layout: `/proc/modules`,
/// `/sys/module/*/sections`, `/proc/kallsyms`, `/sys/kernel/notes` and
/// `/sys/module/*/notes`. Valid for a log only when the log comes from this
/// boot; the symbolizer checks that frame by frame.
public struct LiveSystem: Sendable {
    /// `/`, or a copy of a machine's `/proc` and `/sys` below another root.
    public let root: String

    public init(root: String = "") {
        self.root = root
    }

    /// The running kernel's release (`/proc/sys/kernel/osrelease`).
    public var release: String? {
        guard let text = try? TextFile.read(root + "/proc/sys/kernel/osrelease") else { return nil }
        let release = text.trimmingCharacters(in: " \n\t\r")
        return release.isEmpty ? nil : String(release)
    }

    /// Everything readable, and a message for each part that is not.
    public func read() -> (snapshots: LiveSnapshots, problems: [String]) {
        var snapshots = LiveSnapshots()
        var problems: [String] = []
        let hint = "live mode needs root and kernel.kptr_restrict=0"
        var ignored: [(line: Int, text: String)] = []

        if let text = try? TextFile.read(root + "/proc/modules") {
            snapshots.procModules = ProcModulesSnapshot(text: text, problems: &ignored)
            if !snapshots.procModules.entries.isEmpty, snapshots.procModules.entries.values.allSatisfy({ $0.base == 0 }) {
                problems.append("/proc/modules shows no addresses (\(hint))")
                snapshots.procModules = .init()
            }
        } else {
            problems.append("cannot read /proc/modules")
        }

        var unreadableSections: [String] = []
        for module in DirectoryListing.entries(of: root + "/sys/module") ?? [] where ModuleName.isValid(Substring(module)) {
            let directory = "/sys/module/\(module)/sections"
            guard let sections = DirectoryListing.entries(of: root + directory) else { continue }
            for section in sections {
                guard let text = try? TextFile.read(root + directory + "/" + section) else {
                    unreadableSections.append(module)
                    break
                }
                if let address = parseHex(text.trimmingCharacters(in: " \n")) {
                    snapshots.moduleSections.add(module: module, section: section, address: address)
                }
            }
            let notes = root + "/sys/module/\(module)/notes/.note.gnu.build-id"
            if let bytes = try? TextFile.readBytes(notes), let id = ElfNotes.gnuBuildID(in: bytes) {
                snapshots.buildIDs.setModule(module, ExpectedBuildID(id: id, source: "/sys/module/\(module)/notes"))
            }
        }
        if !unreadableSections.isEmpty {
            problems.append("cannot read /sys/module/*/sections of \(unreadableSections.prefix(3).joined(separator: ", ")) (\(hint))")
        }
        if !snapshots.moduleSections.modules.isEmpty,
            snapshots.moduleSections.modules.values.allSatisfy({ $0.values.allSatisfy { $0 == 0 } })
        {
            problems.append("/sys/module/*/sections show no addresses (\(hint))")
            snapshots.moduleSections = .init()
        }

        if let text = try? TextFile.read(root + "/proc/kallsyms") {
            snapshots.kallsyms = KallsymsSnapshot(text: text, problems: &ignored)
            if snapshots.kallsyms.textStart.map({ $0.address == 0 }) ?? true {
                problems.append("/proc/kallsyms shows no addresses (\(hint))")
                snapshots.kallsyms = .init()
            }
        } else {
            problems.append("cannot read /proc/kallsyms")
        }

        if let bytes = try? TextFile.readBytes(root + "/sys/kernel/notes"), let id = ElfNotes.gnuBuildID(in: bytes) {
            snapshots.buildIDs.vmlinux = ExpectedBuildID(id: id, source: "/sys/kernel/notes")
        } else {
            problems.append("cannot read a build id from /sys/kernel/notes")
        }
        return (snapshots, problems)
    }
}

/// What live mode read.
public struct LiveSnapshots: Sendable {
    public var procModules = ProcModulesSnapshot()
    public var moduleSections = ModuleSectionsSnapshot()
    public var kallsyms = KallsymsSnapshot()
    public var buildIDs = BuildIDSnapshot()
}

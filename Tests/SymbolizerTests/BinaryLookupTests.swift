import Foundation
import Symbolizer
import Testing

/// What a frame was resolved to: function, offset and the whole inline chain.
struct FrameAnswer: Equatable, CustomStringConvertible {
    var module: String?
    var symbol: String?
    var chain: [String]
    var mismatch: String?

    init(_ frame: ResolvedFrame) {
        module = frame.module
        symbol = frame.symbol.map { "\($0.name)+0x\(String($0.offset, radix: 16))" }
        chain = frame.locations.map { "\($0.function ?? "??") \($0.file ?? "??"):\($0.line ?? 0)" }
        mismatch = frame.mismatch
    }

    var description: String { "\(module ?? "?") \(symbol ?? "?") \(chain) \(mismatch ?? "")" }
}

/// A scratch directory removed when the test ends.
final class ScratchDirectory {
    let path = NSTemporaryDirectory() + "ksymbolize-\(UUID().uuidString)"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Creates `relative`'s directory and returns its full path.
    func file(_ relative: String) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return full
    }
}

/// The many ways a user has a module's binary all give the same answers.
@Suite("Finding the binaries", .serialized)
struct BinaryLookupTests {
    static let sample = Samples.all.first { $0.directory == "x86_64" }!
    static var buildID: String {
        (try? String(contentsOfFile: sample.path + "/crashmod.build-id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// Module frames of every case of the x86-64 sample, with `edit` applied to the options.
    static func moduleAnswers(
        case name: String = "null", edit: (inout SymbolizerOptions) throws -> Void
    ) throws -> [FrameAnswer] {
        var options = try sample.options(case: name)
        options.vmlinuxPath = nil
        options.useDebuginfod = false
        try edit(&options)
        let (_, reports) = try symbolize(logPath: sample.path + "/\(name).log", options: options)
        return reports.flatMap(\.frames).filter { $0.frame.symbol?.module == "crashmod" || $0.module == "crashmod" }
            .map(FrameAnswer.init)
    }

    static func strip(_ input: String, to output: String) throws {
        try Samples.run("/usr/bin/objcopy", ["--strip-debug", input, output])
    }

    static func keepDebug(_ input: String, to output: String) throws {
        try Samples.run("/usr/bin/objcopy", ["--only-keep-debug", input, output])
    }

    enum Layout: String, CaseIterable, CustomTestStringConvertible {
        case xz, zstd
        case strippedWithBuildIDTree = "stripped .ko + --debug-dir ROOT/.build-id/xx/yyyy.debug"
        case buildIDTreeOnly = "no .ko; --module-notes gives the build id, --debug-dir has the file"
        case strippedWithDebuglink = "stripped .ko with .gnu_debuglink + .debug/crashmod.ko.debug"
        case wrongBuildFirst = "a rebuilt module first, the right one second: --module-notes picks"
        var testDescription: String { rawValue }
    }

    @Test("same module frames as from a modules folder", arguments: Layout.allCases)
    func sameAnswers(layout: Layout) throws {
        let plain = try Self.moduleAnswers { _ in }
        #expect(plain.count >= 2)
        #expect(plain.allSatisfy { !$0.chain.isEmpty && !$0.chain[0].contains("??") && $0.mismatch == nil })

        let scratch = try ScratchDirectory()
        let module = Self.sample.path + "/crashmod.ko"
        let id = Self.buildID
        let treeFile = "debug/.build-id/\(id.prefix(2))/\(id.dropFirst(2)).debug"
        let answers = try Self.moduleAnswers { options in
            switch layout {
            case .xz, .zstd:
                let suffix = layout == .xz ? "xz" : "zst"
                try Samples.run(
                    "/bin/sh", ["-c", "\(layout.rawValue) -q -c \"$0\" > \"$1\"", module, try scratch.file("m/crashmod.ko.\(suffix)")])
                options.modulePaths = [scratch.path + "/m"]
            case .strippedWithBuildIDTree:
                try Self.strip(module, to: try scratch.file("m/crashmod.ko"))
                try Self.keepDebug(module, to: try scratch.file(treeFile))
                options.modulePaths = [scratch.path + "/m"]
                options.debugDirectories = [scratch.path + "/debug"]
            case .buildIDTreeOnly:
                try Self.keepDebug(module, to: try scratch.file(treeFile))
                options.modulePaths = []
                options.debugDirectories = [scratch.path + "/debug"]
                try options.buildIDs.readModuleNotes(directory: Self.sample.path + "/notes")
            case .strippedWithDebuglink:
                try Self.keepDebug(module, to: try scratch.file("m/.debug/crashmod.ko.debug"))
                try Samples.run(
                    "/usr/bin/objcopy",
                    ["--strip-debug", "--add-gnu-debuglink=" + scratch.path + "/m/.debug/crashmod.ko.debug", module, try scratch.file("m/crashmod.ko")])
                options.modulePaths = [scratch.path + "/m"]
            case .wrongBuildFirst:
                options.modulePaths = [Self.sample.path + "/mismatch", Self.sample.path]
                try options.buildIDs.readModuleNotes(directory: Self.sample.path + "/notes")
            }
        }
        #expect(answers == plain)
    }

    /// `mismatch/crashmod.ko` is the sample module rebuilt with one added
    /// line (samples/x86_64/mismatch): every frame it answers for the logs
    /// of the real one must say it does not match — from the logs and the
    /// sections snapshot alone (printed sizes, the WARN/BUG file:line, section
    /// room), and from the saved build-id notes.
    @Test(
        "a module rebuilt with one changed line is flagged on every affected frame",
        arguments: ["null", "warn", "bug", "recurse", "work", "timer", "first", "noreturn"])
    func rebuiltModule(caseName: String) throws {
        let plain = try Self.moduleAnswers(case: caseName) { _ in }
        #expect(plain.allSatisfy { $0.mismatch == nil })
        let rebuilt = try Self.moduleAnswers(case: caseName) { $0.modulePaths = [Self.sample.path + "/mismatch"] }
        #expect(rebuilt.count == plain.count)
        #expect(!rebuilt.isEmpty)
        for answer in rebuilt {
            #expect(answer.mismatch?.hasPrefix("binary does not match the crashed kernel") == true, "\(answer)")
        }

        let noted = try Self.moduleAnswers(case: caseName) { options in
            options.modulePaths = [Self.sample.path + "/mismatch"]
            options.moduleSections = .init()
            try options.buildIDs.readModuleNotes(directory: Self.sample.path + "/notes")
        }
        #expect(noted.count == plain.count)
        for answer in noted {
            #expect(answer.mismatch?.contains("build id bafc2555") == true, "\(answer)")
            #expect(answer.mismatch?.contains(Self.buildID) == true, "\(answer)")
        }
    }

    @Test("the kernel's own file:line of a WARN or BUG", arguments: [
        ("WARNING: CPU: 0 PID: 95 at crashmod/crashmod.c:63 crash_warn+0x5/0x10 [crashmod]", "crashmod/crashmod.c", 63),
        ("kernel BUG at fs/ext4/inode.c:1234!", "fs/ext4/inode.c", 1234),
        ("WARNING: at lib/list_debug.c:55 __list_del_entry_valid+0x4f/0x80", "lib/list_debug.c", 55),
    ])
    func sourceClaims(message: String, file: String, line: Int) {
        #expect(SourceClaim.parse(message[...]) == SourceClaim(file: file, line: line))
    }

    @Test("a claim is compared with the inline chain, path suffixes matching")
    func sourceClaimComparison() {
        let claim = SourceClaim(file: "fs/ext4/inode.c", line: 10)
        let inlined = [
            SourceLocation(function: "helper", file: "./include/linux/list.h", line: 3, column: nil),
            SourceLocation(function: "f", file: "/build/linux/fs/ext4/inode.c", line: 10, column: nil),
        ]
        #expect(claim.contradiction(in: inlined) == nil)
        var moved = inlined
        moved[1].line = 11
        #expect(claim.contradiction(in: moved) == "/build/linux/fs/ext4/inode.c:11")
        #expect(claim.contradiction(in: [inlined[0]]) == nil)
        #expect(SourceClaim.sameFile("/build/linux/fs/ext4/inode.c", "./fs/ext4/inode.c"))
        #expect(!SourceClaim.sameFile("fs/xext4/inode.c", "ext4/inode.c"))
    }

    /// Only a copy of /proc/kallsyms, no binary at all: raw addresses still
    /// get the function the full symbolization finds (symbol level only).
    @Test("a /proc/kallsyms snapshot alone names the functions of raw addresses")
    func kallsymsOnly() throws {
        let thumb = Samples.all.first { $0.directory == "arm-thumb2/fixed" }!
        let full = try thumb.options(case: "null")
        let (_, expected) = try symbolize(logPath: thumb.path + "/null.log", options: full)
        var bare = SymbolizerOptions()
        bare.kallsyms = full.kallsyms
        bare.live = .off
        bare.useDebuginfod = false
        let (_, named) = try symbolize(logPath: thumb.path + "/null.log", options: bare)
        let pairs = zip(expected.flatMap(\.frames), named.flatMap(\.frames)).filter {
            $0.0.module == "crashmod" && $0.0.address != nil
        }
        #expect(pairs.count >= 3)
        for (withBinary, symbolOnly) in pairs {
            #expect(symbolOnly.symbol?.name == withBinary.symbol?.name, "\(symbolOnly.frame.printed)")
            #expect(symbolOnly.inferred == .functionFromKallsyms)
        }
    }

    @Test("a saved /sys/kernel/notes and module notes give the build ids")
    func notes() throws {
        var snapshot = BuildIDSnapshot()
        try snapshot.readKernelNotes(Self.sample.path + "/notes/kernel-notes")
        try snapshot.readModuleNotes(directory: Self.sample.path + "/notes")
        let vmlinuxID = try Samples.run("/bin/sh", ["-c", "readelf -n \"$0\" | awk '/Build ID/ {print $3; exit}'", try Self.sample.vmlinux() ?? ""])
        #expect(snapshot.vmlinux?.id == vmlinuxID.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(snapshot.module("crashmod")?.id == Self.buildID)
        #expect(ElfNotes.gnuBuildID(in: [1, 2, 3]) == nil)
        #expect(ElfNotes.gnuBuildID(in: []) == nil)
    }

    @Test("vmlinux's build id in the CPU: line (CONFIG_STACKTRACE_BUILD_ID)")
    func cpuLineBuildID() {
        let id = "0123456789abcdef0123456789abcdef01234567"
        #expect(
            LogProcessor.vmlinuxBuildID(in: "CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-50-amd64 #1 \(id)") == id)
        #expect(
            LogProcessor.vmlinuxBuildID(in: "CPU: 1 PID: 9 Comm: kworker/1:1 Tainted: G    B   W  O  6.6.0 #3 \(id.uppercased())")
                == id)
        #expect(LogProcessor.vmlinuxBuildID(in: "CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-50-amd64 #1 Debian 6.1.176-1") == nil)
        #expect(LogProcessor.vmlinuxBuildID(in: "CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-50-amd64 #1") == nil)
    }
}

/// Live mode: the running kernel's /proc and /sys, here a copy of a crashed
/// machine's below a scratch root.
@Suite("Live mode", .serialized)
struct LiveModeTests {
    static let sample = BinaryLookupTests.sample

    /// A root with `/proc` and `/sys` as the x86-64 sample's machine had them during `case`.
    static func machine(case name: String, hideAddresses: Bool = false) throws -> ScratchDirectory {
        let root = try ScratchDirectory()
        func write(_ relative: String, _ text: String) throws {
            try text.write(toFile: try root.file(relative), atomically: true, encoding: .utf8)
        }
        // What an unprivileged reader sees: every address zero.
        func zeroed(_ text: String) -> String {
            guard hideAddresses else { return text }
            return text.replacingOccurrences(of: "(0x)?[0-9a-f]{16}", with: "$10000000000000000", options: .regularExpression)
        }
        try write("proc/sys/kernel/osrelease", "6.1.0-50-amd64\n")
        try write("proc/modules", zeroed(try String(contentsOfFile: sample.path + "/\(name).modules", encoding: .utf8)))
        try write("proc/kallsyms", zeroed(try String(contentsOfFile: sample.path + "/\(name).kallsyms", encoding: .utf8)))
        for line in try String(contentsOfFile: sample.path + "/\(name).sections", encoding: .utf8).split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let colon = trimmed.lastIndex(of: ":"), trimmed.hasPrefix("/sys/module/") else { continue }
            try write(String(trimmed[trimmed.index(after: trimmed.startIndex)..<colon]), zeroed(String(trimmed[trimmed.index(after: colon)...])) + "\n")
        }
        try FileManager.default.copyItem(
            atPath: sample.path + "/notes/crashmod/notes/.note.gnu.build-id",
            toPath: try root.file("sys/module/crashmod/notes/.note.gnu.build-id"))
        try FileManager.default.copyItem(atPath: sample.path + "/notes/kernel-notes", toPath: try root.file("sys/kernel/notes"))
        return root
    }

    @Test("a log of the running kernel is symbolized from /proc and /sys as from saved snapshots")
    func liveEqualsSnapshots() throws {
        let snapshots = try Samples.all.first { $0.directory == "x86_64" }!.options(case: "null")
        let (_, expected) = try symbolize(logPath: Self.sample.path + "/null.log", options: snapshots)

        let root = try Self.machine(case: "null")
        let bare = SymbolizerOptions(vmlinuxPath: snapshots.vmlinuxPath, modulePaths: snapshots.modulePaths)
        let symbolizer = Symbolizer(options: bare, systemRoot: root.path)
        symbolizer.noteKernelRelease("6.1.0-50-amd64")
        #expect(symbolizer.isLive)
        #expect(symbolizer.takeDiagnostics().isEmpty)
        #expect(symbolizer.options.buildIDs.module("crashmod")?.source == "/sys/module/crashmod/notes")

        let (_, live) = try symbolize(logPath: Self.sample.path + "/null.log", options: bare, systemRoot: root.path)
        let liveFrames = live.flatMap(\.frames).map(FrameAnswer.init)
        #expect(liveFrames == expected.flatMap(\.frames).map(FrameAnswer.init))
        #expect(liveFrames.contains { $0.module == "crashmod" && !$0.chain.isEmpty })
        #expect(liveFrames.contains { $0.module == "vmlinux" && !$0.chain.isEmpty })
    }

    @Test("another release, or --no-live, leaves /proc and /sys alone")
    func notLive() throws {
        let root = try Self.machine(case: "null")
        let other = Symbolizer(options: .init(), systemRoot: root.path)
        other.noteKernelRelease("6.1.0-49-amd64")
        #expect(!other.isLive)
        var off = SymbolizerOptions()
        off.live = .off
        let disabled = Symbolizer(options: off, systemRoot: root.path)
        disabled.noteKernelRelease("6.1.0-50-amd64")
        #expect(!disabled.isLive)
    }

    @Test("hidden addresses (kptr_restrict, not root) are said, not used")
    func hiddenAddresses() throws {
        let root = try Self.machine(case: "null", hideAddresses: true)
        var on = SymbolizerOptions()
        on.live = .on
        let symbolizer = Symbolizer(options: on, systemRoot: root.path)
        let messages = symbolizer.takeDiagnostics()
        #expect(messages.contains { $0.contains("/proc/kallsyms shows no addresses") && $0.contains("kptr_restrict=0") })
        #expect(messages.contains { $0.contains("/proc/modules shows no addresses") })
        #expect(symbolizer.options.kallsyms.textStart == nil)
        #expect(symbolizer.options.procModules.entries.isEmpty)

        let empty = try ScratchDirectory()
        let nothing = Symbolizer(options: on, systemRoot: empty.path)
        #expect(nothing.takeDiagnostics().contains("live mode: cannot read /proc/modules"))
    }
}

import Foundation
import Testing

/// Runs the built `ksymbolize` executable (built next to the test bundle).
enum CLI {
    static var executable: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = bundleDirectory.appendingPathComponent("ksymbolize").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Samples.path(".build/debug/ksymbolize")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// - Parameter environment: variables set for this run, on top of the test's own.
    static func run(_ arguments: [String], stdin: String = "", environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = Samples.root
        let input = Pipe()
        let output = Pipe()
        let error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }
}

/// One command-line case: arguments, input, and what must come out.
struct CLICase: Sendable, CustomStringConvertible {
    var arguments: [String]
    var stdin: String = ""
    var status: Int32
    var stdoutContains: [String] = []
    var stderrContains: [String] = []
    var stdoutExcludes: [String] = []
    var description: String { arguments.joined(separator: " ") }
}

@Suite("Command line: exit codes and messages", .serialized)
struct CommandLineTests {
    static let thumb = "samples/arm-thumb2/fixed"

    static let cases: [CLICase] = [
        // Passthrough with nothing to resolve: every line, exit 0.
        CLICase(arguments: [], stdin: "hello\r\nwor\u{1}ld\n", status: 0, stdoutContains: ["hello\r\nwor\u{1}ld\n"]),
        // A module frame whose module is missing: reported, exit 2, the line kept.
        CLICase(
            arguments: ["--modules", "/nonexistent"], stdin: " crash_write+0x175/0x1ea [crashmod]\n", status: 2,
            stdoutContains: [" crash_write+0x175/0x1ea [crashmod] [unresolved: module crashmod not found (give its directory with --modules)]"],
            stderrContains: ["ksymbolize: module crashmod not found (give its directory with --modules)"]),
        // Bad usage.
        CLICase(
            arguments: ["--arch", "vax"], status: 64,
            stderrContains: ["The value 'vax' is invalid for '--arch <arch>'", "x86_64", "powerpc64le"]),
        CLICase(
            arguments: ["--kallsyms-mode", "odd"], status: 64,
            stderrContains: ["The value 'odd' is invalid for '--kallsyms-mode <kallsyms-mode>'. Please provide one of 'fixed' and 'raw'."]),
        CLICase(arguments: ["--kaslr-offset", "zz"], status: 64, stderrContains: ["The value 'zz' is invalid for '--kaslr-offset <hex>'"]),
        CLICase(arguments: ["--module-sections", "/nonexistent/sections"], status: 64, stderrContains: ["cannot open /nonexistent/sections"]),
        // Unreadable log file.
        CLICase(arguments: ["/nonexistent/log"], status: 1, stderrContains: ["cannot open /nonexistent/log"]),
        // A Thumb-2 capture, fully resolved.
        CLICase(
            arguments: [
                "--modules", thumb, "--module-sections", thumb + "/null.sections", "--format", "json", thumb + "/null.log",
                "--vmlinux", Samples.cache + "/samples/arm-thumb2-fixed-vmlinux",
            ], status: 0, stdoutContains: ["\"version\" : 1", "\"function\" : \"crash_read_value\""]),
        // decode_stacktrace.sh form: ksymbolize VMLINUX MODULES_DIR < log
        CLICase(
            arguments: [Samples.cache + "/samples/arm-thumb2-fixed-vmlinux", thumb],
            stdin: "[<c017e519>] (vfs_write) from [<c017e747>] (ksys_write+0x3f/0x84)\n", status: 0,
            stdoutContains: ["(ksys_write+0x3f/0x84) fs/read_write.c:637"]),
        CLICase(arguments: ["-r", "../../etc"], status: 64, stderrContains: ["invalid -r \"../../etc\""]),
        // Frame-looking lines that were not understood make the exit status 2, and are said.
        CLICase(
            arguments: ["--no-live"], stdin: "Call Trace:\n foo+0x1/0x2 <<garbled>> bar+0x1/0x2\n", status: 2,
            stdoutContains: [" foo+0x1/0x2 <<garbled>> bar+0x1/0x2\n"],
            stderrContains: ["1 line in stack traces look like frames but were not understood (first: line 2)"]),
        // An already-symbolized trace needs no binary: its printed file:line are its locations.
        CLICase(
            arguments: ["--no-live", "--format", "json"],
            stdin: "BUG: KASAN: use-after-free in foo_read+0x1/0x2 fs/foo.c:12\nCall Trace:\n __dump_stack lib/dump_stack.c:77 [inline]\n dump_stack+0xbe/0xfe lib/dump_stack.c:118\n foo_read+0x1/0x2 fs/foo.c:12\n",
            status: 0, stdoutContains: ["\"file\" : \"fs/foo.c\"", "\"line\" : 77"]),
        // CRLF lines keep their bytes whole: the annotation follows on a line of its own.
        CLICase(
            arguments: ["--no-live"], stdin: "Call Trace:\r\n foo_read+0x1/0x2 fs/foo.c:12 [inline]\r\n", status: 0,
            stdoutContains: [" foo_read+0x1/0x2 fs/foo.c:12 [inline]\r\n"]),
        // Bug-tracker output and reports only.
        CLICase(
            arguments: ["--format", "markdown", "--modules", thumb, "--module-sections", thumb + "/null.sections", thumb + "/null.log"],
            status: 2,
            stdoutContains: [
                "## Unhandled fault in crash\\_null\\_deref\n", "| signature | `", "**Crash site:** `crash_read_value`",
                "<details><summary>Full report", "```text\n[    0.540409] Unhandled fault",
            ]),
        CLICase(arguments: ["--format", "markdown"], stdin: "nothing here\n", status: 0, stdoutContains: ["No kernel report found in the input."]),
        CLICase(
            arguments: ["--reports-only"], stdin: "boot\n------------[ cut here ]------------\nWARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\nCall Trace:\n g+0x1/0x2\n---[ end trace 0 ]---\nafter\n",
            status: 2,
            stdoutContains: ["------------[ cut here ]------------\nWARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\nCall Trace:\n g+0x1/0x2\n---[ end trace 0 ]---\n"],
            stdoutExcludes: ["boot", "after"]),
        // addr and kallsyms subcommands.
        CLICase(
            arguments: ["addr", "--modules", thumb, "--module-sections", thumb + "/null.sections", "0xbf80000e"], status: 0,
            stdoutContains: ["0xbf80000e: crash_null_deref+0xe/0x1e [crashmod]", "  (inlined by) crash_walk at crashmod/crashmod.c:50:10"]),
        CLICase(
            arguments: ["kallsyms", thumb + "/crashmod.ko", "--module-sections", thumb + "/null.sections"], status: 0,
            stdoutContains: ["bf800000 t crash_null_deref\t[crashmod]"]),
        CLICase(
            arguments: ["kallsyms", thumb + "/crashmod.ko", "--module-sections", thumb + "/null.sections", "--kallsyms-mode", "raw"],
            status: 0, stdoutContains: ["bf800001 t crash_null_deref\t[crashmod]"]),
        CLICase(
            arguments: ["kallsyms", "README.md", "--module-sections", thumb + "/null.sections"], status: 1,
            stderrContains: ["README.md is not a usable ELF file"]),
    ]

    @Test("exit status and messages", arguments: cases)
    func run(_ cliCase: CLICase) throws {
        _ = try Samples.all.first { $0.directory == "arm-thumb2/fixed" }?.vmlinux()  // unpacks the Thumb-2 vmlinux the JSON case reads
        let result = try CLI.run(cliCase.arguments, stdin: cliCase.stdin)
        #expect(result.status == cliCase.status, "stderr: \(result.stderr)")
        for text in cliCase.stdoutContains { #expect(result.stdout.contains(text), "stdout: \(result.stdout.prefix(2000))") }
        for text in cliCase.stdoutExcludes { #expect(!result.stdout.contains(text), "stdout: \(result.stdout)") }
        for text in cliCase.stderrContains { #expect(result.stderr.contains(text), "stderr: \(result.stderr)") }
    }

    /// `--version` on the root command and every subcommand, and the JSON
    /// `generator`, all say what `scripts/version.sh` says of this checkout
    /// (the build ran it through Plugins/VersionPlugin just before the tests).
    @Test("--version and the JSON generator come from scripts/version.sh")
    func version() throws {
        let expected = try Samples.run("/bin/sh", [Samples.path("scripts/version.sh")]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(expected.wholeMatch(of: /(unknown|[0-9]+\.[0-9]+\.[0-9]+(-[0-9]+-g[0-9a-f]{7,})?(-dirty)?)/) != nil, "\(expected)")
        for arguments in [["--version"], ["symbolize", "--version"], ["addr", "--version"], ["kallsyms", "--version"]] {
            let result = try CLI.run(arguments)
            #expect(result.status == 0 && result.stdout == expected + "\n", "\(arguments): \(result.stdout) \(result.stderr)")
        }
        let json = try CLI.run(["--no-live", "--format", "json"], stdin: "nothing here\n")
        #expect(json.stdout.contains("\"generator\" : \"ksymbolize \(expected)\""), "\(json.stdout)")
        // JSON Lines of `addr` carry frames only.
        let lines = try CLI.run(["addr", "--format", "json", "nothing"])
        #expect(!lines.stdout.contains("generator"), "\(lines.stdout)")
    }

    /// The CLI starts reading `--vmlinux` before it has parsed `--debug-dir`:
    /// a stripped vmlinux must still get its DWARF from the build-id tree.
    @Test("a stripped --vmlinux finds its DWARF under --debug-dir")
    func strippedVmlinuxWithDebugDirectory() throws {
        guard let vmlinux = try Samples.all.first(where: { $0.directory == "arm-thumb2/fixed" })?.vmlinux() else {
            Issue.record("no Thumb-2 vmlinux")
            return
        }
        let notes = try Samples.run("/usr/bin/readelf", ["-n", vmlinux])
        let id = try #require(
            notes.split(separator: "\n").first { $0.contains("Build ID:") }?.split(separator: " ").last.map(String.init))
        let scratch = try ScratchDirectory()
        let stripped = try scratch.file("vmlinux")
        // eu-strip, not objcopy: it knows every architecture. -g keeps .symtab in the stripped file.
        try Samples.run(
            "/usr/bin/eu-strip",
            ["-g", "-f", try scratch.file("debug/.build-id/\(id.prefix(2))/\(id.dropFirst(2)).debug"), "-o", stripped, vmlinux])
        let log = Self.thumb + "/null.log"
        let common = ["--modules", Self.thumb, "--module-sections", Self.thumb + "/null.sections", "--no-debuginfod", log]
        let whole = try CLI.run(["--vmlinux", vmlinux] + common)
        let split = try CLI.run(["--vmlinux", stripped, "--debug-dir", scratch.path + "/debug"] + common)
        let alone = try CLI.run(["--vmlinux", stripped] + common)
        #expect(whole.status == 0, "stderr: \(whole.stderr)")
        // The capture's lines end in \r\n: the annotation is on the line below.
        #expect(whole.stdout.contains("(vfs_write+0x7d/0x1e4)\r\n"), "stdout: \(whole.stdout)")
        #expect(whole.stdout.contains(" fs/read_write.c:582\r\n"), "stdout: \(whole.stdout)")
        #expect(split.status == whole.status, "stderr: \(split.stderr)")
        #expect(split.stdout == whole.stdout)
        // Without the debug directory there is no DWARF to find: the test would not show anything otherwise.
        #expect(alone.stderr.contains("no debug info in \(stripped)"), "stderr: \(alone.stderr)")
    }
}

/// Snapshots pasted from a tracker or saved on Windows end their lines in
/// `\r\n`: read line by line as with `\n` (a `\r\n` is one Swift Character,
/// so splitting the text by characters at `\n` once read such a file as a
/// single line, every section address refused).
@Suite("Snapshot files with CRLF lines")
struct CRLFSnapshotTests {
    @Test("--module-sections and --kallsyms with \\r\\n line ends give the same output as with \\n")
    func crlfSnapshots() throws {
        let sample = try #require(Samples.all.first { $0.directory == "x86_64" })
        let base = sample.path + "/null"
        let scratch = try ScratchDirectory()
        var crlf: [String] = []
        for suffix in ["sections", "kallsyms"] {
            let text = try String(contentsOfFile: base + "." + suffix, encoding: .utf8)
            #expect(!text.contains("\r"))
            let path = try scratch.file("null." + suffix)
            try Data(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8)
                .write(to: URL(fileURLWithPath: path))
            crlf.append(path)
        }
        let common = ["--no-live", "--no-debuginfod", "--modules", sample.path, "--format", "json", base + ".log"]
        let lf = try CLI.run(["--module-sections", base + ".sections", "--kallsyms", base + ".kallsyms"] + common)
        let windows = try CLI.run(["--module-sections", crlf[0], "--kallsyms", crlf[1]] + common)
        // The module's frames resolve from the sections either way (vmlinux's need Debian's vmlinux).
        #expect(lf.stdout.contains("\"function\" : \"crash_null_deref\"") || lf.stdout.contains("\"function\": \"crash_null_deref\""), "\(lf.stdout.prefix(2000))")
        #expect(windows.stdout == lf.stdout)
        #expect(windows.status == lf.status)
        #expect(windows.stderr == lf.stderr.replacingOccurrences(of: base + ".", with: scratch.path + "/null."), "stderr: \(windows.stderr)")
    }
}

@Suite("Bounded memory", .serialized)
struct BoundedMemoryTests {
    /// Runs the CLI with stdin from a file and returns its peak RSS in KiB:
    /// the largest `VmHWM` read from `/proc/PID/status` while it runs (rusage
    /// would count this test process's own memory, shared until exec).
    private func peakRSS(arguments: [String], stdinPath: String) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinPath))
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var peak = 0
        while process.isRunning {
            if let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let value = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            {
                peak = max(peak, value)
            }
            usleep(50_000)
        }
        process.waitUntilExit()
        #expect(peak > 0, "no /proc sample was taken")
        return peak
    }

    /// The README states ~22 MB for a million frames in a release build; a
    /// debug build is checked here against 64 MB, on a log whose size alone
    /// (18 MB of frames, 200,000 reports' worth of lines) would exceed it if kept.
    @Test("streaming text output keeps memory bounded however long the log")
    func streaming() throws {
        let path = NSTemporaryDirectory() + "ksymbolize-big-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "Call Trace:\n"
        text += String(repeating: " crash_write+0x175/0x1ea [crashmod]\n ? vfs_write+0xc7/0x3f0\nsome other line\n", count: 150_000)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let rss = try peakRSS(arguments: ["--modules", Samples.path("samples/x86_64")], stdinPath: path)
        #expect(rss < 64 * 1024, "peak RSS \(rss) KiB")
    }
}

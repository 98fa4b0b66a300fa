/// The source file to blame for a crash report, picked the way syzbot picks
/// it (google/syzkaller `pkg/report/linux.go`, `extractGuiltyFile`): the file
/// whose maintainers are asked to fix the bug.
///
/// The report's `file:line`s are read in log order, each frame's inline chain
/// innermost first (what syzbot's symbolized logs print as `[inline]` lines):
///
/// 1. The first file that no rule of ``ignoredFiles`` matches, on a line that
///    ``isIgnoredLine(_:)`` does not exclude, is the guilty file.
/// 2. A later file (not ignored either) in a *subdirectory* of the guilty
///    file's directory replaces it, and the search goes on from there: a
///    crash in `net/netfilter/x_tables.c` called from
///    `net/netfilter/ipvs/ip_vs_ctl.c` blames IPVS, the more specific code.
/// 3. When every file is ignored, the first one is blamed, so that the report
///    still goes to someone.
///
/// Where the files come from: a frame's ``ResolvedFrame/locations`` (DWARF,
/// or the `file:line` the log printed, see ``PrintedLocation``); a line with
/// no frame, or whose frames have no file, gives the first `FILE.c:LINE` or
/// `FILE.h:LINE` its text holds (the kernel's own `WARNING: … at
/// kernel/foo.c:12`, `kernel BUG at mm/slub.c:123!`, lockdep's
/// `net/netfilter/x_tables.c:1032 suspicious rcu_dereference_protected()
/// usage!`). Only `.c` and `.h` files count (syzbot's pattern: entry code in
/// `.S` files is never blamed). `?` frames are skipped, as syzbot skips them.
/// Paths are made tree-relative by ``KernelPath/normalize(_:)`` first.
///
/// For `INFO: rcu detected stall` titles syzbot starts reading at the
/// interrupt that found the stall (`apic_timer_interrupt+0x…`,
/// `el1h_64_irq+0x…`, `Exception stack`) when there is one, as the frames
/// above it are only the stall detector's.
public struct GuiltyFile: Sendable, Hashable {
    /// How the file was picked.
    public enum Choice: String, Sendable, Hashable {
        /// The first file no rule ignores.
        case firstNotIgnored = "first file not ignored"
        /// A deeper file in the same directory as the first one, further down the trace.
        case deeperInSameDirectory = "deeper file in the same directory"
        /// Every file is ignored: the first one, so that the report reaches someone.
        case onlyIgnoredFiles = "only ignored files: the first one"
    }

    /// The file, relative to the kernel tree (`net/ipv6/ip6_output.c`).
    public var file: String
    /// The 1-based log line it was read from.
    public var logLine: Int
    public var choice: Choice

    public init(file: String, logLine: Int, choice: Choice) {
        self.file = file
        self.logLine = logLine
        self.choice = choice
    }

    /// A file named in the report, in reading order.
    struct Candidate {
        var file: String
        var logLine: Int
        var ignoredLine: Bool
        var ignored: Bool { ignoredLine || GuiltyFile.ignoreRule(for: file) != nil }
    }

    /// The guilty file of these frames and lines, or `nil` when they name no
    /// `.c` or `.h` file at all.
    ///
    /// - Parameters:
    ///   - frames: the frames in log order (their ``LogFrame/line`` places
    ///     them among `lines`).
    ///   - lines: the log lines to read, in order: those of the frames (for
    ///     the line rules) and those that carry a `file:line` of their own.
    ///     Frames whose line is not given are read all the same.
    ///   - title: the report's syzbot title (``Report/syzbotTitle``), for the
    ///     RCU stall rule.
    public static func find(frames: [ResolvedFrame], lines: [LogLine], title: String?) -> GuiltyFile? {
        let candidates = Self.candidates(frames: frames, lines: lines)
        if let title, title.hasPrefix("INFO: rcu detected stall") {
            let start = interruptLine(frames: frames, lines: lines)
            if let start {
                let fromInterrupt = candidates.filter { $0.logLine >= start }
                if let found = choose(fromInterrupt) { return found }
            }
        }
        return choose(candidates)
    }

    /// The guilty file of `reports[index]`, reading what syzbot reads: the
    /// report and, after it, the rest of the log (the reports that follow
    /// included: a WARNING's stack trace often comes with the `Kernel panic`
    /// that `panic_on_warn` makes), up to syzbot's cut (see
    /// ``readingScope(from:lines:)``).
    ///
    /// - Parameter lines: the log's lines from the report's first line on
    ///   (more is fine; fewer limits what is read to the lines given plus
    ///   the report's own frames).
    public static func find(reportAt index: Int, in reports: [Report], lines: [LogLine]) -> GuiltyFile? {
        let report = reports[index]
        let scope = readingScope(from: report.firstLine, lines: lines)
        let kept = Set(scope.lines.map(\.number))
        let given = Set(lines.map(\.number))
        let frames = reports[index...].lazy.flatMap(\.frames).filter { frame in
            let line = frame.frame.line
            guard line >= report.firstLine else { return false }
            if let end = scope.end, line >= end { return false }
            if given.contains(line) { return kept.contains(line) }
            return line <= report.lastLine
        }
        return find(frames: Array(frames), lines: scope.lines, title: report.syzbotTitle ?? report.title)
    }

    /// The lines syzbot reads for a report that starts at line `first`: from
    /// it on, only lines of the same printk caller (`[T123]`, and after
    /// `Sending NMI from CPU` any CPU's `[C1]`), and none from a
    /// `Kernel panic - not syncing` or `WARNING: possible circular locking
    /// dependency detected` line on once the report has more than 22 lines
    /// (16 for KMSAN): the panic that `panic_on_warn` adds repeats the stack,
    /// and an oops often provokes a lockdep report of its own.
    ///
    /// - Returns: the lines kept, and the line where reading stopped (`nil`: the end).
    public static func readingScope(from first: Int, lines: [LogLine]) -> (lines: [LogLine], end: Int?) {
        let ordered = lines.filter { $0.number >= first }.sorted { $0.number < $1.number }
        guard let opening = ordered.first(where: { $0.number == first }) else { return (ordered, nil) }
        let minimum = opening.text.contains("BUG: KMSAN:") ? 16 : 22
        var kept: [LogLine] = []
        var cpuTraceback = false
        for line in ordered {
            if line.number != first && line.callerID != opening.callerID {
                guard cpuTraceback, line.callerID?.first == "C" else { continue }
            }
            if line.text.contains("Sending NMI from CPU") { cpuTraceback = true }
            if line.number != first, kept.count + 1 > minimum,
                line.text.contains("Kernel panic - not syncing")
                    || line.text.contains("WARNING: possible circular locking dependency detected")
            {
                return (kept, line.number)
            }
            kept.append(line)
        }
        return (kept, nil)
    }

    // MARK: Reading

    static func candidates(frames: [ResolvedFrame], lines: [LogLine]) -> [Candidate] {
        var framesByLine: [Int: [ResolvedFrame]] = [:]
        for frame in frames { framesByLine[frame.frame.line, default: []].append(frame) }
        var textByLine: [Int: LogLine] = [:]
        for line in lines { textByLine[line.number] = line }
        let numbers = Set(framesByLine.keys).union(textByLine.keys).sorted()
        var result: [Candidate] = []
        for number in numbers {
            let text = textByLine[number]
            let ignoredLine = text.map { isIgnoredLine($0.message) } ?? false
            if let onLine = framesByLine[number] {
                let reliable = onLine.filter(\.frame.reliable)
                if reliable.isEmpty { continue }  // `?` lines are not read
                let files = reliable.flatMap { $0.locations.compactMap(\.file) }
                if !files.isEmpty {
                    for file in files where isSourceFile(file) {
                        result.append(
                            Candidate(file: KernelPath.normalize(file), logLine: number, ignoredLine: ignoredLine))
                    }
                    continue
                }
            }
            if let text, let file = printedFile(in: text.message) {
                result.append(Candidate(file: KernelPath.normalize(file), logLine: number, ignoredLine: ignoredLine))
            }
        }
        return result
    }

    /// The first line at which the interrupt that found an RCU stall was entered.
    static func interruptLine(frames: [ResolvedFrame], lines: [LogLine]) -> Int? {
        let byText = ["apic_timer_interrupt+0x", "el1h_64_irq+0x", "Exception stack"].lazy.compactMap { marker in
            lines.first { $0.message.contains(marker) }?.number
        }.first
        if let byText { return byText }
        return frames.first { ["apic_timer_interrupt", "el1h_64_irq"].contains($0.frame.symbol?.name ?? "") }?.frame
            .line
    }

    /// Steps 1 to 3 of the type's documentation.
    static func choose(_ candidates: [Candidate]) -> GuiltyFile? {
        var guilty: GuiltyFile?
        var index = 0
        while index < candidates.count {
            let candidate = candidates[index]
            index += 1
            if guilty == nil {
                guilty = GuiltyFile(file: candidate.file, logLine: candidate.logLine, choice: .onlyIgnoredFiles)
            }
            if candidate.ignored { continue }
            guilty = GuiltyFile(file: candidate.file, logLine: candidate.logLine, choice: .firstNotIgnored)
            break
        }
        guard var found = guilty, found.choice == .firstNotIgnored else { return guilty }
        var directory = parentDirectory(of: found.file)
        for candidate in candidates[index...] where !candidate.ignored {
            guard candidate.file.hasPrefix(directory),
                isDeeperSuffix(candidate.file.dropFirst(directory.count))
            else { continue }
            found = GuiltyFile(file: candidate.file, logLine: candidate.logLine, choice: .deeperInSameDirectory)
            directory = parentDirectory(of: found.file)
        }
        return found
    }

    /// `a/b/c.c` → `a/b`; `c.c` → `.` (Go's `filepath.Dir`).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// syzbot's `deeperPathRe`: `/DIRS/NAME.c` (or `.h`), at least one directory deeper.
    static func isDeeperSuffix(_ suffix: Substring) -> Bool {
        guard suffix.first == "/", suffix.utf8.allSatisfy(isPathByte), let slash = suffix.lastIndex(of: "/"),
            suffix.distance(from: suffix.startIndex, to: slash) >= 2
        else { return false }
        let name = suffix[suffix.index(after: slash)...]
        guard name.hasSuffix(".c") || name.hasSuffix(".h") else { return false }
        let stem = name.dropLast(2)
        return !stem.isEmpty && stem.utf8.allSatisfy(isNameByte)
    }

    // MARK: Paths in text

    /// Whether syzbot reads `path` at all: a `.c` or `.h` file.
    static func isSourceFile(_ path: String) -> Bool {
        guard path.hasSuffix(".c") || path.hasSuffix(".h") else { return false }
        let stem = path.utf8.dropLast(2)
        return stem.last.map(isNameByte) ?? false
    }

    /// The first `PATH.c:N` or `PATH.h:N` in `text` (syzbot's `filenameRe`):
    /// the path is the run of letters, digits, `_`, `-`, `.` and `/` before
    /// the extension, its last character not `.` or `/`.
    static func printedFile(in text: Substring) -> String? {
        let bytes = Array(text.utf8)
        var index = 1
        while index + 3 < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "."),
                bytes[index + 1] == UInt8(ascii: "c") || bytes[index + 1] == UInt8(ascii: "h"),
                bytes[index + 2] == UInt8(ascii: ":"),
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 3]),
                isNameByte(bytes[index - 1])
            else { continue }
            var start = index - 1
            while start > 0, isPathByte(bytes[start - 1]) { start -= 1 }
            return String(decoding: bytes[start..<(index + 2)], as: UTF8.self)
        }
        return nil
    }

    /// Letters, digits, `_` and `-`.
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default: return false
        }
    }

    /// Name bytes, `.` and `/`.
    static func isPathByte(_ byte: UInt8) -> Bool {
        isNameByte(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
    }
}

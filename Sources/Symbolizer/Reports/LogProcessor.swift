import ArchFixups

/// Reads a log line by line, finds reports and their frames, and symbolizes
/// each frame as soon as its line is read (so that `dmesg -w` can be
/// annotated live).
///
/// The parts: which messages start, continue and end a report (here, with
/// ``ReportTable`` and ``LineClasses``), what kind each frame is
/// (`FrameClassifier.swift`), what the log states about the kernel
/// (``FactScanner``, into ``KernelFacts``), and titles (`ReportTitles.swift`).
public final class LogProcessor {
    let symbolizer: Symbolizer
    /// Open reports by printk caller id (`T123`, `C1`; "" for lines without
    /// one), so that reports printed at the same time by several CPUs or
    /// tasks are kept apart.
    private var openReports: [String: OpenReport] = [:]
    /// The caller id of the line being processed.
    private var currentContext = ""
    /// Removes and returns the current context's open report, so that it can
    /// be changed without copying its frames. Put it back with
    /// `openReports[currentContext] = …`: the dictionary's setter takes the value,
    /// where `open = …` (through `open`'s modify) copied it and destroyed the original.
    private func takeOpen() -> OpenReport? { openReports.removeValue(forKey: currentContext) }

    /// The open report of the current line's context (changed in place: `open?.idleLines = 0` copies nothing).
    var open: OpenReport? {
        get { openReports[currentContext] }
        _modify { yield &openReports[currentContext] }
    }

    /// Whether the current line's context has an open report (without copying it).
    private var hasOpen: Bool { openReports.index(forKey: currentContext) != nil }
    var finished: [Report] = []
    private var recentlyFinished: [Report] = []
    /// Every line's console text, for syzbot's title rules at the end (only when reports are retained).
    var textLines: [String] = []
    /// The input line number of each of ``textLines`` (a line may hold several messages).
    var textLineNumbers: [Int] = []
    private var endOfInput = false
    /// What the whole log has stated so far; each report starts from it.
    var logFacts = KernelFacts()
    /// Lines whose frames were never understood, across all reports so far.
    public private(set) var unrecognizedFrameLines: [Int] = []
    /// What the last line processed printed of the machine state, for the text output.
    public internal(set) var machineNotes: MachineNotes?

    /// Whether finished reports are kept for ``finish()`` (JSON needs them;
    /// streaming text does not, and then memory stays bounded however long
    /// the log is).
    private let retainReports: Bool
    /// Frames kept per report when reports are not retained (enough for a title).
    private static let framesKeptWhenStreaming = 64

    public init(symbolizer: Symbolizer, retainReports: Bool = true) {
        self.symbolizer = symbolizer
        self.retainReports = retainReports
    }

    /// The architecture as far as the options and the log tell it.
    var knownArchitecture: Architecture? {
        [symbolizer.facts.architecture, logFacts.architecture].compactMap { $0 }.max { $0.evidence < $1.evidence }?.value
    }

    /// Processes one line and returns the frames found in it, symbolized.
    ///
    /// A line that holds several kernel messages (a paste whose newlines
    /// were lost: `… [    7.201455] #PF: …` in the middle) is read as those
    /// messages, one after the other; the frames of all of them are returned.
    public func process(_ line: LogLine) -> [ResolvedFrame] {
        if machineNotes != nil { machineNotes = nil }
        let resolved = line.gluedMessages.map { $0.flatMap { processMessage($0) } } ?? processMessage(line)
        if retainReports {
            // syzbot's rules read the line as printed, messages glued or not.
            let corrected = resolved.contains { $0.kallsymsCorrection != nil }
            textLines.append(Self.titleText(corrected ? Self.corrected(String(line.console), frames: resolved)[...] : line.console))
            textLineNumbers.append(line.number)
        }
        return resolved
    }

    private func processMessage(_ line: LogLine) -> [ResolvedFrame] {
        let message = line.message
        currentContext = line.callerID.map(String.init) ?? ""
        if currentContext != "", openReports.count == 1, !hasOpen,
            let (only, report) = openReports.first, only == "", report.report.frames.isEmpty, !report.inTrace
        {
            // The header had no caller id but its continuation has one: same report.
            openReports[currentContext] = report
            openReports[""] = nil
        }
        // Headers are known without the blanks a paste may put before every line.
        let header = message[(message.utf8.firstIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") } ?? message.endIndex)...]
        noteKernelFacts(header)

        if LineClasses.isSysrq(header) {
            finishOpenReport()
            return []
        }
        if let format = ReportTable.format(of: header) {
            startOrRefine(format: format, header: header, line: line)
            if let claim = SourceClaim.parse(header) { open?.pendingClaim = claim }
            if let past = LogSyntax.programCounterPastTrap(inHeader: header) { open?.pcPastTrap = past }
            return warningLocation(in: header, line: line)
        }
        let trimmed = header.trimmingCharacters(in: " \t")
        if trimmed.hasPrefix("---[ end ") {
            // The report stays open for what the kernel prints right after
            // its end marker (x86 repeats the register dump there); the
            // first line that is not part of a report closes it.
            if var current = takeOpen() {
                current.report.lastLine = line.number
                current.ended = true
                current.inTrace = true
                current.idleLines = 0
                openReports[currentContext] = current
            }
            return []
        }
        if LineClasses.isTraceStart(trimmed) {
            if !hasOpen { start(kind: ReportTable.stackDumpKind, title: "stack dump", line: line) }
            open?.dumpFrames = [:]
            open?.userDump = false
            open?.inTrace = true
            open?.idleLines = 0
            open?.report.lastLine = line.number
            return []
        }
        if LineClasses.isContextMarker(trimmed) {
            if LineClasses.isX86StackMarker(trimmed), (logFacts.architecture?.evidence ?? .binary) < .logLine {
                logFacts.architecture.offer(.x86_64, .frameSyntax, sameStrengthWins: true)
                open?.facts.architecture.offer(.x86_64, .frameSyntax)
            }
            if hasOpen {
                open?.report.lastLine = line.number
                open?.idleLines = 0
            }
            return []
        }
        if LineClasses.isUserModeFlags(trimmed), var current = takeOpen() {
            // ARM "Flags: … Mode USER_32 …": the register dump before it was user space's.
            for index in current.dumpFrames.values.sorted(by: >) where index < current.report.frames.count {
                current.report.frames.remove(at: index)
            }
            current.dumpFrames = [:]
            current.userDump = true
            current.report.lastLine = line.number
            openReports[currentContext] = current
            return []
        }
        if let index = openReports.index(forKey: currentContext) {
            // Stored only when it changes something: asked of every line of a report, mostly nil.
            let notes = readMachineState(message, report: &openReports.values[index])
            if notes != nil || machineNotes != nil { machineNotes = notes }
        }
        let parsed = FrameParser.frames(in: message)
        if parsed.isEmpty {
            noteLineWithoutFrames(trimmed, line: line)
            return []
        }
        let resolved = resolveFrames(frames(from: parsed, line: line), line: line)
        if let index = openReports.index(forKey: currentContext),
            let notes = placeProgramCounter(report: &openReports.values[index])
        {
            machineNotes = notes
        }
        return resolved
    }

    /// A line with no frame: part of the report, a frame not understood, or a step away from it.
    private func noteLineWithoutFrames(_ trimmed: Substring, line: LogLine) {
        // Changed where it is kept: asked of every line of an open report, a copy out and back costs.
        guard let index = openReports.index(forKey: currentContext) else { return }
        var unrecognized = false
        let idle = Self.note(trimmed, line: line, in: &openReports.values[index], unrecognized: &unrecognized)
        if unrecognized { unrecognizedFrameLines.append(line.number) }
        if idle { finishOpenReport() }
    }

    /// `noteLineWithoutFrames` on the open report: whether its trace has gone idle.
    private static func note(_ trimmed: Substring, line: LogLine, in current: inout OpenReport, unrecognized: inout Bool) -> Bool {
        if LineClasses.isReportDetail(trimmed) {
            current.report.lastLine = line.number
            current.idleLines = 0
        } else if current.inTrace && LineClasses.looksLikeFrame(trimmed) {
            // Inside a trace and shaped like a frame, but not understood: said, and kept in the report.
            current.unrecognizedLines.append(line.number)
            unrecognized = true
            current.report.lastLine = line.number
            current.idleLines = 0
        } else if current.inTrace {
            current.idleLines += 1
        }
        return current.inTrace && current.idleLines >= (current.ended ? 1 : 3)
    }

    /// Resolves a line's frames into the open report (a stack dump of its own when none is open).
    private func resolveFrames(_ planned: [PlannedFrame], line: LogLine) -> [ResolvedFrame] {
        if !hasOpen {
            guard !planned.isEmpty else { return [] }
            start(kind: ReportTable.stackDumpKind, title: "stack dump", line: line)
        }
        guard var current = takeOpen() else { return [] }
        current.report.lastLine = line.number
        current.idleLines = 0
        var resolved: [ResolvedFrame] = []
        for plan in classify(planned, state: &current) {
            if let earlier = plan.repeats, var both = plan.merged {
                // The same register printed again (ARM "PC is at" then "pc : [<…>]"): one frame,
                // where it was first printed, now resolved from both its name and its value.
                both.line = current.report.frames[earlier].frame.line
                both.printed = current.report.frames[earlier].frame.printed
                current.report.frames[earlier] = symbolizer.resolve(both, facts: &current.facts)
                resolved.append(symbolizer.resolve(plan.frame, facts: &current.facts))
                continue
            }
            let result = symbolizer.resolve(plan.frame, facts: &current.facts)
            resolved.append(result)
            if retainReports || current.report.frames.count < Self.framesKeptWhenStreaming {
                if let register = plan.register { current.dumpFrames[register] = current.report.frames.count }
                current.report.frames.append(result)
            }
        }
        openReports[currentContext] = current
        return resolved
    }

    /// Closes the last report and returns every report found.
    public func finish() -> [Report] {
        endOfInput = true
        for context in openReports.keys.sorted() {
            currentContext = context
            finishOpenReport()
        }
        finished.sort { $0.firstLine < $1.firstLine }
        if retainReports { applySyzbotTitles() }
        if let architecture = logFacts.architecture?.value {
            // One log, one kernel: what a later line said (a register dump
            // after a first, bare report) holds for the reports before it.
            for index in finished.indices where finished[index].architecture == nil {
                finished[index].architecture = architecture
            }
        }
        return finished
    }

    /// The first line of the earliest report being read, if one is open.
    public var openReportFirstLine: Int? { openReports.values.map(\.report.firstLine).min() }

    /// Reports finished since the last call (whether or not they are retained).
    public func takeFinishedReports() -> [Report] {
        // Asked after every line, where a report seldom ends.
        guard !recentlyFinished.isEmpty else { return [] }
        defer { recentlyFinished.removeAll() }
        return recentlyFinished
    }

    // MARK: Reports

    private func start(kind: String, title: String, line: LogLine) {
        finishOpenReport()
        let report = Report(kind: kind, title: title, firstLine: line.number)
        open = OpenReport(report: report, facts: logFacts.merged(with: symbolizer.facts))
    }

    private func startOrRefine(format: ReportFormat, header message: Substring, line: LogLine) {
        let header = String(message.trimmingCharacters(in: " \t"))
        // "cut here" starts a WARN or BUG of its own; nothing follows a panic's header in its report.
        let isCutHere = header.hasPrefix("------------[ cut here ]")
        if let existing = open, !isCutHere, existing.provisionalHeader, var current = takeOpen() {
            // __warn() and the BUG handler print their header right after
            // "cut here": what came between was printed by another CPU.
            current.report.frames.removeAll()
            current.dumpFrames = [:]
            current.inTrace = false
            current.sawReturnFrame = false
            current.nextIsExact = false
            current.registerPC = nil
            current.registerPCAddress = nil
            current.backtraceLines = 0
            openReports[currentContext] = current
        }
        if let existing = open, !existing.inTrace, existing.report.kind != "panic", !isCutHere,
            existing.report.frames.allSatisfy({ $0.frame.fromRegisterDump || $0.frame.kind == .lr }),
            var current = takeOpen()
        {
            // A report's first lines often carry two headers ("Unable to handle
            // kernel NULL pointer…" then "Internal error: Oops"); the first one
            // names it, unless it was only "cut here".
            if current.provisionalHeader {
                current.report.kind = format.kind
                current.report.title = header
                current.provisionalHeader = false
            }
            current.report.lastLine = line.number
            openReports[currentContext] = current
            return
        }
        start(kind: format.kind, title: header, line: line)
        open?.provisionalHeader = isCutHere
    }

    private func finishOpenReport() {
        guard var current = takeOpen() else { return }
        open = nil
        var report = current.report
        let facts = current.facts
        report.kernelRelease = facts.release?.value
        report.architecture =
            [facts.architecture, logFacts.architecture].compactMap { $0 }.max { $0.evidence < $1.evidence }?.value
            ?? symbolizer.binaryArchitecture()
        // Only 32-bit ARM (Thumb-2) kernels have a kallsyms mode.
        if report.architecture == .arm { report.kallsymsMode = facts.kallsymsMode }
        if current.provisionalHeader {
            // "cut here" is printed by __warn() and the BUG handler; nothing named it.
            report.title = "WARNING"
        }
        report.title = Self.headerTitle(report.title)
        if let function = Self.keyFunction(of: report) { report.title += " in \(function)" }
        report.unrecognizedLines = current.unrecognizedLines
        finishMachineState(&current, into: &report, retained: retainReports)
        report.signature = ReportSignature.signature(of: report.frames)
        // A proof found late in the report (a WARN's line, a size) also
        // covers the binary's earlier frames in the report.
        for index in report.frames.indices {
            if let module = report.frames[index].module, let proven = symbolizer.provenMismatch(of: module) {
                report.frames[index].noteMismatch(proven)
            }
        }
        if !current.inTrace && report.frames.isEmpty && report.kind != "panic" {
            report.corrupted = true
            report.corruptedReason = "no stack trace"
        } else if !current.ended && endOfInput && current.inTrace && current.idleLines == 0 {
            report.corrupted = true
            report.corruptedReason = "the log ends inside the stack trace"
        }
        current.report = report
        if retainReports { finished.append(report) }
        recentlyFinished.append(report)
    }

    /// What the message states about the kernel, for the log and the open report.
    private func noteKernelFacts(_ message: Substring) {
        let stated = FactScanner.statements(in: message)
        guard !stated.isEmpty else { return }
        stated.apply(to: &logFacts)
        if var current = takeOpen() {
            stated.apply(to: &current.facts)
            openReports[currentContext] = current
        }
        if let release = stated.release { symbolizer.noteKernelRelease(release) }
        if let id = stated.vmlinuxBuildID { symbolizer.noteVmlinuxBuildID(id) }
    }

    // MARK: Frames

    /// `WARNING: CPU: 0 PID: 95 at crashmod/crashmod.c:63 crash_warn+0x5/0x10 [crashmod]`:
    /// where the WARN is (see ``ArchFixup/warnPrintsReturnAddress``).
    private func warningLocation(in message: Substring, line: LogLine) -> [ResolvedFrame] {
        guard let expression = SourceClaim.warningFunction(in: message),
            let parsed = FrameParser.frames(in: expression).first, parsed.syntax == .traceEntry,
            parsed.symbol?.offset != nil, var current = takeOpen()
        else { return [] }
        var frame = LogFrame(
            line: line.number, kind: .pc, reliable: true, printed: parsed.printed, symbol: parsed.symbol,
            address: parsed.address, note: .warnTrap)
        frame.isWarnLocation = true
        frame.claim = current.pendingClaim
        current.pendingClaim = nil
        let resolved = symbolizer.resolve(frame, facts: &current.facts)
        current.report.frames.append(resolved)
        openReports[currentContext] = current
        return [resolved]
    }
}

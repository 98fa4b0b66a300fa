import ArchFixups

/// Reads a log line by line, finds reports and their frames, and symbolizes
/// each frame as soon as its line is read (so that `dmesg -w` can be
/// annotated live).
public final class LogProcessor {
    private let symbolizer: Symbolizer
    /// Open reports by printk caller id (`T123`, `C1`; "" for lines without
    /// one), so that reports printed at the same time by several CPUs or
    /// tasks are kept apart.
    private var openReports: [String: OpenReport] = [:]
    /// The caller id of the line being processed.
    private var currentContext = ""
    /// Removes and returns the current context's open report, so that it can
    /// be changed without copying its frames (put it back with `open = …`).
    private func takeOpen() -> OpenReport? { openReports.removeValue(forKey: currentContext) }

    /// The open report of the current line's context.
    private var open: OpenReport? {
        get { openReports[currentContext] }
        set { openReports[currentContext] = newValue }
    }
    private var finished: [Report] = []
    private var recentlyFinished: [Report] = []
    /// Every line, for syzbot's title rules at the end (only when reports are retained).
    private var textLines: [String] = []
    private var endOfInput = false
    /// The last kernel release seen anywhere in the log.
    private var logRelease: String?
    private var logKaslrOffset: UInt64?
    /// Exception entry points after which the next frame is an interrupted,
    /// exact PC (ARM `__irq_svc`, arm64 `el1h_64_irq`…).
    static let exceptionEntries: Set<String> = [
        "__irq_svc", "__dabt_svc", "__pabt_svc", "__und_svc", "__irq_usr", "__dabt_usr", "__pabt_usr", "__und_usr",
        "__fiq_svc", "__fiq_abt", "el1h_64_irq", "el1h_64_sync", "el1h_64_error", "el1h_64_fiq", "el1_irq", "el1_sync",
        "el1_error", "ret_from_exception", "handle_exception",
    ]

    private struct OpenReport {
        var report: Report
        var context: ReportContext
        var inTrace = false
        /// The report's end marker (`---[ end trace … ]---`) was read.
        var ended = false
        /// A return-address frame was seen (so the exception PC is no longer repeated).
        var sawReturnFrame = false
        /// Lines since the last line that belonged to the report, once the trace started.
        var idleLines = 0
        var backtraceLines = 0
        /// The next frame is an exact PC (it follows an exception entry).
        var nextIsExact = false
        /// The PC printed in the register dump, to recognise it again in the trace.
        var registerPC: PrintedSymbol?
        var registerPCAddress: UInt64?
        /// The header was "cut here": a following WARNING/BUG line names the report.
        var provisionalHeader = false
    }

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

    /// Processes one line and returns the frames found in it, symbolized.
    public func process(_ line: LogLine) -> [ResolvedFrame] {
        if retainReports { textLines.append(line.text) }
        let message = line.message
        currentContext = line.callerID.map(String.init) ?? ""
        if openReports[currentContext] == nil, currentContext != "", openReports.count == 1,
            let (only, report) = openReports.first, only == "", report.report.frames.isEmpty, !report.inTrace
        {
            // The header had no caller id but its continuation has one: same report.
            openReports[currentContext] = report
            openReports[""] = nil
        }
        noteKernelFacts(message)

        if let format = ReportFormats.format(of: message) {
            startOrRefine(format: format, line: line)
            if let claim = SourceClaim.parse(message) { open?.context.sourceClaim = claim }
            return warningLocation(in: message, line: line)
        }
        let trimmed = message.trimmingCharacters(in: " \t")
        if trimmed.hasPrefix("---[ end ") {
            // The report stays open for what the kernel prints right after
            // its end marker (x86 repeats the register dump there); the
            // first line that is not part of a report closes it.
            if var current = takeOpen() {
                current.report.lastLine = line.number
                current.ended = true
                current.inTrace = true
                current.idleLines = 0
                open = current
            }
            return []
        }
        if isTraceStart(trimmed) {
            if open == nil { start(kind: "stack-dump", title: String(trimmed), line: line) }
            open?.inTrace = true
            open?.idleLines = 0
            open?.report.lastLine = line.number
            return []
        }
        if isContextMarker(trimmed) {
            if open != nil {
                open?.report.lastLine = line.number
                open?.idleLines = 0
            }
            return []
        }

        let parsed = FrameParser.frames(in: message)
        if parsed.isEmpty {
            if var current = takeOpen() {
                if isReportDetail(trimmed) {
                    current.report.lastLine = line.number
                    current.idleLines = 0
                } else if current.inTrace {
                    current.idleLines += 1
                }
                open = current
                if current.inTrace && current.idleLines >= (current.ended ? 1 : 3) { finishOpenReport() }
            }
            return []
        }
        if open == nil {
            start(kind: "stack-dump", title: "stack dump", line: line)
        }
        guard var current = takeOpen() else { return [] }
        current.report.lastLine = line.number
        current.idleLines = 0
        var resolved: [ResolvedFrame] = []
        for frame in frames(from: parsed, line: line, state: &current) {
            let result = symbolizer.resolve(frame, context: &current.context)
            resolved.append(result)
        }
        if retainReports || current.report.frames.count < Self.framesKeptWhenStreaming {
            current.report.frames.append(contentsOf: resolved)
        }
        open = current
        if retainReports, !textLines.isEmpty, resolved.contains(where: { $0.kallsymsCorrection != nil }) {
            textLines[textLines.count - 1] = Self.corrected(line.text, frames: resolved)
        }
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
        return finished
    }

    /// The line as a correct kernel would have printed it: each symbol a
    /// pre-fix Thumb-2 kernel printed wrong replaced by its correction, so
    /// that titles name the right function.
    static func corrected(_ text: String, frames: [ResolvedFrame]) -> String {
        var result = text
        for frame in frames {
            guard let correction = frame.kallsymsCorrection, let printed = frame.frame.symbol else { continue }
            if let offset = printed.offset, let size = printed.size {
                let wrong = "\(printed.name)+0x\(String(offset, radix: 16))/0x\(String(size, radix: 16))"
                result = result.replacingOccurrences(of: wrong, with: correction)
            } else if let name = correction.split(separator: "+").first {
                result = result.replacingOccurrences(of: "(\(printed.name) ", with: "(\(name) ")
                result = result.replacingOccurrences(of: "(\(printed.name))", with: "(\(name))")
            }
        }
        return result
    }

    /// Titles reports the way syzbot does (``SyzbotTitles``), so that they
    /// file against the same bugs; a crash syzbot's rules find that no report
    /// covers becomes a report of its own.
    private func applySyzbotTitles() {
        for crash in SyzbotTitles.crashes(in: textLines) {
            let index =
                finished.firstIndex { $0.firstLine <= crash.startLine && crash.startLine <= $0.lastLine }
                ?? finished.firstIndex { $0.firstLine > crash.startLine && $0.firstLine <= crash.startLine + 3 }
            if let index {
                var report = finished[index]
                guard report.crashType == nil else { continue }
                report.syzbotTitle = crash.title
                report.title = crash.title
                let symbolized = report.frames.contains { $0.locations.contains { $0.file != nil } }
                if crash.title.hasSuffix(" in corrupted"), symbolized, let function = keyFunction(of: report) {
                    // syzbot's text rules found no frame, the symbolized frames do.
                    report.title = String(crash.title.dropLast("corrupted".count)) + ReportSignature.baseName(function)
                }
                report.alternativeTitles = crash.alternativeTitles
                report.crashType = crash.type
                // syzbot's text rules miss some stack formats (ARM backtraces
                // without a "Backtrace:" line): a report whose stack was read
                // frame by frame is not corrupted for lack of one.
                let missingStackOnly = ["no stack trace in report", "extracted no frames"].contains(crash.corruptedReason ?? "")
                let hasStack = report.frames.contains { $0.frame.kind == .return && $0.frame.reliable }
                if crash.corrupted && !(missingStackOnly && hasStack) {
                    report.corrupted = true
                    report.corruptedReason = report.corruptedReason ?? crash.corruptedReason ?? "corrupted"
                }
                finished[index] = report
            } else {
                var report = Report(kind: "other", title: crash.title, firstLine: crash.startLine)
                report.syzbotTitle = crash.title
                report.lastLine = crash.startLine
                report.alternativeTitles = crash.alternativeTitles
                report.crashType = crash.type
                report.corrupted = crash.corrupted
                report.corruptedReason = crash.corruptedReason
                report.kernelRelease = logRelease
                finished.append(report)
            }
        }
        finished.sort { $0.firstLine < $1.firstLine }
    }

    /// The first line of the earliest report being read, if one is open.
    public var openReportFirstLine: Int? { openReports.values.map(\.report.firstLine).min() }

    /// Reports finished since the last call (whether or not they are retained).
    public func takeFinishedReports() -> [Report] {
        defer { recentlyFinished.removeAll() }
        return recentlyFinished
    }

    // MARK: Reports

    private func start(kind: String, title: String, line: LogLine) {
        finishOpenReport()
        var report = Report(kind: kind, title: title, firstLine: line.number)
        report.kernelRelease = logRelease
        var context = ReportContext()
        context.kernelRelease = logRelease
        context.kaslrOffset = logKaslrOffset
        context.architecture = symbolizer.options.architecture
        report.architecture = context.architecture
        if let release = logRelease, let mode = KallsymsMode.likely(forRelease: release) {
            context.kallsymsMode = mode
            context.kallsymsModeEvidence = "release \(release)"
            context.kallsymsModeStrength = .release
        }
        open = OpenReport(report: report, context: context)
    }

    private func startOrRefine(format: ReportFormat, line: LogLine) {
        let header = String(line.message.trimmingCharacters(in: " \t"))
        if let existing = open, existing.report.frames.isEmpty, !existing.inTrace, var current = takeOpen() {
            // A report's first lines often carry two headers ("Unable to handle
            // kernel NULL pointer…" then "Internal error: Oops"); the first one
            // names it, unless it was only "cut here".
            if current.provisionalHeader {
                current.report.kind = format.kind
                current.report.title = header
                current.provisionalHeader = false
            }
            current.report.lastLine = line.number
            open = current
            return
        }
        start(kind: format.kind, title: header, line: line)
        open?.provisionalHeader = header.hasPrefix("------------[ cut here ]")
    }

    private func finishOpenReport() {
        guard var current = takeOpen() else { return }
        open = nil
        current.report.kernelRelease = current.context.kernelRelease ?? current.report.kernelRelease
        current.report.kallsymsMode = current.context.kallsymsMode
        current.report.kallsymsModeEvidence = current.context.kallsymsModeEvidence
        if current.report.architecture == nil {
            current.report.architecture = symbolizer.options.architecture ?? guessArchitecture(current.report)
        }
        if let function = keyFunction(of: current.report) {
            current.report.title += " in \(function)"
        }
        current.report.signature = ReportSignature.signature(of: current.report.frames)
        // A proof found late in the report (a WARN's line, a size) also
        // covers the binary's earlier frames in the report.
        for index in current.report.frames.indices {
            if let module = current.report.frames[index].module, let proven = symbolizer.provenMismatch(of: module) {
                current.report.frames[index].noteMismatch(proven)
            }
        }
        if !current.inTrace && current.report.frames.isEmpty && current.report.kind != "panic" {
            current.report.corrupted = true
            current.report.corruptedReason = "no stack trace"
        } else if !current.ended && endOfInput && current.inTrace && current.idleLines == 0 {
            current.report.corrupted = true
            current.report.corruptedReason = "the log ends inside the stack trace"
        }
        if retainReports { finished.append(current.report) }
        recentlyFinished.append(current.report)
    }

    private func guessArchitecture(_ report: Report) -> Architecture? {
        architectureHint ?? symbolizer.binaryArchitecture()
    }

    /// The architecture the log's own syntax shows, if any.
    private var architectureHint: Architecture?

    /// Register-dump lines that only one architecture prints.
    private static func architecture(ofMessage message: Substring) -> Architecture? {
        let trimmed = message.drop { $0 == " " }
        if trimmed.hasPrefix("RIP: ") { return .x86_64 }
        if trimmed.hasPrefix("EIP: ") { return .i386 }
        if trimmed.hasPrefix("PC is at ") || trimmed.hasPrefix("pc : [<") { return .arm }
        if trimmed.hasPrefix("pstate: ") || trimmed.hasPrefix("x29: ") { return .arm64 }
        if trimmed.hasPrefix("epc : ") || trimmed.hasPrefix("status: ") && ByteSearch.contains(message, "badaddr:") {
            return .riscv64
        }
        if trimmed.hasPrefix("epc   : ") || trimmed.hasPrefix("Cause : ") { return .mips }
        if trimmed.hasPrefix("NIP:  ") || trimmed.hasPrefix("NIP [") { return .powerpc64 }
        if trimmed.hasPrefix("Krnl PSW : ") { return .s390x }
        return nil
    }

    /// Frames that only report the report: never the title's function.
    static let genericFrames: Set<String> = [
        "dump_stack", "dump_stack_lvl", "show_stack", "unwind_backtrace", "__warn", "warn_slowpath_fmt", "report_bug",
        "handle_bug", "exc_invalid_op", "asm_exc_invalid_op", "die", "__die", "do_trap", "do_error_trap", "panic",
        "__do_kernel_fault", "do_page_fault", "do_DataAbort", "__dabt_svc", "do_translation_fault", "die_kernel_fault",
        "__bug", "bug_handler", "do_undefinstr", "__und_svc", "show_regs", "__show_regs",
    ]

    private func keyFunction(of report: Report) -> String? {
        let candidates = report.frames.filter { $0.frame.reliable }
        let pick =
            candidates.first { $0.frame.kind == .pc && name(of: $0).map { !Self.genericFrames.contains($0) } == true }
            ?? candidates.first { name(of: $0).map { !Self.genericFrames.contains($0) } == true }
        return pick.flatMap(name(of:))
    }

    private func name(of frame: ResolvedFrame) -> String? {
        frame.locations.first?.function ?? frame.symbol?.name ?? frame.frame.symbol?.name
    }

    // MARK: Frames

    /// `WARNING: CPU: 0 PID: 95 at crashmod/crashmod.c:63 crash_warn+0x5/0x10 [crashmod]`:
    /// the function at the end is where the WARN trapped, an exact PC.
    private func warningLocation(in message: Substring, line: LogLine) -> [ResolvedFrame] {
        guard message.hasPrefix("WARNING:"), let at = message.firstRange(of: " at ") else { return [] }
        let afterAt = message[at.upperBound...]
        guard let space = afterAt.firstIndex(of: " ") else { return [] }
        let expression = afterAt[afterAt.index(after: space)...]
        guard let parsed = FrameParser.frames(in: expression).first, parsed.syntax == .traceEntry,
            parsed.symbol?.offset != nil, var current = takeOpen()
        else { return [] }
        var frame = LogFrame(
            line: line.number, kind: .pc, reliable: true, printed: parsed.printed, symbol: parsed.symbol,
            address: parsed.address, note: "where the WARN trapped")
        frame.isWarnLocation = true
        let resolved = symbolizer.resolve(frame, context: &current.context)
        current.report.frames.append(resolved)
        open = current
        return [resolved]
    }

    private func frames(from parsed: [ParsedFrame], line: LogLine, state: inout OpenReport) -> [LogFrame] {
        var frames: [LogFrame] = []
        for item in parsed {
            var kind: FrameKind
            var note: String?
            switch item.syntax {
            case .instructionPointerRegister, .programCounterRegister:
                kind = .pc
                if state.registerPC == nil || state.inTrace {
                    state.registerPC = item.symbol
                    state.registerPCAddress = item.address
                }
                state.nextIsExact = false
            case .linkRegister:
                kind = .lr
                note = "link register: may be stale"
            case .backtraceWhere:
                state.backtraceLines += 1
                // Only the first line's "where" is a frame of its own; every
                // later one repeats the previous line's "from".
                guard state.backtraceLines == 1, item.address != nil else { continue }
                kind = .pc
                note = "first backtrace entry: the PC where unwinding started"
            case .backtraceFrom:
                kind = .return
                if let previous = parsed.first(where: { $0.syntax == .backtraceWhere })?.symbol?.name,
                    Self.exceptionEntries.contains(previous)
                {
                    kind = .pc
                    note = "interrupted instruction after \(previous)"
                }
            case .traceEntry:
                kind = .return
                if state.nextIsExact && !item.unreliable {
                    kind = .pc
                    note = "interrupted instruction after an exception entry"
                    state.nextIsExact = false
                } else if !state.sawReturnFrame, let pc = state.registerPC, let symbol = item.symbol,
                    pc.name == symbol.name, pc.offset == symbol.offset
                {
                    // arm64/riscv repeat the exception PC as the first trace entry.
                    kind = .pc
                    note = "first trace entry repeats the exception PC"
                }
                if let name = item.symbol?.name, Self.exceptionEntries.contains(name), !item.unreliable {
                    state.nextIsExact = true
                }
            }
            if kind == .return { state.sawReturnFrame = true }
            var frame = LogFrame(
                line: line.number, kind: kind, reliable: !item.unreliable, printed: item.printed, symbol: item.symbol,
                address: item.address, note: note)
            frame.fromRegisterDump = item.syntax == .programCounterRegister || item.syntax == .instructionPointerRegister
            frames.append(frame)
        }
        return frames
    }

    // MARK: Line classes

    private func isTraceStart(_ message: Substring) -> Bool {
        message.hasPrefix("Call Trace:") || message.hasPrefix("Call trace:") || message.hasPrefix("Backtrace:")
            || message == "Backtrace: " || message.hasPrefix("Stack Trace:")
    }

    private func isContextMarker(_ message: Substring) -> Bool {
        switch message {
        case "<IRQ>", "</IRQ>", "<TASK>", "</TASK>", "<NMI>", "</NMI>", "<SOFTIRQ>", "</SOFTIRQ>", "<#DF>", "</#DF>",
            "<EOI>":
            return true
        default:
            return message.hasPrefix("Exception stack(") || message.hasPrefix("---[ ")
        }
    }

    /// Register dumps, code bytes and other lines that belong to a report.
    private func isReportDetail(_ message: Substring) -> Bool {
        let prefixes = [
            "Code:", "Modules linked in:", "CPU:", "Hardware name:", "Workqueue:", "Process ", "Stack:", "Flags:",
            "Control:", "Table:", "DAC:", "pstate:", "Mem abort info:", "Data abort info:", "ESR =", "  ESR", "user pgtable:",
            "[0000", "#PF:", "PGD ", "Register ", "Internal error", "Dumping ftrace", "CR2:", "note:", "irq event stamp:",
            "hardirqs ", "softirqs ", "Kernel Offset:", "PHYS_OFFSET:", "CPU features:", "Memory limit:", "FS:", "CS:",
            "DR0:", "DR3:", "DR6:", "PKRU:", "sp :", "x2", "x1", "x0", "x9", "x8", "x7", "x6", "x5", "x4", "x3",
            "status:", "badaddr:", "cause:", "gp :", "t0 :", "s0 :", "a0 :", "a2 :", "a4 :", "a6 :", "s2 :", "s4 :",
            "s6 :", "s8 :", "s10:", "t3 :", "t5 :", "Krnl PSW", "Last Breaking-Event-Address:", "GPR", "MSR:", "CFAR:",
            "DAR:", "NIP:", "REGS:", "---- ", "Krnl GPRS:", "Krnl Code:", "Instruction dump:", "Stack : ", "Call Trace",
        ]
        if prefixes.contains(where: { message.hasPrefix($0) }) { return true }
        // "RAX: 0000…", "R10: …", "r10: bf000000  r9 : …", "ip : …", "fp : …"
        let fields = message.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard let first = fields.first else { return false }
        var key = first
        var valueIndex = 1
        if first.count <= 3, fields.count > 1, fields[1] == ":" {
            key = first + ":"
            valueIndex = 2
        }
        guard key.hasSuffix(":"), key.count <= 5, valueIndex < fields.count || fields.count > 1 else { return false }
        let value = fields.count > valueIndex ? fields[valueIndex] : fields[fields.count - 1]
        return value.first.map { $0.isHexDigit } ?? false
    }

    private func noteKernelFacts(_ message: Substring) {
        if let architecture = Self.architecture(ofMessage: message) {
            architectureHint = architecture
            if open != nil, symbolizer.options.architecture == nil { open?.report.architecture = architecture }
        }
        if let release = Self.release(in: message) {
            logRelease = release
            symbolizer.noteKernelRelease(release)
            if open != nil {
                open?.context.kernelRelease = release
                open?.report.kernelRelease = release
                if let strength = open?.context.kallsymsModeStrength, strength <= .release,
                    symbolizer.options.kallsymsMode == nil, let mode = KallsymsMode.likely(forRelease: release)
                {
                    open?.context.kallsymsModeStrength = .release
                    open?.context.kallsymsMode = mode
                    open?.context.kallsymsModeEvidence = "release \(release)"
                }
            }
        }
        if let id = Self.vmlinuxBuildID(in: message) {
            symbolizer.noteVmlinuxBuildID(id)
            open?.context.vmlinuxBuildID = id
        }
        if message.hasPrefix("Kernel Offset: 0x") {
            let fields = message.split(separator: " ")
            if fields.count >= 3, let offset = parseHex(fields[2]) {
                logKaslrOffset = offset
                open?.context.kaslrOffset = offset
            }
        }
    }

    /// vmlinux's build id at the end of `CPU: 0 PID: 1 Comm: sh Not tainted
    /// 6.1.0 #1 0123…` (kernels with CONFIG_STACKTRACE_BUILD_ID print the 20
    /// bytes after the version's `#N`).
    public static func vmlinuxBuildID(in message: Substring) -> String? {
        guard ByteSearch.contains(message, " Comm: "), release(in: message) != nil else { return nil }
        let tokens = message.split(separator: " ")
        guard let hash = tokens.lastIndex(where: { $0.hasPrefix("#") }), hash + 1 < tokens.count else { return nil }
        let candidate = tokens[hash + 1].trimmingCharacters(in: "\r")
        guard candidate.count == 40, candidate.allSatisfy(\.isHexDigit) else { return nil }
        return candidate.lowercased()
    }

    /// The release in `CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-50-amd64 #1`
    /// (or `Tainted: G   D  O  6.1.0 #1`) and `Linux version 6.1.0 (…)`.
    public static func release(in message: Substring) -> String? {
        if message.hasPrefix("Linux version ") {
            return message.dropFirst("Linux version ".count).split(separator: " ").first.map(String.init)
        }
        guard ByteSearch.contains(message, " Comm: ") else { return nil }
        let rest: Substring
        if let range = message.firstRange(of: "Not tainted ") {
            rest = message[range.upperBound...]
        } else if let range = message.firstRange(of: "Tainted: ") {
            rest = message[range.upperBound...]
        } else {
            return nil
        }
        for token in rest.split(separator: " ") {
            if token.first?.isNumber == true && token.contains(".") { return String(token) }
            if token.hasPrefix("#") { break }
        }
        return nil
    }
}

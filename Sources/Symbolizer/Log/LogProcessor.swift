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
        /// The register dump being read: its PC and LR frames (positions in
        /// `report.frames`), so that a second line printing the same register
        /// (ARM `PC is at` then `pc : [<…>]`) adds no frame; and whether it is
        /// a user-mode dump (a PC with no symbol in user space), whose PC and LR are no kernel frames.
        var dumpFrames: [FrameKind: Int] = [:]
        var userDump = false
        /// Lines in the stack trace that look like frames but were not understood.
        var unrecognizedLines: [Int] = []
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
    ///
    /// A line that holds several kernel messages (a paste whose newlines
    /// were lost: `… [    7.201455] #PF: …` in the middle) is read as those
    /// messages, one after the other; the frames of all of them are returned.
    public func process(_ line: LogLine) -> [ResolvedFrame] {
        let parts = Self.messages(in: line)
        guard parts.count > 1 else { return processMessage(line) }
        return parts.flatMap { processMessage($0) }
    }

    /// The messages of a line: itself, or its pieces where a printk time
    /// stamp (`[ 1234.567890]`, six fraction digits, after a blank) starts
    /// another message inside it.
    static func messages(in line: LogLine) -> [LogLine] {
        let bytes = line.bytes
        guard bytes.count > 20, ByteSearch.contains(line.message, "] ") else { return [line] }
        var cuts: [Int] = []
        var index = 1
        while index < bytes.count - 10 {
            if bytes[index] == UInt8(ascii: "["), bytes[index - 1] == UInt8(ascii: " ") || bytes[index - 1] == 9,
                let end = printkStampEnd(bytes, from: index), end < bytes.count
            {
                cuts.append(index)
                index = end
            } else {
                index += 1
            }
        }
        guard !cuts.isEmpty else { return [line] }
        var pieces: [LogLine] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            var end = cut
            while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == 9 { end -= 1 }
            if end > start { pieces.append(LogLine(number: line.number, bytes: Array(bytes[start..<end]), terminator: [])) }
            start = cut
        }
        return pieces
    }

    /// The end of `[ *DIGITS.DDDDDD]` at `from`, if one is there.
    private static func printkStampEnd(_ bytes: [UInt8], from: Int) -> Int? {
        var index = from + 1
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        let digits = index
        while index < bytes.count, LinePrefix.isDigit(bytes[index]) { index += 1 }
        guard index > digits, index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return nil }
        index += 1
        let fraction = index
        while index < bytes.count, LinePrefix.isDigit(bytes[index]) { index += 1 }
        guard index - fraction == 6, index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return nil }
        return index + 1
    }

    /// Lines whose frames were never understood, across all reports so far.
    public private(set) var unrecognizedFrameLines: [Int] = []

    private func processMessage(_ line: LogLine) -> [ResolvedFrame] {
        if retainReports { textLines.append(Self.titleText(line.console)) }
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

        // A SysRq dump (Show State, Show Blocked State…) is not part of the report before it.
        if message.hasPrefix("sysrq: ") || message.hasPrefix("SysRq : ") {
            finishOpenReport()
            return []
        }
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
            if open == nil { start(kind: "stack-dump", title: "stack dump", line: line) }
            open?.dumpFrames = [:]
            open?.userDump = false
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

        if Self.isUserModeFlags(trimmed), var current = takeOpen() {
            // ARM "Flags: … Mode USER_32 …": the register dump before it was user space's.
            for index in current.dumpFrames.values.sorted(by: >) where index < current.report.frames.count {
                current.report.frames.remove(at: index)
            }
            current.dumpFrames = [:]
            current.userDump = true
            current.report.lastLine = line.number
            open = current
            return []
        }
        let parsed = FrameParser.frames(in: message)
        if parsed.isEmpty {
            if var current = takeOpen() {
                if isReportDetail(trimmed) {
                    current.report.lastLine = line.number
                    current.idleLines = 0
                } else if current.inTrace && Self.looksLikeFrame(trimmed) {
                    // Inside a trace and shaped like a frame, but not understood: said, and kept in the report.
                    current.unrecognizedLines.append(line.number)
                    unrecognizedFrameLines.append(line.number)
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
        let planned = frames(from: parsed, line: line)
        if open == nil {
            guard !planned.isEmpty else { return [] }
            start(kind: "stack-dump", title: "stack dump", line: line)
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
                current.report.frames[earlier] = symbolizer.resolve(both, context: &current.context)
                resolved.append(symbolizer.resolve(plan.frame, context: &current.context))
                continue
            }
            let result = symbolizer.resolve(plan.frame, context: &current.context)
            resolved.append(result)
            if retainReports || current.report.frames.count < Self.framesKeptWhenStreaming {
                if let register = plan.register { current.dumpFrames[register] = current.report.frames.count }
                current.report.frames.append(result)
            }
        }
        open = current
        if retainReports, !textLines.isEmpty, resolved.contains(where: { $0.kallsymsCorrection != nil }) {
            textLines[textLines.count - 1] = Self.titleText(Self.corrected(String(line.console), frames: resolved)[...])
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
                // syzbot's text rules miss some stack formats (ARM backtraces
                // without a "Backtrace:" line, arm64's (P)/(L) marks): a report
                // whose stack was read frame by frame is not corrupted for lack of one.
                let missingStackOnly = ["no stack trace in report", "extracted no frames"].contains(crash.corruptedReason ?? "")
                let hasStack = report.frames.contains { $0.frame.kind == .return && $0.frame.reliable }
                let symbolized = report.frames.contains { $0.locations.contains { $0.file != nil } }
                if crash.title.hasSuffix(" in corrupted"), symbolized || (missingStackOnly && hasStack),
                    let function = keyFunction(of: report)
                {
                    // syzbot's text rules found no frame, the frames read here do.
                    report.title = String(crash.title.dropLast("corrupted".count)) + ReportSignature.baseName(function)
                }
                report.alternativeTitles = crash.alternativeTitles
                report.crashType = crash.type
                if crash.corrupted && !(missingStackOnly && hasStack) {
                    report.corrupted = true
                    report.corruptedReason = report.corruptedReason ?? crash.corruptedReason ?? "corrupted"
                }
                finished[index] = report
            } else {
                // A crash only syzbot's rules found: its kind from its first line, as any report's.
                let header = crash.startLine <= textLines.count ? LinePrefix.strip(textLines[crash.startLine - 1][...]).message : ""
                let kind = ReportFormats.format(of: header.drop { $0 == " " })?.kind ?? ReportFormats.kind(ofTitle: crash.title)
                var report = Report(kind: kind, title: crash.title, firstLine: crash.startLine)
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
        if let existing = open, !existing.inTrace,
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
        if current.report.architecture == nil {
            current.report.architecture = symbolizer.options.architecture ?? guessArchitecture(current.report)
        }
        // Only 32-bit ARM (Thumb-2) kernels have a kallsyms mode.
        if current.report.architecture == .arm {
            current.report.kallsymsMode = current.context.kallsymsMode
            current.report.kallsymsModeEvidence = current.context.kallsymsModeEvidence
        }
        if current.provisionalHeader {
            // "cut here" is printed by __warn() and the BUG handler; nothing named it.
            current.report.title = "WARNING"
        }
        current.report.title = Self.headerTitle(current.report.title)
        if let function = keyFunction(of: current.report) {
            current.report.title += " in \(function)"
        }
        current.report.unrecognizedLines = current.unrecognizedLines
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

    /// The architecture the log's own text shows, if any: from a register
    /// dump (``strongArchitectureHint``), else from frame syntax.
    private var architectureHint: Architecture?
    private var strongArchitectureHint: Architecture?

    private func noteArchitecture(_ architecture: Architecture, strong: Bool) {
        if strong {
            strongArchitectureHint = architecture
            architectureHint = architecture
            if open != nil, symbolizer.options.architecture == nil { open?.report.architecture = architecture }
        } else if strongArchitectureHint == nil {
            architectureHint = architecture
            if open != nil, symbolizer.options.architecture == nil, open?.report.architecture == nil {
                open?.report.architecture = architecture
            }
        }
    }

    private func keyFunction(of report: Report) -> String? {
        let candidates = report.frames.filter { $0.frame.reliable }
        let pick =
            candidates.first { $0.frame.kind == .pc && name(of: $0).map { !GenericFrames.contains($0) } == true }
            ?? candidates.first { name(of: $0).map { !GenericFrames.contains($0) } == true }
        return pick.flatMap(name(of:)).map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }
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

    /// Whether a bracketed address is a hashed pointer: `%p` of a 64-bit
    /// kernel since 4.15 prints a 32-bit hash in 16 digits
    /// (`[<00000000cb88a241>]`), no code address (s390's real kernel
    /// addresses are as short, but below 256 MiB; the caller rules s390 out
    /// where it knows the architecture).
    static func isHashedPointer(_ value: UInt64, printed: String) -> Bool {
        guard value >> 32 == 0, value >= 0x1000_0000 else { return false }
        let text = printed.drop { $0 == " " || $0 == "(" }
        guard text.hasPrefix("[<"), let close = text.firstIndex(of: ">") else { return false }
        return text.distance(from: text.index(text.startIndex, offsetBy: 2), to: close) == 16
    }

    /// A frame to resolve, and what it is to the report.
    private struct PlannedFrame {
        var frame: LogFrame
        var syntax: FrameSyntax
        var mark: FrameMark?
        /// The position in the report's frames of the frame this one prints again,
        /// and the two as one frame (the name of one, the address of the other).
        var repeats: Int?
        var merged: LogFrame?
        /// The register (`pc`, `lr`) of the register dump this frame is.
        var register: FrameKind?
    }

    /// The frames of one line, before the report decides their kinds: what
    /// the line says about each, and about the log's architecture.
    private func frames(from parsed: [ParsedFrame], line: LogLine) -> [PlannedFrame] {
        var planned: [PlannedFrame] = []
        for item in parsed {
            var address = item.address
            if let value = address, Self.isHashedPointer(value, printed: item.printed),
                (symbolizer.options.architecture ?? architectureHint) != .s390x
            {
                address = nil
            }
            let isRegister = item.syntax == .programCounterRegister || item.syntax == .instructionPointerRegister
                || item.syntax == .linkRegister
            if isRegister, item.symbol == nil, let value = address,
                let architecture = symbolizer.options.architecture ?? architectureHint,
                architecture.fixups.isUserAddress(value)
            {
                // A user-space PC (the kernel printed no symbol for it): not a kernel frame.
                continue
            }
            if !isRegister, strongArchitectureHint == nil {
                let hint: Architecture? =
                    item.syntax == .backtraceWhere || item.syntax == .backtraceFrom
                    ? .arm : LogSyntax.frameHint(printed: item.printed, function: item.symbol?.name)
                if let hint { noteArchitecture(hint, strong: false) }
            }
            var frame = LogFrame(
                line: line.number, kind: .return, reliable: !item.unreliable, printed: item.printed, symbol: item.symbol,
                address: address)
            frame.printedLocation = item.location
            frame.fromRegisterDump = item.syntax == .programCounterRegister || item.syntax == .instructionPointerRegister
            planned.append(PlannedFrame(frame: frame, syntax: item.syntax, mark: item.mark))
        }
        return planned
    }

    /// Decides each frame's kind from its syntax and what came before it in the report.
    private func classify(_ planned: [PlannedFrame], state: inout OpenReport) -> [PlannedFrame] {
        var result: [PlannedFrame] = []
        for var plan in planned {
            let item = plan.frame
            var kind: FrameKind
            var note: String?
            switch plan.syntax {
            case .instructionPointerRegister, .programCounterRegister, .linkRegister:
                kind = plan.syntax == .linkRegister ? .lr : .pc
                if kind == .lr { note = "link register: may be stale" }
                if state.userDump { continue }
                if let earlier = state.dumpFrames[kind], earlier < state.report.frames.count {
                    let previous = state.report.frames[earlier].frame
                    if (previous.symbol == nil) != (item.symbol == nil) {
                        // The same register, printed once by name and once by value: one frame.
                        plan.repeats = earlier
                        var merged = item
                        merged.symbol = item.symbol ?? previous.symbol
                        merged.address = item.address ?? previous.address
                        merged.kind = kind
                        merged.note = note
                        merged.fromRegisterDump = previous.fromRegisterDump || item.fromRegisterDump
                        plan.merged = merged
                    }
                }
                plan.register = kind
                if kind == .pc {
                    if state.registerPC == nil || state.inTrace {
                        state.registerPC = item.symbol
                        state.registerPCAddress = item.address
                    }
                    state.nextIsExact = false
                }
            case .backtraceWhere:
                state.backtraceLines += 1
                // Only the first line's "where" is a frame of its own; every
                // later one repeats the previous line's "from".
                guard state.backtraceLines == 1 else { continue }
                kind = .pc
                note = "first backtrace entry: the PC where unwinding started"
                if item.address == nil, item.symbol?.offset == nil {
                    if let pc = state.registerPC, pc.name == item.symbol?.name, pc.offset != nil {
                        // Printed without an offset: the register dump's PC, which the unwinder started from.
                        plan.frame.symbol = pc
                        note = "first backtrace entry: the register dump's PC (the backtrace printed no offset)"
                    } else {
                        note = "first backtrace entry: the function where unwinding started (printed without an offset)"
                    }
                }
            case .backtraceFrom:
                kind = .return
                if let previous = planned.first(where: { $0.syntax == .backtraceWhere })?.frame.symbol?.name,
                    Self.exceptionEntries.contains(previous)
                {
                    kind = .pc
                    note = "interrupted instruction after \(previous)"
                }
            case .traceEntry:
                kind = .return
                if plan.mark == .programCounter {
                    kind = .pc
                    note = "(P): the PC of the exception's registers"
                } else if plan.mark == .linkRegister {
                    kind = .lr
                    note = "(L): the link register of the exception's registers"
                } else if item.printedLocation?.inlined == true {
                    note = "inlined into the next frame ([inline] as printed)"
                } else if state.nextIsExact && item.reliable {
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
                if let name = item.symbol?.name, Self.exceptionEntries.contains(name), item.reliable {
                    state.nextIsExact = true
                }
            }
            if kind == .return { state.sawReturnFrame = true }
            plan.frame.kind = kind
            plan.frame.note = note
            result.append(plan)
        }
        return result
    }

    // MARK: Line classes

    /// ARM's `Flags: nZCv  IRQs on  FIQs on  Mode USER_32  ISA ARM  Segment user`: the
    /// register dump is user space's.
    static func isUserModeFlags(_ message: Substring) -> Bool {
        message.hasPrefix("Flags: ") && (ByteSearch.contains(message, " Mode USER_32") || ByteSearch.contains(message, " Mode USR_32"))
    }

    /// Whether a line the parser did not take still looks like a stack frame
    /// (`func+0x1c/0x80`, `[<c0123456>]`): one more syntax to learn, said in the exit status.
    static func looksLikeFrame(_ message: Substring) -> Bool {
        if message.hasPrefix("[<") && !ByteSearch.contains(message, "(null)") { return true }
        guard let plus = message.firstRange(of: "+0x") else { return false }
        return message[plus.upperBound...].contains("/0x")
    }

    /// A report header as a title: without what changes from one occurrence
    /// to the next (`[#2]` and the flags after it) and without source
    /// positions a tool added (`(net/core/dst.c:123)`), at most 160 characters.
    static func headerTitle(_ header: String) -> String {
        var title = Substring(header)
        if let counter = title.firstRange(of: " [#") { title = title[..<counter.lowerBound] }
        var text = titleText(title)
        if text.count > 160 {
            let cut = text.prefix(160)
            text = String(cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut)
        }
        return text.trimmingSpaces()
    }

    /// Console text for syzbot's title rules, in the kernel's own syntax:
    /// where decode_stacktrace.sh replaced `func+0x1c/0x80` by
    /// `func (file.c:123)`, the rules read `func+0x0/0x0` (they know a
    /// function by what follows its name); a position after an offset is dropped.
    static func titleText(_ console: Substring) -> String {
        guard ByteSearch.contains(console, ":"), ByteSearch.contains(console, ")") else { return String(console) }
        var output = ""
        var rest = console
        while let open = rest.firstRange(of: " (") {
            output += rest[..<open.lowerBound]
            let candidate = rest[rest.index(after: open.lowerBound)...]
            var cursor = Cursor(candidate)
            if cursor.printedLocation() != nil {
                let lastWord = output.split(separator: " ").last ?? ""
                if let last = lastWord.last, last.isLetter || last.isNumber || last == "_", !lastWord.contains("+0x") {
                    output += "+0x0/0x0"
                }
                rest = Substring(candidate.utf8.dropFirst(cursor.position))
            } else {
                output += " ("
                rest = rest[open.upperBound...]
            }
        }
        return output + rest
    }

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
        // "[<          (null)>]           (null)": the end of an RCU stall's trace.
        if message.hasPrefix("[<") && ByteSearch.contains(message, "(null)") { return true }
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
        if let architecture = LogSyntax.registerDump(message) { noteArchitecture(architecture, strong: true) }
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

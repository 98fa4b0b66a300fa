#if canImport(Glibc)
    import Glibc
#endif

/// Output formats of a log run.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Every line as read, frames annotated (`decode_stacktrace.sh` style), streamed.
    case text
    /// The reports as one JSON document (version 1) at the end.
    case json
    /// A bug-tracker comment that leads with the crash verdict (``MarkdownPrinter``), at the end.
    case markdown
}

/// One run over logs: each line read, processed and printed the way the
/// format wants, the reports finished at the end. The command line, the
/// tests and the fuzzers all run logs through this.
public final class LogRun {
    /// What a finished run found, for its exit status.
    public struct Summary: Sendable {
        public var reports: [Report]
        /// The log's crash (``CrashVerdict``), when the run kept its reports and one is a crash.
        public var crash: CrashVerdict?
        /// Frames that could not be symbolized.
        public var unresolvedFrames: Int
        /// Lines in stack traces that look like frames but were not understood.
        public var unrecognizedLines: [Int]

        /// 0 when everything was understood and symbolized, else 2.
        public var exitStatus: Int32 { unresolvedFrames > 0 || !unrecognizedLines.isEmpty ? 2 : 0 }
    }

    public let symbolizer: Symbolizer
    private let processor: LogProcessor
    /// The format's printer and its buffer for each line: one stored value, so a line's
    /// printing is one access to it.
    private var printing: Printing
    private let write: ([UInt8]) -> Void
    private let warn: (String) -> Void
    private var unresolvedFrames = 0
    private let triage: TriageSources
    /// The log's lines, for the guilty file (kept only when the reports are).
    private var lines: [LogLine] = []
    private let keepsLines: Bool
    private var warned: Set<String> = []

    /// - Parameters:
    ///   - keepReports: keep every report for ``Summary/reports`` in the text
    ///     format too (JSON and markdown always do; streaming text otherwise
    ///     keeps memory bounded however long the log).
    ///   - generator: the JSON document's `generator` (`ksymbolize VERSION`).
    ///   - triage: `MAINTAINERS` and a kernel tree for the crash verdict and source lines.
    ///   - write: where the output goes, as it is made.
    ///   - warn: messages for the user (each reason for an unresolved frame once).
    public init(
        symbolizer: Symbolizer, format: OutputFormat, reportsOnly: Bool = false, keepReports: Bool = false,
        generator: String? = nil, triage: TriageSources = .init(), write: @escaping ([UInt8]) -> Void, warn: @escaping (String) -> Void
    ) {
        self.symbolizer = symbolizer
        keepsLines = keepReports || format != .text
        processor = LogProcessor(symbolizer: symbolizer, retainReports: keepsLines)
        self.triage = triage
        let printer: any LogPrinter =
            switch format {
            case .text: reportsOnly ? ReportsOnlyTextPrinter() : TextPrinter()
            case .json: JSONPrinter(generator: generator)
            case .markdown: MarkdownLogPrinter()
            }
        printing = Printing(printer: printer)
        self.write = write
        self.warn = warn
        for message in symbolizer.takeDiagnostics() { warn(message) }
    }

    /// Starts loading the binaries that the frames of these log files name
    /// (see ``Symbolizer/preload(modules:frames:kernelFrames:)``).
    public func preload(paths: [String]) {
        let preview = FramePreview(paths: paths)
        symbolizer.preload(modules: preview.modules, frames: preview.frames, kernelFrames: preview.kernelFrames)
    }

    /// Processes one line: its frames resolved, its output written.
    public func process(_ line: LogLine) {
        let frames = processor.process(line)
        if keepsLines { lines.append(line) }
        for message in symbolizer.takeDiagnostics() { warn(message) }
        for frame in frames {
            guard let reason = frame.unresolved else { continue }
            unresolvedFrames += 1
            let message = reason.description
            if warned.insert(message).inserted { warn(message) }
        }
        printing.print(line, frames: frames, processor: processor, to: write)
    }

    /// A printer and the buffer it fills for each line.
    private struct Printing {
        var printer: any LogPrinter
        /// What the printer makes of the current line (one buffer, reused line after line).
        var output: [UInt8] = []

        mutating func print(_ line: LogLine, frames: [ResolvedFrame], processor: LogProcessor, to write: ([UInt8]) -> Void) {
            output.removeAll(keepingCapacity: true)
            printer.line(line, frames: frames, processor: processor, into: &output)
            if !output.isEmpty { write(output) }
        }
    }

    /// Processes every line readable from `fd` (the caller keeps it open).
    public func read(fd: Int32) {
        var reader = LineReader(fd: fd)
        read(&reader)
    }

    /// Processes every line `reader` gives; `false` when `isCancelled` (asked every 64 lines) said
    /// to stop. The loop is here, where the lines are made: a caller's loop in another module
    /// destroyed each line through the generic value witnesses (some 650 instructions a line).
    @discardableResult @inline(never)
    public func read(_ reader: inout LineReader, isCancelled: () -> Bool = { false }) -> Bool {
        var count = 0
        var line = LogLine(number: 0, bytes: [], terminator: [])
        while reader.next(into: &line) {
            count += 1
            if count % 64 == 0, isCancelled() { return false }
            process(line)
        }
        return true
    }

    /// Finishes the reports, writes what the format prints at the end, says
    /// what was not understood, and returns the summary.
    public func finish() throws -> Summary {
        var reports = processor.finish()
        let crash = keepsLines ? Triage.run(reports: &reports, lines: lines, sources: triage) : nil
        let output = try printing.printer.finish(reports, crash: crash, processor: processor)
        if !output.isEmpty { write(output) }
        let unrecognized = processor.unrecognizedFrameLines
        if let first = unrecognized.first {
            warn(
                "\(unrecognized.count) line\(unrecognized.count == 1 ? "" : "s") in stack traces look like frames but were not understood (first: line \(first))"
            )
        }
        return Summary(reports: reports, crash: crash, unresolvedFrames: unresolvedFrames, unrecognizedLines: unrecognized)
    }
}

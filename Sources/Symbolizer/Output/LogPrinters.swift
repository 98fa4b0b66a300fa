/// How a log run prints: a line at a time as it is read, and whatever the
/// format prints once every report is finished.
protocol LogPrinter {
    /// The output for one input line (possibly nothing yet), appended to `output`.
    mutating func line(_ line: LogLine, frames: [ResolvedFrame], processor: LogProcessor, into output: inout [UInt8])
    /// The output once the reports are finished.
    mutating func finish(_ reports: [Report], crash: CrashVerdict?, processor: LogProcessor) throws -> [UInt8]
}

/// Every line as read, frames annotated in place (``TextAnnotator``), streamed.
struct TextPrinter: LogPrinter {
    private let annotator = TextAnnotator()

    func line(_ line: LogLine, frames: [ResolvedFrame], processor: LogProcessor, into output: inout [UInt8]) {
        _ = processor.takeFinishedReports()
        annotator.render(line, frames: frames, machine: processor.machineNotes, into: &output)
    }

    func finish(_ reports: [Report], crash: CrashVerdict?, processor: LogProcessor) -> [UInt8] { [] }
}

/// Only the lines of the reports, annotated, each report printed once it is
/// finished, a blank line between reports.
struct ReportsOnlyTextPrinter: LogPrinter {
    private let annotator = TextAnnotator()
    /// The annotated lines since the open report started.
    private var pending: [(number: Int, bytes: [UInt8])] = []
    private var printedReports = 0

    mutating func line(_ line: LogLine, frames: [ResolvedFrame], processor: LogProcessor, into output: inout [UInt8]) {
        let bytes = annotator.render(line, frames: frames, machine: processor.machineNotes)
        output += flush(processor)
        if let first = processor.openReportFirstLine, line.number >= first { pending.append((line.number, bytes)) }
    }

    mutating func finish(_ reports: [Report], crash: CrashVerdict?, processor: LogProcessor) -> [UInt8] { flush(processor) }

    /// The lines of the reports finished since the last call.
    private mutating func flush(_ processor: LogProcessor) -> [UInt8] {
        var output: [UInt8] = []
        for report in processor.takeFinishedReports() {
            if printedReports > 0 { output.append(0x0a) }
            printedReports += 1
            for entry in pending where entry.number >= report.firstLine && entry.number <= report.lastLine {
                output += entry.bytes
            }
            pending.removeAll { $0.number <= report.lastLine }
        }
        return output
    }
}

/// The JSON document of the reports (``JSONDocument``), at the end.
struct JSONPrinter: LogPrinter {
    /// The document's `generator`.
    var generator: String?

    func line(_ line: LogLine, frames: [ResolvedFrame], processor: LogProcessor, into output: inout [UInt8]) {
        _ = processor.takeFinishedReports()
    }

    func finish(_ reports: [Report], crash: CrashVerdict?, processor: LogProcessor) throws -> [UInt8] {
        try JSONDocument(reports: reports, crash: crash, generator: generator).encoded()
    }
}

/// The bug-tracker comment (``MarkdownPrinter``), quoting the
/// reports' annotated lines, at the end.
struct MarkdownLogPrinter: LogPrinter {
    private let annotator = TextAnnotator()
    private var rendered: [[UInt8]] = []

    mutating func line(_ line: LogLine, frames: [ResolvedFrame], processor: LogProcessor, into output: inout [UInt8]) {
        _ = processor.takeFinishedReports()
        rendered.append(annotator.render(line, frames: frames))
    }

    func finish(_ reports: [Report], crash: CrashVerdict?, processor: LogProcessor) -> [UInt8] {
        Array(
            MarkdownPrinter().render(reports, crash: crash) { number in
                number >= 1 && number <= rendered.count ? rendered[number - 1] : nil
            }.utf8)
    }
}

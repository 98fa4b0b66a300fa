import Foundation

/// Crash titles by syzbot's rules (google/syzkaller `pkg/report`, Linux), so that a
/// crash found here is filed under the same name syzbot would give it.
public enum SyzbotTitles {
    /// The first crash in a console log (lines without their "\n"; a trailing "\r" is tolerated).
    public static func firstCrash(in lines: [String]) -> CrashTitle? {
        ConsoleLog(lines).crash(from: 0)
    }

    /// Every crash: the first, then repeatedly the first one starting after the previous one's start line.
    public static func crashes(in lines: [String]) -> [CrashTitle] {
        let log = ConsoleLog(lines)
        var found: [CrashTitle] = []
        var from = 0
        while let crash = log.crash(from: from) {
            found.append(crash)
            from = crash.startLine  // the 0-based index of the line after the start line
        }
        return found
    }
}

/// A console log split into lines, with what syzbot needs to know of each.
struct ConsoleLog {
    let lines: [ConsoleLine]
    /// Per line: the index of the first header group the line starts a report of, if any
    /// (ignoring the replay rule).
    let headers: [Int?]
    /// Per line: the next line says the kernel is replaying this message (it is cut short).
    let replayed: [Bool]
    let suppressed: Bool
    let vmDisconnected: Bool

    /// Any group's header text: a line without one starts nothing (a cheap first test).
    static let anyHeader = TitleRegex(
        LinuxOopses.groups.map { NSRegularExpression.escapedPattern(for: $0.header) }.joined(separator: "|"))
    static let replayMarker = "** replaying previous printk message **"

    init(_ raw: [String]) {
        lines = raw.map(ConsoleLine.init)
        headers = lines.map { line in
            guard ConsoleLog.anyHeader.matches(line.text) else { return nil }
            return LinuxOopses.groups.firstIndex { $0.starts(line.text) }
        }
        replayed = lines.indices.map { index in
            index + 1 < raw.count && raw[index + 1].contains(ConsoleLog.replayMarker)
        }
        let whole = lines.map(\.text).joined(separator: "\n")
        suppressed = LinuxOopses.suppressions.matches(whole)
        vmDisconnected = whole.contains("serialport: VM disconnected.")
    }

    /// Whether line `index` starts a report (the replay rule included).
    func startsReport(_ index: Int) -> Bool { headers[index] != nil && !replayed[index] }

    /// The first crash starting at line `from` (0-based) or later.
    func crash(from: Int) -> CrashTitle? {
        guard let start = (from..<max(from, lines.count)).first(where: startsReport),
            let groupIndex = headers[start]
        else { return nil }
        let group = LinuxOopses.groups[groupIndex]
        let extent = ReportExtent(log: self, start: start)

        var description = TitleExtraction.describe(extent.titleText, group: group)
        if description.title.isEmpty {
            // Never seen in practice: retry on the raw lines from the start to the last header.
            let raw = lines[start...extent.lastHeader].map(\.text).joined(separator: "\n")
            description = TitleExtraction.describe(raw, group: group)
        }
        var reason = description.corruptedReason
        if reason == nil {
            reason = TitleExtraction.corruption(
                title: description.title, report: extent.fullText, format: description.format)
        }
        if vmDisconnected && reason == nil { reason = "serialport: VM disconnected" }
        let title = TitleNormalization.normalize(description.title)
        let alternatives = TitleExtraction.unique(description.alternatives.map(TitleNormalization.normalize))
        let panicked = lines[from...].contains { $0.text.contains("Kernel panic - not syncing") }
        return CrashTitle(
            title: title, alternativeTitles: alternatives, type: CrashType.of(description.title),
            frame: TitleNormalization.frame(of: title), corrupted: reason != nil, corruptedReason: reason,
            startLine: start + 1, endLine: extent.lastHeader + 1, panicked: panicked, suppressed: suppressed,
            report: extent.report)
    }
}

/// Which lines belong to a report, and how far its title may look (syzbot's `findReport`).
struct ReportExtent {
    /// The report's lines without console prefixes: the start line, then the later lines of
    /// the same context (CPU contexts too once all CPUs are dumped), without the panic or
    /// lockdep tail the report itself caused.
    var report: [String] = []
    /// How many of `report` the title may use: up to the line before the next independent
    /// report (caller ids separate reports already, so with them all).
    var titleLines = 0
    /// The last line anywhere after the start (or the start) that starts a report.
    var lastHeader: Int

    var titleText: String { report.prefix(titleLines).map { $0 + "\n" }.joined() }
    var fullText: String { report.map { $0 + "\n" }.joined() }

    init(log: ConsoleLog, start: Int) {
        lastHeader = start
        let context = log.lines[start].context
        let minLines = log.lines[start].text.contains("BUG: KMSAN:") ? 16 : 22
        var secondReport = false
        var textLines = 0
        var skipText = false
        var cpuTraceback = false
        for index in start..<log.lines.count {
            let line = log.lines[index]
            let isStart = index == start
            if log.startsReport(index) {
                lastHeader = index
                if !isStart && !secondReport
                    && !LinuxOopses.reportStartIgnores.contains(where: line.text.contains)
                {
                    secondReport = true
                }
            }
            if !isStart && !secondReport && LinuxOopses.infoMessagesWithStack.contains(where: line.text.contains) {
                secondReport = true
            }
            if !isStart
                && (line.questionable || (line.context != context && !(cpuTraceback && line.context.isCPU)))
            {
                continue
            }
            textLines += 1
            var skipLine = skipText
            if line.text.contains("Disabling lock debugging due to kernel taint") {
                skipLine = true
            } else if line.text.contains("Sending NMI from CPU") {
                cpuTraceback = true
            } else if (line.text.contains("Kernel panic - not syncing")
                || line.text.contains("WARNING: possible circular locking dependency detected"))
                && textLines > minLines
            {
                skipText = true
                skipLine = true
            }
            if !isStart && skipLine { continue }
            report.append(line.stripped)
            if !secondReport || context.isCaller { titleLines = report.count }
        }
    }
}

/// Which lines belong to a report, and how far its title may look (syzbot's `findReport`).
///
/// The lines are found by walking the log from the start line. The walk stops as soon as the
/// title's part is known; the corruption check extends it only as far as it looks, so that
/// listing every crash of a long log does not walk the rest of the log once per crash.
struct ReportExtent {
    /// The report's lines found so far (indices into the log): the start line, then the later
    /// lines of the same context (CPU contexts too once all CPUs are dumped), without the panic
    /// or lockdep tail the report itself caused.
    private(set) var lines: [Int] = []
    /// How many of `lines` the title may use: up to the line before the next independent
    /// report (caller ids separate reports already, so with them all).
    private(set) var titleLines = 0
    /// The last line anywhere after the start (or the start) that starts a report.
    let lastHeader: Int

    private let start: Int
    private let context: Int
    private let separatedByCaller: Bool
    private let minLines: Int
    /// The next log line to look at.
    private var next: Int
    private var finished = false
    private var secondReport = false
    private var textLines = 0
    private var skipText = false
    private var cpuTraceback = false

    init(log: ConsoleLog, start: Int) {
        self.start = start
        next = start
        lastHeader = max(start, log.lastStart ?? start)
        context = log.contexts[start]
        separatedByCaller = log.flags[start].contains(.callerContext)
        minLines = log.lines[start].text.contains("BUG: KMSAN:") ? 16 : 22
        // The title's part ends at the second report, or with the log when caller ids separate reports.
        while !finished && !(secondReport && !separatedByCaller) { step(log) }
    }

    /// The title's part of the report, console prefixes removed, each line ending in `\n`.
    func titleText(_ log: ConsoleLog) -> String {
        lines.prefix(titleLines).map { log.lines[$0].stripped + "\n" }.joined()
    }

    /// Walks on until log line `index` has been looked at (or the report ended).
    mutating func extend(past index: Int, _ log: ConsoleLog) {
        while !finished && next <= index { step(log) }
    }

    /// Walks on until `count` report lines are known (or the report ended).
    mutating func extend(toCount count: Int, _ log: ConsoleLog) {
        while !finished && lines.count < count { step(log) }
    }

    /// Where log line `index` is in `lines`, if it is there (walk past it first).
    func position(of index: Int) -> Int? {
        var low = 0
        var high = lines.count
        while low < high {
            let middle = (low + high) / 2
            if lines[middle] < index { low = middle + 1 } else { high = middle }
        }
        return low < lines.count && lines[low] == index ? low : nil
    }

    /// Looks at log line `next`.
    private mutating func step(_ log: ConsoleLog) {
        guard next < log.flags.count else {
            finished = true
            return
        }
        let index = next
        next += 1
        let flags = log.flags[index]
        let isStart = index == start
        if !isStart && !secondReport
            && ((log.headers[index] != nil && !flags.contains(.replayed) && !flags.contains(.startIgnore))
                || flags.contains(.infoWithStack))
        {
            secondReport = true
        }
        if !isStart && (flags.contains(.questionable)
            || (log.contexts[index] != context && !(cpuTraceback && flags.contains(.cpuContext))))
        {
            return
        }
        textLines += 1
        var skipLine = skipText
        if flags.contains(.lockDebuggingOff) {
            skipLine = true
        } else if flags.contains(.sendingNMI) {
            cpuTraceback = true
        } else if !flags.isDisjoint(with: [.panic, .circularLocking]) && textLines > minLines {
            skipText = true
            skipLine = true
        }
        if !isStart && skipLine {
            if skipText { finished = true }  // every later line is skipped too
            return
        }
        lines.append(index)
        if !secondReport || separatedByCaller { titleLines = lines.count }
    }
}

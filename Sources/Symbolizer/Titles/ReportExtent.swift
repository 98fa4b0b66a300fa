/// Which lines belong to a report, and how far its title may look (syzbot's `findReport`).
struct ReportExtent {
    /// The report's lines (indices into the log): the start line, then the later lines of the
    /// same context (CPU contexts too once all CPUs are dumped), without the panic or lockdep
    /// tail the report itself caused.
    var lines: [Int] = []
    /// How many of `lines` the title may use: up to the line before the next independent
    /// report (caller ids separate reports already, so with them all).
    var titleLines = 0
    /// The last line anywhere after the start (or the start) that starts a report.
    var lastHeader: Int

    /// Where log line `index` is in `lines`, if it is there.
    func position(of index: Int) -> Int? {
        var low = 0
        var high = lines.count
        while low < high {
            let middle = (low + high) / 2
            if lines[middle] < index { low = middle + 1 } else { high = middle }
        }
        return low < lines.count && lines[low] == index ? low : nil
    }

    /// The title's part of the report, console prefixes removed, each line ending in `\n`.
    func titleText(_ log: ConsoleLog) -> String {
        lines.prefix(titleLines).map { log.lines[$0].stripped + "\n" }.joined()
    }

    init(log: ConsoleLog, start: Int) {
        lastHeader = max(start, log.lastStart ?? start)
        let context = log.contexts[start]
        let separatedByCaller = log.flags[start].contains(.callerContext)
        let minLines = log.lines[start].text.contains("BUG: KMSAN:") ? 16 : 22
        var secondReport = false
        var textLines = 0
        var skipText = false
        var cpuTraceback = false
        let allFlags = log.flags
        let contexts = log.contexts
        for index in start..<allFlags.count {
            let flags = allFlags[index]
            let isStart = index == start
            if !isStart && !secondReport
                && ((log.headers[index] != nil && !flags.contains(.replayed) && !flags.contains(.startIgnore))
                    || flags.contains(.infoWithStack))
            {
                secondReport = true
            }
            if !isStart && (flags.contains(.questionable)
                || (contexts[index] != context && !(cpuTraceback && flags.contains(.cpuContext))))
            {
                continue
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
                if skipText { break }  // every later line is skipped too
                continue
            }
            lines.append(index)
            if !secondReport || separatedByCaller { titleLines = lines.count }
        }
    }
}

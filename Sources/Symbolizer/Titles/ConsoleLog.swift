import Foundation

/// A console log split into lines, with what syzbot's rules need to know of each line found
/// by a few searches over the whole log (a per-line search would be many times slower).
struct ConsoleLog {
    /// Facts about one line.
    struct Flags: OptionSet {
        var rawValue: UInt16
        static let lockDebuggingOff = Flags(rawValue: 1 << 0)
        static let sendingNMI = Flags(rawValue: 1 << 1)
        static let panic = Flags(rawValue: 1 << 2)
        static let circularLocking = Flags(rawValue: 1 << 3)
        static let infoWithStack = Flags(rawValue: 1 << 4)
        static let startIgnore = Flags(rawValue: 1 << 5)
        /// The next line says the kernel is replaying this message (it was cut short).
        static let replayed = Flags(rawValue: 1 << 6)
        /// The stripped text is a frame line (F1/F2) or says `(stack is not available)`.
        static let frameLike = Flags(rawValue: 1 << 7)
        /// A questionable frame: never part of a report (unless it starts one).
        static let questionable = Flags(rawValue: 1 << 8)
        /// Printed from a CPU (interrupt/NMI) context, `[ *C[0-9]+]`.
        static let cpuContext = Flags(rawValue: 1 << 9)
        /// Printed with a caller id (task or CPU).
        static let callerContext = Flags(rawValue: 1 << 10)
    }

    let lines: [ConsoleLine]
    let flags: [Flags]
    /// Per line: the index of the first header group the line starts a report of (replay rule aside).
    let headers: [Int?]
    /// Per line, a number standing for its context: lines print from the same context when equal.
    let contexts: [Int]
    /// Per line, bit k: stack-start marker k matches inside the stripped text.
    let markers: [UInt16]
    /// Per line, bit k: marker k matches from the newline before the line (`[^k] backtrace:`).
    let markersFromNewline: [UInt16]
    /// Per marker: the lines it matches in or before, ascending.
    let markerLines: [[Int]]
    let lastStart: Int?
    let lastPanic: Int?
    let suppressed: Bool
    let vmDisconnected: Bool

    /// Any group's header text: a line without one starts nothing.
    static let anyHeader = TitleRegex(
        LinuxOopses.groups.map { NSRegularExpression.escapedPattern(for: $0.header) }.joined(separator: "|"))
    static let replayMarker = TitleRegex(NSRegularExpression.escapedPattern(for: "** replaying previous printk message **"))
    /// Texts that change how a report is read, one group per flag (in `flagOrder`).
    static let flagTexts = TitleRegex(
        [["Disabling lock debugging due to kernel taint"], ["Sending NMI from CPU"], ["Kernel panic - not syncing"],
         ["WARNING: possible circular locking dependency detected"], LinuxOopses.infoMessagesWithStack,
         LinuxOopses.reportStartIgnores.filter { $0 != "Kernel panic - not syncing" }]
            .map { "(" + $0.map(NSRegularExpression.escapedPattern(for:)).joined(separator: "|") + ")" }
            .joined(separator: "|"))
    static let flagOrder: [Flags] = [
        .lockDebuggingOff, .sendingNMI, [.panic, .startIgnore], .circularLocking, .infoWithStack, .startIgnore,
    ]
    static let frameLines = [
        TitleRegex("^ *(?:{{PC}} ){0,2}{{FUNC}}", multiline: true),
        TitleRegex(#"^ *{{PC}} \(([a-zA-Z0-9_.]+)\) from {{PC}} \({{FUNC}}"#, multiline: true),
        TitleRegex(#"\(stack is not available\)"#),
    ]

    init(_ raw: [String]) {
        var whole = raw.joined(separator: "\n")
        var texts = raw
        if ConsoleLog.containsCarriageReturn(&whole) {
            texts = raw.map { $0.replacingOccurrences(of: "\r", with: "") }
            whole = texts.joined(separator: "\n")
        }
        var lines = texts.map(ConsoleLine.init)
        var flags = [Flags](repeating: [], count: lines.count)
        let starts = ConsoleLog.lineStarts(texts)

        for match in LinuxConsole.prefix.allMatches(in: whole) {
            let index = ConsoleLog.line(at: match.range.location, starts)
            let offset = match.range.location - starts[index]
            let caller = match.range(at: 2)
            lines[index].context = caller.location == NSNotFound ? .console
                : .caller(ConsoleLog.slice(texts[index], caller.location - starts[index], caller.length))
            if match.range(at: 1).location == NSNotFound {
                // Without a login prompt, the first "] " is the one ending the prefix.
                let end = offset + match.range.length
                lines[index].stripped = ConsoleLog.slice(texts[index], end, texts[index].utf16.count - end)
            } else if let close = texts[index].range(of: "] ") {
                lines[index].stripped = String(texts[index][close.upperBound...])
            }
        }
        for index in ConsoleLog.lineIndices(LinuxConsole.questionableCandidate, whole, starts) {
            lines[index].checkQuestionable()
            if lines[index].questionable { flags[index].insert(.questionable) }
        }
        var contextNumbers: [String: Int] = [:]
        var contexts = [Int](repeating: 0, count: lines.count)
        for (index, line) in lines.enumerated() {
            switch line.context {
            case .none: contexts[index] = 0
            case .console: contexts[index] = 1
            case .caller(let id):
                contexts[index] = contextNumbers[id, default: contextNumbers.count + 2]
                contextNumbers[id] = contexts[index]
                flags[index].insert(.callerContext)
                if line.context.isCPU { flags[index].insert(.cpuContext) }
            }
        }
        let headers = ConsoleLog.headerGroups(whole, texts, starts)
        for index in ConsoleLog.lineIndices(ConsoleLog.replayMarker, whole, starts) where index > 0 {
            flags[index - 1].insert(.replayed)
        }
        for match in ConsoleLog.flagTexts.allMatches(in: whole) {
            let index = ConsoleLog.line(at: match.range.location, starts)
            for (group, flag) in ConsoleLog.flagOrder.enumerated() where match.range(at: group + 1).location != NSNotFound {
                flags[index].formUnion(flag)
            }
        }

        // Stack facts, on the text the reports are made of.
        let stripped = lines.map(\.stripped)
        let strippedWhole = stripped.joined(separator: "\n")
        let strippedStarts = ConsoleLog.lineStarts(stripped)
        var markers = [UInt16](repeating: 0, count: lines.count)
        var markersFromNewline = [UInt16](repeating: 0, count: lines.count)
        for (bit, marker) in LinuxStack.stackStarts.enumerated() {
            for match in marker.allMatches(in: strippedWhole) {
                let index = ConsoleLog.line(at: match.range.location, strippedStarts)
                if index + 1 < strippedStarts.count && match.range.location == strippedStarts[index + 1] - 1 {
                    markersFromNewline[index + 1] |= 1 << bit
                } else {
                    markers[index] |= 1 << bit
                }
            }
        }
        for pattern in ConsoleLog.frameLines {
            for index in ConsoleLog.lineIndices(pattern, strippedWhole, strippedStarts) {
                flags[index].insert(.frameLike)
            }
        }

        self.lines = lines
        self.flags = flags
        self.headers = headers
        self.contexts = contexts
        self.markers = markers
        self.markersFromNewline = markersFromNewline
        var markerLines = [[Int]](repeating: [], count: LinuxStack.stackStarts.count)
        for index in markers.indices where markers[index] | markersFromNewline[index] != 0 {
            for bit in markerLines.indices where (markers[index] | markersFromNewline[index]) & (1 << bit) != 0 {
                markerLines[bit].append(index)
            }
        }
        self.markerLines = markerLines
        lastStart = headers.indices.last { headers[$0] != nil && !flags[$0].contains(.replayed) }
        lastPanic = flags.lastIndex { $0.contains(.panic) }
        suppressed = LinuxOopses.suppressions.matches(whole)
        vmDisconnected = whole.contains("serialport: VM disconnected.")
    }

    /// Whether line `index` starts a report (the replay rule included).
    func startsReport(_ index: Int) -> Bool { headers[index] != nil && !flags[index].contains(.replayed) }

    /// Whether `text` contains `part` (a byte search, for the many lines of a large log).
    static func contains(_ text: String, _ part: String) -> Bool {
        var text = text
        var part = part
        return text.withUTF8 { haystack in part.withUTF8 { needle in find(needle, in: haystack) } }
    }

    /// memchr for the first byte, memcmp for the rest (Glibc does not export memmem).
    private static func find(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let wanted = needle.baseAddress, !needle.isEmpty else { return true }
        guard var rest = haystack.baseAddress else { return false }
        var remaining = haystack.count
        while remaining >= needle.count {
            guard let hit = memchr(rest, Int32(wanted.pointee), remaining - needle.count + 1) else { return false }
            let candidate = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(candidate, wanted, needle.count) == 0 { return true }
            remaining -= (candidate - rest) + 1
            rest = candidate + 1
        }
        return false
    }

    /// Whether the text holds a `\r` (a byte search: a log may be large).
    static func containsCarriageReturn(_ text: inout String) -> Bool {
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0x0D, bytes.count) != nil
        }
    }

    /// UTF-16 offset of each line in the lines joined by `\n`.
    static func lineStarts(_ lines: [String]) -> [Int] {
        var starts: [Int] = []
        starts.reserveCapacity(lines.count)
        var offset = 0
        for line in lines {
            starts.append(offset)
            offset += line.utf16.count + 1
        }
        return starts
    }

    /// The line holding UTF-16 offset `offset` (a line's `\n` belongs to it).
    static func line(at offset: Int, _ starts: [Int]) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// The lines where `pattern` matches, ascending, without repeats.
    static func lineIndices(_ pattern: TitleRegex, _ text: String, _ starts: [Int]) -> [Int] {
        var indices: [Int] = []
        for match in pattern.allMatches(in: text) {
            let index = line(at: match.range.location, starts)
            if indices.last != index { indices.append(index) }
        }
        return indices
    }

    /// `length` UTF-16 units of `text` from `offset`.
    static func slice(_ text: String, _ offset: Int, _ length: Int) -> String {
        let units = text.utf16
        let start = units.index(units.startIndex, offsetBy: offset)
        return String(decoding: units[start..<units.index(start, offsetBy: length)], as: UTF16.self)
    }

    /// Per line, the first group whose header it holds and that it is no false positive of.
    static func headerGroups(_ whole: String, _ texts: [String], _ starts: [Int]) -> [Int?] {
        var groups = [Int?](repeating: nil, count: texts.count)
        for index in lineIndices(anyHeader, whole, starts) {
            groups[index] = LinuxOopses.groups.firstIndex { $0.starts(texts[index]) }
        }
        return groups
    }
}

/// The raw (not yet normalised) description of a report.
struct ReportDescription {
    var title: String
    var alternatives: [String]
    var corruptedReason: String?
    /// The format that made the title; nil when the header line was used as it is.
    var format: TitleFormat?
}

/// Turns a report's text into a title with its group's formats (syzbot's `extractDescription`).
enum TitleExtraction {
    static let noFrames = "extracted no frames"

    /// The title of `text`, a report of `group` starting at its first line.
    ///
    /// Every format's title pattern is searched; the leftmost match wins, and among formats
    /// matching at the same place the first that succeeds. ALT titles accumulate over every
    /// format that succeeded, as syzbot does.
    static func describe(_ text: String, group: OopsGroup) -> ReportDescription {
        var best = text.endIndex
        var title = ""
        var reason: String?
        var alternatives: [String] = []
        var format: TitleFormat?
        var matchedTitle = false
        for candidate in group.formats {
            guard var match = candidate.title.firstMatch(in: text), match.range.lowerBound <= best else { continue }
            if match.range.lowerBound == best && !title.isEmpty { continue }
            if match.range.lowerBound < best {
                title = ""
                format = nil
                best = match.range.lowerBound
            }
            matchedTitle = true
            if let report = candidate.report {
                guard let reportMatch = report.firstMatch(in: text) else { continue }
                match = reportMatch
            }
            let prefix = match.groups.map { $0 ?? "" }
            var frames: [ExtractedFrame] = []
            reason = nil
            if let stack = candidate.stack {
                let tail = String(text.unicodeScalars[match.range.lowerBound...])
                let extracted = StackExtraction.frames(stack, in: tail)
                frames = extracted.frames
                if !extracted.ok { reason = noFrames }
            }
            let arguments = prefix + frames.map(\.canonical)
            title = TitleFormat.fill(candidate.template, arguments)
            alternatives += candidate.alternatives.map { TitleFormat.fill($0, arguments) }
            for variant in rawVariants(prefix, frames) {
                let alternative = TitleFormat.fill(candidate.template, variant)
                if alternative != title { alternatives.append(alternative) }
                alternatives += candidate.alternatives.map { TitleFormat.fill($0, variant) }
            }
            alternatives = unique(alternatives)
            format = candidate
        }
        if title.isEmpty {
            if matchedTitle { reason = "matched title but not report regexp" }
            if let header = ByteSearch.firstRange(of: group.header, in: text) {
                title = String(text.unicodeScalars[header.lowerBound...].prefix(while: { $0 != "\n" }))
            }
        }
        if reason == nil, format?.corrupted == true { reason = "report format is marked as corrupted" }
        return ReportDescription(title: title, alternatives: alternatives, corruptedReason: reason, format: format)
    }

    /// Arguments with the key frames as printed, then with each syscall prefix removed alone
    /// (only those prefixes that change a frame): more titles for grouping duplicates.
    static func rawVariants(_ prefix: [String], _ frames: [ExtractedFrame]) -> [[String]] {
        var variants = [prefix + frames.map(\.raw)]
        for strip in LinuxStack.strippedPrefixes {
            var changed = false
            let names = frames.map { frame -> String in
                guard frame.raw.hasPrefix(strip) else { return frame.raw }
                changed = true
                return String(frame.raw.dropFirst(strip.count))
            }
            if changed { variants.append(prefix + names) }
        }
        return variants
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// Why a report whose title was found is still unreliable, or nil (syzbot's `isCorrupted`).
    ///
    /// A timestamp inside the title means interleaved lines. Reports of formats that expect a
    /// stack must have, after each stack-start marker, a frame within the next 15 lines.
    static func corruption(title: String, report: String, format: TitleFormat?) -> String? {
        if LinuxCorruption.timestamp.matches(title) { return "title matches corrupted regexp" }
        guard let format, !format.noStackTrace else { return nil }
        var hasStackTrace = false
        for (index, marker) in LinuxStack.stackStarts.enumerated() {
            guard let match = marker.firstMatch(in: report) else { continue }
            let lines = String(report.unicodeScalars[match.range.lowerBound...])
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.count < 4 { return "call trace is missed" }
            var missing = true
            scan: for line in lines.dropFirst().prefix(15) {
                if LinuxStack.anyStackStart.matches(line) { break scan }
                if line.contains("(stack is not available)")
                    || LinuxStack.frameLines.contains(where: { $0.matches(line) })
                {
                    hasStackTrace = true
                    missing = false
                    break scan
                }
            }
            let isRiscv = index == LinuxStack.stackStarts.count - 1
            if missing && !isRiscv { return "no frames in a stack trace" }
        }
        return hasStackTrace ? nil : "no stack trace in report"
    }
}

extension TitleExtraction {
    /// `corruption(title:report:format:)` for a report made of log lines, from the facts the log
    /// found once for every line (the same rule, without searching the report text again).
    static func corruption(title: String, report: inout ReportExtent, in log: ConsoleLog, format: TitleFormat?)
        -> String?
    {
        if LinuxCorruption.timestamp.matches(title) { return "title matches corrupted regexp" }
        guard let format, !format.noStackTrace else { return nil }
        let start = report.lines[0]
        var hasStackTrace = false
        for bit in LinuxStack.stackStarts.indices {
            let mask = UInt16(1) << bit
            // The first match: from the newline before a line, else inside it.
            var first: (line: Int, fromNewline: Bool)?
            for index in log.markerLines[bit] where index >= start {
                report.extend(past: index, log)
                guard let position = report.position(of: index) else { continue }
                if position > 0 && log.markersFromNewline[index] & mask != 0 {
                    first = (position, true)
                    break
                }
                if log.markers[index] & mask != 0 {
                    first = (position, false)
                    break
                }
            }
            guard let first else { continue }
            // The text from the match on, split at "\n" (the last piece is empty): the rest of the
            // marker line (empty when the match starts at a newline), then the following lines.
            report.extend(toCount: first.line + 17, log)  // the 15 lines looked at, and one more
            let lines = report.lines
            let following = first.fromNewline ? lines[first.line...] : lines[(first.line + 1)...]
            if following.count + 2 < 4 { return "call trace is missed" }
            var missing = true
            for index in following.prefix(15) {
                if log.markers[index] != 0 { break }
                if log.flags[index].contains(.frameLike) {
                    hasStackTrace = true
                    missing = false
                    break
                }
            }
            let isRiscv = bit == LinuxStack.stackStarts.count - 1
            if missing && !isRiscv { return "no frames in a stack trace" }
        }
        return hasStackTrace ? nil : "no stack trace in report"
    }
}

enum LinuxCorruption {
    /// A console timestamp merged into the middle of a title.
    static let timestamp = TitleRegex(#"\[ *[0-9]+\.[0-9]+\]"#)
}

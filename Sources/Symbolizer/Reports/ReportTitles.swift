/// Titles: syzbot's for the crashes its rules find (``SyzbotTitles``, on the
/// console text of the whole log), else the report's header and the first
/// function of its frames that is not reporting machinery.
extension LogProcessor {
    /// Titles reports the way syzbot does, so that they file against the
    /// same bugs; a crash syzbot's rules find that no report covers becomes
    /// a report of its own.
    func applySyzbotTitles() {
        for crash in SyzbotTitles.crashes(in: textLines) {
            let textIndex = crash.startLine - 1
            let startLine = textLineNumbers.indices.contains(textIndex) ? textLineNumbers[textIndex] : crash.startLine
            let index =
                finished.firstIndex { $0.firstLine <= startLine && startLine <= $0.lastLine }
                ?? finished.firstIndex { $0.firstLine > startLine && $0.firstLine <= startLine + 3 }
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
                if let function = Self.keyFunction(of: report).map(ReportSignature.baseName) {
                    // Where syzbot's text rules name no function, the frames read here do.
                    report.title = Self.titleNamingFunction(crash.title, function) ?? crash.title
                }
                report.alternativeTitles = crash.alternativeTitles
                report.crashType = crash.type
                if !report.isCrash {
                    // syzbot's rules found a crash header inside what started as a stack dump.
                    report.kind = ReportTable.kind(ofTitle: crash.title)
                }
                let corrupted = crash.corrupted && !(missingStackOnly && hasStack)
                // A title naming no function (`… in corrupted`) is corrupted in syzbot's sense, whatever the frames say.
                let syzbotCorrupted = corrupted || (crash.corrupted && crash.title.hasSuffix(" in corrupted"))
                report.syzbotCorrupted = syzbotCorrupted
                report.syzbotCorruptedReason = syzbotCorrupted ? crash.corruptedReason ?? "corrupted" : nil
                if corrupted {
                    report.corrupted = true
                    report.corruptedReason = report.corruptedReason ?? crash.corruptedReason ?? "corrupted"
                }
                finished[index] = report
            } else {
                // A crash only syzbot's rules found: its kind from its first line, as any report's.
                let header = textLines.indices.contains(textIndex) ? LinePrefix.strip(textLines[textIndex][...]).message : ""
                let kind = ReportTable.format(of: header.drop { $0 == " " })?.kind ?? ReportTable.kind(ofTitle: crash.title)
                var report = Report(kind: kind, title: crash.title, firstLine: startLine)
                report.syzbotTitle = crash.title
                report.lastLine = startLine
                report.alternativeTitles = crash.alternativeTitles
                report.crashType = crash.type
                report.corrupted = crash.corrupted
                report.corruptedReason = crash.corruptedReason
                report.syzbotCorrupted = crash.corrupted
                report.syzbotCorruptedReason = crash.corruptedReason
                report.kernelRelease = logFacts.release?.value
                finished.append(report)
            }
        }
        finished.sort { $0.firstLine < $1.firstLine }
    }

    /// syzbot's title with the crash site named where syzbot's rules name
    /// none (`… in corrupted`, `kernel panic: …`, the old `WARNING: at FILE:LINE`);
    /// `nil` when its title already names a function.
    static func titleNamingFunction(_ title: String, _ function: String) -> String? {
        if title.hasSuffix(" in corrupted") { return String(title.dropLast("corrupted".count)) + function }
        if let named = TitleNormalization.frame(of: title) {
            // syzbot's rules named reporting machinery (ARM's __dabt_svc): the frames know better.
            guard GenericFrames.contains(named), !GenericFrames.contains(function), named != function else { return nil }
            return String(title.dropLast(named.count)) + function
        }
        if title.contains(" in ") { return nil }
        if title.hasPrefix("WARNING: ") { return "WARNING in \(function)" }
        return title + " in " + function
    }

    /// The function a report's title names: its first reliable exact PC that
    /// is not reporting machinery (``GenericFrames``), else its first such frame.
    static func keyFunction(of report: Report) -> String? {
        let candidates = report.frames.filter { $0.frame.reliable }
        let pick =
            candidates.first { $0.frame.kind == .pc && name(of: $0).map { !GenericFrames.contains($0) } == true }
            ?? candidates.first { name(of: $0).map { !GenericFrames.contains($0) } == true }
        return pick.flatMap(name(of:)).map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }
    }

    private static func name(of frame: ResolvedFrame) -> String? {
        frame.locations.first?.function ?? frame.symbol?.name ?? frame.frame.symbol?.name
    }

    /// A report header as a title: without what changes from one occurrence
    /// to the next (`[#2]` and the flags after it) and without source
    /// positions a tool added (`(net/core/dst.c:123)`), at most 160 characters.
    static func headerTitle(_ header: String) -> String {
        var title = Substring(header)
        if let counter = ByteSearch.firstRange(of: " [#", in: title) { title = title[..<counter.lowerBound] }
        // "WARNING: CPU: 0 PID: 1 at fs/a.c:12 f+0x1/0x2", "WARNING: at fs/a.c:12 f()": the function comes from the frames.
        if title.hasPrefix("WARNING: "), ByteSearch.contains(title, " at "), SourceClaim.parse(title) != nil { return "WARNING" }
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
        while let open = ByteSearch.firstRange(of: " (", in: rest) {
            output += rest[..<open.lowerBound]
            let candidate = rest[rest.index(after: open.lowerBound)...]
            let location = candidate.withUTF8Bytes { bytes -> Int? in
                var cursor = Cursor(bytes)
                return cursor.printedLocation() != nil ? cursor.position : nil
            }
            if let location {
                let lastWord = output.split(separator: " ").last ?? ""
                if let last = lastWord.last, last.isLetter || last.isNumber || last == "_", !lastWord.contains("+0x") {
                    output += "+0x0/0x0"
                }
                rest = Substring(candidate.utf8.dropFirst(location))
            } else {
                output += " ("
                rest = rest[open.upperBound...]
            }
        }
        return output + rest
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
                result = result.replacingOccurrences(of: wrong, with: Wording.correction(correction))
            } else {
                result = result.replacingOccurrences(of: "(\(printed.name) ", with: "(\(correction.name) ")
                result = result.replacingOccurrences(of: "(\(printed.name))", with: "(\(correction.name))")
            }
        }
        return result
    }
}

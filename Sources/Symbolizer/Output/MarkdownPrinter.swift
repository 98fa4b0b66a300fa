/// Prints reports as a bug-tracker comment: a heading with the title, a
/// table of facts (kind, signature, kernel, architecture, lines, corruption),
/// then the symbolized trace in a code block.
public struct MarkdownPrinter: Sendable {
    public init() {}

    /// - Parameter renderedLine: the annotated output for an input line number
    ///   (1-based), without its terminator handling: what the text format prints.
    public func render(_ reports: [Report], renderedLine: (Int) -> [UInt8]?) -> String {
        guard !reports.isEmpty else { return "No kernel report found in the input.\n" }
        var sections: [String] = []
        for report in reports {
            var text = "### \(escapeHeading(report.title))\n\n| | |\n|---|---|\n"
            text += "| kind | \(report.kind) |\n"
            if let signature = report.signature { text += "| signature | `\(signature)` |\n" }
            if let release = report.kernelRelease { text += "| kernel | \(escapeCell(release)) |\n" }
            if let arch = report.architecture { text += "| arch | \(arch.rawValue) |\n" }
            text += "| lines | \(report.firstLine)–\(report.lastLine) |\n"
            if report.corrupted { text += "| corrupted | \(escapeCell(report.corruptedReason ?? "yes")) |\n" }
            let unresolved = report.frames.filter { $0.unresolved != nil }.count
            if unresolved > 0 { text += "| unresolved frames | \(unresolved) of \(report.frames.count) |\n" }
            if report.frames.contains(where: { $0.kallsymsCorrection != nil }) {
                text += "| note | this pre-5.0 Thumb-2 kernel printed module symbols one byte off; corrected below |\n"
            }
            var body = ""
            for number in report.firstLine...max(report.firstLine, report.lastLine) {
                guard let bytes = renderedLine(number) else { continue }
                var line = String(decoding: bytes, as: UTF8.self)
                line = line.replacingOccurrences(of: "\r\n", with: "\n")
                if !line.hasSuffix("\n") { line += "\n" }
                body += line
            }
            let fence = String(repeating: "`", count: max(3, longestBacktickRun(body) + 1))
            text += "\n\(fence)text\n\(body)\(fence)\n"
            sections.append(text)
        }
        return sections.joined(separator: "\n")
    }

    private func longestBacktickRun(_ text: String) -> Int {
        var longest = 0
        var current = 0
        for character in text.utf8 {
            if character == UInt8(ascii: "`") {
                current += 1
                longest = max(longest, current)
            } else {
                current = 0
            }
        }
        return longest
    }

    private func escapeCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }

    private func escapeHeading(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\`*_[]<>#|".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

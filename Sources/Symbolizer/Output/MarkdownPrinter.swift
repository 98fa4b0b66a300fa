/// Prints a log as a bug-tracker comment (GitHub-flavoured markdown) that
/// leads with the crash verdict:
///
/// 1. the crash's title as a heading, then a table: kind, kernel,
///    architecture, signature, guilty file, maintainers and lists, log
///    lines, corruption, unresolved frames;
/// 2. the crash site, with its source lines when a kernel tree was given;
/// 3. the symbolized stack, one line per frame (function, `file:line`,
///    module), inline callers indented below, the reporting machinery
///    (``GenericFrames``) left out and named;
/// 4. the full annotated report in a collapsed `<details>` block;
/// 5. the log's other reports (informational stack dumps, what followed the
///    crash), each collapsed.
public struct MarkdownPrinter: Sendable {
    public init() {}

    /// - Parameters:
    ///   - crash: the log's verdict (``LogRun`` makes it with its triage).
    ///   - renderedLine: the annotated output for an input line number
    ///     (1-based): what the text format prints for it.
    public func render(_ reports: [Report], crash: CrashVerdict?, renderedLine: (Int) -> [UInt8]?) -> String {
        guard !reports.isEmpty else { return "No kernel report found in the input.\n" }
        var text = ""
        if let crash {
            let report = reports[crash.reportIndex]
            text += "## \(Self.escapeInline(crash.title))\n\n"
            text += table(report, crash: crash)
            text += crashSite(crash, reports: reports)
            let stackReport = crash.crashSite?.report ?? crash.reportIndex
            let frames = reports[stackReport].frames
            // From the faulting instruction on: the frames before it printed the report.
            let start = frames.firstIndex { $0.frame.kind == .pc && $0.frame.reliable } ?? 0
            text += stack(
                reports[stackReport], from: stackReport == crash.reportIndex ? nil : reports[stackReport],
                startingAt: start)
            text += details("Full report (log lines \(report.firstLine)–\(report.lastLine))", report, renderedLine)
        } else {
            text += "## No crash in the log\n\n"
            text += "The log holds \(reports.count) informational report\(reports.count == 1 ? "" : "s") (stack dumps), no crash.\n"
        }
        let others = reports.indices.filter { $0 != crash?.reportIndex }
        if !others.isEmpty {
            text += crash == nil ? "\n" : "\n### Other reports in the log\n\n"
            for index in others {
                let report = reports[index]
                let summary =
                    "\(report.title) (\(report.kind), log lines \(report.firstLine)–\(report.lastLine))"
                text += details(summary, report, renderedLine)
            }
        }
        return text
    }

    // MARK: Parts

    private func table(_ report: Report, crash: CrashVerdict) -> String {
        var rows: [(String, String)] = [("kind", report.kind)]
        if let release = report.kernelRelease { rows.append(("kernel", Self.escapeInline(release))) }
        if let arch = report.architecture { rows.append(("arch", arch.rawValue)) }
        if let signature = crash.signature { rows.append(("signature", "`\(signature)`")) }
        if let guilty = crash.guiltyFile { rows.append(("guilty file", "`\(guilty.file)`")) }
        if let maintainers = crash.maintainers {
            let lists = Set(maintainers.subsystems.flatMap(\.lists).map { $0.address.lowercased() })
            let people = maintainers.lines.filter { !lists.contains($0.lowercased()) }
            let mailing = maintainers.lines.filter { lists.contains($0.lowercased()) }
            rows.append(("maintainers", people.isEmpty ? "none found" : people.map(Self.escapeInline).joined(separator: ", ")))
            if !mailing.isEmpty { rows.append(("lists", mailing.map(Self.escapeInline).joined(separator: ", "))) }
            let names = maintainers.subsystems.map { subsystem in
                Self.escapeInline(subsystem.name) + (subsystem.status.map { " (\(Self.escapeInline($0)))" } ?? "")
            }
            if !names.isEmpty { rows.append(("subsystems", names.joined(separator: ", "))) }
        }
        rows.append(("log lines", "\(report.firstLine)–\(report.lastLine)"))
        if crash.corrupted { rows.append(("corrupted", Self.escapeInline(crash.corruptedReason ?? "yes"))) }
        let unresolved = report.frames.filter { $0.unresolved != nil }.count
        if unresolved > 0 { rows.append(("unresolved frames", "\(unresolved) of \(report.frames.count)")) }
        if report.frames.contains(where: { $0.kallsymsCorrection != nil }) {
            rows.append(("note", "this pre-5.0 Thumb-2 kernel printed module symbols one byte off; corrected below"))
        }
        if !crash.alternativeTitles.isEmpty {
            rows.append(("also titled", crash.alternativeTitles.map(Self.escapeInline).joined(separator: "; ")))
        }
        // The first row is the table's header (GFM tables have one).
        let lines = rows.map { "| \($0.0) | \($0.1) |\n" }
        return lines[0] + "|---|---|\n" + lines.dropFirst().joined()
    }

    private func crashSite(_ crash: CrashVerdict, reports: [Report]) -> String {
        guard let site = crash.crashSite else { return "" }
        var text = "\n**Crash site:** `\(site.location.function ?? "??")` at `\(site.location.fileAndLine)`"
        if let caller = site.inlinedInto.first {
            text += ", inlined into `\(caller.function ?? "??")` at `\(caller.fileAndLine)`"
        }
        if let module = reports[site.report].frames[site.frame].module, module != "vmlinux" { text += " [\(module)]" }
        text += "\n"
        switch site.source {
        case .lines(let snippet):
            let body = snippet.numbered.joined(separator: "\n") + "\n"
            let fence = Self.fence(for: body)
            text += "\n\(fence)c\n\(body)\(fence)\n"
        case .unavailable(_, _, let reason):
            text += "\n_No source line: \(Self.escapeInline(reason.description))._\n"
        case nil: break
        }
        return text + machineState(reports[site.report])
    }

    /// The faulting instruction and the registers that hold variables, under the crash site.
    private func machineState(_ report: Report) -> String {
        var text = ""
        if let code = report.code, let faulting = code.instructions.first(where: \.faulting) {
            text += "\n**Faulting instruction** (\(code.source == .log ? "from the log" : "from the binary")"
            if code.matchesBinary == false { text += ", **not the binary's bytes**" }
            text += "): `\(Self.escapeInline(faulting.text))`"
            if let access = faulting.access, let described = MachineWording.accessText(access) {
                text += " `\(described)`"
            }
            text += "\n"
        }
        let named = report.registers.filter { !$0.variables.isEmpty }
        if !named.isEmpty {
            text += "\n**Registers:** "
            text += named.map { register in
                "`\(register.name)` = `\(String(hex(register.value)).leftPadded(to: register.digits))` `"
                    + (MachineWording.registerTag(register) ?? "") + "`"
            }.joined(separator: ", ")
            text += "\n"
        }
        return text
    }

    /// - Parameter other: the report the stack comes from when it is not the crash report.
    /// - Parameter start: the faulting instruction's frame: the frames before it printed the report.
    private func stack(_ report: Report, from other: Report?, startingAt start: Int) -> String {
        var rows: [(function: String, place: String)] = []
        var skipped: [String] = []
        var unreliable = 0
        let site = report.frames.indices.contains(start) ? report.frames[start] : nil
        for (index, frame) in zip(report.frames.indices, report.frames) where index >= start && frame.frame.kind != .lr {
            // The faulting PC again: the backtrace's first entry (ARM, arm64),
            // or the register dump x86 repeats at the end of an oops.
            if index > start, let site, site.frame.kind == .pc,
                let address = frame.address ?? frame.lookupAddress,
                address == site.address ?? site.lookupAddress, frame.symbol?.name == site.symbol?.name
            {
                continue
            }
            let function = frame.locations.first?.function ?? frame.symbol?.name ?? frame.frame.symbol?.name
            if let name = frame.symbol?.name ?? frame.frame.symbol?.name ?? function, GenericFrames.contains(name) {
                if !skipped.contains(name) { skipped.append(name) }
                continue
            }
            guard frame.frame.reliable else {
                unreliable += 1
                continue
            }
            var place = frame.locations.first.map(\.fileAndLine) ?? frame.frame.printed
            if let module = frame.module, module != "vmlinux" { place += " [\(module)]" }
            if let reason = frame.unresolved, reason != .noVmlinux(nil) { place += " (unresolved: \(reason))" }
            rows.append((function ?? frame.frame.printed, place))
            for caller in frame.locations.dropFirst() {
                rows.append(("  inlined into " + (caller.function ?? "??"), caller.fileAndLine))
            }
        }
        guard !rows.isEmpty else { return "" }
        let width = rows.map(\.function.count).max() ?? 0
        let body = rows.map { row in
            row.function + spaces(width - row.function.count) + "  " + row.place
        }.joined(separator: "\n") + "\n"
        let fence = Self.fence(for: body)
        var notes: [String] = []
        if let other {
            notes.append(
                "as printed by the \(Self.escapeInline(other.title)) report that follows (log lines \(other.firstLine)–\(other.lastLine))")
        }
        if start > 0 {
            notes.append(
                "from the faulting instruction on (the \(start) frame\(start == 1 ? "" : "s") before it, which printed the report, left out)")
        }
        if !skipped.isEmpty { notes.append("reporting frames left out: " + skipped.map { "`\($0)`" }.joined(separator: ", ")) }
        if unreliable > 0 { notes.append("\(unreliable) unreliable `?` frame\(unreliable == 1 ? "" : "s") left out") }
        let text = "\n**Stack**" + (notes.isEmpty ? "" : " — " + notes.joined(separator: "; "))
        return text + "\n\n\(fence)text\n\(body)\(fence)\n"
    }

    private func details(_ summary: String, _ report: Report, _ renderedLine: (Int) -> [UInt8]?) -> String {
        var body = ""
        for number in report.firstLine...max(report.firstLine, report.lastLine) {
            guard let bytes = renderedLine(number) else { continue }
            var line = String(decoding: bytes, as: UTF8.self)
            line = line.replacingOccurrences(of: "\r\n", with: "\n")
            if !line.hasSuffix("\n") { line += "\n" }
            body += line
        }
        let fence = Self.fence(for: body)
        return "\n<details><summary>\(Self.escapeHTML(summary))</summary>\n\n\(fence)text\n\(body)\(fence)\n\n</details>\n"
    }

    // MARK: Escaping

    /// A code fence longer than any run of backticks in `body`.
    static func fence(for body: String) -> String {
        var longest = 0
        var current = 0
        for character in body.utf8 {
            current = character == UInt8(ascii: "`") ? current + 1 : 0
            longest = max(longest, current)
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// Text shown as is inside a heading, a paragraph or a table cell.
    static func escapeInline(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\n" || character == "\r" {
                escaped += " "
            } else if "\\`*_[]#|~".contains(character) {
                escaped += "\\" + String(character)
            } else {
                escaped += escapeHTML(String(character))
            }
        }
        return escaped
    }

    /// Text inside an HTML element (`<summary>`).
    static func escapeHTML(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            default: escaped.append(character)
            }
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

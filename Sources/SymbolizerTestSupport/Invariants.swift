import Symbolizer

#if canImport(Glibc)
    import Glibc
#endif

/// The properties every input must keep, whatever its bytes: checked by the
/// fuzz targets (`Fuzz/`, `scripts/fuzz.sh`) and by the regression tests
/// that replay what fuzzing found.
public enum Invariants {
    /// A broken invariant.
    public struct Violation: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs a log through the parser, the report finder and the text and JSON
    /// printers (no binaries), and checks: every input byte comes out, in
    /// order, as a prefix of its output line; every report's line range lies
    /// in the input; the JSON encodes.
    public static func checkLog(_ bytes: [UInt8], options: SymbolizerOptions = .init()) throws(Violation) {
        var output: [UInt8] = []
        let run = LogRun(
            symbolizer: Symbolizer(options: options), format: .text, keepReports: true, write: { output += $0 },
            warn: { _ in })
        var lineCount = 0
        for line in splitLines(bytes) {
            lineCount += 1
            output.removeAll(keepingCapacity: true)
            run.process(LogLine(number: lineCount, bytes: line.content, terminator: line.terminator))
            var expected = line.content
            if expected.last == UInt8(ascii: "\r") && line.terminator.isEmpty { expected.removeLast() }
            guard output.starts(with: expected) || output.starts(with: line.content) else {
                throw Violation(description: "line \(lineCount) does not come out unchanged")
            }
            guard line.terminator.isEmpty || output.suffix(line.terminator.count).elementsEqual(line.terminator) else {
                throw Violation(description: "line \(lineCount) lost its terminator")
            }
        }
        let reports: [Report]
        do {
            reports = try run.finish().reports
        } catch {
            throw Violation(description: "the run did not finish: \(error)")
        }
        for report in reports where report.firstLine < 1 || report.lastLine > lineCount || report.firstLine > report.lastLine {
            throw Violation(description: "report lines \(report.firstLine)-\(report.lastLine) outside 1-\(lineCount)")
        }
        do {
            _ = try JSONDocument(reports: reports).encoded(pretty: false)
        } catch {
            throw Violation(description: "JSON did not encode: \(error)")
        }
    }

    /// Parses bytes as each snapshot format; nothing may crash.
    public static func checkSnapshots(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var problems: [(line: Int, text: String)] = []
        _ = ModuleSectionsSnapshot(text: text, problems: &problems)
        _ = ProcModulesSnapshot(text: text, problems: &problems)
        let kallsyms = KallsymsSnapshot(text: text, problems: &problems)
        _ = kallsyms.symbol(containing: 0xffff_ffff_8100_0000)
        _ = kallsyms.textStart
        _ = kallsyms.codeSymbols(of: "crashmod")
        _ = ElfNotes.gnuBuildID(in: bytes)
        for line in text.split(separator: "\n").prefix(64) {
            _ = SourceClaim.parse(line)
            _ = LogProcessor.vmlinuxBuildID(in: line)
        }
    }

    /// Loads bytes as a module file `fuzzmod.ko` in `directory` and resolves a
    /// few frames against it; nothing may crash, and a failure must be a
    /// reason on the frame.
    public static func checkModule(_ bytes: [UInt8], directory: String) throws(Violation) {
        let path = directory + "/fuzzmod.ko"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        var sections = ModuleSectionsSnapshot()
        sections.add(module: "fuzzmod", section: ".text", address: 0xbf80_0000)
        let symbolizer = Symbolizer(options: SymbolizerOptions(modulePaths: [directory], moduleSections: sections))
        var facts = KernelFacts()
        let frames = [
            LogFrame(line: 1, kind: .pc, reliable: true, printed: "", symbol: nil, address: 0xbf80_0010),
            LogFrame(
                line: 2, kind: .return, reliable: true, printed: "",
                symbol: PrintedSymbol(name: "init_module", offset: 4, size: 8, module: "fuzzmod", buildID: nil), address: nil),
        ]
        for frame in frames {
            let resolved = symbolizer.resolve(frame, facts: &facts)
            if resolved.unresolved == nil && resolved.symbol == nil && resolved.locations.isEmpty {
                throw Violation(description: "a frame with neither a result nor a reason")
            }
        }
        _ = try? KallsymsListing.entries(modulePath: path, sections: [".text": 0xbf80_0000])
    }

    /// Splits like ``LineReader``: on `\n`, keeping `\r\n`, a last line without terminator.
    static func splitLines(_ bytes: [UInt8]) -> [(content: [UInt8], terminator: [UInt8])] {
        var result: [(content: [UInt8], terminator: [UInt8])] = []
        var start = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            var end = index
            var terminator: [UInt8] = [UInt8(ascii: "\n")]
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") {
                end -= 1
                terminator = [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
            }
            result.append((Array(bytes[start..<end]), terminator))
            start = index + 1
        }
        if start < bytes.count { result.append((Array(bytes[start...]), [])) }
        return result
    }
}

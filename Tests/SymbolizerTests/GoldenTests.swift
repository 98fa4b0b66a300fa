import Foundation
import Symbolizer
import Testing

/// Golden files: for every sample case, the text output and the JSON
/// document, in `Golden/<sample>/<case>.txt|.json`, and the markdown of each
/// sample's `null` case (`null.md`). Run with
/// `KSYMBOLIZE_UPDATE_GOLDEN=1` to rewrite them (the test then fails, so that
/// the change is looked at before it is committed).
@Suite("Golden output of the samples", .serialized)
struct GoldenTests {
    static let goldenRoot = Samples.path("Tests/SymbolizerTests/Golden")
    static let updating = ProcessInfo.processInfo.environment["KSYMBOLIZE_UPDATE_GOLDEN"] == "1"

    @Test("text and JSON output", arguments: Samples.allCases)
    func golden(_ sampleCase: SampleCase) throws {
        let options = try sampleCase.sample.options(case: sampleCase.name)
        let (text, summary) = try run(logPath: sampleCase.logPath, options: options, format: .text)
        let json = try JSONDocument(reports: summary.reports, crash: .some(summary.crash)).encoded()
        try compare(Data(text), "\(sampleCase.sample.directory)/\(sampleCase.name).txt")
        try compare(Data(json), "\(sampleCase.sample.directory)/\(sampleCase.name).json")
        if sampleCase.name == "null" {
            let (markdown, _) = try run(logPath: sampleCase.logPath, options: options, format: .markdown)
            try compare(Data(markdown), "\(sampleCase.sample.directory)/\(sampleCase.name).md")
        }
    }

    @Test("the text output holds every input line, unchanged and in order", arguments: Samples.allCases)
    func passthrough(_ sampleCase: SampleCase) throws {
        let input = try Data(contentsOf: URL(fileURLWithPath: sampleCase.logPath))
        let (text, _) = try symbolize(logPath: sampleCase.logPath, options: try sampleCase.sample.options(case: sampleCase.name))
        #expect(isSubsequenceOfLines(input: Array(input), output: text))
    }

    private func compare(_ actual: Data, _ name: String) throws {
        let path = Self.goldenRoot + "/" + name
        if Self.updating {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try actual.write(to: URL(fileURLWithPath: path))
            Issue.record("rewrote \(name); run again without KSYMBOLIZE_UPDATE_GOLDEN")
            return
        }
        guard let expected = FileManager.default.contents(atPath: path) else {
            Issue.record("missing golden file \(name): run with KSYMBOLIZE_UPDATE_GOLDEN=1")
            return
        }
        if expected != actual {
            // Split bytes, not Characters: "\r\n" is one Character.
            let expectedLines = expected.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            let actualLines = actual.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record(
                "\(name) differs at line \((first?.offset ?? min(expectedLines.count, actualLines.count)) + 1):\n- \(first?.element.0 ?? "")\n+ \(first?.element.1 ?? "")"
            )
        }
    }
}

/// Whether every input line (with its terminator, where it had one) appears
/// in the output, in order, each at the start of an output line.
func isSubsequenceOfLines(input: [UInt8], output: [UInt8]) -> Bool {
    let newline = UInt8(ascii: "\n")
    let inputLines = input.split(separator: newline, omittingEmptySubsequences: false)
    let outputLines = output.split(separator: newline, omittingEmptySubsequences: false)
    var cursor = 0
    for (index, line) in inputLines.enumerated() {
        if index == inputLines.count - 1 && line.isEmpty { break }
        var content = Array(line)
        if content.last == UInt8(ascii: "\r") { content.removeLast() }
        var found = false
        while cursor < outputLines.count {
            let candidate = Array(outputLines[cursor])
            cursor += 1
            if candidate.starts(with: content) {
                found = true
                break
            }
        }
        if !found { return false }
    }
    return true
}

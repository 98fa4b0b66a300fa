import Foundation
import Symbolizer
import Testing

/// The shared syzkaller corpus (`../shared/corpus/syzkaller/report/N`): real
/// console logs from many kernels and architectures.
enum Corpus {
    static let directory = Samples.root.deletingLastPathComponent().appendingPathComponent("shared/corpus/syzkaller/report").path

    struct Entry: Sendable, CustomStringConvertible {
        var name: String
        var title: String?
        /// `ALT:` titles.
        var alternatives: [String] = []
        /// `CORRUPTED: Y`.
        var corrupted = false
        var log: [UInt8]
        var description: String { name }
    }

    static let entries: [Entry] = {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            let bytes = Array(data)
            // Header: KEY: value lines up to the first empty line.
            var title: String?
            var alternatives: [String] = []
            var corrupted = false
            var index = 0
            while index < bytes.count {
                let end = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                let line = String(decoding: bytes[index..<end], as: UTF8.self)
                index = end + 1
                if line.isEmpty { break }
                if line.hasPrefix("TITLE:") { title = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("ALT:") { alternatives.append(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) }
                if line.hasPrefix("CORRUPTED:") { corrupted = line.dropFirst(10).trimmingCharacters(in: .whitespaces) == "Y" }
            }
            var log = Array(bytes[min(index, bytes.count)...])
            // An optional "REPORT:" section after the log holds syzkaller's expected report text, not the log.
            let marker = Array("\nREPORT:\n".utf8)
            if let cut = log.indices.dropLast(marker.count - 1).first(where: { log[$0..<$0 + marker.count].elementsEqual(marker) }) {
                log = Array(log[...cut])
            }
            return Entry(
                name: name, title: title?.isEmpty == true ? nil : title, alternatives: alternatives, corrupted: corrupted,
                log: log)
        }
    }()
}

/// Runs a log held in memory through the whole pipeline (via a temporary file).
func symbolize(bytes: [UInt8], options: SymbolizerOptions = .init()) -> (text: [UInt8], reports: [Report]) {
    let path = NSTemporaryDirectory() + "ksymbolize-test-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)),
        let result = try? symbolize(logPath: path, options: options)
    else { return ([], []) }
    return result
}

@Suite("syzkaller corpus invariants")
struct CorpusTests {
    @Test("the corpus is there")
    func corpusPresent() {
        #expect(Corpus.entries.count > 300, "\(Corpus.directory)")
    }

    @Test("every line passes through, reports are found, JSON encodes", arguments: Corpus.entries)
    func invariants(_ entry: Corpus.Entry) throws {
        let (text, reports) = symbolize(bytes: entry.log)
        #expect(isSubsequenceOfLines(input: entry.log, output: text))
        let json = try JSONDocument(reports: reports).encoded(pretty: false)
        #expect((try? JSONSerialization.jsonObject(with: Data(json))) != nil)
        for report in reports {
            #expect(report.firstLine <= report.lastLine)
        }
    }

    @Test("the pipeline's verdicts and titles match syzkaller's on the corpus")
    func titles() throws {
        var verdicts = 0
        var titles = 0
        var mismatches: [String] = []
        for entry in Corpus.entries {
            let (_, reports) = symbolize(bytes: entry.log)
            let first = reports.filter { $0.crashType != nil }.min { $0.firstLine < $1.firstLine }
            if (first != nil) == (entry.title != nil) { verdicts += 1 } else { mismatches.append("\(entry.name): verdict") }
            // syzbot_title is syzbot's answer; title differs from it only to name a function where syzbot's names none.
            if let expected = entry.title, first?.syzbotTitle == expected {
                titles += 1
                if let title = first?.title, title != expected {
                    let named = expected.components(separatedBy: " in ").last ?? ""
                    #expect(
                        expected.hasSuffix(" in corrupted") || !expected.contains(" in ") || GenericFrames.contains(named),
                        "\(entry.name): \(title) for \(expected)")
                }
            } else if let expected = entry.title {
                mismatches.append("\(entry.name): \(first?.syzbotTitle ?? "nil") != \(expected)")
            }
        }
        let withTitle = Corpus.entries.filter { $0.title != nil }.count
        #expect(verdicts == Corpus.entries.count, "\(mismatches.prefix(20))")
        #expect(Double(titles) >= Double(withTitle) * 0.95, "\(titles) of \(withTitle): \(mismatches.prefix(20))")
    }

    @Test("a report is found in nearly every log that has a crash")
    func detectionRate() {
        let withCrash = Corpus.entries.filter { $0.title != nil }
        let found = withCrash.filter { !symbolize(bytes: $0.log).reports.isEmpty }
        #expect(Double(found.count) >= Double(withCrash.count) * 0.9, "\(found.count) of \(withCrash.count)")
    }
}

import Foundation
import Symbolizer
import Testing

/// One log of syzkaller's Linux report corpus and what syzbot makes of it
/// (`/work/shared/corpus/syzkaller/README.md`).
struct SyzbotCorpusLog {
    static let directory = Samples.root.deletingLastPathComponent()
        .appendingPathComponent("shared/corpus/syzkaller/report")

    /// The corpus files, in numeric order.
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { Int($0) != nil }.sorted { Int($0)! < Int($1)! }
    }()

    var title: String?
    var alternatives: [String] = []
    var corrupted = false
    var type: String?
    var frame: String?
    var lines: [String] = []

    init(_ name: String) throws {
        let data = try Data(contentsOf: SyzbotCorpusLog.directory.appendingPathComponent(name))
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
        var all = text.components(separatedBy: "\n")
        if all.last == "" { all.removeLast() }
        var index = 0
        while index < all.count, !all[index].isEmpty {
            let line = all[index]
            index += 1
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch line[..<colon] {
            case "TITLE": title = value.isEmpty ? nil : value
            case "ALT": alternatives.append(value)
            case "CORRUPTED": corrupted = value == "Y"
            case "TYPE": type = value
            case "FRAME": frame = value
            default: break
            }
        }
        index += 1
        var previousEmpty = false
        while index < all.count {
            if previousEmpty && all[index] == "REPORT:" { break }
            lines.append(all[index])
            previousEmpty = all[index].isEmpty
            index += 1
        }
    }

    /// Whether `crash` is what syzbot files: title (or no crash), CORRUPTED and the ALT set.
    func matches(_ crash: CrashTitle?) -> Bool {
        crash?.title == title && (crash?.corrupted ?? false) == corrupted
            && Set(crash?.alternativeTitles ?? []) == Set(alternatives)
    }
}

@Suite struct SyzbotTitleTests {
    /// Corpus logs the engine does not get right, and why.
    static let knownFailures: [String: String] = [
        "747": "needs a C++ demangler: the frame is printed as _Z8fakeNameiii",
        "749": "needs a Rust v0 demangler: the frames are printed as _RNv… symbols",
    ]

    @Test(arguments: SyzbotCorpusLog.names)
    func corpusLog(_ name: String) throws {
        let log = try SyzbotCorpusLog(name)
        let crash = SyzbotTitles.firstCrash(in: log.lines)
        withKnownIssue(Comment(rawValue: SyzbotTitleTests.knownFailures[name] ?? "")) {
            #expect(crash?.title == log.title)
            #expect((crash?.corrupted ?? false) == log.corrupted, "\(crash?.corruptedReason ?? "not corrupted")")
            #expect(Set(crash?.alternativeTitles ?? []) == Set(log.alternatives))
            if let type = log.type, log.title != nil { #expect(crash?.type == type) }
            if let frame = log.frame { #expect(crash?.frame == frame) }
        } when: {
            SyzbotTitleTests.knownFailures[name] != nil
        }
    }

    /// The overall match rate may only go up.
    @Test func corpusMatchRate() throws {
        var matched = 0
        var failed: [String] = []
        for name in SyzbotCorpusLog.names {
            let log = try SyzbotCorpusLog(name)
            if log.matches(SyzbotTitles.firstCrash(in: log.lines)) { matched += 1 } else { failed.append(name) }
        }
        #expect(SyzbotCorpusLog.names.count == 374)
        print("syzbot corpus: \(matched) of \(SyzbotCorpusLog.names.count) match; failing: \(failed.joined(separator: " "))")
        #expect(matched >= 372, "failing: \(failed.joined(separator: " "))")
    }
}

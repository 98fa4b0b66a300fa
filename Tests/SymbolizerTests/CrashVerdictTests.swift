import Foundation
import Testing

/// The crash verdict as a tracker reads it: the CLI's JSON (`crash`, and
/// `crash` on each report), on the real console logs of the syzkaller corpus.
@Suite("Crash verdict through the CLI's JSON")
struct CrashVerdictTests {
    struct Outcome {
        var entry: Corpus.Entry
        var crash: [String: Any]?
        var reports: [[String: Any]]
        var failure: String?
    }

    /// Runs `ksymbolize --format json FILE` on each corpus log, two at a time.
    static func outcomes() -> [Outcome] {
        let entries = Corpus.entries
        let results = Locked([Outcome?](repeating: nil, count: entries.count))
        DispatchQueue.concurrentPerform(iterations: entries.count) { index in
            let entry = entries[index]
            let path = NSTemporaryDirectory() + "ksymbolize-verdict-\(entry.name)-\(UUID().uuidString).log"
            defer { try? FileManager.default.removeItem(atPath: path) }
            var outcome = Outcome(entry: entry, crash: nil, reports: [], failure: nil)
            if FileManager.default.createFile(atPath: path, contents: Data(entry.log)),
                let result = try? CLI.run(["--format", "json", path]),
                let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            {
                outcome.crash = object["crash"] as? [String: Any]
                outcome.reports = object["reports"] as? [[String: Any]] ?? []
                if !object.keys.contains("crash") { outcome.failure = "no crash key" }
            } else {
                outcome.failure = "no JSON"
            }
            results.withLock { $0[index] = outcome }
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    @Test("every verdict right; titles syzbot's (or an ALT) on ≥99%, corrupted on ≥97%; crash points at a crash report")
    func corpus() throws {
        let outcomes = Self.outcomes()
        #expect(outcomes.count == Corpus.entries.count && outcomes.count > 300)
        var wrongVerdicts: [String] = []
        var wrongTitles: [String] = []
        var wrongCorrupted: [String] = []
        var crashes = 0
        for outcome in outcomes {
            let name = outcome.entry.name
            #expect(outcome.failure == nil, "\(name): \(outcome.failure ?? "")")
            guard let expected = outcome.entry.title else {
                if outcome.crash != nil { wrongVerdicts.append("\(name): crash in a log without one") }
                // Informational dumps may stay listed; nothing in a clean log is a crash.
                #expect(outcome.reports.allSatisfy { $0["crash"] as? Bool == false }, "\(name)")
                continue
            }
            guard let crash = outcome.crash else {
                wrongVerdicts.append("\(name): no crash, expected \(expected)")
                continue
            }
            crashes += 1
            // The verdict names a report of the list, and a crash one.
            let index = crash["report"] as? Int ?? -1
            #expect(outcome.reports.indices.contains(index), "\(name)")
            if outcome.reports.indices.contains(index) {
                #expect(outcome.reports[index]["crash"] as? Bool == true, "\(name)")
                #expect(outcome.reports[..<index].allSatisfy { $0["crash"] as? Bool == false }, "\(name): not the first crash")
            }
            let title = crash["title"] as? String ?? ""
            if title != expected && !outcome.entry.alternatives.contains(title) {
                wrongTitles.append("\(name): \(title) ≠ \(expected)")
            }
            if (crash["corrupted"] as? Bool) != outcome.entry.corrupted {
                wrongCorrupted.append("\(name): \(crash["corrupted_reason"] as? String ?? "not corrupted")")
            }
        }
        #expect(wrongVerdicts.isEmpty, "\(wrongVerdicts)")
        #expect(Double(crashes - wrongTitles.count) >= Double(crashes) * 0.99, "\(wrongTitles)")
        #expect(Double(crashes - wrongCorrupted.count) >= Double(crashes) * 0.97, "\(wrongCorrupted)")
    }
}

/// A value behind a lock, for results gathered from concurrent work.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

import Foundation
import Symbolizer
import Testing

/// One row of a sample's `CASE.expected.tsv`: what an independent tool
/// (eu-addr2line at the section offset) said about one frame.
struct ExpectedFrame {
    var line: Int
    var kind: String
    var module: String
    var printed: String
    var address: UInt64
    var lookup: UInt64
    /// `(function, file, line)` innermost first.
    var locations: [(function: String, file: String, line: Int)]
    /// Whether the row can be compared (eu-addr2line found a real location).
    var comparable: Bool

    /// The function name the kernel printed (`printed` without `? `, offset and module).
    var printedName: String {
        var text = Substring(printed)
        if text.hasPrefix("? ") { text = text.dropFirst(2) }
        return String(text.prefix { $0 != "+" && $0 != " " })
    }

    static func load(_ path: String) throws -> [ExpectedFrame] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var rows: [ExpectedFrame] = []
        var header: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if line.hasPrefix("#") {
                header = fields.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "# ")) }
                continue
            }
            func field(_ name: String) -> String? {
                header.firstIndex(of: name).flatMap { $0 < fields.count ? fields[$0] : nil }
            }
            guard let lineNumber = field("line").flatMap({ Int($0) }), let address = field("address").flatMap(hexValue),
                let lookup = field("lookup").flatMap(hexValue), let locationText = field("locations")
            else { continue }
            var locations: [(String, String, Int)] = []
            var comparable = true
            for entry in locationText.components(separatedBy: " | ") {
                guard let at = entry.firstIndex(of: "@"), let colon = entry.lastIndex(of: ":"),
                    let number = Int(entry[entry.index(after: colon)...]), number > 0
                else {
                    comparable = false
                    continue
                }
                locations.append(
                    (String(entry[..<at]), String(entry[entry.index(after: at)..<colon]), number))
            }
            if locations.isEmpty || locationText.contains("??") { comparable = false }
            rows.append(
                ExpectedFrame(
                    line: lineNumber, kind: field("kind") ?? "", module: field("module") ?? "", printed: field("printed") ?? "",
                    address: address, lookup: lookup, locations: locations, comparable: comparable))
        }
        return rows
    }
}

func hexValue(_ text: String) -> UInt64? {
    UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
}

/// The file names of both tools name the same file: one is a path suffix of the other.
func sameFile(_ ours: String?, _ theirs: String) -> Bool {
    guard let ours else { return false }
    let a = SourcePath.lexicallyNormalized(ours)
    let b = SourcePath.lexicallyNormalized(theirs)
    return a == b || b.hasSuffix("/" + a) || a.hasSuffix("/" + b)
}

@Suite("Samples against an independent symbolizer", .serialized)
struct SampleCrossCheckTests {
    static let casesWithExpectations = Samples.allCases.filter {
        FileManager.default.fileExists(atPath: $0.sample.path + "/\($0.name).expected.tsv")
    }

    @Test("every sample case has a cross-checked expectation")
    func everyCaseIsCrossChecked() {
        #expect(Samples.allCases.count >= 16)
        for sampleCase in Samples.allCases {
            #expect(
                FileManager.default.fileExists(atPath: sampleCase.sample.path + "/\(sampleCase.name).expected.tsv"),
                "\(sampleCase) has no expected.tsv")
        }
    }

    @Test("frames match eu-addr2line", arguments: casesWithExpectations)
    func framesMatch(_ sampleCase: SampleCase) throws {
        let expected = try ExpectedFrame.load(sampleCase.sample.path + "/\(sampleCase.name).expected.tsv")
        #expect(!expected.isEmpty)
        let (_, reports) = try symbolize(logPath: sampleCase.logPath, options: try sampleCase.sample.options(case: sampleCase.name))
        let frames = reports.flatMap(\.frames)
        var compared = 0
        for row in expected {
            // An ARM backtrace line's "[<where>] (func)" repeats the previous
            // line's "from": ksymbolize keeps that frame once, on the earlier line.
            let repeatsPrevious = row.printed.hasPrefix("[<") && !row.printed.contains("+")
            let candidates = frames.filter {
                ($0.frame.line == row.line || (repeatsPrevious && $0.frame.line < row.line)) && $0.address == row.address
            }
            guard let frame = candidates.first(where: { $0.lookupAddress == row.lookup }) ?? candidates.first else {
                Issue.record("\(sampleCase): line \(row.line): no frame at 0x\(String(row.address, radix: 16)) (\(row.printed))")
                continue
            }
            #expect(frame.unresolved == nil, "\(sampleCase): line \(row.line): \(frame.unresolved.map { "\($0)" } ?? "")")
            guard row.comparable, frame.lookupAddress == row.lookup else { continue }
            compared += 1
            let ours = frame.locations
            #expect(
                ours.count == row.locations.count,
                "\(sampleCase): line \(row.line) \(row.printed): \(ours.map { "\($0.function ?? "?")@\($0.fileAndLine)" }) vs \(row.locations)")
            for (level, (mine, theirs)) in zip(ours, row.locations).enumerated() {
                // The outermost function is named as the kernel and the symbol
                // table name it (crash_null_deref.isra.0); eu-addr2line gives
                // the DWARF name (crash_null_deref).
                let outermost = level == ours.count - 1
                // Assembly has no DWARF function: eu-addr2line names the sized symbol around
                // the address (entry_SYSCALL_64), ksymbolize the label kallsyms printed
                // (entry_SYSCALL_64_after_hwframe).
                let assemblyLabel = outermost && theirs.file.hasSuffix(".S") && mine.function == row.printedName
                #expect(
                    mine.function == theirs.function
                        || (outermost && mine.function.map(withoutCloneSuffixes) == theirs.function) || assemblyLabel,
                    "\(sampleCase): line \(row.line): function \(mine.function ?? "nil") vs \(theirs.function)")
                #expect(mine.line == theirs.line, "\(sampleCase): line \(row.line): \(mine.function ?? "?") line")
                #expect(sameFile(mine.file, theirs.file), "\(sampleCase): line \(row.line): \(mine.file ?? "nil") vs \(theirs.file)")
            }
        }
        #expect(compared > 0, "\(sampleCase): no frame could be compared")
    }
}

/// `foo.isra.0` → `foo`: the compiler's clone suffixes removed.
private func withoutCloneSuffixes(_ name: String) -> String { CloneNames.baseName(name) }

import ArchFixups
import FoundationEssentials

/// The `--format json` document, version 1.
///
/// ```
/// {"version":1,"generator":"ksymbolize VERSION",
///  "crash":{"report","kind","title","alternative_titles","crash_type","corrupted",
///   "corrupted_reason","signature","guilty_file","maintainers","subsystems","crash_site"} or null,
///  "reports":[{"kind","crash","title","arch","kernel_release","first_line","last_line",
///   "frames":[{"line","kind":"pc|return|lr","reliable","printed","module","address",
///              "symbol":{"name","offset","size"},"locations":[{"function","file","line","column"}],
///              "unresolved","source"}]}]}
/// ```
/// Fields are never renamed or removed; new ones may be added.
public struct JSONDocument: Encodable {
    public var version = 1
    /// What wrote the document, `ksymbolize VERSION` (`ksymbolize --version`);
    /// left out when nil.
    public var generator: String?
    /// The log's crash (``CrashVerdict``); `null` when it holds none.
    public var crash: CrashVerdict?
    public var reports: [Report]

    /// - Parameter crash: the verdict with its triage (``LogRun``); by
    ///   default the verdict of `reports` alone (no maintainers, no source).
    public init(reports: [Report], crash: CrashVerdict?? = nil, generator: String? = nil) {
        self.reports = reports
        self.generator = generator
        self.crash = crash ?? CrashVerdict(reports: reports)
    }

    enum CodingKeys: String, CodingKey { case version, generator, crash, reports }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encodeIfPresent(generator, forKey: .generator)
        try container.encode(crash, forKey: .crash)
        try container.encode(reports, forKey: .reports)
    }

    /// The document as UTF-8 bytes, keys sorted, ending in a newline.
    public func encoded(pretty: Bool = true) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + Array("\n".utf8)
    }
}


extension CrashVerdict: Encodable {
    enum CodingKeys: String, CodingKey {
        case report, kind, title, alternativeTitles = "alternative_titles", crashType = "crash_type", corrupted,
            corruptedReason = "corrupted_reason", signature, guiltyFile = "guilty_file", maintainers, subsystems,
            crashSite = "crash_site"
    }

    struct SubsystemJSON: Encodable {
        var name: String
        var status: String?
        var maintainers: [String]
        var reviewers: [String]
        var lists: [String]
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(status, forKey: .status)
            try container.encode(maintainers, forKey: .maintainers)
            try container.encode(reviewers, forKey: .reviewers)
            try container.encode(lists, forKey: .lists)
        }
        enum CodingKeys: String, CodingKey { case name, status, maintainers, reviewers, lists }
    }

    struct CrashSiteJSON: Encodable {
        var site: CrashSite
        enum CodingKeys: String, CodingKey { case report, frame, location, inlinedInto = "inlined_into", source }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(site.report, forKey: .report)
            try container.encode(site.frame, forKey: .frame)
            try container.encode(ResolvedFrame.LocationJSON(site.location), forKey: .location)
            try container.encode(site.inlinedInto.map(ResolvedFrame.LocationJSON.init), forKey: .inlinedInto)
            try container.encode(site.source.map(SourceJSON.init), forKey: .source)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(reportIndex, forKey: .report)
        try container.encode(kind, forKey: .kind)
        try container.encode(title, forKey: .title)
        try container.encode(alternativeTitles, forKey: .alternativeTitles)
        try container.encode(crashType, forKey: .crashType)
        try container.encode(corrupted, forKey: .corrupted)
        try container.encode(corruptedReason, forKey: .corruptedReason)
        try container.encode(signature, forKey: .signature)
        try container.encode(guiltyFile?.file, forKey: .guiltyFile)
        try container.encode(maintainers?.lines, forKey: .maintainers)
        try container.encode(
            maintainers?.subsystems.map {
                SubsystemJSON(
                    name: $0.name, status: $0.status, maintainers: $0.maintainers, reviewers: $0.reviewers,
                    lists: $0.lists.map(\.address))
            }, forKey: .subsystems)
        try container.encode(crashSite.map(CrashSiteJSON.init), forKey: .crashSite)
    }
}

/// A frame's `source`: `{"path","line","first_line","lines","unavailable"}`,
/// the lines or the reason there are none.
struct SourceJSON: Encodable {
    var excerpt: SourceExcerpt
    init(_ excerpt: SourceExcerpt) { self.excerpt = excerpt }
    enum CodingKeys: String, CodingKey { case path, line, firstLine = "first_line", lines, unavailable }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch excerpt {
        case .lines(let snippet):
            try container.encode(snippet.file, forKey: .path)
            try container.encode(snippet.line, forKey: .line)
            try container.encode(snippet.firstLine, forKey: .firstLine)
            try container.encode(snippet.lines, forKey: .lines)
            try container.encodeNil(forKey: .unavailable)
        case .unavailable(let file, let line, let reason):
            try container.encode(file, forKey: .path)
            try container.encode(line, forKey: .line)
            try container.encodeNil(forKey: .firstLine)
            try container.encodeNil(forKey: .lines)
            try container.encode(reason.description, forKey: .unavailable)
        }
    }
}

extension Report: Encodable {
    enum CodingKeys: String, CodingKey {
        case kind, crash, title, arch, kernelRelease = "kernel_release", firstLine = "first_line", lastLine = "last_line",
            frames, kallsymsMode = "kallsyms_mode", kallsymsModeEvidence = "kallsyms_mode_evidence", signature,
            corrupted, corruptedReason = "corrupted_reason", alternativeTitles = "alternative_titles",
            crashType = "crash_type", syzbotTitle = "syzbot_title", unrecognizedLines = "unrecognized_lines",
            code, codeNote = "code_note", registers
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(isCrash, forKey: .crash)
        try container.encode(title, forKey: .title)
        try container.encode(architecture?.rawValue, forKey: .arch)
        try container.encode(kernelRelease, forKey: .kernelRelease)
        try container.encode(firstLine, forKey: .firstLine)
        try container.encode(lastLine, forKey: .lastLine)
        try container.encode(frames, forKey: .frames)
        try container.encode(kallsymsMode?.value.rawValue, forKey: .kallsymsMode)
        try container.encode(kallsymsMode.map(Wording.kallsymsEvidence), forKey: .kallsymsModeEvidence)
        try container.encode(signature, forKey: .signature)
        try container.encode(corrupted, forKey: .corrupted)
        try container.encode(corruptedReason, forKey: .corruptedReason)
        try container.encode(alternativeTitles, forKey: .alternativeTitles)
        try container.encode(crashType, forKey: .crashType)
        try container.encode(syzbotTitle, forKey: .syzbotTitle)
        try container.encode(unrecognizedLines, forKey: .unrecognizedLines)
        try container.encode(code, forKey: .code)
        try container.encode(codeNote, forKey: .codeNote)
        try container.encode(registers, forKey: .registers)
    }
}

extension ResolvedFrame: Encodable {
    enum CodingKeys: String, CodingKey {
        case line, kind, reliable, printed, module, address, symbol, locations, unresolved
        case lookupAddress = "lookup_address", printedSymbol = "printed_symbol", mismatch
        case kallsymsCorrection = "kallsyms_corrected", inferred, note, source
    }

    struct PrintedSymbolJSON: Encodable {
        var name: String
        var offset: UInt64?
        var size: UInt64?
        var module: String?
        var buildID: String?
        enum CodingKeys: String, CodingKey { case name, offset, size, module, buildID = "build_id" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(offset, forKey: .offset)
            try container.encode(size, forKey: .size)
            try container.encode(module, forKey: .module)
            try container.encode(buildID, forKey: .buildID)
        }
    }

    struct SymbolJSON: Encodable {
        var name: String
        var offset: UInt64
        var size: UInt64
    }

    struct LocationJSON: Encodable {
        var function: String?
        var file: String?
        var line: Int?
        var column: Int?
        init(function: String?, file: String?, line: Int?, column: Int?) {
            self.function = function
            self.file = file
            self.line = line
            self.column = column
        }
        init(_ location: SourceLocation) {
            self.init(function: location.function, file: location.file, line: location.line, column: location.column)
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(function, forKey: .function)
            try container.encode(file, forKey: .file)
            try container.encode(line, forKey: .line)
            try container.encode(column, forKey: .column)
        }
        enum CodingKeys: String, CodingKey { case function, file, line, column }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(frame.line, forKey: .line)
        try container.encode(frame.kind.rawValue, forKey: .kind)
        try container.encode(frame.reliable, forKey: .reliable)
        try container.encode(frame.printed, forKey: .printed)
        try container.encode(module, forKey: .module)
        try container.encode(hexString(address), forKey: .address)
        try container.encode(hexString(lookupAddress), forKey: .lookupAddress)
        try container.encode(
            symbol.map { SymbolJSON(name: $0.name, offset: $0.offset, size: $0.size) },
            forKey: .symbol)
        try container.encode(
            frame.symbol.map {
                PrintedSymbolJSON(
                    name: $0.name, offset: $0.offset, size: $0.size, module: $0.module,
                    buildID: $0.buildID)
            }, forKey: .printedSymbol)
        try container.encode(
            locations.map { LocationJSON(function: $0.function, file: $0.file, line: $0.line, column: $0.column) },
            forKey: .locations)
        try container.encode(unresolved?.description, forKey: .unresolved)
        try container.encode(mismatch, forKey: .mismatch)
        try container.encode(kallsymsCorrection.map(Wording.correction), forKey: .kallsymsCorrection)
        try container.encode(inferred.map(Wording.inference), forKey: .inferred)
        try container.encode(frame.note.map(Wording.note), forKey: .note)
        try container.encode(source.map(SourceJSON.init), forKey: .source)
    }
}

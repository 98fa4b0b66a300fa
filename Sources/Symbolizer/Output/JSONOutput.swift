import ArchFixups
import FoundationEssentials

/// The `--format json` document, version 1.
///
/// ```
/// {"version":1,"generator":"ksymbolize VERSION",
///  "crash":{"report","kind","title","alternative_titles","crash_type","corrupted",
///   "corrupted_reason","signature"} or null,
///  "reports":[{"kind","crash","title","arch","kernel_release","first_line","last_line",
///   "frames":[{"line","kind":"pc|return|lr","reliable","printed","module","address",
///              "symbol":{"name","offset","size"},"locations":[{"function","file","line","column"}],
///              "unresolved"}]}]}
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

    public init(reports: [Report], generator: String? = nil) {
        self.reports = reports
        self.generator = generator
        crash = CrashVerdict(reports: reports)
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
            corruptedReason = "corrupted_reason", signature
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
    }
}

extension Report: Encodable {
    enum CodingKeys: String, CodingKey {
        case kind, crash, title, arch, kernelRelease = "kernel_release", firstLine = "first_line", lastLine = "last_line",
            frames, kallsymsMode = "kallsyms_mode", kallsymsModeEvidence = "kallsyms_mode_evidence", signature,
            corrupted, corruptedReason = "corrupted_reason", alternativeTitles = "alternative_titles",
            crashType = "crash_type", syzbotTitle = "syzbot_title", unrecognizedLines = "unrecognized_lines"
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
    }
}

extension ResolvedFrame: Encodable {
    enum CodingKeys: String, CodingKey {
        case line, kind, reliable, printed, module, address, symbol, locations, unresolved
        case lookupAddress = "lookup_address", printedSymbol = "printed_symbol", mismatch
        case kallsymsCorrection = "kallsyms_corrected", inferred, note
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
    }
}

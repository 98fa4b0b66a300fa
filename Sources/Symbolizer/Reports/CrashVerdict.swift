/// What a bug tracker needs to know of a log: is there a crash in it, which
/// report is it, what is it called, is its text whole.
///
/// The crash is the first report of ``ReportTable`` that is a crash
/// (informational stack dumps are not): syzbot files a log under its first
/// crash, and what follows a crash (a panic, more WARNINGs) is usually its
/// consequence.
public struct CrashVerdict: Sendable {
    /// Index of the crash report in the log's reports.
    public var reportIndex: Int
    /// The report's kind (``ReportFormat/kind``).
    public var kind: String
    /// syzbot's title where syzbot's rules title the report (so that
    /// duplicates group with syzbot's), else the report's own title.
    public var title: String
    /// Other titles the crash may be filed under: syzbot's alternatives and,
    /// where syzbot's rules named no function and the frames did, the
    /// report's title naming it.
    public var alternativeTitles: [String]
    /// syzbot's crash class (`KASAN-READ`, `WARNING`, `HANG`…), `""` when the
    /// title has none.
    public var crashType: String
    /// Whether the report is truncated or intermixed beyond a reliable
    /// title, as syzbot's rules judge it where they title the report.
    public var corrupted: Bool
    public var corruptedReason: String?
    /// See ``ReportSignature``.
    public var signature: String?
    /// The source file to blame, as syzbot picks it (``GuiltyFile``).
    public var guiltyFile: GuiltyFile?
    /// Who ``guiltyFile`` goes to; `nil` without a `MAINTAINERS` file.
    public var maintainers: MaintainersAnswer?
    /// Where the crash happened (``CrashSite``).
    public var crashSite: CrashSite?

    /// The verdict of a log from its reports; `nil` when none is a crash.
    public init?(reports: [Report]) {
        guard let index = reports.firstIndex(where: \.isCrash) else { return nil }
        let report = reports[index]
        reportIndex = index
        kind = report.kind
        title = report.syzbotTitle ?? report.title
        var alternatives = report.alternativeTitles
        if report.title != title, !alternatives.contains(report.title) { alternatives.insert(report.title, at: 0) }
        alternativeTitles = alternatives
        crashType = report.crashType ?? CrashType.of(report.title)
        corrupted = report.syzbotCorrupted ?? report.corrupted
        corruptedReason = corrupted ? (report.syzbotCorrupted != nil ? report.syzbotCorruptedReason : report.corruptedReason) : nil
        signature = report.signature
    }
}

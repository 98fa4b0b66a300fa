import ArchFixups

/// One report (oops, WARNING, BUG, panic…) found in a log, with its frames.
public struct Report: Sendable {
    /// Kind from ``ReportFormats`` (`oops`, `warning`, …) or `stack-dump`.
    public var kind: String
    /// The header message (prefixes stripped), then ` in FUNCTION` once known.
    public var title: String
    public var architecture: Architecture?
    public var kernelRelease: String?
    /// 1-based input lines.
    public var firstLine: Int
    public var lastLine: Int
    public var frames: [ResolvedFrame] = []
    /// The kallsyms mode used for this report's module symbols, and why.
    public var kallsymsMode: KallsymsMode?
    public var kallsymsModeEvidence: String?
    /// See ``ReportSignature``; `nil` when no frame names a function.
    public var signature: String?
    /// Set when the report is truncated or interleaved beyond repair.
    public var corrupted = false
    public var corruptedReason: String?
    /// syzbot's title for the same crash, when it differs from ``title``'s rules.
    public var alternativeTitles: [String] = []

    public init(kind: String, title: String, firstLine: Int) {
        self.kind = kind
        self.title = title
        self.firstLine = firstLine
        self.lastLine = firstLine
    }
}

import ArchFixups

/// One report (oops, WARNING, BUG, panic…) found in a log, with its frames.
public struct Report: Sendable {
    /// Kind from ``ReportTable`` (`oops`, `warning`, …) or `stack-dump`.
    public var kind: String
    /// Whether the report is a crash a tracker files, not an informational stack dump.
    public var isCrash: Bool { ReportTable.isCrash(kind: kind) }
    /// syzbot's title for the crash (see ``SyzbotTitles``) when the whole
    /// log was read; otherwise the header message and ` in FUNCTION`.
    public var title: String
    public var architecture: Architecture?
    public var kernelRelease: String?
    /// 1-based input lines.
    public var firstLine: Int
    public var lastLine: Int
    public var frames: [ResolvedFrame] = []
    /// The kallsyms mode used for this report's module symbols, and why (32-bit ARM only).
    public var kallsymsMode: Estimate<KallsymsMode>?
    /// See ``ReportSignature``; `nil` when no frame names a function.
    public var signature: String?
    /// Set when the report is truncated or interleaved beyond repair.
    public var corrupted = false
    public var corruptedReason: String?
    /// The title syzbot's rules give the log's text; differs from ``title``
    /// only where those rules found no function (` in corrupted`) and the
    /// symbolized frames did.
    public var syzbotTitle: String?
    /// Other titles syzbot files duplicates of this crash under.
    public var alternativeTitles: [String] = []
    /// syzbot's verdict on the report's text, when its rules titled it:
    /// `true` when the report is truncated or intermixed beyond a reliable
    /// title (its reason in ``syzbotCorruptedReason``). ``corrupted`` adds
    /// what the frames read here show (a log ending inside the stack).
    public var syzbotCorrupted: Bool?
    public var syzbotCorruptedReason: String?
    /// syzbot's crash class (`KASAN-READ`, `WARNING`, `HANG`, `""` when none);
    /// `nil` when syzbot's rules did not title this report.
    public var crashType: String?
    /// Lines of the report's stack trace that look like frames but were not understood.
    public var unrecognizedLines: [Int] = []
    /// The code around the faulting instruction, disassembled (from the log's
    /// `Code:` line, else from the binary), when there is a PC to place it.
    public var code: CodeListing?
    /// Why ``code`` is missing or partial, when it is.
    public var codeNote: String?
    /// The register dump, each register with the variables it holds at the PC.
    public var registers: [NamedRegister] = []

    public init(kind: String, title: String, firstLine: Int) {
        self.kind = kind
        self.title = title
        self.firstLine = firstLine
        self.lastLine = firstLine
    }
}

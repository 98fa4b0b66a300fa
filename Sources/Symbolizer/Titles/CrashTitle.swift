/// One crash found by syzbot's rules.
///
/// The fields are what syzbot files for a report of google/syzkaller's
/// `pkg/report` (Linux): the normalised title it groups bugs by, the titles it
/// also considers duplicates of, the crash class and the key frame.
public struct CrashTitle: Sendable, Equatable {
    /// The title, normalised as syzbot files it (`ADDR`, `NUM`, `LINE`, at most 120 bytes).
    public var title: String
    /// Alternative titles syzbot groups duplicates by (normalised, without duplicates).
    public var alternativeTitles: [String]
    /// Crash class from the title (`KASAN-READ`, `WARNING`, `HANG`…), `""` when it has none.
    public var type: String
    /// The function after the title's last ` in `, if any.
    public var frame: String?
    /// Whether the report is truncated, intermixed or otherwise unreliable.
    public var corrupted: Bool
    /// A short reason when `corrupted` (`extracted no frames`, `no stack trace in report`…).
    public var corruptedReason: String?
    /// 1-based index of the line the report starts at.
    public var startLine: Int
    /// 1-based index of the last line that starts a report (this one or a later one), at least `startLine`.
    public var endLine: Int
    /// Whether the log contains `Kernel panic - not syncing`.
    public var panicked: Bool
    /// Whether the log matches one of syzbot's suppressions (the fuzzer itself was killed, etc.).
    public var suppressed: Bool

    public init(
        title: String, alternativeTitles: [String] = [], type: String = "", frame: String? = nil,
        corrupted: Bool = false, corruptedReason: String? = nil, startLine: Int, endLine: Int,
        panicked: Bool = false, suppressed: Bool = false
    ) {
        self.title = title
        self.alternativeTitles = alternativeTitles
        self.type = type
        self.frame = frame
        self.corrupted = corrupted
        self.corruptedReason = corruptedReason
        self.startLine = startLine
        self.endLine = endLine
        self.panicked = panicked
        self.suppressed = suppressed
    }
}

/// Where a crash report says the kernel was when it crashed: the faulting
/// (or trapping) instruction's frame, or, for reports without one (KASAN,
/// lockdep, hangs), the first frame of the stack that is not reporting
/// machinery (``GenericFrames``) — its innermost source location, with its
/// source lines when a kernel tree is given.
///
/// A WARNING under `panic_on_warn` prints its stack in the `Kernel panic`
/// that follows it: when the crash report has no usable frame, the panic
/// right after it is read (as syzbot reads it for the guilty file).
public struct CrashSite: Sendable {
    /// Index of the report that holds the frame (the crash report, or the panic right after it).
    public var report: Int
    /// Index of the frame in that report's ``Report/frames``.
    public var frame: Int
    /// The frame's innermost location (an inlined function's, when it is one).
    public var location: SourceLocation
    /// The functions it was inlined into, innermost first (the frame's other locations).
    public var inlinedInto: [SourceLocation]
    /// The source line with context (``TriageSources/crashSiteContext``), or why there is none.
    public var source: SourceExcerpt?

    /// The crash site of `reports[index]`, or `nil` when no frame has a source location.
    public init?(reports: [Report], index: Int) {
        let next = index + 1
        let panicAfter =
            next < reports.count && reports[next].kind == "panic"
            && reports[next].firstLine <= reports[index].lastLine + 3
        for candidate in panicAfter ? [index, next] : [index] {
            if let found = CrashSite(report: reports[candidate]) {
                self = found
                report = candidate
                return
            }
        }
        return nil
    }

    private init?(report: Report) {
        self.report = 0
        let frames = report.frames
        func usable(_ frame: ResolvedFrame) -> Bool {
            guard frame.frame.reliable, frame.frame.kind != .lr, let first = frame.locations.first,
                first.file != nil
            else { return false }
            return !frame.locations.contains { $0.function.map(GenericFrames.contains) ?? false }
                && !(frame.symbol.map { GenericFrames.contains($0.name) } ?? false)
        }
        guard
            let index = frames.firstIndex(where: { $0.frame.kind == .pc && usable($0) })
                ?? frames.firstIndex(where: usable)
        else { return nil }
        frame = index
        location = frames[index].locations[0]
        inlinedInto = Array(frames[index].locations.dropFirst())
    }
}

/// The triage of a finished log: source lines on the frames, the crash
/// verdict with its guilty file, maintainers and crash site.
enum Triage {
    /// - Parameters:
    ///   - reports: the log's reports; their frames get ``ResolvedFrame/source`` when a tree is given.
    ///   - lines: the log's lines (for the guilty file, which reads lines without frames too).
    static func run(reports: inout [Report], lines: [LogLine], sources: TriageSources) -> CrashVerdict? {
        var excerpts = sources.kernelSource.map(SourceExcerpts.init)
        if excerpts != nil {
            for r in reports.indices {
                for f in reports[r].frames.indices {
                    guard let location = reports[r].frames[f].locations.first, let file = location.file,
                        let line = location.line, line > 0
                    else { continue }
                    reports[r].frames[f].source = excerpts?.excerpt(file: file, line: line, context: 0)
                }
            }
        }
        guard var verdict = CrashVerdict(reports: reports) else { return nil }
        verdict.guiltyFile = GuiltyFile.find(reportAt: verdict.reportIndex, in: reports, lines: lines)
        if let guilty = verdict.guiltyFile { verdict.maintainers = sources.maintainers(of: guilty.file) }
        if var site = CrashSite(reports: reports, index: verdict.reportIndex) {
            if let file = site.location.file, let line = site.location.line, line > 0 {
                site.source = excerpts?.excerpt(file: file, line: line, context: sources.crashSiteContext)
            }
            verdict.crashSite = site
        }
        return verdict
    }
}

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
        if var site = CrashSite(reports: reports, index: verdict.reportIndex, title: verdict.title) {
            if let file = site.location.file, let line = site.location.line, line > 0 {
                site.source = excerpts?.excerpt(file: file, line: line, context: sources.crashSiteContext)
            }
            verdict.crashSite = site
        }
        return verdict
    }
}

/// Where a crash report says the kernel was when it crashed: the first
/// frame whose function (or one it inlines) is the one the crash's title
/// names (`KASAN: use-after-free Read in foo` → `foo`); else the faulting (or
/// trapping) instruction's frame; else, for reports without one (KASAN,
/// lockdep, hangs), the first frame of the stack that is not reporting
/// machinery (``GenericFrames``). The site is that frame's innermost source
/// location, with its source lines when a kernel tree is given.
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
    ///
    /// - Parameter title: the crash's title (``CrashVerdict/title``), whose function is looked for first.
    public init?(reports: [Report], index: Int, title: String? = nil) {
        let next = index + 1
        let panicAfter =
            next < reports.count && reports[next].kind == "panic"
            && reports[next].firstLine <= reports[index].lastLine + 3
        let candidates = panicAfter ? [index, next] : [index]
        if let function = title.flatMap(Self.function(inTitle:)) {
            for candidate in candidates {
                if let found = CrashSite(report: reports[candidate], where: { Self.names($0, function) }) {
                    self = found
                    report = candidate
                    return
                }
            }
        }
        for candidate in candidates {
            let frames = reports[candidate].frames
            let pc = frames.contains { $0.frame.kind == .pc && Self.notGeneric($0) && Self.hasFile($0) }
            if let found = CrashSite(report: reports[candidate], where: { !pc || $0.frame.kind == .pc }) {
                self = found
                report = candidate
                return
            }
        }
        return nil
    }

    /// The first reliable frame with a file that is not reporting machinery and passes `test`.
    private init?(report: Report, where test: (ResolvedFrame) -> Bool) {
        self.report = 0
        guard
            let index = report.frames.firstIndex(where: {
                $0.frame.reliable && $0.frame.kind != .lr && Self.hasFile($0) && Self.notGeneric($0) && test($0)
            })
        else { return nil }
        frame = index
        location = report.frames[index].locations[0]
        inlinedInto = Array(report.frames[index].locations.dropFirst())
    }

    private static func hasFile(_ frame: ResolvedFrame) -> Bool { frame.locations.first?.file != nil }

    private static func notGeneric(_ frame: ResolvedFrame) -> Bool {
        !frame.locations.contains { $0.function.map(GenericFrames.contains) ?? false }
            && !(frame.symbol.map { GenericFrames.contains($0.name) } ?? false)
    }

    /// Whether `frame`'s function, or one inlined in it, is `function` (clone
    /// suffixes and syscall-entry prefixes aside, as titles drop them).
    private static func names(_ frame: ResolvedFrame, _ function: String) -> Bool {
        let names = frame.locations.compactMap(\.function) + [frame.symbol?.name, frame.frame.symbol?.name].compactMap { $0 }
        return names.contains { LinuxStack.stripPrefix(CloneNames.baseName($0)) == function }
    }

    /// The function a title names: what follows its last ` in ` (up to a
    /// `/`), unless that is `corrupted`.
    static func function(inTitle title: String) -> String? {
        guard let range = title.ranges(of: " in ").last else { return nil }
        let name = title[range.upperBound...].prefix { $0 != "/" && $0 != " " }
        guard !name.isEmpty, name != "corrupted" else { return nil }
        return LinuxStack.stripPrefix(CloneNames.baseName(String(name)))
    }
}

import Synchronization

/// A family of reports recognised by one header text (`BUG:`, `WARNING:`…)
/// and the formats that turn its text into a title.
struct OopsGroup: Sendable {
    /// Plain, case-sensitive text a line must contain to start a report.
    let header: String
    /// Formats in the order they are tried (made on first use: most logs need one or two groups').
    var formats: [TitleFormat] { lazyFormats.value }
    private let lazyFormats: Lazy<[TitleFormat]>
    /// A line matching any of these does not start a report of this group.
    let falsePositives: [String]
    /// `header` as UTF-8.
    private let headerBytes: [UInt8]
    /// `falsePositives`, compiled.
    private let anyFalsePositive: TitleRegexSet

    init(
        _ header: String, _ formats: @autoclosure @escaping @Sendable () -> [TitleFormat],
        notWhen falsePositives: [String] = []
    ) {
        self.header = header
        lazyFormats = Lazy(formats)
        self.falsePositives = falsePositives
        headerBytes = Array(header.utf8)
        anyFalsePositive = TitleRegexSet(falsePositives)
    }

    /// Whether `line` (a whole console line, prefix included) starts a report of this group;
    /// `bytes` is the line's UTF-8.
    func starts(_ line: String, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteSearch.firstOffset(of: headerBytes, in: bytes) != nil && !anyFalsePositive.matches(line)
    }

    /// Whether `line` is one of this group's false positives.
    func isFalsePositive(_ line: String) -> Bool { anyFalsePositive.matches(line) }
}

/// A value made on first use, once, whichever thread asks first.
final class Lazy<Value: Sendable>: Sendable {
    private let make: @Sendable () -> Value
    private let made = Mutex<Value?>(nil)

    init(_ make: @escaping @Sendable () -> Value) { self.make = make }

    var value: Value {
        made.withLock { made in
            if let made { return made }
            let value = make()
            made = value
            return value
        }
    }
}

/// How one kind of report becomes a title.
struct TitleFormat: Sendable {
    /// Found anywhere in the report text; the leftmost match among formats wins.
    var title: TitleRegex
    /// When set, must match too; its groups (not the title's) fill the template.
    var report: TitleRegex?
    /// Go `fmt` template with positional arguments `%[n]v`: the regex groups, then one key frame per stack part.
    var template: String
    /// More templates filled with the same arguments, for grouping duplicates.
    var alternatives: [String]
    /// How the key frames are found; `nil` when the title needs none.
    var stack: StackSpec?
    /// The report has no stack trace of its own: the stack checks of the corruption rules do not apply.
    var noStackTrace: Bool
    /// A report recognised only by this format is corrupted (a truncated header, a panic after the real report).
    var corrupted: Bool

    init(
        _ title: String, report: String? = nil, _ template: String, alt: [String] = [], stack: StackSpec? = nil,
        noStackTrace: Bool = false, corrupted: Bool = false
    ) {
        self.title = TitleRegex(title)
        self.report = report.map { TitleRegex($0) }
        self.template = template
        self.alternatives = alt
        self.stack = stack
        self.noStackTrace = noStackTrace
        self.corrupted = corrupted
    }

    /// `template` with `%[n]v` (or `%[n]s`) replaced by `arguments[n-1]`.
    static func fill(_ template: String, _ arguments: [String]) -> String {
        var result = ""
        var rest = Substring(template)
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            let directive = rest[percent...]
            if directive.hasPrefix("%["), let close = directive.firstIndex(of: "]"),
                let number = Int(directive[directive.index(percent, offsetBy: 2)..<close]),
                directive.index(after: close) < directive.endIndex,
                "vs".contains(directive[directive.index(after: close)])
            {
                result += number >= 1 && number <= arguments.count ? arguments[number - 1] : "%!v(BADINDEX)"
                rest = directive[directive.index(close, offsetBy: 2)...]
            } else {
                result += "%"
                rest = directive.dropFirst()
            }
        }
        return result + rest
    }
}

/// How the key frames of a report are extracted: a sequence of steps over its lines.
struct StackSpec: Sendable {
    enum Step: Sendable {
        /// Skip lines up to the first one this matches; its groups are candidate frames.
        case match(TitleRegex)
        /// Read a stack trace up to the next stack-start marker; every frame line is a candidate.
        case parse
    }

    /// How the key frame is chosen among the candidates (after skipping and prefix stripping).
    enum Extractor: Sendable {
        /// The first candidate.
        case first
        /// rcu stalls, soft lockups, stack overflows: the frame before the first dispatch "anchor".
        case stall
        /// Hung tasks: `rtnl_lock`, `synchronize_*`, else the first frame that is not a wait primitive.
        case hang
    }

    var steps: [Step]
    /// Tried from scratch when `steps` fail to give every frame.
    var fallbackSteps: [Step]
    /// The format's own skip patterns, matched anywhere in a name (see `skips`).
    var skip: TitleRegexSet
    var extractor: Extractor

    init(_ steps: [Step], fallback: [Step] = [], skip: [String] = [], extractor: Extractor = .first) {
        self.steps = steps
        self.fallbackSteps = fallback
        self.skip = TitleRegexSet(skip)
        self.extractor = extractor
    }

    /// Whether a frame named `name` is never a key frame: the global skip list or the format's own.
    func skips(_ name: String) -> Bool {
        LinuxStack.skipped.matches(name) || skip.matches(name)
    }

    /// `RIP`, then `Call Trace:`, then the trace.
    static func ripCallTrace(skip: [String] = [], extractor: Extractor = .first) -> StackSpec {
        StackSpec([.match(LinuxStack.rip), .match(LinuxStack.callTrace), .parse], skip: skip, extractor: extractor)
    }

    /// `Call Trace:`, then the trace.
    static func callTrace(skip: [String] = [], extractor: Extractor = .first) -> StackSpec {
        StackSpec([.match(LinuxStack.callTrace), .parse], skip: skip, extractor: extractor)
    }

    /// WARNINGs: the function of the trapping `RIP` line (or powerpc `--- interrupt:`); when it is
    /// skipped or missing, the first usable frame of the call trace.
    static func warning(skip: [String] = []) -> StackSpec {
        StackSpec(
            [.match(LinuxStack.warningTrap), .parse],
            fallback: [.match(LinuxStack.callTrace), .parse], skip: skip)
    }

    /// `RIP` alone.
    static let ripOnly = StackSpec([.match(LinuxStack.rip)])
}

import ArchFixups

/// What a line adds to the text output about the machine state: the
/// disassembly under a `Code:` line, the variables of a register line.
public indirect enum MachineNotes: Sendable {
    /// A register line's registers, named; `inline` when the line prints
    /// `NAME: value` pairs (the names go after the line's own text, or on a
    /// line below it when it ends in CR), else each register on a line below.
    case registers([NamedRegister], inline: Bool)
    /// The code dump of the line, disassembled (or why it is not).
    case code(CodeListing?, note: String?)
}

/// Reads one report's register dump and code dump as its lines come, in
/// the style of its architecture (lines before the architecture is known
/// are kept and read once it is), and turns them into ``NamedRegister``s and
/// a ``CodeListing`` once the PC is resolved.
struct MachineScanner {
    private var fixup: (any ArchFixup)?
    /// Whether `fixup` is set (asked of every line: comparing the existential with nil copies it).
    private var started = false
    private var codeReader: CodeDumpReader?
    private var registerReader: RegisterDumpReader?
    /// Messages read before the architecture was known (a bounded few).
    private var early: [String] = []
    /// The dump's registers, each name once (x86 prints the dump again after the trace).
    private(set) var registers: [RegisterValue] = []
    /// Registers read before the PC was resolved, not yet named in the text.
    private(set) var unnamed: [RegisterValue] = []
    /// The first code dump (or why there is none).
    private(set) var code: CodeDumpEvent?
    /// The report's PC in its binary, once resolved.
    var context: PCContext?
    /// The PC's runtime address as the log printed it (for a report without its binary).
    var printedPC: UInt64?
    var contextKnown = false

    /// Reads a message of the report; returns what it printed of the machine state.
    mutating func read(_ message: Substring, architecture: Architecture?) -> (registers: [RegisterValue], code: CodeDumpEvent?) {
        if !started, let architecture { start(architecture.fixups) }
        guard started else {
            if early.count < 64, Self.mayBeMachineLine(message) { early.append(String(message)) }
            return ([], nil)
        }
        return take(message)
    }

    /// The dump still being read when the report ends.
    mutating func finish(architecture: Architecture?) {
        if !started, let architecture { start(architecture.fixups) }
        if let event = codeReader?.finish(), code == nil { code = event }
    }

    /// Analysis of what was read, with the PC's context.
    var analysis: CodeAnalysis? { fixup.map { CodeAnalysis(fixup: $0, context: context, printedPC: printedPC) } }

    mutating func markNamed() { unnamed = [] }

    private mutating func start(_ fixup: any ArchFixup) {
        self.fixup = fixup
        started = true
        codeReader = CodeDumpReader(style: fixup.codeDumpStyle)
        registerReader = RegisterDumpReader(fixup: fixup)
        for message in early { _ = take(message[...]) }
        early = []
    }

    private mutating func take(_ message: Substring) -> (registers: [RegisterValue], code: CodeDumpEvent?) {
        var event = codeReader?.read(message)
        if event != nil, code == nil { code = event } else { event = nil }
        let read = registerReader?.read(message) ?? []
        let fresh = read.filter { value in !registers.contains { $0.name == value.name } }
        registers += fresh
        if !contextKnown { unnamed += fresh }
        return (fresh, event)
    }

    /// Lines worth keeping until the architecture is known.
    private static func mayBeMachineLine(_ message: Substring) -> Bool {
        message.utf8.contains(UInt8(ascii: ":"))
    }
}

/// A report being read: the report so far, what its lines established
/// (``facts``), and the state of its stack trace.
struct OpenReport {
    var report: Report
    /// The facts of the log when the report started, and what its own lines and frames add.
    var facts: KernelFacts
    var inTrace = false
    /// The report's end marker (`---[ end trace … ]---`) was read.
    var ended = false
    /// A return-address frame was seen (so the exception PC is no longer repeated).
    var sawReturnFrame = false
    /// Lines since the last line that belonged to the report, once the trace started.
    var idleLines = 0
    var backtraceLines = 0
    /// The next frame is an exact PC (it follows an exception entry).
    var nextIsExact = false
    /// The PC printed in the register dump, to recognise it again in the trace.
    var registerPC: PrintedSymbol?
    var registerPCAddress: UInt64?
    /// The header was "cut here": a following WARNING/BUG line names the report.
    var provisionalHeader = false
    /// The kernel's own `file:line` of the report's WARN or BUG, for its first exact PC.
    var pendingClaim: SourceClaim?
    /// Bytes the register dump's PC is past the trapping instruction (s390 monitor events).
    var pcPastTrap: UInt64 = 0
    /// The register dump being read: its PC and LR frames (positions in
    /// `report.frames`), so that a second line printing the same register
    /// (ARM `PC is at` then `pc : [<…>]`) adds no frame; and whether it is
    /// a user-mode dump (a PC with no symbol in user space), whose PC and LR are no kernel frames.
    var dumpFrames: [FrameKind: Int] = [:]
    var userDump = false
    /// Lines in the stack trace that look like frames but were not understood.
    var unrecognizedLines: [Int] = []
    /// The register and code dumps being read.
    var machine = MachineScanner()
}

/// Where in a line a frame was found; the report context turns this into a
/// ``FrameKind``.
public enum FrameSyntax: Sendable, Equatable {
    /// x86 `RIP: 0010:…` / `EIP: …` of a kernel-mode register dump.
    case instructionPointerRegister
    /// ARM `PC is at …`, `pc : …` (arm, arm64), `epc : …` (riscv, mips), `NIP […]` (powerpc), s390 `Krnl PSW`.
    case programCounterRegister
    /// ARM `LR is at …`, `lr : …`, `ra : …`, powerpc `LR […]`.
    case linkRegister
    /// The first address of an ARM backtrace line: `[<where>] (func)`.
    case backtraceWhere
    /// The second address of an ARM backtrace line: `from [<from>] (caller+off/size)`.
    case backtraceFrom
    /// A call-trace entry: ` func+off/size [mod]`, `[<addr>] func+off/size`, `? …`.
    case traceEntry
}

/// What an arm64 unwinder (Linux 6.x) marks after a frame: ` (P)` for the PC
/// of an exception's registers, ` (L)` for its link register.
public enum FrameMark: String, Sendable, Equatable {
    case programCounter = "P"
    case linkRegister = "L"
    /// powerpc's `--- interrupt: N at …`: the instruction an interrupt stopped.
    case interrupted = "interrupt"
}

/// A source position printed in the log next to a frame: by syzbot
/// (` func+0x1/0x2 fs/file.c:12`, ` helper fs/file.c:10 [inline]`), by
/// `scripts/decode_stacktrace.sh` (` func (fs/file.c:12)`) or by ksymbolize.
public struct PrintedLocation: Sendable, Equatable, Hashable {
    public var file: String
    public var line: Int
    /// `[inline]`: a function inlined into the next frame, not a frame of its own.
    public var inlined: Bool

    public init(file: String, line: Int, inlined: Bool) {
        self.file = file
        self.line = line
        self.inlined = inlined
    }
}

/// A frame as the parser saw it in one line.
public struct ParsedFrame: Sendable, Equatable {
    public var syntax: FrameSyntax
    public var printed: String
    public var symbol: PrintedSymbol?
    public var address: UInt64?
    /// `?` or `(unreliable)`.
    public var unreliable: Bool
    /// ` (P)` / ` (L)` after the frame.
    public var mark: FrameMark? = nil
    /// The `file:line` printed after the frame, for already-symbolized logs.
    public var location: PrintedLocation? = nil
}

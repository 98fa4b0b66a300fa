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

/// A frame as the parser saw it in one line.
public struct ParsedFrame: Sendable, Equatable {
    public var syntax: FrameSyntax
    public var printed: String
    public var symbol: PrintedSymbol?
    public var address: UInt64?
    /// `?` or `(unreliable)`.
    public var unreliable: Bool
}

/// How an address in a frame relates to the instruction it stands for.
public enum FrameKind: String, Sendable, Codable {
    /// The exact instruction: the faulting one, a WARN/BUG trap, or an
    /// instruction interrupted by an exception. Looked up as is.
    case pc
    /// A return address: looked up at the call site (see `ArchFixup.callSiteAddress`).
    case `return`
    /// The link register of an exception's register dump: a return address,
    /// but it may be stale (the function may have reused the register).
    case lr
}

/// A symbol as the kernel printed it: `name+0xoff/0xsize [module buildid]`.
public struct PrintedSymbol: Sendable, Hashable {
    public var name: String
    public var offset: UInt64?
    public var size: UInt64?
    /// The module in brackets, as printed (`-` and `_` not yet folded); `nil` for vmlinux.
    public var module: String?
    /// The build id printed after the module name (`CONFIG_STACKTRACE_BUILD_ID`).
    public var buildID: String?

    public init(name: String, offset: UInt64?, size: UInt64?, module: String?, buildID: String?) {
        self.name = name
        self.offset = offset
        self.size = size
        self.module = module
        self.buildID = buildID
    }
}

/// One stack frame found in a log line, before symbolization.
public struct LogFrame: Sendable {
    /// 1-based input line number.
    public var line: Int
    public var kind: FrameKind
    /// `false` for the `?` entries (and `(unreliable)` on powerpc): the
    /// unwinder found the address on the stack but is not sure it is a frame.
    public var reliable: Bool
    /// The frame's text as printed (`crash_write+0x7c/0xf0 [crashmod]`, `[<bf000010>]`).
    public var printed: String
    /// The symbol the kernel printed, if any.
    public var symbol: PrintedSymbol?
    /// The raw address the kernel printed, if any.
    public var address: UInt64?
    /// Why the frame has the kind it has, when not obvious (after `__irq_svc`).
    public var note: FrameNote?
    /// The value of a register dump's PC (`PC is at`, `pc :`, `RIP:`): exact,
    /// with no Thumb bit, unlike a WARN location or a stack entry.
    public var fromRegisterDump = false
    /// The function of a `WARNING: … at FILE:LINE func+off/size` line: the
    /// trapping instruction, or where the architecture's WARN calls
    /// (``ArchFixup/warnPrintsReturnAddress``) the return address of that call.
    public var isWarnLocation = false
    /// The `file:line` the log already printed for this frame (syzbot,
    /// `decode_stacktrace.sh`, an earlier ksymbolize run), kept as the
    /// frame's location unless the binaries given agree and say more.
    public var printedLocation: PrintedLocation?
    /// The kernel's own `file:line` for this PC (`WARNING: … at FILE:LINE`,
    /// `kernel BUG at FILE:LINE!`), to check against the binary.
    public var claim: SourceClaim?
    /// Bytes the printed PC is past the instruction it stands for (s390's
    /// PSW after a monitor call; see `LogSyntax.programCounterPastTrap`).
    public var pastInstruction: UInt64 = 0

    public init(
        line: Int, kind: FrameKind, reliable: Bool, printed: String, symbol: PrintedSymbol?, address: UInt64?,
        note: FrameNote? = nil
    ) {
        self.line = line
        self.kind = kind
        self.reliable = reliable
        self.printed = printed
        self.symbol = symbol
        self.address = address
        self.note = note
    }
}

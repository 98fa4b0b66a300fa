import ArchFixups

/// A proof that a binary is not the build the crashed kernel ran: data,
/// put into words by the printers (`Output/Wording.swift`).
public enum MismatchProof: Sendable, Equatable {
    /// `--proc-modules` and `--module-sections` place a module differently
    /// (snapshots of different boots?): not the binary's fault, but its
    /// frames cannot be trusted.
    case snapshotsDisagree(module: String, procModulesBase: UInt64, textAddress: UInt64)
    /// A section of the file is larger than the room the crashed kernel left before the next one.
    case sectionTooLarge(path: String, section: String, size: UInt64, next: String, room: UInt64)
    /// `/proc/kallsyms` lists a function at another address than the file.
    case kallsymsAddress(path: String, symbol: String, binaryAddress: UInt64, kallsymsAddress: UInt64)
    /// The binary was built for another release than the log's.
    case release(binary: String, built: String, logRelease: String)
    /// The build id the crashed kernel reported (notes, the log) is not the file's.
    case buildID(path: String, own: String?, expected: String, source: String)
    /// A frame printed `[mod BUILDID]` with another build id.
    case printedBuildID(path: String, own: String, printed: String)
    /// `func+off` of the log is at another address in the binary than the raw address printed with it.
    case symbolAddress(binary: String, symbol: String, offset: UInt64, binaryAddress: UInt64, logAddress: UInt64)
    /// The kernel printed another size for the function than the binary gives it.
    case symbolSize(binary: String, symbol: String, binarySize: UInt64, printedSize: UInt64)
    /// The kernel's own `file:line` of a WARN or BUG is not the binary's at that PC.
    case sourceLine(binary: String, file: String, line: Int, binaryLocation: SourceLocation?)
    /// The `file:line` a tool printed for the frame (syzbot, decode_stacktrace.sh) is not the binary's.
    case printedLocation(binary: String, file: String, line: Int, binaryLocation: SourceLocation?)
    /// The code bytes the kernel printed (`Code:`) are not the binary's at the PC
    /// (`offset` from the faulting instruction), and no run-time patching explains it.
    case codeBytes(binary: String, offset: Int)
}

/// How something about a frame was inferred rather than read.
public enum Inference: Sendable, Equatable {
    /// The module's code sections were placed from its `/proc/modules` base,
    /// as the module loader lays them out.
    case sectionsFromProcModules
    /// No binary: the function is the closest `--kallsyms` symbol.
    case functionFromKallsyms
}

/// What a kernel with the Thumb-2 kallsyms fix would have printed for a
/// frame that a pre-5.0 kernel printed wrong.
public struct KallsymsCorrection: Sendable, Equatable {
    public var name: String
    public var offset: UInt64
    public var size: UInt64
}

/// Why a frame has the kind and lookup it has, where that is not plain.
public enum FrameNote: Sendable, Equatable {
    /// `WARNING: … at FILE:LINE func+off`: where the WARN trapped.
    case warnTrap
    /// The same, where WARN calls `warn_slowpath_fmt`: that call's return address.
    case warnCall(Architecture)
    /// A register dump's link register.
    case staleLinkRegister
    /// The first line of an ARM backtrace: the PC where unwinding started.
    case backtraceStart
    /// The same, printed without an offset: the register dump's PC.
    case backtraceStartFromRegisterDump
    /// The same, printed without an offset, and no register dump to take it from.
    case backtraceStartWithoutOffset
    /// The frame after an exception entry (`__irq_svc`, `el1h_64_irq`): the interrupted instruction.
    case afterExceptionEntry(String?)
    /// arm64's `(P)` mark.
    case exceptionPC
    /// arm64's `(L)` mark.
    case exceptionLinkRegister
    /// syzbot's `[inline]`: a function inlined into the next frame.
    case inlinedAsPrinted
    /// arm64/riscv print the exception PC again as the first trace entry.
    case repeatsExceptionPC
    /// A return address at a function's entry with nothing that calls before it (`ret_fast_syscall`).
    case handSetReturnAddress
    /// The frame's `file:line` is the one the log printed.
    case printedLocation
    /// A WARN whose call to `warn_slowpath_fmt` was a tail call: the return
    /// address is in the caller; the WARN itself is at the kernel's own `file:line`.
    case warnByTailCall(file: String, line: Int)
}

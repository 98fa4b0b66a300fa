#if canImport(Glibc)
    import Glibc
#endif

/// Which of ksymbolize's own DWARF readers a ``DwarfModule`` uses instead of
/// libdw, and how often it lets vmlinux's `.debug_info` pages go: switches
/// for benchmarks and tests, which compare each reader with libdw's answers.
///
/// ``init()`` is what ksymbolize does; ``fromEnvironment`` is that changed
/// by the `KSYMBOLIZE_*` variables below, which ``DwflSession`` and
/// ``DwarfModule`` take when they are given no options.
public struct DwarfReaderOptions: Sendable {
    /// How many new CUs between two drops of vmlinux's resident
    /// `.debug_info` pages (`KSYMBOLIZE_FORGET_EVERY=N`, N > 0). Default
    /// `Int.max`, never: with the CUs' line tables and top levels read by
    /// ksymbolize, peak RSS is already well under half of llvm-symbolizer's,
    /// and reading dropped pages again costs ~10% on 100,000 addresses; 256
    /// lowers the peak by ~30 MB there.
    public var forgetInterval = Int.max

    /// Whether CU top levels are read by ``TopLevelScanner``
    /// (`KSYMBOLIZE_LIBDW_WALK` set: by libdw, for comparison).
    public var scanTopLevel = true

    /// Whether units are found by ``UnitAddressIndex`` and read by
    /// ``UnitDies`` (vmlinux, and x86-64 modules relocated one unit at a
    /// time) (`KSYMBOLIZE_LIBDW_UNITS` set: by libdw, for comparison).
    public var readUnits = true

    /// Whether line tables are decoded by ``LineTable``
    /// (`KSYMBOLIZE_LIBDW_LINES` set: by libdw, for comparison).
    public var decodeLines = true

    /// ksymbolize's own readers everywhere they apply; pages never dropped.
    public init() {}

    /// The defaults as this process's environment changes them, read once:
    /// `KSYMBOLIZE_LIBDW_WALK`, `KSYMBOLIZE_LIBDW_UNITS` and
    /// `KSYMBOLIZE_LIBDW_LINES` turn their reader off when set, whatever
    /// their value; `KSYMBOLIZE_FORGET_EVERY` sets ``forgetInterval`` when
    /// it is a positive number.
    public static let fromEnvironment: DwarfReaderOptions = {
        var options = DwarfReaderOptions()
        if let text = getenv("KSYMBOLIZE_FORGET_EVERY").map({ String(cString: $0) }), let value = Int(text), value > 0 {
            options.forgetInterval = value
        }
        options.scanTopLevel = getenv("KSYMBOLIZE_LIBDW_WALK") == nil
        options.readUnits = getenv("KSYMBOLIZE_LIBDW_UNITS") == nil
        options.decodeLines = getenv("KSYMBOLIZE_LIBDW_LINES") == nil
        return options
    }()
}

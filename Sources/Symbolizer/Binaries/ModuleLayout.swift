import ArchFixups

/// Where each allocated section of a binary sits in the symbolizer's
/// address space, and whether that is where the crashed kernel had it.
///
/// - A `.ko` with a sections snapshot: every section the snapshot names is
///   at its runtime address (``isRuntime(section:)`` is true).
/// - Sections the snapshot does not name (or every section, without a
///   snapshot) get a synthetic place of their own, far from any real one,
///   so that `func+off` frames still resolve through the symbol table and
///   DWARF; their runtime address is unknown.
/// - vmlinux keeps its link-time addresses; runtime = link + KASLR offset.
public struct ModuleLayout: Sendable {
    /// Section index → session address.
    public private(set) var sectionAddresses: [UInt32: UInt64] = [:]
    /// Sections whose session address is the runtime address.
    public private(set) var runtimeSections: Set<UInt32> = []
    /// How the addresses were inferred, when they were (from the `/proc/modules` base).
    public var inference: Inference?
    /// Set when two snapshots disagree about where the module is.
    public var conflict: MismatchProof?

    public init() {}

    /// Lays out a `.ko`.
    ///
    /// - Parameters:
    ///   - known: section name → runtime address (from the snapshot).
    ///   - syntheticBase: where to start placing the sections with no known address.
    public init(module contents: ElfContents, known: [String: UInt64], syntheticBase: UInt64) {
        var next = syntheticBase
        for section in contents.sections where section.isAllocated && section.index != 0 {
            if let address = known[section.name] {
                sectionAddresses[section.index] = address
                runtimeSections.insert(section.index)
            } else {
                next = align(next, section.alignment)
                sectionAddresses[section.index] = next
                next = next &+ max(section.size, 1)
            }
        }
    }

    public func isRuntime(section index: UInt32) -> Bool { runtimeSections.contains(index) }

    /// Where the module loader put the code sections of a module whose core
    /// allocation starts at `base` (the `/proc/modules` address), as
    /// `layout_sections()` does in every kernel version: the executable,
    /// allocated, non-init sections come first, in section-table order, each
    /// aligned to its `sh_addralign`. (Since 6.4 they have a region of their
    /// own, laid out the same way.) Sections an architecture resizes at load
    /// time (ARM/arm64 `.plt`) end the inference: what follows them is not placed.
    public static func inferredCodeSections(
        of contents: ElfContents, base: UInt64, fixup: any ArchFixup
    ) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        guard fixup.canPlaceModuleFromBase else { return result }
        var offset: UInt64 = 0
        for section in contents.sections
        where section.isAllocated && section.isExecutable && !fixup.isModuleInitSection(section.name) && section.index != 0 {
            offset = align(offset, fixup.moduleSectionAlignment(name: section.name, fileAlignment: section.alignment))
            result[section.name] = base &+ offset
            // Its real size is only known at load: what follows cannot be placed.
            if fixup.isModuleSectionSizedAtLoad(section.name) { break }
            offset = offset &+ section.size
        }
        return result
    }

    /// The range of session addresses the layout covers.
    public func range(sizes: (UInt32) -> UInt64) -> Range<UInt64> {
        var low = UInt64.max
        var high: UInt64 = 0
        for (index, address) in sectionAddresses {
            low = min(low, address)
            high = max(high, address &+ max(sizes(index), 1))
        }
        return low <= high ? low..<high : 0..<1
    }
}

/// `value` rounded up to `alignment`; alignments that are 0, not a power of
/// two or absurd (a corrupt file) count as 1, and nothing overflows.
func align(_ value: UInt64, _ alignment: UInt64) -> UInt64 {
    guard alignment > 1, alignment <= 1 << 32, alignment & (alignment - 1) == 0 else { return value }
    return (value &+ (alignment - 1)) & ~(alignment - 1)
}

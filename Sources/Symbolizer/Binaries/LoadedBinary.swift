import ArchFixups
import Dispatch

/// Hands a value to exactly one other thread while its owner does not touch it.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A vmlinux or `.ko` loaded once: its ELF contents, where it sits, its
/// symbol index and its DWARF.
final class LoadedBinary {
    /// `vmlinux` or the canonical module name.
    let name: String
    let path: String
    let contents: ElfContents
    let layout: ModuleLayout
    let symbols: SymbolIndex
    let dwarf: DwarfModule?
    let fixup: any ArchFixup
    var isVmlinux: Bool { contents.kind.isKernelImage }
    /// What the snapshots proved of a module's layout (``Symbolizer``'s layout check), and the
    /// kallsyms code symbols it was checked against.
    struct LayoutProofs {
        var listed: [(name: String, address: UInt64)]
        var overlap: MismatchProof?
        var disagreement: MismatchProof?
    }

    /// The last layout check, kept with the binary: a copy in the ``BinaryCache`` was loaded for
    /// one set of section addresses, so the next run that takes it needs only compare kallsyms.
    var layoutProofs: LayoutProofs?

    /// The release the binary was built for (``ElfContents/kernelRelease``), read once: asked for every frame.
    lazy var kernelRelease = contents.kernelRelease
    /// The code and what of it varies at run time, for the machine-code analysis (read on first use).
    lazy var codeImage = CodeImage(path: path, fixup: fixup) { [contents] names in
        var found: [String: UInt64] = [:]
        for symbol in contents.symbols where names.contains(symbol.name) { found[symbol.name] = symbol.value }
        return found
    }

    init(
        name: String, path: String, contents: ElfContents, layout: ModuleLayout, symbols: SymbolIndex,
        dwarf: DwarfModule?, fixup: any ArchFixup
    ) {
        self.name = name
        self.path = path
        self.contents = contents
        self.layout = layout
        self.symbols = symbols
        self.dwarf = dwarf
        self.fixup = fixup
    }

    /// Builds now what the first lookups would build: the symbol index and
    /// name hash, the DWARF's address → CU table.
    func warm() {
        symbols.warm()
        dwarf?.warm()
    }

    /// Reads the compilation units of `frames` (function + offset), where
    /// the symbol index finds their functions, so that looking them up
    /// later costs no DWARF reading.
    func warmLocations(of frames: [FramePreview.Frame]) {
        guard let dwarf else { return }
        for frame in frames {
            for symbol in symbols.symbols(named: frame.function) where frame.offset < max(symbol.size, 1) {
                // The address the frame will be looked up at: the same rule as resolution's.
                let instruction = lookupAddress(of: symbol.start &+ frame.offset, isPC: frame.isPC)
                _ = dwarf.locations(at: fixup.debugInfoAddress(instruction, function: symbol.raw))
            }
        }
    }

    /// ``warm()`` with the symbol index built on another thread meanwhile
    /// (the two touch nothing in common).
    func warmInParallel() {
        Self.warm(symbols, dwarf)
    }

    /// Builds `symbols`' index on another thread while `dwarf`'s address → unit table is read here.
    static func warm(_ symbols: SymbolIndex, _ dwarf: DwarfModule?) {
        let symbols = UncheckedBox(symbols)
        let group = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: group) { symbols.value.warm() }
        dwarf?.warm()
        group.wait()
    }

    /// The section of a `.ko` that contains a session address.
    func section(containingSessionAddress address: UInt64) -> ElfSection? {
        for (index, base) in layout.sectionAddresses where address >= base {
            if let section = contents.section(at: index), address < base &+ max(section.size, 1) { return section }
        }
        return nil
    }

    /// Session → runtime address for a `.ko`; `nil` when the section was not placed at its runtime address.
    func moduleRuntimeAddress(ofSession address: UInt64) -> UInt64? {
        guard let section = section(containingSessionAddress: address), layout.isRuntime(section: section.index)
        else { return nil }
        return address
    }

    /// Runtime → session address for a `.ko`: the address if one of the
    /// sections known at runtime holds it.
    func moduleSessionAddress(ofRuntime address: UInt64) -> UInt64? {
        runtimeSectionBounds.contains { address >= $0.start && address < $0.end } ? address : nil
    }

    /// Where each section known at runtime starts and ends (a `.ko`'s), found once: asked for every frame.
    private lazy var runtimeSectionBounds: [(start: UInt64, end: UInt64)] = {
        // Read once: each access to a class's struct property copies it (and retains what it holds).
        let layout = self.layout
        let contents = self.contents
        return layout.runtimeSections.compactMap { index in
            guard let base = layout.sectionAddresses[index], let section = contents.section(at: index) else { return nil }
            return (base, base &+ max(section.size, 1))
        }
    }()

    /// Whether a link-time address lies in one of vmlinux's loadable segments.
    func vmlinuxContains(linkAddress address: UInt64) -> Bool {
        contents.segments.contains { address >= $0.virtualAddress && address < $0.virtualAddress &+ $0.memorySize }
    }
}

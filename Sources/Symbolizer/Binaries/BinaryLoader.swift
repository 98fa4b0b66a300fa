import ArchFixups

/// Makes a ``LoadedBinary`` of a file: the one place that reads a vmlinux or
/// a module, lays it out and opens its DWARF, whether on the caller's thread
/// or in a background preload.
enum BinaryLoader {
    /// vmlinux at `path`: the image read ahead by ``EarlyVmlinux`` when there
    /// is one, else read now into `session()`; and the KASLR offset a
    /// `/proc/kallsyms` snapshot gives against its start symbol.
    static func vmlinux(
        path: String, options: SymbolizerOptions, session: () throws(SymbolizerError) -> DwflSession
    ) -> (Result<LoadedBinary, UnresolvedReason>, kallsymsKaslrOffset: UInt64?) {
        let read: Result<VmlinuxImage, UnresolvedReason>
        if let early = EarlyVmlinux.take(path: path, architecture: options.architecture) {
            read = .success(early)
        } else {
            do throws(SymbolizerError) {
                read = VmlinuxImage.read(
                    path: path, architecture: options.architecture, session: try session(), reader: options.dwarfReader)
            } catch {
                read = .failure(.noVmlinux(error.description))
            }
        }
        switch read {
        case .failure(let reason):
            return (.failure(reason), nil)
        case .success(let image):
            let contents = image.contents
            let binary = LoadedBinary(
                name: "vmlinux", path: path, contents: contents, layout: ModuleLayout(), symbols: image.symbols,
                dwarf: image.dwarf, fixup: image.fixup)
            return (.success(binary), kallsymsKaslrOffset(of: contents, options: options))
        }
    }

    /// The KASLR offset a `/proc/kallsyms` snapshot gives against vmlinux's start symbol.
    static func kallsymsKaslrOffset(of contents: ElfContents, options: SymbolizerOptions) -> UInt64? {
        guard let start = options.kallsyms.textStart, let link = linkAddress(of: start.name, in: contents) else { return nil }
        return start.address &- link
    }

    /// The value of the first defined symbol of that name (a scan of the whole table).
    static func linkAddress(of name: String, in contents: ElfContents) -> UInt64? {
        guard let index = contents.symbolTable.firstIndex(named: name, where: { !$0.isUndefined }) else { return nil }
        return contents.symbolTable.unnamedSymbol(at: index).value
    }

    /// A module (`ET_REL`) laid out at the crashed kernel's section addresses
    /// (`--module-sections`), or from its `/proc/modules` base, or at
    /// synthetic addresses (then only `func+off` frames resolve).
    static func module(
        name: String, path: String, contents: ElfContents, options: SymbolizerOptions, session: DwflSession,
        syntheticBase: (Bool) -> UInt64
    ) -> Result<LoadedBinary, UnresolvedReason> {
        do {
            guard contents.kind == .relocatable else {
                return .failure(
                    .moduleUnreadable(
                        name,
                        "\(path) is an ELF \(contents.kind.elfTypeName) file (\(contents.machineDescription)), not a relocatable (ET_REL) module"
                    ))
            }
            guard let architecture = options.architecture ?? contents.architecture else {
                return .failure(
                    .moduleUnreadable(
                        name, "\(path) is a module for \(contents.machineDescription), an architecture ksymbolize does not handle"))
            }
            let fixup = architecture.fixups
            let layout = moduleLayout(name: name, contents: contents, options: options, fixup: fixup, syntheticBase: syntheticBase)
            let symbols = SymbolIndex(contents: contents, fixup: fixup, sectionAddress: { layout.sectionAddresses[$0] })
            func binary(_ dwarf: DwarfModule) -> LoadedBinary {
                LoadedBinary(
                    name: name, path: path, contents: contents, layout: layout, symbols: symbols, dwarf: dwarf, fixup: fixup)
            }
            if contents.hasDebugInfo, options.lazyModuleRelocation,
                let lazy = DwarfModule.lazilyRelocated(
                    path: path, sectionAddresses: layout.sectionAddresses, options: options.dwarfReader)
            {
                // x86-64: relocated by ksymbolize one CU at a time instead of all at once by libdwfl.
                return .success(binary(lazy))
            }
            let range = layout.range(sizes: { contents.section(at: $0)?.size ?? 1 })
            var dwarf = try session.report(
                name: name, path: path, range: range, sectionAddresses: layout.sectionAddresses, options: options.dwarfReader)
            if dwarf.dwarfError != nil, contents.hasDebugInfo,
                let relocated = try? RelocatedDwarf(
                    path: path, contents: contents, sectionAddresses: layout.sectionAddresses, fixup: fixup)
            {
                // libdwfl could not relocate it (no backend for this machine in this elfutils).
                dwarf = DwarfModule(relocated: relocated, path: path, options: options.dwarfReader)
            }
            return .success(binary(dwarf))
        } catch {
            return .failure(.moduleUnreadable(name, error.description))
        }
    }

    /// Where the module's sections go: the snapshot's addresses, else its
    /// code sections from the `/proc/modules` base (an inference), the rest synthetic.
    private static func moduleLayout(
        name: String, contents: ElfContents, options: SymbolizerOptions, fixup: any ArchFixup,
        syntheticBase: (Bool) -> UInt64
    ) -> ModuleLayout {
        var known = options.moduleSections.sections(of: name) ?? [:]
        var inference: Inference?
        if known.isEmpty, let entry = options.procModules.entry(for: name) {
            known = ModuleLayout.inferredCodeSections(of: contents, base: entry.base, fixup: fixup)
            if !known.isEmpty { inference = .sectionsFromProcModules }
        }
        var layout = ModuleLayout(module: contents, known: known, syntheticBase: syntheticBase(contents.is64Bit))
        layout.inference = inference
        if inference == nil, let text = known[".text"], let entry = options.procModules.entry(for: name), entry.base != text {
            layout.conflict = .snapshotsDisagree(module: name, procModulesBase: entry.base, textAddress: text)
        }
        return layout
    }

    /// The first candidate with DWARF, else the first that reads.
    static func firstModuleFile(
        name: String, candidates: [String], known: (String) -> ElfContents? = { _ in nil }
    ) -> Result<(String, ElfContents), UnresolvedReason> {
        var chosen: (path: String, contents: ElfContents)?
        var firstError: SymbolizerError?
        for candidate in candidates.prefix(8) {
            do {
                let contents: ElfContents
                if let remembered = known(candidate) { contents = remembered } else { contents = try ElfReader.read(path: candidate) }
                if chosen == nil || (!chosen!.contents.hasDebugInfo && contents.hasDebugInfo) {
                    chosen = (candidate, contents)
                }
                if contents.hasDebugInfo { break }
            } catch {
                firstError = firstError ?? error
            }
        }
        guard let chosen else { return .failure(.moduleUnreadable(name, firstError?.description ?? "unreadable")) }
        return .success(chosen)
    }

    /// A fresh region, far from kernel and module addresses, for sections
    /// whose runtime address is unknown. 32-bit binaries stay below 4 GiB
    /// because libdwfl relocates their DWARF with 32-bit values.
    static func syntheticBase(is64Bit: Bool, slot: UInt64) -> UInt64 {
        if is64Bit { return 0x0000_1000_0000_0000 &+ slot << 32 }
        return 0x1000_0000 &+ (slot % 32) << 22
    }
}

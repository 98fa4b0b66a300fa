import ArchFixups

/// Proofs, from the crashed machine's snapshots alone, that a module file is
/// not the build that was loaded: checked once when the module is loaded, so
/// that every frame it answers can say so.
enum LayoutEvidence {
    /// A section of the file too large for the gap the kernel left before the
    /// next section it placed (`--module-sections`, live `/sys/module`).
    static func overlap(
        path: String, known: [String: UInt64], contents: ElfContents, fixup: any ArchFixup
    ) -> MismatchProof? {
        let placed = contents.sections.compactMap { section -> (ElfSection, UInt64)? in
            guard let address = known[section.name], section.isAllocated, section.size > 0 else { return nil }
            return (section, address)
        }.sorted { $0.1 < $1.1 }
        for (current, next) in zip(placed, placed.dropFirst()) {
            let (section, start) = current
            guard !fixup.isModuleSectionSizedAtLoad(section.name), next.1 > start else { continue }
            let room = next.1 - start
            if section.size > room {
                return .sectionTooLarge(path: path, section: section.name, size: section.size, next: next.0.name, room: room)
            }
        }
        return nil
    }

    /// A function symbol the crashed kernel's `/proc/kallsyms` lists at
    /// another address than the file's, for sections at known addresses.
    static func kallsymsDisagreement(
        path: String, listed: [(name: String, address: UInt64)], symbols: SymbolIndex, fixup: any ArchFixup,
        isRuntime: (IndexedSymbol) -> Bool
    ) -> MismatchProof? {
        for (name, address) in listed {
            let candidates = symbols.symbols(named: name).filter(isRuntime)
            guard candidates.count == 1, let symbol = candidates.first else { continue }
            let wanted = fixup.normalizeCodeAddress(address)
            let agrees = [KallsymsMode.fixed, .raw].contains {
                fixup.normalizeCodeAddress(symbol.kallsymsAddress(fixup, mode: $0)) == wanted
            }
            if !agrees {
                return .kallsymsAddress(
                    path: path, symbol: name,
                    binaryAddress: fixup.normalizeCodeAddress(symbol.kallsymsAddress(fixup, mode: .fixed)),
                    kallsymsAddress: address)
            }
        }
        return nil
    }
}

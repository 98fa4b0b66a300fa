import ArchFixups

/// What a loaded binary answers about addresses and the symbols the kernel
/// printed, in its own address space (the "session" space: link-time
/// addresses for vmlinux, the crashed kernel's section addresses for a
/// module, synthetic ones for sections whose address is unknown). Resolution
/// asks; the binary knows its layout, symbols and architecture.
extension LoadedBinary {
    /// The one lookup rule: an exact PC is looked up as it is (ISA bits
    /// cleared), a return address at its call site (``ArchFixup/callSiteAddress(forReturnAddress:)``).
    /// Resolution and the read-ahead of a log's frames both use it.
    func lookupAddress(of address: UInt64, isPC: Bool) -> UInt64 {
        isPC ? fixup.normalizeCodeAddress(address) : fixup.callSiteAddress(forReturnAddress: address)
    }

    /// A runtime address in the crashed kernel, in this binary's address
    /// space: minus the KASLR offset for vmlinux (`nil` when unknown), as is
    /// for a module section at its runtime address.
    func sessionAddress(ofRuntime address: UInt64, kaslrOffset: UInt64?) -> UInt64? {
        if isVmlinux { return kaslrOffset.map { address &- $0 } }
        return moduleSessionAddress(ofRuntime: address)
    }

    /// The runtime address of a session address, when known.
    func runtimeAddress(ofSession address: UInt64, kaslrOffset: UInt64?) -> UInt64? {
        if isVmlinux { return kaslrOffset.map { address &+ $0 } }
        return moduleRuntimeAddress(ofSession: address)
    }

    /// The symbol a printed `name+off/size` stands for: among symbols of that
    /// name (a static function may exist more than once), the one of that size.
    func candidate(for printed: PrintedSymbol) -> IndexedSymbol? {
        let candidates = symbols.symbols(named: printed.name)
        return candidates.first { $0.size == printed.size } ?? candidates.first
    }

    /// Where kallsyms puts `symbol` in `mode`: only module symbols go through
    /// `kallsyms_symbol_value()`; vmlinux's table is built at link time with
    /// Thumb bits cleared.
    func kallsymsAddress(of symbol: IndexedSymbol, mode: KallsymsMode) -> UInt64 {
        symbol.kallsymsAddress(fixup, mode: isVmlinux ? .fixed : mode)
    }

    /// The size kallsyms prints for `symbol`: the distance to the next
    /// symbol, within its section.
    func kallsymsSize(of symbol: IndexedSymbol, mode: KallsymsMode) -> UInt64 {
        let start = symbol.kallsymsAddress(fixup, mode: mode)
        var next = symbols.nextStart(after: symbol.start) ?? (symbol.start &+ symbol.size)
        if mode == .raw, symbols.hasOddRawValue(at: next) {
            next |= 1
        }
        let sectionEnd: UInt64? =
            isVmlinux
            ? nil
            : section(containingSessionAddress: symbol.start).flatMap { section in
                layout.sectionAddresses[section.index].map { $0 &+ section.size }
            }
        if let sectionEnd, next > sectionEnd { next = sectionEnd }
        return next > start ? next &- start : symbol.size
    }

    /// Whether the printed size is what this binary would make the kernel
    /// print: `st_size`, or (what kallsyms really prints) the distance to the
    /// next symbol.
    func printedSizeMatches(_ printed: UInt64, symbol: IndexedSymbol, mode: KallsymsMode) -> Bool {
        if printed == symbol.size { return true }
        if printed == kallsymsSize(of: symbol, mode: mode) { return true }
        // The last function of a module's text: the kernel measures up to the
        // end of the (page-aligned) text region.
        let start = symbol.kallsymsAddress(fixup, mode: mode)
        let end = start &+ printed
        let lastInText =
            symbols.nextStart(after: symbol.start).map { next in
                section(containingSessionAddress: next).map {
                    !$0.isExecutable || fixup.isModuleInitSection($0.name)
                } ?? true
            } ?? true
        return !isVmlinux && lastInText && end & 0xfff == 0 && printed >= symbol.size
            && printed < symbol.size &+ 0x10000
    }

    /// Whether the call-site address of a return address lies in a real
    /// function: true inside the same function, or in a sized function that
    /// ends where the return address is (a call to a `noreturn` function as
    /// the caller's last instruction).
    func isPlausibleCallSite(_ callSite: UInt64, returnAddress: UInt64) -> Bool {
        guard let caller = symbols.symbol(containing: callSite) else { return false }
        if let own = symbols.symbol(containing: returnAddress), own.start == caller.start { return true }
        return caller.raw.type == .function && caller.size > 0 && callSite < caller.start &+ caller.size
    }

    /// What a kernel with the Thumb-2 kallsyms fix prints for the instruction
    /// at `session` (the address as given, Thumb bit and all for return
    /// addresses, minus the function's even start), when the printed symbol
    /// differs from it; `nil` when the kernel printed it right.
    func kallsymsCorrection(session: UInt64, printed: PrintedSymbol) -> KallsymsCorrection? {
        guard !isVmlinux, let correct = symbols.symbol(containing: fixup.normalizeCodeAddress(session)) else { return nil }
        let offset = session &- correct.start
        guard correct.name != printed.name || (printed.offset.map { $0 != offset } ?? false) else { return nil }
        return KallsymsCorrection(name: correct.name, offset: offset, size: kallsymsSize(of: correct, mode: .fixed))
    }
}

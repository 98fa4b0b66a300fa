extension Symbolizer {
    /// A frame that cannot be looked up, but whose function (and maybe
    /// `file:line`) the log printed: those are its location. `false` for
    /// any other frame.
    static func usePrintedLocation(_ result: inout ResolvedFrame) -> Bool {
        let frame = result.frame
        if let printed = frame.printedLocation {
            result.locations = [SourceLocation(function: frame.symbol?.name, file: printed.file, line: printed.line, column: nil)]
            result.frame.note = result.frame.note ?? .printedLocation
            return true
        }
        if let symbol = frame.symbol, symbol.offset == nil, frame.address == nil {
            result.locations = [SourceLocation(function: symbol.name, file: nil, line: nil, column: nil)]
            return true
        }
        return false
    }

    /// Fills in a prepared frame's source locations.
    func complete(_ result: inout ResolvedFrame, _ lookup: PendingLookup, locations found: [SourceLocation]) {
        let binary = lookup.binary
        defer { checkPrintedLocation(&result, binary: binary) }
        if let label = lookup.label, found.last?.function == nil {
            // No DWARF subprogram (assembly): named as kallsyms names it, after the closest symbol.
            result.symbol = ResolvedSymbol(name: label.symbol.name, offset: label.offset, size: label.symbol.size)
        }
        let locations = Self.named(found, symbol: result.symbol)
        result.locations = locations
        if let claim = lookup.claim, !found.isEmpty, let said = claim.contradictingLocation(in: found) {
            if result.frame.isWarnLocation && result.frame.kind == .return {
                // WARN calls warn_slowpath_fmt: a tail call to it leaves the caller's return address.
                result.frame.note = .warnByTailCall(file: claim.file, line: claim.line)
            } else {
                // The kernel's own file:line for a WARN/BUG must be the binary's.
                prove(
                    .sourceLine(binary: binary.name, file: claim.file, line: claim.line, binaryLocation: said),
                    binary: binary, frame: &result)
            }
        }
        if result.symbol == nil && locations.isEmpty {
            if let error = binary.dwarf?.dwarfError {
                result.unresolved = .noDebugInfo("\(binary.path): \(error)")
            } else {
                result.unresolved = .noLineInfo
            }
        } else if locations.allSatisfy({ $0.file == nil }), let error = binary.dwarf?.dwarfError {
            result.unresolved = .noDebugInfo("\(binary.path): \(error)")
        }
    }

    /// The log's own `file:line` for the frame must be in the binary's
    /// answer; where it is not, the printed one is kept and the binary is
    /// proven another build.
    private func checkPrintedLocation(_ result: inout ResolvedFrame, binary: LoadedBinary) {
        guard let printed = result.frame.printedLocation else { return }
        let agrees = result.locations.contains {
            $0.line == printed.line && $0.file.map { SourceClaim.sameFile($0, printed.file) } == true
        }
        if agrees { return }
        if result.unresolved == nil, !result.locations.isEmpty {
            prove(
                .printedLocation(binary: binary.name, file: printed.file, line: printed.line, binaryLocation: result.locations.first),
                binary: binary, frame: &result)
        }
        result.unresolved = nil
        result.locations = [
            SourceLocation(function: result.frame.symbol?.name, file: printed.file, line: printed.line, column: nil)
        ]
        result.frame.note = result.frame.note ?? .printedLocation
    }

    /// DWARF's inline chain with the outermost function named as the kernel
    /// prints it: the symbol's name when DWARF has none, or when the symbol is
    /// the compiler's clone of it (foo.isra.0, foo.cold).
    static func named(_ found: [SourceLocation], symbol: ResolvedSymbol?) -> [SourceLocation] {
        guard let symbol else { return found }
        guard !found.isEmpty else { return [SourceLocation(function: symbol.name, file: nil, line: nil, column: nil)] }
        var locations = found
        let outer = locations.count - 1
        if locations[outer].function == nil {
            locations[outer].function = symbol.name
        } else if let name = locations[outer].function, CloneNames.isClone(symbol.name, of: name) {
            locations[outer].function = symbol.name
        }
        return locations
    }
}

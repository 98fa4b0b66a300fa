internal import CLibdw

#if canImport(Glibc)
    import Glibc
#endif

/// DWARF lookups in one binary reported to a ``DwflSession``.
///
/// Addresses are in the session's address space: the runtime addresses the
/// module was reported at.
final class DwarfModule {
    /// Keeps the session (and so the `Dwfl_Module`) alive.
    private let session: DwflSession
    private let handle: OpaquePointer
    let path: String
    /// Why the DWARF could not be loaded, or `nil` when it was.
    let dwarfError: String?

    init(session: DwflSession, handle: OpaquePointer, path: String, dwarfError: String?) {
        self.session = session
        self.handle = handle
        self.path = path
        self.dwarfError = dwarfError
    }

    /// The inline chain at `address`, innermost first: the position inside the
    /// innermost inlined function, then each call site up to the containing
    /// function. Empty when DWARF knows nothing about the address.
    func locations(at address: UInt64) -> [SourceLocation] {
        guard dwarfError == nil else { return [] }
        var bias: Dwarf_Addr = 0
        guard let cuDie = dwfl_module_addrdie(handle, address, &bias) else {
            return lineOnly(at: address).map { [$0] } ?? []
        }
        let compDir = Self.compilationDirectory(of: cuDie)
        let innermostLine = lineOnly(at: address, compilationDirectory: compDir)
        let chain = functionChain(cuDie: cuDie, pc: address &- bias)
        guard !chain.isEmpty else { return innermostLine.map { [$0] } ?? [] }

        var locations: [SourceLocation] = []
        locations.reserveCapacity(chain.count)
        locations.append(
            SourceLocation(
                function: chain[0].name, file: innermostLine?.file, line: innermostLine?.line,
                column: innermostLine?.column))
        var files: OpaquePointer?
        var fileCount = 0
        var haveFiles = false
        for index in 1..<chain.count {
            let call = chain[index - 1].call
            var file: String?
            if let callFile = call?.file {
                if !haveFiles {
                    var cu = cuDie.pointee
                    haveFiles = dwarf_getsrcfiles(&cu, &files, &fileCount) == 0
                }
                if haveFiles, let files, callFile < fileCount, let name = dwarf_filesrc(files, callFile, nil, nil) {
                    file = SourcePath.normalize(String(cString: name), compilationDirectory: compDir)
                }
            }
            locations.append(
                SourceLocation(function: chain[index].name, file: file, line: call?.line, column: call?.column))
        }
        return locations
    }

    /// The line table's answer alone: file, line, column and no function.
    private func lineOnly(at address: UInt64, compilationDirectory: String? = nil) -> SourceLocation? {
        guard let line = dwfl_module_getsrc(handle, address) else { return nil }
        var lineNumber: Int32 = 0
        var column: Int32 = 0
        guard let name = dwfl_lineinfo(line, nil, &lineNumber, &column, nil, nil) else { return nil }
        return SourceLocation(
            function: nil,
            file: SourcePath.normalize(String(cString: name), compilationDirectory: compilationDirectory),
            line: lineNumber > 0 ? Int(lineNumber) : nil, column: column > 0 ? Int(column) : nil)
    }

    private struct CallSite {
        var file: Int?
        var line: Int?
        var column: Int?
    }

    private struct FunctionScope {
        var name: String?
        /// For an inlined subroutine: where it was called from.
        var call: CallSite?
    }

    /// The physical nesting of inlined subroutines and the containing
    /// subprogram at `pc`, innermost first.
    private func functionChain(cuDie: UnsafeMutablePointer<Dwarf_Die>, pc: Dwarf_Addr) -> [FunctionScope] {
        var scopes: UnsafeMutablePointer<Dwarf_Die>?
        let count = dwarf_getscopes(cuDie, pc, &scopes)
        guard count > 0, let scopes else {
            free(scopes)
            return []
        }
        var innermost = scopes[0]
        free(scopes)
        var nested: UnsafeMutablePointer<Dwarf_Die>?
        let nestedCount = dwarf_getscopes_die(&innermost, &nested)
        guard nestedCount > 0, let nested else {
            free(nested)
            return []
        }
        defer { free(nested) }
        var chain: [FunctionScope] = []
        for index in 0..<Int(nestedCount) {
            var die = nested[index]
            let tag = dwarf_tag(&die)
            if tag == Int32(DW_TAG_inlined_subroutine) {
                chain.append(FunctionScope(name: Self.name(of: &die), call: Self.callSite(of: &die)))
            } else if tag == Int32(DW_TAG_subprogram) {
                chain.append(FunctionScope(name: Self.name(of: &die), call: nil))
                break
            }
        }
        return chain
    }

    private static func name(of die: inout Dwarf_Die) -> String? {
        var attribute = Dwarf_Attribute()
        if dwarf_attr_integrate(&die, UInt32(DW_AT_name), &attribute) != nil,
            let text = dwarf_formstring(&attribute)
        {
            return String(cString: text)
        }
        if let text = dwarf_diename(&die) { return String(cString: text) }
        return nil
    }

    private static func callSite(of die: inout Dwarf_Die) -> CallSite {
        func unsigned(_ name: Int) -> Int? {
            var attribute = Dwarf_Attribute()
            var value: Dwarf_Word = 0
            guard dwarf_attr(&die, UInt32(name), &attribute) != nil, dwarf_formudata(&attribute, &value) == 0 else {
                return nil
            }
            return Int(value)
        }
        return CallSite(
            file: unsigned(DW_AT_call_file), line: unsigned(DW_AT_call_line), column: unsigned(DW_AT_call_column))
    }

    private static func compilationDirectory(of cuDie: UnsafeMutablePointer<Dwarf_Die>) -> String? {
        var attribute = Dwarf_Attribute()
        guard dwarf_attr(cuDie, UInt32(DW_AT_comp_dir), &attribute) != nil, let text = dwarf_formstring(&attribute)
        else { return nil }
        return String(cString: text)
    }
}

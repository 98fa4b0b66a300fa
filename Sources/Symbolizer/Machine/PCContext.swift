import ArchFixups

/// What the binary says about a report's faulting instruction: where it is
/// in the binary, in which instruction set, and the variables in scope there.
final class PCContext {
    let binary: LoadedBinary
    /// The instruction in the binary's address space.
    let session: UInt64
    /// The instruction in the crashed kernel, when known.
    let runtime: UInt64?
    let function: IndexedSymbol?
    /// Thumb code (32-bit ARM): the function symbol's bit 0, or a `$t` mapping symbol.
    let thumb: Bool
    /// Runtime minus session address (the KASLR offset for vmlinux, 0 for a module at its runtime place).
    var runtimeDelta: UInt64? { runtime.map { $0 &- session } }

    init(binary: LoadedBinary, session: UInt64, runtime: UInt64?) {
        self.binary = binary
        self.session = session
        self.runtime = runtime
        let function = binary.symbols.symbol(containing: session)
        self.function = function
        thumb = binary.fixup.architecture == .arm && (function.map { $0.raw.value & 1 == 1 } ?? false)
    }

    /// Parameters and variables in scope at the instruction (read once).
    lazy var variables: [ScopedVariable] = {
        guard let dwarf = binary.dwarf else { return [] }
        return dwarf.variables(at: binary.fixup.debugInfoAddress(session, function: function?.raw)) ?? []
    }()

    /// The variables a DWARF register holds at the instruction, innermost scope first.
    func variables(inRegister number: Int) -> [ScopedVariable] {
        variables.filter {
            if case .register(let register, _) = $0.place { return register == number }
            return false
        }
    }

    /// The instruction set of the code at the instruction.
    var instructionSet: InstructionSet? { binary.fixup.instructionSet(thumb: thumb) }

    /// The binary's code, read on first use.
    var code: CodeImage { binary.codeImage }

    /// Where a session address is in the file: a code section and the offset in it.
    func filePlace(ofSession address: UInt64) -> (section: UInt32, offset: UInt64)? {
        if binary.isVmlinux {
            guard let section = code.sections.values.first(where: { address >= $0.address && address < $0.address &+ $0.size })
            else { return nil }
            return (section.index, address &- section.address)
        }
        guard let section = binary.section(containingSessionAddress: address),
            let base = binary.layout.sectionAddresses[section.index]
        else { return nil }
        return (section.index, address &- base)
    }

    /// The binary's bytes from session address `address`, up to `count` (fewer at a section's end).
    func binaryBytes(at address: UInt64, count: Int) -> [UInt8] {
        guard let place = filePlace(ofSession: address) else { return [] }
        return code.bytes(section: place.section, offset: place.offset, count: count)
    }

    /// The binary's byte at each of `count` session addresses from `address`,
    /// across code sections; `nil` where no code section of the file is.
    func binaryBytes(spanning address: UInt64, count: Int) -> [UInt8?] {
        var result: [UInt8?] = []
        result.reserveCapacity(count)
        while result.count < count {
            let here = address &+ UInt64(result.count)
            let run = binaryBytes(at: here, count: count - result.count)
            if run.isEmpty {
                result.append(nil)
            } else {
                result += run.map { Optional($0) }
            }
        }
        return result
    }

    /// The DWARF inline chain of the instruction at session address `address`.
    func locations(at address: UInt64) -> [SourceLocation] {
        guard let dwarf = binary.dwarf else { return [] }
        let function = binary.symbols.symbol(containing: address)
        return dwarf.locations(at: binary.fixup.debugInfoAddress(address, function: function?.raw))
    }
}

extension Symbolizer {
    /// The context of a report's resolved PC frame; `nil` when its binary or place is unknown.
    func pcContext(for frame: ResolvedFrame) -> PCContext? {
        guard frame.frame.kind == .pc, let name = frame.module, let session = frame.sessionInstruction else { return nil }
        let binary: LoadedBinary?
        switch name == "vmlinux" ? vmlinux() : module(named: name) {
        case .success(let found): binary = found
        case .failure: binary = nil
        }
        guard let binary else { return nil }
        // The looked-up address: the instruction itself, also where the kernel printed the PC past it (s390 traps).
        return PCContext(binary: binary, session: session, runtime: frame.lookupAddress)
    }
}

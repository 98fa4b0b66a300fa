import ArchFixups

/// Turns a report's code dump and register dump into typed values: the
/// instructions around the faulting one with their source lines, whether the
/// printed bytes are the binary's, and the variables each register holds.
struct CodeAnalysis {
    let fixup: any ArchFixup
    let context: PCContext?
    /// The PC as the log printed it, for a report whose binary is not at hand.
    var printedPC: UInt64?

    /// Bytes of the binary shown around the PC when the log printed none.
    static let binaryWindowBefore = 24
    static let binaryWindowAfter = 24

    /// The listing of the log's dump; `nil` (with a note) when it cannot be decoded.
    func listing(of dump: CodeDump) -> (CodeListing?, String?) {
        let littleEndian = context?.code.littleEndian ?? fixup.architecture.isLittleEndianByDefault
        let thumb = dump.unitSize == 2 && fixup.architecture == .arm || (context?.thumb ?? false)
        guard let set = fixup.instructionSet(thumb: thumb) else {
            return (nil, "no disassembler for \(fixup.architecture.rawValue) (capstone 4 has no RISC-V)")
        }
        guard let disassembler = Disassembler(instructionSet: set, littleEndian: littleEndian) else {
            let reason =
                Disassembler.isAvailable
                ? "capstone cannot decode \(set.rawValue)" : "no disassembler: libcapstone.so.4 (Debian's libcapstone4) is not installed"
            return (nil, reason)
        }
        let bytes = dump.bytes(littleEndian: littleEndian)
        guard let fault = dump.faultByteOffset ?? dump.startAddress.flatMap({ _ in 0 }), fault < bytes.count else {
            return (nil, "the code line marks no faulting instruction")
        }
        // Addresses: the binary's place for the PC when known; s390 prints its own;
        // else the PC the log printed; else offsets in the dump (as decodecode shows them).
        let knownPC = context?.session ?? printedPC
        var start = knownPC.map { $0 &- UInt64(fault) } ?? 0
        var pc = knownPC
        if let printed = dump.startAddress {
            start = context?.runtimeDelta.map { printed &- $0 } ?? printed
            pc = pc ?? printed &+ UInt64(fault)
        }
        var instructions = decode(bytes, fault: fault, at: start, disassembler, shown: shownAddress(of: start))
        if let pc, pc != start &+ UInt64(fault) {
            // s390 marks the instruction at the PSW; the PC may be the one before it (a monitor call).
            // The instruction holding the PC.
            let holding = instructions.lastIndex { $0.address <= pc }
            for index in instructions.indices { instructions[index].faulting = index == holding }
        }
        var listing = CodeListing(source: .log, instructionSet: set, instructions: [], note: nil)
        if knownPC == nil, dump.startAddress == nil {
            listing.note = "addresses are offsets in the dump: the PC's address is not known"
        }
        if instructions.first?.address != start {
            let skipped = Int((instructions.first?.address ?? start) &- start)
            if skipped > 0 {
                let said = "\(skipped) byte\(skipped == 1 ? "" : "s") before the first whole instruction not shown"
                listing.note = listing.note.map { $0 + "; " + said } ?? said
            }
        }
        if let context {
            compare(bytes, start: start, fault: fault, context: context, into: &listing)
            instructions = instructions.map { instruction in
                var located = instruction
                located.locations = context.locations(at: instruction.address)
                return located
            }
        }
        listing.instructions = instructions.map { runtime($0) }
        return (listing, nil)
    }

    /// The binary's own bytes around the PC, for a report whose log printed no code.
    func binaryListing() -> CodeListing? {
        guard let context, let set = context.instructionSet,
            let disassembler = Disassembler(instructionSet: set, littleEndian: context.code.littleEndian)
        else { return nil }
        // Start at an instruction boundary: the function's start where it is near, else the PC.
        var start = context.session &- UInt64(Self.binaryWindowBefore)
        if let function = context.function {
            start = max(fixup.normalizeCodeAddress(function.start), start)
        }
        if !disassembler.isFixedWidth, start != context.function.map({ fixup.normalizeCodeAddress($0.start) }) {
            start = context.session
        }
        start &= ~UInt64(disassembler.unit - 1)
        let bytes = context.binaryBytes(at: start, count: Int(context.session &- start) + Self.binaryWindowAfter)
        guard !bytes.isEmpty else { return nil }
        let fault = Int(context.session &- start)
        var listing = CodeListing(source: .binary, instructionSet: set, instructions: [], note: nil)
        listing.instructions = decode(bytes, fault: fault, at: start, disassembler, shown: shownAddress(of: start)).map { instruction in
            var located = instruction
            located.locations = context.locations(at: instruction.address)
            return runtime(located)
        }
        if !context.binary.isVmlinux { listing.note = "relocated fields shown as the file has them" }
        return listing
    }

    /// Decodes the bytes so that an instruction starts at `fault`: fixed-width
    /// code from the first whole unit; x86 from the earliest byte whose
    /// decoding lands exactly on the faulting one (as `scripts/decodecode` does).
    ///
    /// Decoded at `shown` (so that branch targets read as the crashed
    /// kernel's addresses, or as section offsets as objdump shows a `.ko`),
    /// returned at session addresses from `start`.
    private func decode(_ bytes: [UInt8], fault: Int, at start: UInt64, _ disassembler: Disassembler, shown: UInt64)
        -> [ListedInstruction]
    {
        let shift = start &- shown
        return decode(bytes, fault: fault, at: shown, disassembler, session: context == nil ? nil : start).map { instruction in
            var moved = instruction
            moved.address = instruction.address &+ shift
            return moved
        }
    }

    /// Offsets from session address `low`, below `count`, where the binary's
    /// instructions start, decoded from the start of the function holding the
    /// end when it is near; `nil` without the binary or a near start.
    private func boundaries(from low: UInt64, count: Int, _ disassembler: Disassembler) -> Set<Int>? {
        guard let context else { return nil }
        let high = low &+ UInt64(count)
        guard let function = context.binary.symbols.symbol(containing: high) else { return nil }
        let entry = fixup.normalizeCodeAddress(function.start)
        guard entry <= high, high &- entry <= 0x4000 else { return nil }
        let bytes = context.binaryBytes(at: entry, count: Int(high &- entry))
        guard bytes.count == Int(high &- entry) else { return nil }
        var known = Set<Int>()
        for instruction in disassembler.disassemble(bytes, at: entry) where instruction.address >= low {
            known.insert(Int(instruction.address &- low))
        }
        return known
    }

    /// Where code at session address `start` is decoded: its runtime address,
    /// else its offset in its section (a `.ko` whose place is not known), else as is.
    private func shownAddress(of start: UInt64) -> UInt64 {
        guard let context else { return start }
        if let delta = context.runtimeDelta { return start &+ delta }
        // vmlinux at its link addresses; a module at its section offsets.
        if !context.binary.isVmlinux, let place = context.filePlace(ofSession: start) { return place.offset }
        return start
    }

    private func decode(_ bytes: [UInt8], fault: Int, at start: UInt64, _ disassembler: Disassembler, session: UInt64?)
        -> [ListedInstruction]
    {
        var first = fault % disassembler.unit
        if !disassembler.isFixedWidth {
            // The earliest start that decodes cleanly up to the fault; failing
            // that (an instruction capstone lacks, s390's `mc`), the earliest
            // whose undecodable units still land on it.
            // Where the binary is at hand, only its own instruction boundaries.
            var candidates = Array(stride(from: fault % disassembler.unit, to: fault, by: disassembler.unit))
            if let session, let known = boundaries(from: session, count: fault, disassembler), !known.isEmpty {
                candidates = candidates.filter { known.contains($0) }
            }
            let decodings = candidates.lazy.map { candidate in
                (candidate, disassembler.disassemble(Array(bytes[candidate..<fault]), at: start &+ UInt64(candidate)))
            }
            first =
                decodings.first { $0.1.allSatisfy(\.decoded) }?.0
                ?? decodings.first { $0.1.first?.decoded == true }?.0 ?? fault
        }
        let decoded = disassembler.disassemble(Array(bytes[first...]), at: start &+ UInt64(first))
        return decoded.map { instruction in
            ListedInstruction(
                address: instruction.address, bytes: instruction.bytes, text: instruction.text,
                faulting: instruction.address == start &+ UInt64(fault), locations: [], access: nil)
        }
    }

    /// Session → runtime addresses, where the runtime place is known.
    /// Session → runtime addresses, where the runtime place is known; the
    /// binary's `function+offset` for each instruction.
    private func runtime(_ instruction: ListedInstruction) -> ListedInstruction {
        guard let context else { return instruction }
        var moved = instruction
        if let function = context.binary.symbols.symbol(containing: instruction.address) {
            moved.symbol = function.name + "+0x" + hex(instruction.address &- fixup.normalizeCodeAddress(function.start))
        }
        if let delta = context.runtimeDelta {
            moved.address = instruction.address &+ delta
        } else {
            moved.addressKnown = false
        }
        return moved
    }

    /// Compares the log's bytes with the binary's; bytes relocations fill in
    /// and code the kernel patches at run time are excused (and counted).
    /// A dump may span sections (`.text` into `.text.unlikely`); bytes in none
    /// of the binary's code sections are not compared.
    private func compare(_ bytes: [UInt8], start: UInt64, fault: Int, context: PCContext, into listing: inout CodeListing) {
        let binary = context.binaryBytes(spanning: start, count: bytes.count)
        let compared = binary.compactMap { $0 }.count
        guard compared > 0 else {
            listing.note = context.code.failure ?? "the binary has no code at these addresses"
            return
        }
        let sites = patchedRanges(context: context, start: start, count: bytes.count)
        var excused = 0
        for index in bytes.indices {
            guard let own = binary[index], own != bytes[index] else { continue }
            let address = start &+ UInt64(index)
            if let place = context.filePlace(ofSession: address),
                context.code.isRelocated(section: place.section, offset: place.offset)
            {
                excused += 1
                continue
            }
            if sites.contains(where: { $0.contains(address) }) || isKaslrField(bytes, binary, index, context) {
                excused += 1
                continue
            }
            listing.matchesBinary = false
            listing.mismatchOffset = index - fault
            listing.excusedBytes = excused
            return
        }
        listing.matchesBinary = true
        listing.excusedBytes = excused
        if compared < bytes.count {
            let outside = bytes.count - compared
            listing.note = "\(outside) byte\(outside == 1 ? "" : "s") outside the binary's code sections not compared"
        }
    }

    /// Session address ranges the kernel may rewrite at run time, near `start`.
    private func patchedRanges(context: PCContext, start: UInt64, count: Int) -> [Range<UInt64>] {
        var ranges: [Range<UInt64>] = []
        let code = context.code
        // One disassembler for every site (capstone opened once), when a site is near.
        lazy var disassembler = context.instructionSet.flatMap { Disassembler(instructionSet: $0, littleEndian: code.littleEndian) }
        for (section, sites) in code.patchSites {
            // Back to a session address: a module's sections sit at their layout place.
            let base: UInt64
            if context.binary.isVmlinux {
                base = 0
            } else {
                guard let address = context.binary.layout.sectionAddresses[section] else { continue }
                base = address
            }
            // The sites are sorted by offset (vmlinux has tens of thousands): from the first near `start`.
            var index = sites.partitionPoint { base &+ $0.offset &+ 16 >= start }
            while index < sites.count {
                let site = sites[index]
                index += 1
                let address = base &+ site.offset
                guard address < start &+ UInt64(count) else { break }
                guard address &+ 16 >= start else { continue }
                // At least the site's length, and the whole instruction the binary has there.
                var length = UInt64(site.length)
                if let disassembler, let first = disassembler.disassemble(context.binaryBytes(at: address, count: 16), at: address).first {
                    length = max(length, UInt64(first.bytes.count))
                }
                ranges.append(address..<(address &+ length))
            }
        }
        return ranges
    }

    /// vmlinux: a 4- or 8-byte field around `index` whose value is the binary's plus the KASLR offset.
    private func isKaslrField(_ log: [UInt8], _ binary: [UInt8?], _ index: Int, _ context: PCContext) -> Bool {
        guard context.binary.isVmlinux, let delta = context.runtimeDelta, delta != 0 else { return false }
        for width in [4, 8] {
            for first in max(0, index - width + 1)...index where first + width <= binary.count {
                var logValue: UInt64 = 0
                var binaryValue: UInt64 = 0
                var known = true
                for byte in (0..<width).reversed() {
                    guard let own = binary[first + byte] else {
                        known = false
                        break
                    }
                    logValue = logValue << 8 | UInt64(log[first + byte])
                    binaryValue = binaryValue << 8 | UInt64(own)
                }
                let mask: UInt64 = width == 8 ? ~0 : 0xffff_ffff
                if known, (logValue &- binaryValue) & mask == delta & mask { return true }
            }
        }
        return false
    }

    /// The register dump with the variables each register holds at the PC.
    /// - Parameter faultingBase: the DWARF number of the register the faulting instruction accesses memory through.
    func namedRegisters(_ values: [RegisterValue], faultingBase: Int? = nil) -> [NamedRegister] {
        values.map { value in
            let scoped = value.dwarfNumber.map { context?.variables(inRegister: $0) ?? [] } ?? []
            let pointer = scoped.contains(where: \.isPointer) || (faultingBase != nil && value.dwarfNumber == faultingBase)
            return NamedRegister(
                name: value.name, value: value.value, digits: value.digits, variables: scoped.map(Self.registerVariable),
                hint: RegisterHint.hint(value.value, digits: value.digits, pointer: pointer))
        }
    }

    /// The DWARF number of the register the listing's faulting instruction accesses memory through.
    func faultingBase(of listing: CodeListing?) -> Int? {
        guard let instruction = listing?.instructions.first(where: \.faulting) else { return nil }
        let parts = instruction.text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, fixup.accessesMemory(mnemonic: String(parts[0])),
            let operand = fixup.memoryOperand(in: String(parts[1]))
        else { return nil }
        return fixup.dwarfRegister(named: operand.base)
    }

    /// The faulting instruction's memory access: the base register, its value and what it holds.
    func access(of instruction: ListedInstruction, registers: [RegisterValue]) -> MemoryAccess? {
        let parts = instruction.text.split(separator: " ", maxSplits: 1)
        guard let mnemonic = parts.first, parts.count == 2, fixup.accessesMemory(mnemonic: String(mnemonic)),
            let operand = fixup.memoryOperand(in: String(parts[1])), let number = fixup.dwarfRegister(named: operand.base)
        else { return nil }
        let value = registers.first { $0.dwarfNumber == number }?.value
        let variables = (context?.variables(inRegister: number) ?? []).map { scoped in
            var variable = Self.registerVariable(scoped)
            if !operand.indexed, let layout = scoped.pointee {
                variable.member = layout.member(at: operand.displacement)
                variable.structName = layout.name
            }
            return variable
        }
        return MemoryAccess(register: operand.base, displacement: operand.displacement, value: value, variables: variables)
    }

    private static func registerVariable(_ scoped: ScopedVariable) -> RegisterVariable {
        var partial = false
        if case .register(_, let piece) = scoped.place { partial = piece }
        return RegisterVariable(
            name: scoped.name, kind: scoped.isParameter ? .parameter : .variable, function: scoped.function,
            partial: partial, member: nil, structName: nil)
    }
}

extension Disassembler {
    /// Every instruction has the same size (ARM, arm64, powerpc, MIPS); x86,
    /// Thumb-2 and s390 mix sizes, so a dump's first bytes may be the middle of one.
    var isFixedWidth: Bool { [.arm, .arm64, .powerpc64, .powerpc, .mips64, .mips].contains(instructionSet) }
}

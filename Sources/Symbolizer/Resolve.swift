import ArchFixups

extension Symbolizer {
    /// Symbolizes one frame. Never throws: what cannot be found is recorded
    /// in ``ResolvedFrame/unresolved``. Evidence the frame gives about the
    /// kernel (KASLR offset, kallsyms mode) is added to `context`.
    public func resolve(_ frame: LogFrame, context: inout ReportContext) -> ResolvedFrame {
        var (result, lookup) = prepare(frame, context: &context)
        if let lookup {
            complete(&result, lookup, locations: lookup.binary.dwarf?.locations(at: lookup.address) ?? [])
        }
        return result
    }

    /// Symbolizes frames in order, as ``resolve(_:context:)`` would one by
    /// one, with the DWARF lookups of the batch spread over up to `threads`
    /// threads (one libdwfl session each; see ``threadCount``).
    public func resolve(batch frames: [LogFrame], context: inout ReportContext, threads: Int) -> [ResolvedFrame] {
        let count = frames.count
        let concurrent = threads > 1 && count >= 4096 && canPrepareConcurrently(frames, context: context)
        var results: [ResolvedFrame] = []
        var lookups: [PendingLookup?] = []
        if concurrent {
            // Read-only here (see canPrepareConcurrently): chunks on several
            // threads, each result made in its place (a ResolvedFrame is costly to copy).
            let snapshot = context
            results = Array(unsafeUninitializedCapacity: count) { resultSlots, resultCount in
                lookups = Array(unsafeUninitializedCapacity: count) { lookupSlots, lookupCount in
                    let slots = UncheckedBox((resultSlots.baseAddress!, lookupSlots.baseAddress!))
                    parallelChunks(count, threads: threads) { range in
                        var local = snapshot
                        for index in range {
                            let (result, lookup) = prepare(frames[index], context: &local)
                            (slots.value.0 + index).initialize(to: result)
                            (slots.value.1 + index).initialize(to: lookup)
                        }
                    }
                    lookupCount = count
                }
                resultCount = count
            }
        } else {
            results.reserveCapacity(count)
            lookups.reserveCapacity(count)
            for frame in frames {
                let (result, lookup) = prepare(frame, context: &context)
                results.append(result)
                lookups.append(lookup)
            }
        }
        // Positions by binary; a run of frames of the same binary costs no dictionary access.
        var groups: [(binary: LoadedBinary, positions: [Int])] = []
        var groupOf: [ObjectIdentifier: Int] = [:]
        var lastBinary: ObjectIdentifier?
        var lastGroup = 0
        for (position, lookup) in lookups.enumerated() {
            guard let lookup else { continue }
            let key = ObjectIdentifier(lookup.binary)
            if key != lastBinary {
                lastBinary = key
                if let known = groupOf[key] {
                    lastGroup = known
                } else {
                    lastGroup = groups.count
                    groupOf[key] = lastGroup
                    groups.append((lookup.binary, []))
                }
            }
            groups[lastGroup].positions.append(position)
        }
        // Only a frame with the kernel's own file:line to check (a log's WARN) may
        // change shared state while it is completed; without one, chunks complete at once.
        let completeConcurrently = concurrent && lookups.allSatisfy { $0?.claim == nil }
        for group in groups {
            let addresses = group.positions.map { lookups[$0]!.address }
            let answers =
                group.binary.dwarf?.locations(batch: addresses, threads: threads)
                ?? Array(repeating: [], count: addresses.count)
            if completeConcurrently {
                results.withUnsafeMutableBufferPointer { results in
                    let slots = UncheckedBox(results.baseAddress!)
                    parallelChunks(group.positions.count, threads: threads) { range in
                        for index in range {
                            let position = group.positions[index]
                            complete(&slots.value[position], lookups[position]!, locations: answers[index])
                        }
                    }
                }
            } else {
                for (position, locations) in zip(group.positions, answers) {
                    complete(&results[position], lookups[position]!, locations: locations)
                }
            }
        }
        return results
    }

    /// Whether ``prepare(_:context:)`` of these frames only reads shared
    /// state, so that it may run on several threads: raw addresses (no
    /// printed symbol, so nothing is learned into the context), vmlinux
    /// already loaded with its address index built, no module snapshot that
    /// could make an address load a module, a kallsyms mode that is not
    /// overridden now.
    private func canPrepareConcurrently(_ frames: [LogFrame], context: ReportContext) -> Bool {
        guard options.moduleSections.modules.isEmpty, options.procModules.entries.isEmpty,
            context.kallsymsModeStrength >= .given || options.kallsymsMode == nil,
            frames.allSatisfy({ $0.symbol == nil && $0.address != nil }),
            case .success(let vmlinux) = vmlinux()
        else { return false }
        vmlinux.symbols.warmAddresses()
        return true
    }

    /// The DWARF lookup a frame still needs after ``prepare(_:context:)``.
    struct PendingLookup {
        var binary: LoadedBinary
        /// The address for the line table and scopes, in the binary's session.
        var address: UInt64
        /// The kernel's own file:line for this PC (WARN, BUG), to check.
        var claim: SourceClaim?
        /// The closest symbol before the address when it is not the sized
        /// function that contains it (an assembly label), with the offset
        /// of the instruction from it: the frame's name where DWARF has no function.
        var label: (symbol: IndexedSymbol, offset: UInt64)?
    }

    /// Everything about a frame but its DWARF lookup, which is returned instead.
    private func prepare(_ frame: LogFrame, context: inout ReportContext) -> (ResolvedFrame, PendingLookup?) {
        var result = ResolvedFrame(frame: frame)
        let binary: LoadedBinary
        switch findBinary(for: frame) {
        case .success(let found): binary = found
        case .failure(let reason):
            result.module = frame.symbol?.module.map { ModuleName.canonical($0) }
            result.address = frame.address
            if Self.usePrintedLocation(&result) { return (result, nil) }
            result.unresolved = reason
            // No binary: a /proc/kallsyms copy still names the function.
            if let address = frame.address,
                let known = options.kallsyms.symbol(containing: frame.kind == .pc ? address : address &- 1)
            {
                let offset = frame.kind == .pc ? known.offset : known.offset &+ 1
                result.symbol = ResolvedSymbol(name: known.name, offset: offset, size: known.size)
                result.module = known.module.map { ModuleName.canonical($0) } ?? "vmlinux"
                result.inferred = "function from --kallsyms (no binary)"
            }
            return (result, nil)
        }
        result.module = binary.name
        let fixup = binary.fixup
        if binary.layout.inference != nil { result.inferred = binary.layout.inference }
        if let conflict = binary.layout.conflict { result.noteMismatch(conflict) }
        if let proven = provenMismatch(of: binary.name) { result.noteMismatch(proven) }
        if let logRelease = context.kernelRelease, let built = binary.contents.kernelRelease, built != logRelease {
            result.noteMismatch(
                "binary does not match the crashed kernel: \(binary.name) is for \(built), the log's kernel is \(logRelease)")
        }
        let expectedID =
            binary.isVmlinux
            ? context.vmlinuxBuildID.map { ExpectedBuildID(id: $0, source: "the log's CPU: line") } ?? expectedVmlinuxBuildID
            : options.buildIDs.module(binary.name)
        if let expectedID, !expectedID.matches(binary.contents.buildID) {
            result.noteMismatch(
                "binary does not match the crashed kernel: build id \(binary.contents.buildID ?? "none") in \(binary.path), \(expectedID.source) says \(expectedID.id)")
        }
        // Where WARN calls warn_slowpath_fmt, its WARNING line printed that call's return address.
        var kind = frame.kind
        if frame.isWarnLocation && fixup.warnPrintsReturnAddress {
            kind = .return
            result.frame.kind = .return
            result.frame.note =
                "the WARN's call to warn_slowpath_fmt: a return address (\(fixup.architecture.rawValue)'s WARN calls, it does not trap)"
        }
        if context.kallsymsModeStrength < .given, let forced = options.kallsymsMode {
            context.kallsymsMode = forced
            context.kallsymsModeEvidence = "--kallsyms-mode"
            context.kallsymsModeStrength = .given
        }

        // 1. Where is the frame, in the session's address space?
        var session: UInt64?
        var runtime = frame.address
        if let raw = frame.address {
            if binary.isVmlinux {
                if let kaslr = kaslrOffset(context: context, binary: binary) {
                    session = raw &- kaslr
                }
            } else {
                session = binary.moduleSessionAddress(ofRuntime: raw)
            }
        }
        var printedCandidate: IndexedSymbol?
        if let printed = frame.symbol, printed.offset != nil {
            let candidates = binary.symbols.symbols(named: printed.name)
            printedCandidate = candidates.first { $0.size == printed.size } ?? candidates.first
            if printedCandidate == nil && session == nil {
                result.unresolved = .symbolNotFound(printed.name, binary: binary.name)
                return (result, nil)
            }
        }
        if let printed = frame.symbol, let offset = printed.offset, let candidate = printedCandidate {
            // Only module symbols go through kallsyms_symbol_value(); vmlinux's
            // kallsyms table is built at link time with Thumb bits cleared.
            if !binary.isVmlinux {
                learnKallsymsMode(frame: frame, candidate: candidate, fixup: fixup, session: session, context: &context)
            }
            let mode = binary.isVmlinux ? .fixed : context.kallsymsMode ?? .fixed
            let fromSymbol = candidate.kallsymsAddress(fixup, mode: mode) &+ offset
            if let session, fixup.normalizeCodeAddress(session) != fixup.normalizeCodeAddress(fromSymbol) {
                prove(
                    "binary does not match the crashed kernel: \(printed.name)+0x\(hex(offset)) is at 0x\(hex(fromSymbol)) in \(binary.name), the log says 0x\(hex(session))",
                    binary: binary, frame: &result)
            }
            if session == nil {
                session = fromSymbol
                if binary.isVmlinux, let raw = frame.address {
                    // A raw address and a symbol on the same frame give the KASLR offset.
                    context.kaslrOffset = raw &- fromSymbol
                }
            }
            if let size = printed.size, !sizeMatches(size, candidate: candidate, binary: binary, fixup: fixup, mode: mode) {
                prove(
                    "binary does not match the crashed kernel: \(printed.name) has size 0x\(hex(candidate.size)) in \(binary.name), the kernel printed 0x\(hex(size))",
                    binary: binary, frame: &result)
            }
            if let buildID = printed.buildID, let own = binary.contents.buildID, !own.hasPrefix(buildID.lowercased()) {
                prove(
                    "binary does not match the crashed kernel: build id \(own) in \(binary.path), the log says \(buildID)",
                    binary: binary, frame: &result)
            }
        }
        guard let session else {
            if Self.usePrintedLocation(&result) { return (result, nil) }
            if frame.address != nil && !binary.isVmlinux {
                result.unresolved = .noSectionAddresses(binary.name)
            } else if binary.isVmlinux && frame.address != nil {
                result.unresolved = .kaslrOffsetUnknown
            } else {
                result.unresolved = .nothingToResolve
            }
            return (result, nil)
        }
        if runtime == nil {
            if binary.isVmlinux {
                runtime = kaslrOffset(context: context, binary: binary).map { session &+ $0 }
            } else {
                runtime = binary.moduleRuntimeAddress(ofSession: session)
            }
        }

        // 2. Which instruction to look up.
        let instruction = fixup.normalizeCodeAddress(session)
        var lookup = kind == .pc ? instruction : fixup.callSiteAddress(forReturnAddress: session)
        result.address = runtime
        result.lookupAddress = runtime.map { kind == .pc ? fixup.normalizeCodeAddress($0) : fixup.callSiteAddress(forReturnAddress: $0) }

        // 3. Function and source.
        if kind != .pc, !isPlausibleCallSite(lookup, returnAddress: instruction, in: binary) {
            // A return address at a function's entry whose preceding bytes are
            // no function: a hand-set return address (ret_fast_syscall), not a call.
            lookup = instruction
            result.lookupAddress = runtime.map { fixup.normalizeCodeAddress($0) }
            result.frame.note = "return address at a function entry with no call before it: looked up as is"
        }
        let function = binary.symbols.symbol(containing: lookup)
        if kind != .pc, let printed = printedCandidate, let function, function.start < printed.start,
            lookup < printed.start
        {
            result.callSiteInPreviousFunction = true
        }
        if let function {
            result.symbol = ResolvedSymbol(name: function.name, offset: instruction &- function.start, size: function.size)
        }
        var pending = PendingLookup(binary: binary, address: fixup.debugInfoAddress(lookup, function: function?.raw))
        if let label = binary.symbols.nearestSymbol(atOrBefore: lookup), label.start > (function?.start ?? 0) {
            // An assembly label inside the sized symbol (entry_SYSCALL_64_after_hwframe in
            // entry_SYSCALL_64): what kallsyms names, if DWARF has no function there.
            pending.label = (label, instruction &- label.start)
        }
        if kind == .pc || frame.isWarnLocation, let claim = context.sourceClaim {
            context.sourceClaim = nil
            pending.claim = claim
        }

        // 4. Did the kernel's kallsyms print it right?
        if let printed = frame.symbol, context.kallsymsMode == .raw, !binary.isVmlinux,
            let correct = binary.symbols.symbol(containing: instruction)
        {
            // What a fixed kernel prints: the address as given (Thumb bit and
            // all, for return addresses) minus the function's even start.
            let correctOffset = session &- correct.start
            if correct.name != printed.name || (printed.offset.map { $0 != correctOffset } ?? false) {
                let size = kallsymsSize(of: correct, binary: binary, fixup: fixup, mode: .fixed)
                result.kallsymsCorrection = "\(correct.name)+0x\(hex(correctOffset))/0x\(hex(size))"
            }
        }
        return (result, pending)
    }

    /// A frame that cannot be looked up, but whose function (and maybe
    /// `file:line`) the log printed: those are its location. `false` for
    /// any other frame.
    static func usePrintedLocation(_ result: inout ResolvedFrame) -> Bool {
        let frame = result.frame
        if let printed = frame.printedLocation {
            result.locations = [SourceLocation(function: frame.symbol?.name, file: printed.file, line: printed.line, column: nil)]
            result.frame.note = result.frame.note ?? "file:line as printed in the log"
            return true
        }
        if let symbol = frame.symbol, symbol.offset == nil, frame.address == nil {
            result.locations = [SourceLocation(function: symbol.name, file: nil, line: nil, column: nil)]
            return true
        }
        return false
    }

    /// Fills in a prepared frame's source locations.
    private func complete(_ result: inout ResolvedFrame, _ lookup: PendingLookup, locations found: [SourceLocation]) {
        let binary = lookup.binary
        defer { checkPrintedLocation(&result, binary: binary) }
        if let label = lookup.label, found.last?.function == nil {
            // No DWARF subprogram (assembly): named as kallsyms names it, after the closest symbol.
            result.symbol = ResolvedSymbol(name: label.symbol.name, offset: label.offset, size: label.symbol.size)
        }
        let locations = Self.named(found, symbol: result.symbol)
        result.locations = locations
        if let claim = lookup.claim, !found.isEmpty, let said = claim.contradiction(in: found) {
            // The kernel's own file:line for a WARN/BUG must be the binary's.
            prove(
                "binary does not match the crashed kernel: the kernel printed \(claim.file):\(claim.line), \(binary.name) has \(said) there",
                binary: binary, frame: &result)
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
        let said = result.locations.first.map(\.fileAndLine) ?? "nothing"
        if result.unresolved == nil, !result.locations.isEmpty {
            prove(
                "binary does not match the crashed kernel: the log printed \(printed.file):\(printed.line) for this frame, \(binary.name) has \(said)",
                binary: binary, frame: &result)
        }
        result.unresolved = nil
        result.locations = [
            SourceLocation(function: result.frame.symbol?.name, file: printed.file, line: printed.line, column: nil)
        ]
        result.frame.note = result.frame.note ?? "file:line as printed in the log"
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
        } else if let name = locations[outer].function, isCloneName(symbol.name, of: name) {
            locations[outer].function = symbol.name
        }
        return locations
    }

    /// Whether `symbol` is `function` plus compiler clone suffixes
    /// (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`, `.llvm.123`…).
    static func isCloneName(_ symbol: String, of function: String) -> Bool {
        guard symbol.utf8.count > function.utf8.count, symbol.utf8.starts(with: function.utf8) else { return false }
        let suffix = symbol.utf8.dropFirst(function.utf8.count)
        guard suffix.first == UInt8(ascii: ".") else { return false }
        for part in String(decoding: suffix.dropFirst(), as: UTF8.self).split(separator: ".", omittingEmptySubsequences: false) {
            if cloneSuffixes.contains(part) { continue }
            if !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }) { continue }
            return false
        }
        return true
    }

    /// Records a disagreement between the log and the binary on this frame,
    /// and on every later frame the binary answers: one wrong symbol size,
    /// address or source line proves the whole file is another build.
    private func prove(_ reason: String, binary: LoadedBinary, frame: inout ResolvedFrame) {
        frame.noteMismatch(reason)
        noteProvenMismatch(reason, of: binary.name)
    }

    /// Whether the call-site address of a return address lies in a real
    /// function: true inside the same function, or in a sized function that
    /// ends where the return address is (a call to a `noreturn` function as
    /// the caller's last instruction).
    private func isPlausibleCallSite(_ callSite: UInt64, returnAddress: UInt64, in binary: LoadedBinary) -> Bool {
        guard let caller = binary.symbols.symbol(containing: callSite) else { return false }
        if let own = binary.symbols.symbol(containing: returnAddress), own.start == caller.start { return true }
        return caller.raw.type == .function && caller.size > 0 && callSite < caller.start &+ caller.size
    }

    private func findBinary(for frame: LogFrame) -> Result<LoadedBinary, UnresolvedReason> {
        if let module = frame.symbol?.module {
            guard ModuleName.isValid(module) else { return .failure(.moduleNotFound(module)) }
            return self.module(named: module, buildID: frame.symbol?.buildID)
        }
        if let address = frame.address {
            if let module = moduleContainingRuntime(address) { return .success(module) }
            if frame.symbol == nil, case .success(let vmlinux) = vmlinux() {
                return .success(vmlinux)
            }
        }
        if frame.symbol != nil { return vmlinux() }
        if let address = frame.address { return .failure(.addressOutsideKnownSections(address)) }
        return .failure(.nothingToResolve)
    }

    /// The KASLR offset: given, learned from the log, or 0 where vmlinux's
    /// own addresses are the runtime ones (no KASLR on 32-bit ARM and MIPS).
    private func kaslrOffset(context: ReportContext, binary: LoadedBinary) -> UInt64? {
        if let known = options.kaslrOffset ?? context.kaslrOffset ?? kallsymsKaslrOffset { return known }
        if options.rawAddressesDefaultToLinkTime { return 0 }
        switch binary.fixup.architecture {
        case .arm, .mips, .i386, .powerpc, .riscv32: return 0
        default: return nil
        }
    }

    /// Said once when raw vmlinux addresses were taken as link-time
    /// addresses (``SymbolizerOptions/rawAddressesDefaultToLinkTime``):
    /// `nil` unless one of `frames` was, and nothing gave an offset.
    public func linkTimeAddressNote(for frames: [ResolvedFrame]) -> String? {
        guard options.rawAddressesDefaultToLinkTime, options.kaslrOffset == nil, kallsymsKaslrOffset == nil,
            frames.contains(where: { $0.module == "vmlinux" && $0.frame.address != nil && $0.frame.symbol == nil })
        else { return nil }
        return
            "no KASLR offset given (--kaslr-offset, --kallsyms): vmlinux addresses are taken as link-time addresses"
    }

    /// Whether the printed size is what this binary would make the kernel
    /// print: `st_size`, or (what kallsyms really prints) the distance to the
    /// next symbol.
    private func sizeMatches(
        _ printed: UInt64, candidate: IndexedSymbol, binary: LoadedBinary, fixup: any ArchFixup, mode: KallsymsMode
    ) -> Bool {
        if printed == candidate.size { return true }
        if printed == kallsymsSize(of: candidate, binary: binary, fixup: fixup, mode: mode) { return true }
        // The last function of a module's text: the kernel measures up to the
        // end of the (page-aligned) text region.
        let start = candidate.kallsymsAddress(fixup, mode: mode)
        let end = start &+ printed
        let lastInText = binary.symbols.nextStart(after: candidate.start).map { next in
            binary.section(containingSessionAddress: next).map {
                !$0.isExecutable || fixup.isModuleInitSection($0.name)
            } ?? true
        } ?? true
        return !binary.isVmlinux && lastInText && end & 0xfff == 0 && printed >= candidate.size
            && printed < candidate.size &+ 0x10000
    }

    private func kallsymsSize(of symbol: IndexedSymbol, binary: LoadedBinary, fixup: any ArchFixup, mode: KallsymsMode)
        -> UInt64
    {
        let start = symbol.kallsymsAddress(fixup, mode: mode)
        var next = binary.symbols.nextStart(after: symbol.start) ?? (symbol.start &+ symbol.size)
        if mode == .raw, binary.symbols.hasOddRawValue(at: next) {
            next |= 1
        }
        let sectionEnd: UInt64? = binary.isVmlinux ? nil : binary.section(containingSessionAddress: symbol.start).flatMap {
            section in binary.layout.sectionAddresses[section.index].map { $0 &+ section.size }
        }
        if let sectionEnd, next > sectionEnd { next = sectionEnd }
        return next > start ? next &- start : symbol.size
    }

    /// Learns the kallsyms mode of a Thumb-2 kernel from a frame: a raw address
    /// that only fits one mode's arithmetic, or an odd offset at an exact PC.
    private func learnKallsymsMode(
        frame: LogFrame, candidate: IndexedSymbol, fixup: any ArchFixup, session: UInt64?, context: inout ReportContext
    ) {
        guard context.kallsymsModeStrength < .addressArithmetic, let offset = frame.symbol?.offset else { return }
        let fixed = candidate.kallsymsAddress(fixup, mode: .fixed)
        let raw = candidate.kallsymsAddress(fixup, mode: .raw)
        guard fixed != raw else { return }
        func learn(_ mode: KallsymsMode, _ evidence: String, _ strength: KallsymsEvidence) {
            guard strength > context.kallsymsModeStrength else { return }
            context.kallsymsMode = mode
            context.kallsymsModeEvidence = evidence
            context.kallsymsModeStrength = strength
        }
        if let session {
            if session == fixed &+ offset {
                learn(.fixed, "address and symbol of a frame fit fixed kallsyms", .addressArithmetic)
            } else if session == raw &+ offset {
                learn(.raw, "address and symbol of a frame fit raw (pre-5.0) kallsyms", .addressArithmetic)
            }
            return
        }
        if frame.kind == .pc && frame.fromRegisterDump {
            // A Thumb instruction address is even: with the fix, pc - start is even.
            if offset & 1 == 1 {
                learn(.raw, "odd offset at an exact PC in a Thumb function", .programCounterParity)
            } else {
                learn(.fixed, "even offset at an exact PC in a Thumb function", .programCounterParity)
            }
        }
    }

}

func hex(_ value: UInt64) -> String { String(value, radix: 16) }

/// Two lower-case hex digits.
func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}

/// The parts of compiler clone suffixes (besides numbers): `foo.isra.0`, `foo.cold`.
private let cloneSuffixes: Set<Substring> = ["isra", "constprop", "part", "cold", "llvm", "lto_priv", "localalias"]

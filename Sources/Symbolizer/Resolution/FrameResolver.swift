import ArchFixups

/// The DWARF lookup a frame still needs after ``Symbolizer/prepare(_:facts:)``.
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

extension Symbolizer {
    /// Symbolizes one frame. Never throws: what cannot be found is recorded
    /// in ``ResolvedFrame/unresolved``. What the frame shows about the kernel
    /// (KASLR offset, kallsyms mode) is offered to `facts`.
    public func resolve(_ frame: LogFrame, facts: inout KernelFacts) -> ResolvedFrame {
        var (result, lookup) = prepare(frame, facts: &facts)
        if let lookup {
            complete(&result, lookup, locations: lookup.binary.dwarf?.locations(at: lookup.address) ?? [])
        }
        return result
    }

    /// Everything about a frame but its DWARF lookup, which is returned instead.
    func prepare(_ frame: LogFrame, facts: inout KernelFacts) -> (ResolvedFrame, PendingLookup?) {
        var result = ResolvedFrame(frame: frame)
        let binary: LoadedBinary
        switch findBinary(for: frame) {
        case .success(let found): binary = found
        case .failure(let reason):
            resolveWithoutBinary(&result, reason: reason)
            return (result, nil)
        }
        result.module = binary.name
        checkIdentity(of: binary, frame: &result, facts: facts)
        // Where WARN calls warn_slowpath_fmt, its WARNING line printed that call's return address.
        let fixup = binary.fixup
        let isPC = frame.kind == .pc && !(frame.isWarnLocation && fixup.warnPrintsReturnAddress)
        if frame.isWarnLocation && fixup.warnPrintsReturnAddress {
            result.frame.kind = .return
            result.frame.note = .warnCall(fixup.architecture)
        }

        // 1. Where the frame is, in the binary's address space.
        let kaslr = kaslrOffset(facts: facts, binary: binary)
        var session = frame.address.flatMap { binary.sessionAddress(ofRuntime: $0, kaslrOffset: kaslr) }
        var printedCandidate: IndexedSymbol?
        if let printed = frame.symbol, printed.offset != nil {
            printedCandidate = binary.candidate(for: printed)
            if printedCandidate == nil && session == nil {
                result.unresolved = .symbolNotFound(printed.name, binary: binary.name)
                return (result, nil)
            }
        }
        if let printed = frame.symbol, let candidate = printedCandidate {
            session = readPrinted(printed, candidate: candidate, in: binary, session: session, frame: &result, facts: &facts)
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
        let runtime =
            frame.address ?? binary.runtimeAddress(ofSession: session, kaslrOffset: kaslrOffset(facts: facts, binary: binary))

        // 2. Which instruction to look up (an exact PC printed past its instruction is moved back to it).
        let past = isPC ? frame.pastInstruction : 0
        let instruction = fixup.normalizeCodeAddress(session) &- past
        var lookup = binary.lookupAddress(of: session, isPC: isPC) &- past
        result.address = runtime
        result.sessionInstruction = instruction
        result.lookupAddress = runtime.map { binary.lookupAddress(of: $0, isPC: isPC) &- past }
        if !isPC, !binary.isPlausibleCallSite(lookup, returnAddress: instruction) {
            // A return address at a function's entry whose preceding bytes are
            // no function: a hand-set return address (ret_fast_syscall), not a call.
            lookup = instruction
            result.lookupAddress = runtime.map { fixup.normalizeCodeAddress($0) }
            result.frame.note = .handSetReturnAddress
        }

        // 3. The function, and what the DWARF lookup will need.
        let function = binary.symbols.symbol(containing: lookup)
        if !isPC, let printed = printedCandidate, let function, function.start < printed.start, lookup < printed.start {
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
        pending.claim = frame.claim

        // 4. Did the kernel's kallsyms print it right?
        if let printed = frame.symbol, facts.kallsymsMode?.value == .raw {
            result.kallsymsCorrection = binary.kallsymsCorrection(session: session, printed: printed)
        }
        return (result, pending)
    }

    /// A frame no binary answers: what the log printed (its `file:line`), or
    /// what a `/proc/kallsyms` copy names, and why it is not more.
    private func resolveWithoutBinary(_ result: inout ResolvedFrame, reason: UnresolvedReason) {
        let frame = result.frame
        result.module = frame.symbol?.module.map { ModuleName.canonical($0) }
        result.address = frame.address
        if Self.usePrintedLocation(&result) { return }
        result.unresolved = reason
        if let address = frame.address,
            let known = options.kallsyms.symbol(containing: frame.kind == .pc ? address : address &- 1)
        {
            let offset = frame.kind == .pc ? known.offset : known.offset &+ 1
            result.symbol = ResolvedSymbol(name: known.name, offset: offset, size: known.size)
            result.module = known.module.map { ModuleName.canonical($0) } ?? "vmlinux"
            result.inferred = .functionFromKallsyms
        }
    }

    /// What is already known about the binary that answers the frame: an
    /// inferred layout, snapshots that disagree, a proof found earlier, a
    /// release or build id that is not the crashed kernel's.
    private func checkIdentity(of binary: LoadedBinary, frame result: inout ResolvedFrame, facts: KernelFacts) {
        if let inference = binary.layout.inference { result.inferred = inference }
        if let conflict = binary.layout.conflict { result.noteMismatch(conflict) }
        if let proven = provenMismatch(of: binary.name) { result.noteMismatch(proven) }
        if let logRelease = facts.release?.value, let built = binary.kernelRelease, built != logRelease {
            result.noteMismatch(.release(binary: binary.name, built: built, logRelease: logRelease))
        }
        let expected: ExpectedBuildID?
        if binary.isVmlinux {
            let strongest = [self.facts.vmlinuxBuildID, facts.vmlinuxBuildID].compactMap { $0 }.max { $0.evidence < $1.evidence }
            expected = strongest.map { estimate in
                guard case .snapshot(let source) = estimate.evidence else {
                    return ExpectedBuildID(id: estimate.value, source: "the log's CPU: line")
                }
                return ExpectedBuildID(id: estimate.value, source: source)
            } ?? expectedVmlinuxBuildID
        } else {
            expected = options.buildIDs.module(binary.name)
        }
        if let expected, !expected.matches(binary.contents.buildID) {
            result.noteMismatch(
                .buildID(path: binary.path, own: binary.contents.buildID, expected: expected.id, source: expected.source))
        }
    }

    /// Checks a printed `func+off/size [mod BUILDID]` against the binary,
    /// learns what it shows (kallsyms mode, KASLR offset) and returns where
    /// it puts the frame when no raw address did.
    private func readPrinted(
        _ printed: PrintedSymbol, candidate: IndexedSymbol, in binary: LoadedBinary, session: UInt64?,
        frame result: inout ResolvedFrame, facts: inout KernelFacts
    ) -> UInt64? {
        guard let offset = printed.offset else { return session }
        let fixup = binary.fixup
        if !binary.isVmlinux {
            learnKallsymsMode(frame: result.frame, candidate: candidate, fixup: fixup, session: session, facts: &facts)
        }
        let mode = facts.kallsymsMode?.value ?? .fixed
        let fromSymbol = binary.kallsymsAddress(of: candidate, mode: mode) &+ offset
        if let session, fixup.normalizeCodeAddress(session) != fixup.normalizeCodeAddress(fromSymbol) {
            prove(
                .symbolAddress(
                    binary: binary.name, symbol: printed.name, offset: offset, binaryAddress: fromSymbol, logAddress: session),
                binary: binary, frame: &result)
        }
        var placed = session
        if session == nil {
            placed = fromSymbol
            if binary.isVmlinux, let raw = result.frame.address {
                // A raw address and a symbol on the same frame give the KASLR offset.
                facts.kaslrOffset.offer(raw &- fromSymbol, .frameArithmetic, sameStrengthWins: true)
            }
        }
        let sizeMode: KallsymsMode = binary.isVmlinux ? .fixed : mode
        if let size = printed.size, !binary.printedSizeMatches(size, symbol: candidate, mode: sizeMode) {
            prove(
                .symbolSize(binary: binary.name, symbol: printed.name, binarySize: candidate.size, printedSize: size),
                binary: binary, frame: &result)
        }
        if let buildID = printed.buildID, let own = binary.contents.buildID, !own.hasPrefix(buildID.lowercased()) {
            prove(.printedBuildID(path: binary.path, own: own, printed: buildID), binary: binary, frame: &result)
        }
        return placed
    }

    /// Records a disagreement between the log and the binary on this frame,
    /// and on every later frame the binary answers: one wrong symbol size,
    /// address or source line proves the whole file is another build.
    func prove(_ proof: MismatchProof, binary: LoadedBinary, frame: inout ResolvedFrame) {
        frame.noteMismatch(proof)
        noteProvenMismatch(proof, of: binary.name)
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

    /// The KASLR offset: the strongest estimate (given, learned from the log,
    /// the `--kallsyms` snapshot); else 0 where `addr` takes link-time
    /// addresses, or where the architecture has no KASLR worth assuming.
    func kaslrOffset(facts: KernelFacts, binary: LoadedBinary) -> UInt64? {
        if let known = [self.facts.kaslrOffset, facts.kaslrOffset].compactMap({ $0 }).max(by: { $0.evidence < $1.evidence }) {
            return known.value
        }
        if options.rawAddressesDefaultToLinkTime { return 0 }
        return binary.fixup.kernelUsuallyAtLinkAddress ? 0 : nil
    }
}

extension Symbolizer {
    /// Said once when raw vmlinux addresses were taken as link-time
    /// addresses (``SymbolizerOptions/rawAddressesDefaultToLinkTime``):
    /// `nil` unless one of `frames` was, and nothing gave an offset.
    public func linkTimeAddressNote(for frames: [ResolvedFrame]) -> String? {
        guard options.rawAddressesDefaultToLinkTime, facts.kaslrOffset == nil,
            frames.contains(where: { $0.module == "vmlinux" && $0.frame.address != nil && $0.frame.symbol == nil })
        else { return nil }
        return "no KASLR offset given (--kaslr-offset, --kallsyms): vmlinux addresses are taken as link-time addresses"
    }
}

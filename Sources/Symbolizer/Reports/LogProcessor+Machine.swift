import ArchFixups

/// The machine state of a report: its register dump and code dump read as
/// the lines come, named and disassembled once the PC is resolved.
extension LogProcessor {
    /// The architecture of an open report: its own facts, the log's, the binaries'.
    func architecture(of report: OpenReport) -> Architecture? {
        // The report's own unless the log's is stronger (asked on every line of a report: no arrays).
        let best: Architecture?
        if let own = report.facts.architecture {
            if let log = logFacts.architecture, own.evidence < log.evidence { best = log.value } else { best = own.value }
        } else {
            best = logFacts.architecture?.value
        }
        return best ?? knownArchitecture ?? symbolizer.binaryArchitecture()
    }

    /// Reads a message of the open report; returns what the text output adds to its line.
    func readMachineState(_ message: Substring, report current: inout OpenReport) -> MachineNotes? {
        guard !current.userDump else { return nil }
        let (registers, event) = current.machine.read(message, architecture: architecture(of: current))
        var notes: MachineNotes?
        if !registers.isEmpty, current.machine.contextKnown, let analysis = current.machine.analysis {
            let named = analysis.namedRegisters(registers, faultingBase: analysis.faultingBase(of: current.report.code))
            current.machine.markNamed()
            if named.contains(where: { !$0.variables.isEmpty || $0.hint != nil }) {
                notes = .registers(named, inline: analysis.fixup.registerDumpStyle == .namedPairs)
            }
        }
        if let event, current.report.code == nil {
            let (listing, note) = codeListing(for: event, report: &current)
            current.report.code = listing
            current.report.codeNote = note
            notes = .code(listing, note: note)
        }
        return notes
    }

    /// After a line's frames were resolved: when the register dump's PC is
    /// now known, its context; registers printed before it are named under this line.
    func placeProgramCounter(report current: inout OpenReport) -> MachineNotes? {
        guard !current.machine.contextKnown, !current.userDump, let index = current.dumpFrames[.pc],
            index < current.report.frames.count
        else { return nil }
        current.machine.contextKnown = true
        current.machine.context = symbolizer.pcContext(for: current.report.frames[index])
        current.machine.printedPC = current.report.frames[index].frame.address
        guard !current.machine.unnamed.isEmpty, current.machine.context != nil, let analysis = current.machine.analysis
        else { return nil }
        let named = analysis.namedRegisters(current.machine.unnamed)
        current.machine.markNamed()
        let shown = named.filter { !$0.variables.isEmpty }
        return shown.isEmpty ? nil : .registers(shown, inline: false)
    }

    /// The report's final machine state: a dump still open, the binary's
    /// code when the log printed none, every register named, the faulting access.
    ///
    /// Only where the reports are kept (JSON, markdown): streamed text has printed what it shows already.
    func finishMachineState(_ current: inout OpenReport, into report: inout Report, retained: Bool) {
        guard retained else { return }
        current.machine.finish(architecture: report.architecture)
        if !current.machine.contextKnown, let index = current.dumpFrames[.pc], index < report.frames.count, !current.userDump {
            current.machine.contextKnown = true
            current.machine.context = symbolizer.pcContext(for: report.frames[index])
            current.machine.printedPC = report.frames[index].frame.address
        }
        if report.code == nil, report.codeNote == nil, let event = current.machine.code {
            (report.code, report.codeNote) = codeListing(for: event, report: &current)
        }
        if report.code == nil, let listing = current.machine.analysis?.binaryListing() {
            report.code = listing
        }
        guard let analysis = current.machine.analysis else { return }
        // The access again, now that every register of the dump is known.
        report.registers = analysis.namedRegisters(current.machine.registers, faultingBase: analysis.faultingBase(of: report.code))
        if let index = report.code?.instructions.firstIndex(where: \.faulting), let code = report.code {
            report.code?.instructions[index].access = analysis.access(
                of: code.instructions[index], registers: current.machine.registers)
        }
    }

    /// The listing a code event stands for, or why there is none.
    private func codeListing(for event: CodeDumpEvent, report current: inout OpenReport) -> (CodeListing?, String?) {
        guard let analysis = current.machine.analysis else { return (nil, "the architecture is not known") }
        switch event {
        case .dump(let dump):
            let (listing, note) = analysis.listing(of: dump)
            if listing?.matchesBinary == false, let context = current.machine.context {
                // A proof like the others: this binary is not the build that crashed.
                let proof = MismatchProof.codeBytes(binary: context.binary.path, offset: listing?.mismatchOffset ?? 0)
                symbolizer.noteProvenMismatch(proof, of: context.binary.name)
                if let index = current.dumpFrames[.pc], index < current.report.frames.count {
                    current.report.frames[index].noteMismatch(proof)
                }
            }
            return (withAccess(listing, analysis, current.machine.registers), note)
        case .unavailable(let reason):
            let listing = withAccess(analysis.binaryListing(), analysis, current.machine.registers)
            return (listing, "the log printed no code (\(reason))" + (listing == nil ? "" : "; the binary's bytes are shown"))
        case .malformed(let reason):
            return (nil, "code line not understood: \(reason)")
        }
    }

    /// The listing with its faulting instruction's memory access named.
    private func withAccess(_ listing: CodeListing?, _ analysis: CodeAnalysis, _ registers: [RegisterValue]) -> CodeListing? {
        guard var found = listing, let index = found.instructions.firstIndex(where: \.faulting) else { return listing }
        found.instructions[index].access = analysis.access(of: found.instructions[index], registers: registers)
        return found
    }
}

import ArchFixups

/// A frame of a line to resolve, and what it is to the report.
struct PlannedFrame {
    var frame: LogFrame
    var syntax: FrameSyntax
    var mark: FrameMark?
    /// The position in the report's frames of the frame this one prints again,
    /// and the two as one frame (the name of one, the address of the other).
    var repeats: Int?
    var merged: LogFrame?
    /// The register (`pc`, `lr`) of the register dump this frame is.
    var register: FrameKind?
}

/// The frame-kind rules: which printed frame is an exact PC, a return
/// address or a link register, from its syntax and what came before it in
/// its report (an exception entry, the register dump's PC, a user-mode dump).
extension LogProcessor {
    /// Whether a bracketed address is a hashed pointer: `%p` of a 64-bit
    /// kernel since 4.15 prints a 32-bit hash in 16 digits
    /// (`[<00000000cb88a241>]`), no code address (s390's real kernel
    /// addresses are as short, but below 256 MiB; the caller rules s390 out
    /// where it knows the architecture).
    static func isHashedPointer(_ value: UInt64, printed: String) -> Bool {
        guard value >> 32 == 0, value >= 0x1000_0000 else { return false }
        // On the bytes: asked of every frame. The digits between `[<` and `>` are hex, ASCII.
        let text = printed.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "(") }
        guard text.starts(with: "[<".utf8), let close = text.firstIndex(of: UInt8(ascii: ">")) else { return false }
        return text.distance(from: text.index(text.startIndex, offsetBy: 2), to: close) == 16
    }

    /// The frames of one line, before the report decides their kinds: what
    /// the line says about each, and about the log's architecture.
    func frames(from parsed: [ParsedFrame], line: LogLine) -> [PlannedFrame] {
        var planned: [PlannedFrame] = []
        for item in parsed {
            var address = item.address
            if let value = address, Self.isHashedPointer(value, printed: item.printed), knownArchitecture != .s390x {
                address = nil
            }
            let isRegister = item.syntax == .programCounterRegister || item.syntax == .instructionPointerRegister
                || item.syntax == .linkRegister
            if isRegister, item.symbol == nil, let value = address, let architecture = knownArchitecture,
                architecture.fixups.isUserAddress(value)
            {
                // A user-space PC (the kernel printed no symbol for it): not a kernel frame.
                continue
            }
            if !isRegister, (logFacts.architecture?.evidence ?? .binary) < .logLine {
                let hint: Architecture? =
                    item.syntax == .backtraceWhere || item.syntax == .backtraceFrom
                    ? .arm : LogSyntax.frameHint(printed: item.printed, function: item.symbol?.name)
                if let hint {
                    logFacts.architecture.offer(hint, .frameSyntax, sameStrengthWins: true)
                    open?.facts.architecture.offer(hint, .frameSyntax)
                }
            }
            var frame = LogFrame(
                line: line.number, kind: .return, reliable: !item.unreliable, printed: item.printed, symbol: item.symbol,
                address: address)
            frame.printedLocation = item.location
            frame.fromRegisterDump = item.syntax == .programCounterRegister || item.syntax == .instructionPointerRegister
            planned.append(PlannedFrame(frame: frame, syntax: item.syntax, mark: item.mark))
        }
        return planned
    }

    /// Decides each frame's kind from its syntax and what came before it in the report.
    func classify(_ planned: [PlannedFrame], state: inout OpenReport) -> [PlannedFrame] {
        var result: [PlannedFrame] = []
        for var plan in planned {
            let item = plan.frame
            var kind: FrameKind
            var note: FrameNote?
            switch plan.syntax {
            case .instructionPointerRegister, .programCounterRegister, .linkRegister:
                kind = plan.syntax == .linkRegister ? .lr : .pc
                if kind == .lr { note = .staleLinkRegister }
                if state.userDump { continue }
                if let earlier = state.dumpFrames[kind], earlier < state.report.frames.count {
                    let previous = state.report.frames[earlier].frame
                    if (previous.symbol == nil) != (item.symbol == nil) {
                        // The same register, printed once by name and once by value: one frame.
                        plan.repeats = earlier
                        var merged = item
                        merged.symbol = item.symbol ?? previous.symbol
                        merged.address = item.address ?? previous.address
                        merged.kind = kind
                        merged.note = note
                        merged.fromRegisterDump = previous.fromRegisterDump || item.fromRegisterDump
                        plan.merged = merged
                    }
                }
                plan.register = kind
                if plan.mark == .interrupted { note = .afterExceptionEntry("an interrupt") }
                if kind == .pc && plan.mark != .interrupted { plan.frame.pastInstruction = state.pcPastTrap }
                if kind == .pc {
                    if state.registerPC == nil || state.inTrace {
                        state.registerPC = item.symbol
                        state.registerPCAddress = item.address
                    }
                    state.nextIsExact = false
                }
            case .backtraceWhere:
                state.backtraceLines += 1
                // Only the first line's "where" is a frame of its own; every
                // later one repeats the previous line's "from".
                guard state.backtraceLines == 1 else { continue }
                kind = .pc
                note = .backtraceStart
                if item.address == nil, item.symbol?.offset == nil {
                    if let pc = state.registerPC, pc.name == item.symbol?.name, pc.offset != nil {
                        // Printed without an offset: the register dump's PC, which the unwinder started from.
                        plan.frame.symbol = pc
                        note = .backtraceStartFromRegisterDump
                    } else {
                        note = .backtraceStartWithoutOffset
                    }
                }
            case .backtraceFrom:
                kind = .return
                if let previous = planned.first(where: { $0.syntax == .backtraceWhere })?.frame.symbol?.name,
                    LogSyntax.exceptionEntries.contains(previous)
                {
                    kind = .pc
                    note = .afterExceptionEntry(previous)
                }
            case .traceEntry:
                kind = .return
                if plan.mark == .programCounter {
                    kind = .pc
                    note = .exceptionPC
                } else if plan.mark == .linkRegister {
                    kind = .lr
                    note = .exceptionLinkRegister
                } else if item.printedLocation?.inlined == true {
                    note = .inlinedAsPrinted
                } else if state.nextIsExact && item.reliable {
                    kind = .pc
                    note = .afterExceptionEntry(nil)
                    state.nextIsExact = false
                } else if !state.sawReturnFrame, let pc = state.registerPC, let symbol = item.symbol,
                    pc.name == symbol.name, pc.offset == symbol.offset
                {
                    // arm64/riscv/s390 repeat the exception PC as the first trace entry.
                    kind = .pc
                    note = .repeatsExceptionPC
                    plan.frame.pastInstruction = state.pcPastTrap
                }
                if let name = item.symbol?.name, LogSyntax.exceptionEntries.contains(name), item.reliable {
                    state.nextIsExact = true
                }
            }
            if kind == .return { state.sawReturnFrame = true }
            plan.frame.kind = kind
            plan.frame.note = note
            if kind == .pc, plan.repeats == nil, let claim = state.pendingClaim {
                // The kernel's own file:line of the report's WARN or BUG belongs to its first exact PC.
                plan.frame.claim = claim
                state.pendingClaim = nil
            }
            result.append(plan)
        }
        return result
    }
}

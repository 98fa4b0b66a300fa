import ArchFixups

/// The words of every printer: what resolution found, said for people.
/// Resolution produces typed values (``MismatchProof``, ``Inference``,
/// ``FrameNote``, ``UnresolvedReason``…); only this file makes sentences of them.
enum Wording {
    static let mismatchPrefix = "binary does not match the crashed kernel: "

    /// A frame's mismatch proofs as one text: the first whole, the others'
    /// details after `; `; `nil` when there are none.
    static func mismatch(_ proofs: [MismatchProof]) -> String? {
        guard let first = proofs.first else { return nil }
        var text = (first.isAboutTheBinary ? mismatchPrefix : "") + first.detail
        for proof in proofs.dropFirst() { text += "; " + proof.detail }
        return text
    }

    static func inference(_ inference: Inference) -> String {
        switch inference {
        case .sectionsFromProcModules:
            return "code sections placed from the /proc/modules base as the module loader lays them out"
        case .functionFromKallsyms:
            return "function from --kallsyms (no binary)"
        }
    }

    static func correction(_ correction: KallsymsCorrection) -> String {
        "\(correction.name)+0x\(hex(correction.offset))/0x\(hex(correction.size))"
    }

    static func note(_ note: FrameNote) -> String {
        switch note {
        case .warnTrap: return "where the WARN trapped"
        case .warnCall(let architecture):
            return "the WARN's call to warn_slowpath_fmt: a return address (\(architecture.rawValue)'s WARN calls, it does not trap)"
        case .staleLinkRegister: return "link register: may be stale"
        case .backtraceStart: return "first backtrace entry: the PC where unwinding started"
        case .backtraceStartFromRegisterDump:
            return "first backtrace entry: the register dump's PC (the backtrace printed no offset)"
        case .backtraceStartWithoutOffset:
            return "first backtrace entry: the function where unwinding started (printed without an offset)"
        case .afterExceptionEntry(let entry):
            return entry.map { "interrupted instruction after \($0)" } ?? "interrupted instruction after an exception entry"
        case .exceptionPC: return "(P): the PC of the exception's registers"
        case .exceptionLinkRegister: return "(L): the link register of the exception's registers"
        case .inlinedAsPrinted: return "inlined into the next frame ([inline] as printed)"
        case .repeatsExceptionPC: return "first trace entry repeats the exception PC"
        case .handSetReturnAddress: return "return address at a function entry with no call before it: looked up as is"
        case .printedLocation: return "file:line as printed in the log"
        case .warnByTailCall(let file, let line):
            return "the WARN is at \(file):\(line) (the kernel's own file:line); its call to warn_slowpath_fmt was a tail call, so the return address is in this caller"
        }
    }

    /// Why a report's kallsyms mode is what it is.
    static func kallsymsEvidence(_ estimate: Estimate<KallsymsMode>) -> String {
        switch estimate.evidence {
        case .release(let release): return "release \(release)"
        case .given(let source): return source
        case .frameArithmetic:
            return estimate.value == .raw
                ? "address and symbol of a frame fit raw (pre-5.0) kallsyms" : "address and symbol of a frame fit fixed kallsyms"
        case .programCounterParity(let odd):
            return odd ? "odd offset at an exact PC in a Thumb function" : "even offset at an exact PC in a Thumb function"
        case .snapshot(let source): return source
        case .logLine: return "the log"
        case .binary: return "the binary"
        case .frameSyntax: return "the log's frame syntax"
        }
    }
}

extension MismatchProof {
    /// Whether the proof is about the binary (said after "binary does not match the crashed kernel: ").
    var isAboutTheBinary: Bool {
        if case .snapshotsDisagree = self { return false }
        return true
    }

    /// The proof in words, without the common prefix.
    var detail: String {
        switch self {
        case .snapshotsDisagree(let module, let base, let text):
            return "--proc-modules puts \(module) at 0x\(hex(base)), --module-sections has .text at 0x\(hex(text)): snapshots from different boots?"
        case .sectionTooLarge(let path, let section, let size, let next, let room):
            return "\(path): its \(section) is 0x\(hex(size)) bytes, but the crashed kernel placed \(next) 0x\(hex(room)) bytes after it"
        case .kallsymsAddress(let path, let symbol, let binaryAddress, let kallsymsAddress):
            return "\(path): \(symbol) is at 0x\(hex(binaryAddress)) in it, the crashed kernel's kallsyms says 0x\(hex(kallsymsAddress))"
        case .release(let binary, let built, let logRelease):
            return "\(binary) is for \(built), the log's kernel is \(logRelease)"
        case .buildID(let path, let own, let expected, let source):
            return "build id \(own ?? "none") in \(path), \(source) says \(expected)"
        case .printedBuildID(let path, let own, let printed):
            return "build id \(own) in \(path), the log says \(printed)"
        case .symbolAddress(let binary, let symbol, let offset, let binaryAddress, let logAddress):
            return "\(symbol)+0x\(hex(offset)) is at 0x\(hex(binaryAddress)) in \(binary), the log says 0x\(hex(logAddress))"
        case .symbolSize(let binary, let symbol, let binarySize, let printedSize):
            return "\(symbol) has size 0x\(hex(binarySize)) in \(binary), the kernel printed 0x\(hex(printedSize))"
        case .sourceLine(let binary, let file, let line, let location):
            return "the kernel printed \(file):\(line), \(binary) has \(location?.fileAndLine ?? "nothing") there"
        case .printedLocation(let binary, let file, let line, let location):
            return "the log printed \(file):\(line) for this frame, \(binary) has \(location?.fileAndLine ?? "nothing")"
        case .codeBytes(let binary, let offset):
            return "the Code: bytes differ from \(binary)'s at PC\(offset < 0 ? "-" : "+")\(abs(offset))"
        }
    }
}

extension UnresolvedReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .moduleNotFound(let module):
            return "module \(module) not found (give its directory with --modules)"
        case .moduleUnreadable(let module, let reason):
            return "module \(module) unreadable: \(reason)"
        case .noVmlinux(let reason):
            return reason.map { "vmlinux unreadable: \($0)" } ?? "no vmlinux (give it with --vmlinux)"
        case .symbolNotFound(let symbol, let binary):
            return "symbol \(symbol) not in \(binary): binary does not match the crashed kernel"
        case .addressOutsideKnownSections(let address):
            return "address 0x\(String(address, radix: 16)) is outside every known module section and vmlinux"
        case .kaslrOffsetUnknown:
            return "KASLR offset unknown (give --kaslr-offset, or a log with a 'Kernel Offset:' line)"
        case .noSectionAddresses(let module):
            return "no section addresses for \(module) (give --module-sections)"
        case .noDebugInfo(let binary):
            return "no debug info in \(binary)"
        case .noLineInfo:
            return "no line information for this address"
        case .nothingToResolve:
            return "nothing to resolve"
        }
    }
}

extension ResolvedFrame {
    /// ``mismatches`` in words (JSON `mismatch`, text `[…]`).
    public var mismatch: String? { Wording.mismatch(mismatches) }
}

import ArchFixups

extension Symbolizer {
    /// Learns the kallsyms mode of a Thumb-2 kernel from a module frame: a
    /// raw address that only fits one mode's arithmetic, or an odd (raw) or
    /// even (fixed) offset at an exact PC. Offered to `facts` (the stronger
    /// evidence wins).
    func learnKallsymsMode(
        frame: LogFrame, candidate: IndexedSymbol, fixup: any ArchFixup, session: UInt64?, facts: inout KernelFacts
    ) {
        guard (facts.kallsymsMode?.evidence ?? .release("")) < .frameArithmetic, let offset = frame.symbol?.offset else {
            return
        }
        let fixed = candidate.kallsymsAddress(fixup, mode: .fixed)
        let raw = candidate.kallsymsAddress(fixup, mode: .raw)
        guard fixed != raw else { return }
        if let session {
            if session == fixed &+ offset {
                facts.kallsymsMode.offer(.fixed, .frameArithmetic)
            } else if session == raw &+ offset {
                facts.kallsymsMode.offer(.raw, .frameArithmetic)
            }
            return
        }
        if frame.kind == .pc && frame.fromRegisterDump {
            // A Thumb instruction address is even: with the fix, pc - start is even.
            let odd = offset & 1 == 1
            facts.kallsymsMode.offer(odd ? .raw : .fixed, .programCounterParity(odd: odd))
        }
    }
}

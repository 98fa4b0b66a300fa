import ArchFixups

/// Where a fact about the crashed kernel comes from. Cases are ordered by
/// strength: stronger evidence replaces weaker (``Estimate/offer(_:_:)``).
public enum Evidence: Sendable, Equatable, Comparable {
    /// Guessed from the kernel release (`< 5.0`: a Thumb-2 kernel without the kallsyms fix).
    case release(String)
    /// The ELF header of a binary that answers the log's frames.
    case binary
    /// The syntax of the log's stack frames (`[<…>] (f) from [<…>]` is 32-bit ARM).
    case frameSyntax
    /// A snapshot of the crashed machine (`--kallsyms`, notes, live `/proc`, `/sys`).
    case snapshot(String)
    /// A line of the log that states it (`CPU: … RELEASE`, `Kernel Offset:`, a register dump).
    case logLine
    /// An exact PC printed with an odd (raw) or even (fixed) offset in a Thumb function.
    case programCounterParity(odd: Bool)
    /// A frame printed with both a raw address and `func+off` whose arithmetic fits only this value.
    case frameArithmetic
    /// An option, or the caller (`ksymbolize addr`'s default mode).
    case given(String)

    /// The strength of the evidence: 0 (weakest) to 7.
    public var strength: Int {
        switch self {
        case .release: return 0
        case .binary: return 1
        case .frameSyntax: return 2
        case .snapshot: return 3
        case .logLine: return 4
        case .programCounterParity: return 5
        case .frameArithmetic: return 6
        case .given: return 7
        }
    }

    public static func < (lhs: Evidence, rhs: Evidence) -> Bool { lhs.strength < rhs.strength }
}

/// A value believed about the crashed kernel, with why.
public struct Estimate<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    public var evidence: Evidence

    public init(_ value: Value, _ evidence: Evidence) {
        self.value = value
        self.evidence = evidence
    }
}

extension Optional {
    /// The one rule for every fact: an estimate replaces the known one only
    /// when its evidence is stronger; evidence of the same strength replaces
    /// it when `sameStrengthWins` (a later line of the same kind, such as a
    /// second `CPU:` line, is the newer statement).
    public mutating func offer<Value>(_ value: Value, _ evidence: Evidence, sameStrengthWins: Bool = false)
    where Wrapped == Estimate<Value> {
        if let current = self {
            guard evidence.strength > current.evidence.strength
                || (sameStrengthWins && evidence.strength == current.evidence.strength)
            else { return }
        }
        self = Estimate(value, evidence)
    }
}

/// What ksymbolize knows about the crashed kernel: each fact once, as an
/// estimate with its evidence. Options and snapshots put in the strongest
/// facts; the log's lines and frames add theirs as they are read.
public struct KernelFacts: Sendable, Equatable {
    /// The kernel release (`6.1.0-50-amd64`).
    public var release: Estimate<String>?
    /// Runtime minus link-time address of vmlinux.
    public var kaslrOffset: Estimate<UInt64>?
    /// How a Thumb-2 kernel's kallsyms printed module symbols.
    public var kallsymsMode: Estimate<KallsymsMode>?
    /// vmlinux's GNU build id.
    public var vmlinuxBuildID: Estimate<String>?
    /// The architecture that printed the log.
    public var architecture: Estimate<Architecture>?

    public init() {}

    /// `other`'s facts offered to these, fact by fact.
    public func merged(with other: KernelFacts) -> KernelFacts {
        var result = self
        if let fact = other.release { result.release.offer(fact.value, fact.evidence) }
        if let fact = other.kaslrOffset { result.kaslrOffset.offer(fact.value, fact.evidence) }
        if let fact = other.kallsymsMode { result.kallsymsMode.offer(fact.value, fact.evidence) }
        if let fact = other.vmlinuxBuildID { result.vmlinuxBuildID.offer(fact.value, fact.evidence) }
        if let fact = other.architecture { result.architecture.offer(fact.value, fact.evidence) }
        return result
    }

    /// A release line of the log: the release, and the kallsyms mode it suggests.
    public mutating func noteRelease(_ release: String) {
        self.release.offer(release, .logLine, sameStrengthWins: true)
        if let named = Architecture(kernelRelease: release) { architecture.offer(named, .release(release)) }
        if let mode = KallsymsMode.likely(forRelease: release) {
            kallsymsMode.offer(mode, .release(release), sameStrengthWins: true)
        }
    }
}

import ArchFixups

/// One symbolization run against one kernel build: the options, the facts
/// known before any log line (``facts``), the binaries (a ``BinaryStore``),
/// and the proofs that a binary is another build. Frames are resolved by
/// ``resolve(_:facts:)`` and ``resolve(batch:facts:threads:)``.
///
/// Live mode: on the crashed machine itself, during the same boot, the
/// running kernel's `/proc` and `/sys` stand in for the snapshots (see
/// ``LiveMode``). Not `Sendable`: use it from one task.
public final class Symbolizer {
    /// What was given, plus what live mode read.
    public private(set) var options: SymbolizerOptions
    let store: BinaryStore
    /// Whether live mode's data is in ``options``.
    public private(set) var isLive = false
    private var diagnostics: [String] = []
    /// Per binary: the first proof that it is not the crashed kernel's build.
    private var provenMismatches: [String: MismatchProof] = [:]
    /// vmlinux's build id as the log printed it first (`CPU:` line), for choosing the file.
    private var logVmlinuxBuildID: String?

    /// - Parameter cache: binaries shared with other runs (a service); they
    ///   go back to it when this symbolizer is released.
    public init(options: SymbolizerOptions, systemRoot: String = "", cache: BinaryCache? = nil) {
        self.options = options
        store = BinaryStore(options: options, systemRoot: systemRoot, cache: cache)
        if options.live == .on { applyLive() }
        if let release = options.kernelRelease { noteKernelRelease(release) }
        refreshFacts()
    }

    /// The facts the run knows apart from any log: given by options and
    /// snapshots (`--kaslr-offset`, `--kallsyms-mode`, `--arch`, notes), and
    /// the KASLR offset `--kallsyms` gives once vmlinux is read.
    public private(set) var facts = KernelFacts()

    /// ``facts`` made again from the options and what the binaries showed.
    private func refreshFacts() {
        var facts = KernelFacts()
        if let offset = options.kaslrOffset {
            facts.kaslrOffset = Estimate(offset, .given("--kaslr-offset"))
        } else if let offset = store.kallsymsKaslrOffset {
            facts.kaslrOffset = Estimate(offset, .snapshot("--kallsyms"))
        }
        if let mode = options.kallsymsMode { facts.kallsymsMode = Estimate(mode, .given("--kallsyms-mode")) }
        if let architecture = options.architecture { facts.architecture = Estimate(architecture, .given("--arch")) }
        if let id = options.buildIDs.vmlinux { facts.vmlinuxBuildID = Estimate(id.id, .snapshot(id.source)) }
        self.facts = facts
    }

    /// Messages for the user that belong to no frame (live mode, debuginfod),
    /// each once; the caller prints them.
    public func takeDiagnostics() -> [String] {
        // Asked after every line, where there is seldom any.
        guard !diagnostics.isEmpty else { return [] }
        defer { diagnostics.removeAll() }
        return diagnostics
    }

    /// Tells the symbolizer the crashed kernel's release, from the log. The
    /// first release seen (or `-r`) chooses the default places, when no
    /// `--modules`/`--vmlinux` was given, and turns live mode on when it is
    /// the running kernel's (see ``LiveMode``).
    public func noteKernelRelease(_ release: String) {
        guard store.defaultsRelease == nil, ModuleName.isValidRelease(release) else { return }
        let running = options.live == .off ? nil : LiveSystem(root: store.systemRoot).release
        if options.live == .auto, !isLive, options.moduleSections.modules.isEmpty, options.procModules.entries.isEmpty,
            options.kallsyms.textStart == nil, running == release
        {
            applyLive()
        }
        if options.live == .on, let running, running != release {
            diagnostics.append(
                "live mode: the log's kernel is \(release) but this machine runs \(running): its /proc and /sys describe another kernel")
        }
        store.useDefaultPlaces(for: release)
    }

    /// Tells the symbolizer vmlinux's build id as the log printed it.
    public func noteVmlinuxBuildID(_ id: String) {
        if logVmlinuxBuildID == nil { logVmlinuxBuildID = id.lowercased() }
    }

    /// Reads the running kernel's /proc and /sys into the options, where no
    /// snapshot was given.
    private func applyLive() {
        isLive = true
        let (live, problems) = LiveSystem(root: store.systemRoot).read()
        diagnostics += problems.map { "live mode: \($0)" }
        if options.procModules.entries.isEmpty { options.procModules = live.procModules }
        if options.moduleSections.modules.isEmpty { options.moduleSections = live.moduleSections }
        if options.kallsyms.textStart == nil { options.kallsyms = live.kallsyms }
        if options.buildIDs.vmlinux == nil { options.buildIDs.vmlinux = live.buildIDs.vmlinux }
        for (name, id) in live.buildIDs.modules where options.buildIDs.module(name) == nil {
            options.buildIDs.setModule(name, id)
        }
        store.replaceOptions(options)
        refreshFacts()
    }

    func provenMismatch(of binary: String) -> MismatchProof? { provenMismatches[binary] }

    func noteProvenMismatch(_ proof: MismatchProof, of binary: String) {
        if provenMismatches[binary] == nil { provenMismatches[binary] = proof }
    }

    /// The build id the crashed kernel says vmlinux has, if known: from the
    /// notes (or live mode), else from the log.
    var expectedVmlinuxBuildID: ExpectedBuildID? {
        options.buildIDs.vmlinux ?? logVmlinuxBuildID.map { ExpectedBuildID(id: $0, source: "the log's CPU: line") }
    }

    /// The architecture of a binary already loaded for some frame, if any.
    /// Loads nothing: a report's architecture is not worth reading a binary
    /// the log does not need.
    public func binaryArchitecture() -> Architecture? { store.loadedArchitecture() }

    /// Starts loading vmlinux and the modules a log names in the background
    /// (see ``BinaryStore/preload(modules:frames:kernelFrames:)``).
    public func preload(
        modules: [String] = [], frames: [String: [FramePreview.Frame]] = [:], kernelFrames: [FramePreview.Frame] = []
    ) {
        store.preload(modules: modules, frames: frames, kernelFrames: kernelFrames)
    }

    func vmlinux() -> Result<LoadedBinary, UnresolvedReason> {
        let known = store.kallsymsKaslrOffset
        let result = store.vmlinux(expected: expectedVmlinuxBuildID)
        if store.kallsymsKaslrOffset != known { refreshFacts() }
        return result
    }

    /// The module's binary, loaded on first use. `buildID` is the one a
    /// frame printed, used when no notes snapshot gives the module's.
    func module(named rawName: String, buildID: String? = nil) -> Result<LoadedBinary, UnresolvedReason> {
        let name = ModuleName.canonical(rawName)
        if let cached = store.cachedModule(name) { return cached }
        let expected = options.buildIDs.module(name) ?? buildID.map { ExpectedBuildID(id: $0, source: "the log") }
        let loaded = store.loadModule(named: name, expected: expected)
        if case .success(let binary) = loaded { checkLayout(of: binary) }
        store.remember(loaded, for: name)
        return loaded
    }

    /// Proofs from the snapshots that a module file is another build; every
    /// frame it answers then says so.
    private func checkLayout(of binary: LoadedBinary) {
        // A cached copy was loaded for these section addresses (its cache key): what was
        // proved of it holds while kallsyms lists the module's code symbols as it did.
        let listed = options.kallsyms.codeSymbols(of: binary.name)
        let proofs: LoadedBinary.LayoutProofs
        if let known = binary.layoutProofs, known.listed.elementsEqual(listed, by: { $0 == $1 }) {
            proofs = known
        } else {
            let layout = binary.layout
            var overlap: MismatchProof?
            if layout.inference == nil, let known = options.moduleSections.sections(of: binary.name) {
                overlap = LayoutEvidence.overlap(path: binary.path, known: known, contents: binary.contents, fixup: binary.fixup)
            }
            let disagreement = LayoutEvidence.kallsymsDisagreement(
                path: binary.path, listed: listed, symbols: binary.symbols, fixup: binary.fixup,
                isRuntime: { layout.isRuntime(section: $0.raw.sectionIndex) })
            proofs = LoadedBinary.LayoutProofs(listed: listed, overlap: overlap, disagreement: disagreement)
            binary.layoutProofs = proofs
        }
        if let overlap = proofs.overlap { noteProvenMismatch(overlap, of: binary.name) }
        if let disagreement = proofs.disagreement { noteProvenMismatch(disagreement, of: binary.name) }
    }

    /// The module whose known sections hold a runtime address.
    func moduleContainingRuntime(_ address: UInt64) -> LoadedBinary? {
        for name in store.modulesNear(runtime: address) {
            if case .success(let binary) = module(named: name), binary.moduleSessionAddress(ofRuntime: address) != nil {
                return binary
            }
        }
        return nil
    }
}

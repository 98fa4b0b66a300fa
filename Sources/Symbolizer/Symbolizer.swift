import ArchFixups

/// Resolves frames against vmlinux and module binaries.
///
/// Module cache policy: each binary is loaded once, on first use, into one
/// libdwfl session for the whole run (one kernel build); a failure to find
/// or read it is cached as well, so it is reported once per frame but tried
/// once. Not `Sendable`: use it from one task.
///
/// Default places, when the kernel release is known (`-r`, or the log's
/// `CPU: … Comm: … RELEASE #…` / `Linux version RELEASE` line) and no path was
/// given: modules under `/usr/lib/debug/lib/modules/RELEASE` then
/// `/lib/modules/RELEASE`; vmlinux at `/usr/lib/debug/boot/vmlinux-RELEASE`,
/// `/boot/vmlinux-RELEASE`, `/lib/modules/RELEASE/build/vmlinux`.
public final class Symbolizer {
    /// What was given, plus what live mode read.
    public private(set) var options: SymbolizerOptions
    private var finder: ModuleFinder
    /// The release the default places were chosen for.
    private var defaultsRelease: String?
    /// Root of the default places (`/`); tests point it elsewhere.
    let systemRoot: String
    private var session: DwflSession?
    private var binaries: [String: Result<LoadedBinary, UnresolvedReason>] = [:]
    private var vmlinuxResult: Result<LoadedBinary, UnresolvedReason>?
    private var nextSyntheticSlot: UInt64 = 0
    /// The KASLR offset computed from `--kallsyms` and vmlinux's own `_text`.
    private(set) var kallsymsKaslrOffset: UInt64?
    /// Roots of `.build-id` trees: `--debug-dir`, then `/usr/lib/debug`.
    private var debugRoots: [String] { options.debugDirectories + [systemRoot + "/usr/lib/debug"] }
    /// Finds binaries by build id (build-id trees, debuginfod).
    private lazy var locator = BuildIDLocator(
        roots: debugRoots, debuginfodURLs: options.debuginfodURLs, debuginfodEnabled: options.useDebuginfod)
    /// vmlinux's build id from the log (`CPU:` line), when no notes gave it.
    private var logVmlinuxBuildID: String?
    /// Whether live mode's data is in `options`.
    public private(set) var isLive = false
    private var diagnostics: [String] = []
    /// Per binary: the first proof that it is not the crashed kernel's build.
    private var provenMismatches: [String: String] = [:]
    /// Bumped when live mode changes the options: background loads started
    /// before are not used.
    private var optionsGeneration = 0
    private var preloadGenerations: [String: Int] = [:]

    public init(options: SymbolizerOptions, systemRoot: String = "") {
        self.options = options
        self.systemRoot = systemRoot
        self.finder = ModuleFinder(paths: options.modulePaths)
        if options.live == .on { applyLive() }
        if let release = options.kernelRelease { noteKernelRelease(release) }
    }

    /// Messages for the user that belong to no frame (live mode, debuginfod),
    /// each once; the caller prints them.
    public func takeDiagnostics() -> [String] {
        defer { diagnostics.removeAll() }
        return diagnostics
    }

    /// Tells the symbolizer the crashed kernel's release, from the log. The
    /// first release seen (or `-r`) chooses the default places, when no
    /// `--modules`/`--vmlinux` was given, and turns live mode on when it is
    /// the running kernel's (see ``LiveMode``).
    public func noteKernelRelease(_ release: String) {
        guard defaultsRelease == nil, ModuleName.isValidRelease(release) else { return }
        defaultsRelease = release
        let running = options.live == .off ? nil : LiveSystem(root: systemRoot).release
        if options.live == .auto, !isLive, options.moduleSections.modules.isEmpty, options.procModules.entries.isEmpty,
            options.kallsyms.textStart == nil, running == release
        {
            applyLive()
        }
        if options.live == .on, let running, running != release {
            diagnostics.append(
                "live mode: the log's kernel is \(release) but this machine runs \(running): its /proc and /sys describe another kernel")
        }
        if options.modulePaths.isEmpty {
            finder = ModuleFinder(paths: Self.defaultModuleDirectories(release).map { systemRoot + $0 })
            binaries = binaries.filter { if case .failure(.moduleNotFound) = $0.value { return false } else { return true } }
        }
        if options.vmlinuxPath == nil, case .failure(.noVmlinux(nil)) = vmlinuxResult { vmlinuxResult = nil }
    }

    /// Tells the symbolizer vmlinux's build id as the log printed it.
    public func noteVmlinuxBuildID(_ id: String) {
        if logVmlinuxBuildID == nil { logVmlinuxBuildID = id.lowercased() }
    }

    /// Reads the running kernel's /proc and /sys into the options, where no
    /// snapshot was given.
    private func applyLive() {
        isLive = true
        optionsGeneration += 1
        let (live, problems) = LiveSystem(root: systemRoot).read()
        diagnostics += problems.map { "live mode: \($0)" }
        if options.procModules.entries.isEmpty { options.procModules = live.procModules }
        if options.moduleSections.modules.isEmpty { options.moduleSections = live.moduleSections }
        if options.kallsyms.textStart == nil { options.kallsyms = live.kallsyms }
        if options.buildIDs.vmlinux == nil { options.buildIDs.vmlinux = live.buildIDs.vmlinux }
        for (name, id) in live.buildIDs.modules where options.buildIDs.module(name) == nil {
            options.buildIDs.setModule(name, id)
        }
        binaries = binaries.filter { if case .failure = $0.value { return false } else { return true } }
    }

    func provenMismatch(of binary: String) -> String? { provenMismatches[binary] }

    func noteProvenMismatch(_ reason: String, of binary: String) {
        if provenMismatches[binary] == nil { provenMismatches[binary] = reason }
    }

    /// The build id the crashed kernel says vmlinux has, if known.
    var expectedVmlinuxBuildID: ExpectedBuildID? {
        options.buildIDs.vmlinux ?? logVmlinuxBuildID.map { ExpectedBuildID(id: $0, source: "the log's CPU: line") }
    }

    static func defaultModuleDirectories(_ release: String) -> [String] {
        ["/usr/lib/debug/lib/modules/\(release)", "/lib/modules/\(release)"]
    }

    static func defaultVmlinuxPaths(_ release: String) -> [String] {
        ["/usr/lib/debug/boot/vmlinux-\(release)", "/boot/vmlinux-\(release)", "/lib/modules/\(release)/build/vmlinux"]
    }

    /// The architecture of a binary already loaded for some frame, if any.
    /// Loads nothing: a report's architecture is not worth reading a binary
    /// the log does not need.
    public func binaryArchitecture() -> Architecture? {
        if case .success(let vmlinux) = vmlinuxResult { return vmlinux.contents.architecture }
        for name in binaries.keys.sorted() {
            if case .success(let binary) = binaries[name] { return binary.contents.architecture }
        }
        return nil
    }

    // MARK: Loading

    private func dwflSession() throws(SymbolizerError) -> DwflSession {
        if let session { return session }
        let created = try DwflSession(debugDirectories: debugRoots)
        session = created
        return created
    }

    /// Binaries being loaded in the background (``preload(modules:)``), by name.
    private var preloads: [String: PreloadedBinary] = [:]

    /// Starts loading vmlinux (when its path was given) and these modules in
    /// the background, each in a libdwfl session of its own, while the caller
    /// reads its input: a frame that needs one of them waits only for what is
    /// left of its load. Loads the same files, with the same results and
    /// errors, as loading on first use; only earlier, and in parallel. Each
    /// loaded binary is handed over whole to the caller's thread.
    ///
    /// - Parameters:
    ///   - frames: module frames expected in the input, by module, and
    ///   - kernelFrames: vmlinux frames expected in the input: the
    ///     compilation units they fall in are read in the background too.
    public func preload(
        modules: [String] = [], frames: [String: [FramePreview.Frame]] = [:], kernelFrames: [FramePreview.Frame] = []
    ) {
        if let path = options.vmlinuxPath, vmlinuxResult == nil, preloads["vmlinux"] == nil {
            let options = self.options
            let expected = kernelFrames
            let debugDirectories = debugRoots
            preloads["vmlinux"] = PreloadedBinary { letOthersStart in
                let (result, kaslr) = Self.loadVmlinux(path: path, options: options) { () throws(SymbolizerError) in
                    try DwflSession(debugDirectories: debugDirectories)
                }
                if case .success(let binary) = result {
                    binary.warmInParallel()
                    // The modules load on the other core while this one reads the frames' units.
                    letOthersStart()
                    binary.warmLocations(of: expected)
                }
                return (result, kaslr)
            }
        }
        guard !options.modulePaths.isEmpty else { return }
        // Modules load after vmlinux (the first frames usually need it), in
        // the order the log names them, in one lane per CPU but one (the
        // other reads vmlinux's frames meanwhile): busy CPUs, none waiting.
        let lanes = max(1, onlineProcessorCount() - 1)
        var lastInLane = Array(repeating: preloads["vmlinux"], count: lanes)
        var scheduled = 0
        for rawName in modules {
            let name = ModuleName.canonical(rawName)
            guard ModuleName.isValid(name), binaries[name] == nil, preloads[name] == nil else { continue }
            let candidates = finder.files(for: name)
            guard !candidates.isEmpty else { continue }
            let options = self.options
            let slot = nextSyntheticSlot
            nextSyntheticSlot += 1
            preloadGenerations[name] = optionsGeneration
            let debugDirectories = debugRoots
            let expected = frames[rawName] ?? []
            let lane = scheduled % lanes
            scheduled += 1
            let preload = PreloadedBinary(after: lastInLane[lane]) { _ in
                let session: DwflSession
                do throws(SymbolizerError) {
                    session = try DwflSession(debugDirectories: debugDirectories)
                } catch {
                    return (.failure(.moduleUnreadable(name, error.description)), nil)
                }
                let result: Result<LoadedBinary, UnresolvedReason>
                switch Self.firstModuleFile(name: name, candidates: candidates) {
                case .success(let (path, contents)):
                    result = Self.loadModule(
                        name: name, path: path, contents: contents, options: options, session: session,
                        syntheticBase: { Self.syntheticBase(is64Bit: $0, slot: slot) })
                case .failure(let reason):
                    result = .failure(reason)
                }
                if case .success(let binary) = result {
                    binary.warm()
                    binary.warmLocations(of: expected)
                }
                return (result, nil)
            }
            preloads[name] = preload
            lastInLane[lane] = preload
        }
    }

    func vmlinux() -> Result<LoadedBinary, UnresolvedReason> {
        if let vmlinuxResult { return vmlinuxResult }
        if let preloaded = preloads.removeValue(forKey: "vmlinux") {
            let (result, kaslr) = preloaded.wait()
            if let kaslr { kallsymsKaslrOffset = kaslr }
            vmlinuxResult = result
            return result
        }
        let result: Result<LoadedBinary, UnresolvedReason>
        let expected = expectedVmlinuxBuildID
        let defaults = defaultsRelease.map { Self.defaultVmlinuxPaths($0).map { systemRoot + $0 }.filter(isReadableFile) } ?? []
        if let path = options.vmlinuxPath {
            result = loadVmlinux(path: path)
        } else if let expected, let path = defaults.first(where: { expected.matches(ElfReader.buildID(path: $0)) }) {
            result = loadVmlinux(path: path)
        } else if let expected, case .success(let path) = locator.locate(buildID: expected.id) {
            result = loadVmlinux(path: path)
        } else if let path = defaults.first {
            result = loadVmlinux(path: path)
        } else if let expected, case .failure(let why) = locator.locate(buildID: expected.id) {
            result = .failure(.noVmlinux("none given, and \(why.description)"))
        } else {
            result = .failure(.noVmlinux(nil))
        }
        vmlinuxResult = result
        return result
    }

    private func loadVmlinux(path: String) -> Result<LoadedBinary, UnresolvedReason> {
        let (loaded, kaslr) = Self.loadVmlinux(path: path, options: options, session: dwflSession)
        if let kaslr { kallsymsKaslrOffset = kaslr }
        return loaded
    }

    /// vmlinux at `path`: the image read ahead by ``EarlyVmlinux`` when
    /// there is one, else read now into `session()`.
    private static func loadVmlinux(
        path: String, options: SymbolizerOptions, session: () throws(SymbolizerError) -> DwflSession
    ) -> (Result<LoadedBinary, UnresolvedReason>, kallsymsKaslrOffset: UInt64?) {
        let read: Result<VmlinuxImage, UnresolvedReason>
        if let early = EarlyVmlinux.take(path: path, architecture: options.architecture) {
            read = .success(early)
        } else {
            do throws(SymbolizerError) {
                read = VmlinuxImage.read(path: path, architecture: options.architecture, session: try session())
            } catch {
                read = .failure(.noVmlinux(error.description))
            }
        }
        switch read {
        case .failure(let reason):
            return (.failure(reason), nil)
        case .success(let image):
            var kaslr: UInt64?
            let contents = image.contents
            if let start = options.kallsyms.textStart,
                let link = contents.symbolTable.firstIndex(named: start.name, where: { !$0.isUndefined })
            {
                kaslr = start.address &- contents.symbolTable.unnamedSymbol(at: link).value
            }
            return (
                .success(
                    LoadedBinary(
                        name: "vmlinux", path: path, contents: contents, layout: ModuleLayout(), symbols: image.symbols,
                        dwarf: image.dwarf, fixup: image.fixup)), kaslr
            )
        }
    }

    /// The module's binary, loaded on first use. `buildID` is the one a
    /// frame printed, used when no notes snapshot gives the module's.
    func module(named rawName: String, buildID: String? = nil) -> Result<LoadedBinary, UnresolvedReason> {
        let name = ModuleName.canonical(rawName)
        if let cached = binaries[name] { return cached }
        let expected = options.buildIDs.module(name) ?? buildID.map { ExpectedBuildID(id: $0, source: "the log") }
        var result: Result<LoadedBinary, UnresolvedReason>?
        if let preloaded = preloads.removeValue(forKey: name) {
            // Loaded in the background from the first candidate: kept unless
            // live mode has since changed the layout or the build id says no.
            let (loaded, _) = preloaded.wait()
            if preloadGenerations[name] == optionsGeneration,
                expected == nil || (try? loaded.get()).map({ expected!.matches($0.contents.buildID) }) == true
            {
                result = loaded
            }
        }
        if result == nil {
            switch chooseModuleFile(name: name, expected: expected) {
            case .success(let (path, contents)):
                do {
                    result = Self.loadModule(
                        name: name, path: path, contents: contents, options: options, session: try dwflSession(),
                        syntheticBase: { self.syntheticBase(is64Bit: $0) })
                } catch {
                    result = .failure(.moduleUnreadable(name, error.description))
                }
            case .failure(let reason):
                result = .failure(reason)
            }
        }
        let loaded = result!
        if case .success(let binary) = loaded { checkLayout(of: binary) }
        binaries[name] = loaded
        return loaded
    }

    /// Which file to use for a module: with a known build id, a candidate
    /// that has it, else one found by build id (`.build-id` trees,
    /// debuginfod); then the first candidate with DWARF, else the first that
    /// reads (a different build is flagged on every frame).
    private func chooseModuleFile(name: String, expected: ExpectedBuildID?) -> Result<(String, ElfContents), UnresolvedReason> {
        let candidates = finder.files(for: name)
        if let expected {
            // Build ids from the notes alone: only the chosen file is read whole.
            let matching = candidates.prefix(8).filter { expected.matches(ElfReader.buildID(path: $0)) }
            if !matching.isEmpty { return Self.firstModuleFile(name: name, candidates: Array(matching)) }
            switch locator.locate(buildID: expected.id) {
            case .success(let path):
                let found = Self.firstModuleFile(name: name, candidates: [path])
                if case .success = found { return found }
                if candidates.isEmpty { return found }
            case .failure(let why):
                if candidates.isEmpty { return .failure(.moduleUnreadable(name, "no file below --modules, and \(why.description)")) }
            }
        }
        guard !candidates.isEmpty else { return .failure(.moduleNotFound(name)) }
        return Self.firstModuleFile(name: name, candidates: candidates)
    }

    /// The first candidate with DWARF, else the first that reads (for
    /// background loads, which know no build ids).
    private static func firstModuleFile(name: String, candidates: [String]) -> Result<(String, ElfContents), UnresolvedReason> {
        var chosen: (path: String, contents: ElfContents)?
        var firstError: SymbolizerError?
        for candidate in candidates.prefix(8) {
            do {
                let contents = try ElfReader.read(path: candidate)
                if chosen == nil || (!chosen!.contents.hasDebugInfo && contents.hasDebugInfo) {
                    chosen = (candidate, contents)
                }
                if contents.hasDebugInfo { break }
            } catch {
                firstError = firstError ?? error
            }
        }
        guard let chosen else { return .failure(.moduleUnreadable(name, firstError?.description ?? "unreadable")) }
        return .success(chosen)
    }

    /// Proofs from the snapshots that a module file is another build; every
    /// frame it answers then says so.
    private func checkLayout(of binary: LoadedBinary) {
        let layout = binary.layout
        if layout.inference == nil, let known = options.moduleSections.sections(of: binary.name),
            let overlap = LayoutEvidence.overlap(known: known, contents: binary.contents, fixup: binary.fixup)
        {
            noteProvenMismatch("binary does not match the crashed kernel: \(binary.path): \(overlap)", of: binary.name)
        }
        if let disagreement = LayoutEvidence.kallsymsDisagreement(
            module: binary.name, kallsyms: options.kallsyms, symbols: binary.symbols, fixup: binary.fixup,
            isRuntime: { layout.isRuntime(section: $0.raw.sectionIndex) })
        {
            noteProvenMismatch("binary does not match the crashed kernel: \(binary.path): \(disagreement)", of: binary.name)
        }
    }

    private static func loadModule(
        name: String, path: String, contents: ElfContents, options: SymbolizerOptions, session: DwflSession,
        syntheticBase: (Bool) -> UInt64
    ) -> Result<LoadedBinary, UnresolvedReason> {
        do {
            guard contents.kind == .relocatable else {
                return .failure(
                    .moduleUnreadable(
                        name,
                        "\(path) is an ELF \(contents.kind.elfTypeName) file (\(contents.machineDescription)), not a relocatable (ET_REL) module"
                    ))
            }
            guard let architecture = options.architecture ?? contents.architecture else {
                return .failure(
                    .moduleUnreadable(
                        name, "\(path) is a module for \(contents.machineDescription), an architecture ksymbolize does not handle"))
            }
            let fixup = architecture.fixups
            var known = options.moduleSections.sections(of: name) ?? [:]
            var inference: String?
            if known.isEmpty, let entry = options.procModules.entry(for: name) {
                known = ModuleLayout.inferredCodeSections(
                    of: contents, base: entry.base, fixup: fixup)
                inference = "code sections placed from the /proc/modules base as the module loader lays them out"
            }
            var layout = ModuleLayout(module: contents, known: known, syntheticBase: syntheticBase(contents.is64Bit))
            layout.inference = inference
            if inference == nil, let text = known[".text"], let entry = options.procModules.entry(for: name),
                entry.base != text
            {
                layout.conflict =
                    "--proc-modules puts \(name) at 0x\(hex(entry.base)), --module-sections has .text at 0x\(hex(text)): snapshots from different boots?"
            }
            let range = layout.range(sizes: { contents.section(at: $0)?.size ?? 1 })
            if contents.hasDebugInfo, options.lazyModuleRelocation,
                let lazy = DwarfModule.lazilyRelocated(path: path, sectionAddresses: layout.sectionAddresses)
            {
                // x86-64: relocated by ksymbolize one CU at a time instead of all at once by libdwfl.
                let symbols = SymbolIndex(
                    contents: contents, fixup: fixup, sectionAddress: { layout.sectionAddresses[$0] })
                return .success(
                    LoadedBinary(
                        name: name, path: path, contents: contents, layout: layout, symbols: symbols, dwarf: lazy,
                        fixup: fixup))
            }
            var dwarf = try session.report(
                name: name, path: path, range: range, sectionAddresses: layout.sectionAddresses)
            if dwarf.dwarfError != nil, contents.hasDebugInfo,
                let relocated = try? RelocatedDwarf(
                    path: path, contents: contents, sectionAddresses: layout.sectionAddresses, fixup: fixup)
            {
                // libdwfl could not relocate it (no backend for this machine in this elfutils).
                dwarf = DwarfModule(relocated: relocated, path: path)
            }
            let symbols = SymbolIndex(
                contents: contents, fixup: fixup, sectionAddress: { layout.sectionAddresses[$0] })
            return .success(
                LoadedBinary(
                    name: name, path: path, contents: contents, layout: layout, symbols: symbols, dwarf: dwarf,
                    fixup: fixup))
        } catch {
            return .failure(.moduleUnreadable(name, error.description))
        }
    }

    /// A fresh region, far from kernel and module addresses, for sections
    /// whose runtime address is unknown. 32-bit binaries stay below 4 GiB
    /// because libdwfl relocates their DWARF with 32-bit values.
    private func syntheticBase(is64Bit: Bool) -> UInt64 {
        defer { nextSyntheticSlot += 1 }
        return Self.syntheticBase(is64Bit: is64Bit, slot: nextSyntheticSlot)
    }

    private static func syntheticBase(is64Bit: Bool, slot: UInt64) -> UInt64 {
        if is64Bit { return 0x0000_1000_0000_0000 &+ slot << 32 }
        return 0x1000_0000 &+ (slot % 32) << 22
    }

    /// The module whose known sections hold a runtime address.
    func moduleContainingRuntime(_ address: UInt64) -> LoadedBinary? {
        var candidates: [(String, UInt64)] = []
        for (module, sections) in options.moduleSections.modules {
            for (_, base) in sections where base <= address {
                candidates.append((module, base))
            }
        }
        for (module, entry) in options.procModules.entries where entry.base <= address && address < entry.base &+ entry.size {
            candidates.append((module, entry.base))
        }
        // Closest section start first.
        for (name, _) in candidates.sorted(by: { $0.1 > $1.1 }) {
            if case .success(let binary) = self.module(named: name), binary.moduleSessionAddress(ofRuntime: address) != nil {
                return binary
            }
        }
        return nil
    }
}

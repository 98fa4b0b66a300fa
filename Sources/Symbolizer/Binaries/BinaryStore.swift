import ArchFixups

/// The binaries of one kernel build, each loaded once.
///
/// Cache policy: each binary is loaded on first use (or started in the
/// background by ``preload(modules:frames:kernelFrames:)``), into one
/// libdwfl session for the run; a failure to find or read it is cached as
/// well, so it is tried once and reported on each of its frames. Which file:
/// see ``chooseModuleFile(name:expected:)`` and ``vmlinux(expected:)``.
/// With a ``BinaryCache`` (a service), binaries are taken from it and given
/// back when the store goes, each loaded into a libdwfl session of its own.
/// Not `Sendable`: used from one task.
final class BinaryStore {
    private(set) var options: SymbolizerOptions
    /// Root of the default places (`/`); tests point it elsewhere.
    let systemRoot: String
    private var finder: ModuleFinder
    /// The release the default places were chosen for.
    private(set) var defaultsRelease: String?
    private var session: DwflSession?
    private var binaries: [String: Result<LoadedBinary, UnresolvedReason>] = [:]
    private var vmlinuxResult: Result<LoadedBinary, UnresolvedReason>?
    private var nextSyntheticSlot: UInt64 = 0
    /// The KASLR offset a `/proc/kallsyms` snapshot gives against vmlinux's own start symbol, once vmlinux is read.
    private(set) var kallsymsKaslrOffset: UInt64?
    /// Binaries being loaded in the background, by name.
    private var preloads: [String: PreloadedBinary] = [:]
    /// Bumped when the options change (live mode): background loads started before are not used.
    private var optionsGeneration = 0
    private var preloadGenerations: [String: Int] = [:]
    /// For ``modulesNear(runtime:)``: each module's known section starts, sorted, and its
    /// `/proc/modules` extent, made once for the options of `generation`.
    private var moduleStarts:
        (generation: Int, sections: [(module: String, starts: [UInt64])], extents: [(module: String, base: UInt64, size: UInt64)])?
    /// Binaries shared with other runs, if any.
    private let cache: BinaryCache?
    /// What this run took from ``cache`` (or loaded for it): given back on deinit.
    private var lent: [(BinaryCache.Key, LoadedBinary?)] = []

    /// Roots of `.build-id` trees: `--debug-dir`, then `/usr/lib/debug`.
    var debugRoots: [String] { options.debugDirectories + [systemRoot + "/usr/lib/debug"] }
    /// Finds binaries by build id (build-id trees, debuginfod).
    private lazy var locator = BuildIDLocator(
        roots: debugRoots, debuginfodURLs: options.debuginfodURLs, debuginfodEnabled: options.useDebuginfod)

    init(options: SymbolizerOptions, systemRoot: String, cache: BinaryCache? = nil) {
        self.options = options
        self.systemRoot = systemRoot
        self.cache = cache
        finder = ModuleFinder(paths: options.modulePaths)
    }

    deinit {
        for (key, binary) in lent { cache?.giveBack(binary, for: key) }
    }

    /// `load()`'s binary, or an idle copy from the cache for `key`; recorded to be given back.
    private func shared(
        _ key: BinaryCache.Key, _ load: () -> Result<LoadedBinary, UnresolvedReason>
    ) -> Result<LoadedBinary, UnresolvedReason> {
        guard let cache else { return load() }
        let result = cache.take(key).map { .success($0) } ?? load()
        lent.append((key, try? result.get()))
        return result
    }

    /// New options (live mode read the running kernel's snapshots): failures are tried again.
    func replaceOptions(_ new: SymbolizerOptions) {
        options = new
        optionsGeneration += 1
        binaries = binaries.filter { if case .failure = $0.value { return false } else { return true } }
    }

    /// Looks in the standard places for `release` from now on, where no path was given.
    func useDefaultPlaces(for release: String) {
        guard defaultsRelease == nil else { return }
        defaultsRelease = release
        if options.modulePaths.isEmpty {
            finder = ModuleFinder(paths: DefaultPlaces.moduleDirectories(release).map { systemRoot + $0 })
            binaries = binaries.filter { if case .failure(.moduleNotFound) = $0.value { return false } else { return true } }
        }
        if options.vmlinuxPath == nil, case .failure(.noVmlinux(nil)) = vmlinuxResult { vmlinuxResult = nil }
    }

    /// The architecture of a binary already loaded for some frame, if any (loads nothing).
    func loadedArchitecture() -> Architecture? {
        if case .success(let vmlinux) = vmlinuxResult { return vmlinux.contents.architecture }
        for name in binaries.keys.sorted() {
            if case .success(let binary) = binaries[name] { return binary.contents.architecture }
        }
        return nil
    }

    private func dwflSession() throws(SymbolizerError) -> DwflSession {
        if let session { return session }
        let created = try DwflSession(debugDirectories: debugRoots)
        session = created
        return created
    }

    // MARK: vmlinux

    /// vmlinux: `--vmlinux`, else the default place whose build id is
    /// `expected`, else the file with that build id (build-id trees,
    /// debuginfod), else the first default place that exists.
    func vmlinux(expected: ExpectedBuildID?) -> Result<LoadedBinary, UnresolvedReason> {
        if let vmlinuxResult { return vmlinuxResult }
        if let preloaded = preloads.removeValue(forKey: "vmlinux") {
            let (result, kaslr) = preloaded.wait()
            if let kaslr { kallsymsKaslrOffset = kaslr }
            vmlinuxResult = result
            return result
        }
        let result: Result<LoadedBinary, UnresolvedReason>
        let defaults = defaultsRelease.map { DefaultPlaces.vmlinuxPaths($0).map { systemRoot + $0 }.filter(isReadableFile) } ?? []
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
        if cache != nil, let key = BinaryCache.Key(name: "vmlinux", path: path, architecture: options.architecture) {
            let debugRoots = self.debugRoots
            let loaded = shared(key) {
                BinaryLoader.vmlinux(path: path, options: options) { () throws(SymbolizerError) in
                    try DwflSession(debugDirectories: debugRoots)
                }.0
            }
            if case .success(let binary) = loaded, let start = options.kallsyms.textStart,
                let link = cache?.linkAddress(of: start.name, in: key, { BinaryLoader.linkAddress(of: start.name, in: binary.contents) })
            {
                kallsymsKaslrOffset = start.address &- link
            }
            return loaded
        }
        let (loaded, kaslr) = BinaryLoader.vmlinux(path: path, options: options, session: dwflSession)
        if let kaslr { kallsymsKaslrOffset = kaslr }
        return loaded
    }

    // MARK: Modules

    /// What loading the module gave, if it was loaded (see ``remember(_:for:)``).
    func cachedModule(_ name: String) -> Result<LoadedBinary, UnresolvedReason>? { binaries[name] }

    /// Loads the module (or takes its background load); `expected` is the
    /// build id the crashed kernel reported for it (notes, or the frame itself).
    func loadModule(named name: String, expected: ExpectedBuildID?) -> Result<LoadedBinary, UnresolvedReason> {
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
                result = loadModuleFile(name: name, path: path, contents: contents)
            case .failure(let reason):
                result = .failure(reason)
            }
        }
        return result!
    }

    /// A module file laid out for this run: from the cache when one has it
    /// for the same layout (then in a session of its own), else loaded now.
    private func loadModuleFile(name: String, path: String, contents: ElfContents) -> Result<LoadedBinary, UnresolvedReason> {
        func load(session: () throws(SymbolizerError) -> DwflSession, syntheticBase: (Bool) -> UInt64) -> Result<LoadedBinary, UnresolvedReason> {
            do throws(SymbolizerError) {
                return BinaryLoader.module(
                    name: name, path: path, contents: contents, options: options, session: try session(), syntheticBase: syntheticBase)
            } catch {
                return .failure(.moduleUnreadable(name, error.description))
            }
        }
        guard let cache, let key = BinaryCache.Key(name: name, path: path, architecture: options.architecture, variant: layoutInputs(of: name))
        else { return load(session: dwflSession, syntheticBase: { self.syntheticBase(is64Bit: $0) }) }
        let debugRoots = self.debugRoots
        return shared(key) {
            let loaded = load(
                session: { () throws(SymbolizerError) in try DwflSession(debugDirectories: debugRoots) },
                syntheticBase: { BinaryLoader.syntheticBase(is64Bit: $0, slot: cache.nextSyntheticSlot()) })
            if case .success = loaded { cache.rememberContents(contents, of: key.file) }
            return loaded
        }
    }

    /// What of the run's snapshots decides a module's layout (``BinaryLoader/module(name:path:contents:options:session:syntheticBase:)``).
    private func layoutInputs(of name: String) -> String {
        // Made for every module a request loads: one byte buffer, addresses in hex.
        // In address order, names only breaking ties: a canonical order (the key is exact) that
        // compares integers, where sorting by name compared two dozen strings a request.
        let sections = (options.moduleSections.sections(of: name) ?? [:]).sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        var inputs: [UInt8] = []
        inputs.reserveCapacity(sections.reduce(40) { $0 + $1.key.utf8.count + 18 })
        for (section, address) in sections {
            if !inputs.isEmpty { inputs.append(UInt8(ascii: " ")) }
            inputs.append(contentsOf: section.utf8)
            inputs.append(UInt8(ascii: "="))
            appendHex(address, to: &inputs)
        }
        inputs.append(UInt8(ascii: "|"))
        if let entry = options.procModules.entry(for: name) {
            appendHex(entry.base, to: &inputs)
            inputs.append(UInt8(ascii: "+"))
            appendHex(entry.size, to: &inputs)
        }
        return String(decoding: inputs, as: UTF8.self)
    }

    /// Records a module's loading outcome (after the caller checked it).
    func remember(_ result: Result<LoadedBinary, UnresolvedReason>, for name: String) { binaries[name] = result }

    /// Which file to use for a module: with a known build id, a candidate
    /// that has it, else one found by build id (`.build-id` trees,
    /// debuginfod); then the first candidate with DWARF, else the first that
    /// reads (a different build is flagged on every frame).
    private func chooseModuleFile(name: String, expected: ExpectedBuildID?) -> Result<(String, ElfContents), UnresolvedReason> {
        let candidates = finder.files(for: name)
        if let expected {
            // Build ids from the notes alone: only the chosen file is read whole.
            let matching = candidates.prefix(8).filter { expected.matches(ElfReader.buildID(path: $0)) }
            if !matching.isEmpty { return BinaryLoader.firstModuleFile(name: name, candidates: Array(matching), known: knownContents) }
            switch locator.locate(buildID: expected.id) {
            case .success(let path):
                let found = BinaryLoader.firstModuleFile(name: name, candidates: [path], known: knownContents)
                if case .success = found { return found }
                if candidates.isEmpty { return found }
            case .failure(let why):
                if candidates.isEmpty { return .failure(.moduleUnreadable(name, "no file below --modules, and \(why.description)")) }
            }
        }
        guard !candidates.isEmpty else { return .failure(.moduleNotFound(name)) }
        return BinaryLoader.firstModuleFile(name: name, candidates: candidates, known: knownContents)
    }

    /// What the cache knows of a module file's contents (see ``BinaryCache/knownContents(of:)``).
    private func knownContents(of path: String) -> ElfContents? { cache?.knownContents(of: path) }

    private func syntheticBase(is64Bit: Bool) -> UInt64 {
        defer { nextSyntheticSlot += 1 }
        return BinaryLoader.syntheticBase(is64Bit: is64Bit, slot: nextSyntheticSlot)
    }

    /// The modules whose known sections (or `/proc/modules` extent) start at
    /// or below a runtime address, closest start first, each once.
    func modulesNear(runtime address: UInt64) -> [String] {
        if moduleStarts?.generation != optionsGeneration {
            moduleStarts = (
                optionsGeneration, options.moduleSections.modules.map { ($0.key, $0.value.values.sorted()) },
                options.procModules.entries.map { ($0.key, $0.value.base, $0.value.size) }
            )
        }
        guard let starts = moduleStarts else { return [] }
        var closest: [(module: String, start: UInt64)] = []
        func offer(_ module: String, _ start: UInt64) {
            if let index = closest.firstIndex(where: { $0.module == module }) {
                closest[index].start = max(closest[index].start, start)
            } else {
                closest.append((module, start))
            }
        }
        for (module, sections) in starts.sections {
            let above = sections.partitionPoint { $0 > address }
            if above > 0 { offer(module, sections[above - 1]) }
        }
        for (module, base, size) in starts.extents where base <= address && address < base &+ size { offer(module, base) }
        return closest.sorted { $0.start != $1.start ? $0.start > $1.start : $0.module < $1.module }.map(\.module)
    }

    // MARK: Background loads

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
    func preload(modules: [String], frames: [String: [FramePreview.Frame]], kernelFrames: [FramePreview.Frame]) {
        if let path = options.vmlinuxPath, vmlinuxResult == nil, preloads["vmlinux"] == nil {
            let options = self.options
            let debugDirectories = debugRoots
            preloads["vmlinux"] = PreloadedBinary { letOthersStart in
                let (result, kaslr) = BinaryLoader.vmlinux(path: path, options: options) { () throws(SymbolizerError) in
                    try DwflSession(debugDirectories: debugDirectories)
                }
                if case .success(let binary) = result {
                    binary.warmInParallel()
                    // The modules load on the other core while this one reads the frames' units.
                    letOthersStart()
                    binary.warmLocations(of: kernelFrames)
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
                switch BinaryLoader.firstModuleFile(name: name, candidates: candidates) {
                case .success(let (path, contents)):
                    result = BinaryLoader.module(
                        name: name, path: path, contents: contents, options: options, session: session,
                        syntheticBase: { BinaryLoader.syntheticBase(is64Bit: $0, slot: slot) })
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
}

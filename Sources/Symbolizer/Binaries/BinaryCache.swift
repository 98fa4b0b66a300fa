import ArchFixups
import Synchronization

/// Loaded binaries kept between runs, for a long-running service: a run
/// (one ``Symbolizer``) given a cache takes the binaries it needs from it and
/// gives them back when it ends.
///
/// Cache policy:
/// - **Key**: the file's identity (device, inode, size, modification time),
///   its build id, the architecture it is read as, and for a module the
///   layout the run's snapshots give it (section addresses, `/proc/modules`
///   base): a module relocated for another crash is another entry. A file
///   replaced on disk is another key; its old entries age out.
/// - **One run at a time**: a binary's readers fill caches as they are read
///   (symbol index, DWARF units), so a copy is lent to one run and comes back
///   when that run's ``Symbolizer`` is released. When every copy of a key is
///   lent out, the run loads another one: no run waits for another, and there
///   are never more copies of a binary than runs using it at once.
/// - **Bounded**: each idle copy has an estimated cost (``LoadedBinary/estimatedMemory``);
///   while the idle copies cost more than `memoryLimit`, the least recently
///   returned is dropped. A copy in use is never dropped; one that alone
///   costs more than the limit is dropped when it comes back.
/// - **Failures are not kept**: a file may appear, or a server answer, for the next run.
public final class BinaryCache: Sendable {
    /// What the cache did since it was made.
    public struct Statistics: Sendable, Equatable {
        /// Binaries taken from the cache instead of loaded.
        public var hits = 0
        /// Binaries loaded because no idle copy was cached.
        public var misses = 0
        /// Idle copies dropped to stay under the limit.
        public var evictions = 0
        /// The estimated memory of the idle copies.
        public var bytes = 0
        /// Idle copies.
        public var entries = 0
        /// Copies lent to runs now.
        public var inUse = 0

        public init() {}
    }

    /// The identity of a loaded binary (see the cache policy).
    struct Key: Hashable, Sendable {
        var name: String
        var path: String
        var file: FileIdentity
        var buildID: String?
        var architecture: Architecture?
        /// What else decides the loaded binary: a module's layout.
        var variant: String

        /// `nil` when the file cannot be looked at (the load will say why).
        init?(name: String, path: String, architecture: Architecture?, variant: String = "") {
            guard let file = FileIdentity(path: path) else { return nil }
            self.name = name
            self.path = path
            self.file = file
            buildID = ElfReader.buildID(path: path)
            self.architecture = architecture
            self.variant = variant
        }
    }

    private struct Entry {
        var key: Key
        var binary: UncheckedBox<LoadedBinary>
        var cost: Int
        var lastUse: UInt64
    }

    private struct State {
        var idle: [Key: [Entry]] = [:]
        /// vmlinux's start symbols' values, found once per file (a scan of its whole symbol table).
        var linkAddresses: [Key: [String: UInt64?]] = [:]
        /// The ELF contents (headers, symbols, `.modinfo`) of module files with copies cached.
        var contents: [FileIdentity: ElfContents] = [:]
        var clock: UInt64 = 0
        var statistics = Statistics()
    }

    /// The most the idle copies may cost, in bytes.
    public let memoryLimit: Int
    private let state = Mutex(State())

    public init(memoryLimit: Int) {
        self.memoryLimit = memoryLimit
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    private let syntheticSlots = Atomic<UInt64>(0)

    /// A synthetic-address slot no other cached module has (see ``BinaryLoader/syntheticBase(is64Bit:slot:)``):
    /// the copies of all runs stay apart, below user-space's top.
    func nextSyntheticSlot() -> UInt64 {
        syntheticSlots.add(1, ordering: .relaxed).oldValue % 0xF000
    }

    /// The link address of a symbol of the file `key` names: `find()`'s, remembered while the file has copies cached.
    func linkAddress(of symbol: String, in key: Key, _ find: () -> UInt64?) -> UInt64? {
        if let known = state.withLock({ $0.linkAddresses[key]?[symbol] }) { return known }
        let found = find()
        state.withLock { $0.linkAddresses[key, default: [:]][symbol] = found }
        return found
    }

    /// The headers, symbols and `.modinfo` of a module file the cache holds
    /// a binary of, as they were read for it: a run choosing among a
    /// module's files takes them instead of reading (and mapping) the file
    /// again. Part of the binaries' own cost; gone with the file's last idle copy.
    func knownContents(of path: String) -> ElfContents? {
        guard let file = FileIdentity(path: path) else { return nil }
        return state.withLock { $0.contents[file] }
    }

    /// Remembers what a module file read as, for ``knownContents(of:)`` (once a binary of it is loaded).
    func rememberContents(_ contents: ElfContents, of file: FileIdentity) {
        state.withLock { $0.contents[file] = contents }
    }

    /// An idle copy for `key`, lent to the caller (who gives it back with ``giveBack(_:for:)``).
    func take(_ key: Key) -> LoadedBinary? {
        state.withLock { state -> LoadedBinary? in
            guard var copies = state.idle[key], let entry = copies.popLast() else {
                state.statistics.misses += 1
                state.statistics.inUse += 1
                return nil
            }
            state.idle[key] = copies.isEmpty ? nil : copies
            state.statistics.hits += 1
            state.statistics.inUse += 1
            state.statistics.entries -= 1
            state.statistics.bytes -= entry.cost
            return entry.binary.value
        }
    }

    /// Gives back a binary taken with ``take(_:)`` (or loaded after a miss),
    /// or `nil` when the load failed; the caller does not use it afterwards.
    func giveBack(_ binary: LoadedBinary?, for key: Key) {
        let cost = binary?.estimatedMemory ?? 0
        let binary = binary.map(UncheckedBox.init)
        state.withLock { state in
            state.statistics.inUse -= 1
            guard let binary else { return }
            state.clock += 1
            state.idle[key, default: []].append(Entry(key: key, binary: binary, cost: cost, lastUse: state.clock))
            state.statistics.entries += 1
            state.statistics.bytes += cost
            while state.statistics.bytes > memoryLimit, let oldest = Self.leastRecentlyUsed(in: state.idle) {
                var copies = state.idle[oldest.key]!
                let dropped = copies.remove(at: oldest.index)
                state.idle[oldest.key] = copies.isEmpty ? nil : copies
                if copies.isEmpty {
                    state.linkAddresses[oldest.key] = nil
                    if !state.idle.keys.contains(where: { $0.file == oldest.key.file }) { state.contents[oldest.key.file] = nil }
                }
                state.statistics.entries -= 1
                state.statistics.bytes -= dropped.cost
                state.statistics.evictions += 1
            }
        }
    }

    private static func leastRecentlyUsed(in idle: [Key: [Entry]]) -> (key: Key, index: Int)? {
        var oldest: (key: Key, index: Int, lastUse: UInt64)?
        for (key, copies) in idle {
            for (index, entry) in copies.enumerated() where oldest == nil || entry.lastUse < oldest!.lastUse {
                oldest = (key, index, entry.lastUse)
            }
        }
        return oldest.map { ($0.key, $0.index) }
    }
}

extension LoadedBinary {
    /// What keeping this binary loaded costs, roughly: its file (mapped, or
    /// read and decompressed), its symbol index, and the DWARF units read so
    /// far (an average figure each). The service's documented bound on its
    /// resident memory rests on this estimate; the soak test checks it.
    var estimatedMemory: Int {
        let fileSize = FileIdentity(path: path).map { Int($0.size) } ?? 0
        let sections = contents.sections.reduce(0) { $0 + ($1.isNoBits ? 0 : Int(clamping: $1.size)) }
        return max(fileSize, sections) + contents.symbolTable.count * 96 + (dwarf?.unitsRead ?? 0) * 48 * 1024
    }
}

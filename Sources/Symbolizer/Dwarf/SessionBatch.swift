internal import CLibdw
import Dispatch

// One batch of addresses answered by several libdwfl sessions of the same
// binary at once, one per thread: ``DwarfModule/locations(batch:threads:)``,
// the sibling sessions it opens, and the two shared buffers its workers use.

extension DwarfModule {
    /// The inline chains of many addresses, in order, computed by up to
    /// `threads` threads.
    ///
    /// Compilation units are independent: each is given to one session for
    /// the whole run (by a hash of its offset), so each CU is read once, by
    /// one thread, whatever the batches look like. This module is session 0;
    /// the others open the same file again. Small batches run on the calling
    /// thread (still each CU in its own session, so later big batches find it
    /// read).
    func locations(batch addresses: [UInt64], threads: Int) -> [[SourceLocation]] {
        // Many addresses: each unit is likely to be asked again, so its line table is built at once.
        if addresses.count >= 256 { tablesFirst = true }
        guard threads > 1, dwarfError == nil, let dwfl = backend as? DwflBackend, addresses.count > 1 else {
            return addresses.map { locations(at: $0) }
        }
        if siblings.count < threads - 1 { siblings += Array(repeating: nil, count: threads - 1 - siblings.count) }
        var groups = Array(repeating: [Int](), count: threads)
        let own = ownDwarf
        for (position, address) in addresses.enumerated() {
            var owner = 0
            if let own, let unitOffset = own.index.unit(containing: address &- own.bias) {
                owner = Int((UInt64(unitOffset) &* 0x9E37_79B9_7F4A_7C15) >> 40) % threads
            } else if var (die, _) = dwfl.unitDie(containing: address) {
                let offset = dwarf_dieoffset(&die)
                owner = Int((offset &* 0x9E37_79B9_7F4A_7C15) >> 40) % threads
            }
            groups[owner].append(position)
        }
        // Sessions not opened yet are opened by their own worker, in parallel.
        var modules: [DwarfModule?] = [self]
        for worker in 1..<threads { modules.append(groups[worker].isEmpty ? self : siblings[worker - 1]) }
        let results = ResultSlots(count: addresses.count)
        let work = WorkList(
            modules: modules, groups: groups, addresses: addresses, results: results,
            open: { [parameters = dwfl.parameters, path, options] in
                Self.makeSibling(parameters: parameters, path: path, options: options)
            })
        if addresses.count < 64 {
            for worker in 0..<threads { work.run(worker) }
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { work.run($0) }
        }
        for worker in 1..<threads where siblings[worker - 1] == nil && !groups[worker].isEmpty {
            siblings[worker - 1] = work.opened(worker)
        }
        // A worker whose session could not be opened left its addresses: answer them here.
        for worker in 1..<threads where !groups[worker].isEmpty && work.opened(worker) == nil {
            for position in groups[worker] { results.set(position, locations(at: addresses[position])) }
        }
        return results.take()
    }

    /// The binary reported again in a session of its own, for another thread.
    private static func makeSibling(
        parameters: DwflBackend.ReportParameters, path: String, options: DwarfReaderOptions
    ) -> DwarfModule? {
        guard let session = try? DwflSession() else { return nil }
        guard
            let module = try? session.report(
                name: parameters.name, path: path, range: parameters.range,
                sectionAddresses: parameters.sectionAddresses, mapped: parameters.mapped, options: options),
            module.dwarfError == nil
        else { return nil }
        module.isSibling = true
        module.tablesFirst = true
        module.warm()
        return module
    }
}

/// The answers of one batch: each slot is written by exactly one worker, and
/// read only after every worker has finished.
private final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<[SourceLocation]>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: [])
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ position: Int, _ value: [SourceLocation]) { slots[position] = value }

    /// The answers, moved out (once).
    func take() -> [[SourceLocation]] {
        Array(unsafeUninitializedCapacity: slots.count) { answers, count in
            _ = answers.moveInitialize(fromContentsOf: slots)
            slots.initialize(repeating: [])
            count = slots.count
        }
    }
}

/// One batch split by session: worker `k` uses `modules[k]` (its own libdwfl
/// session, touched by no other thread during the batch; opened by the worker
/// itself when it is missing) for `groups[k]`.
private final class WorkList: @unchecked Sendable {
    private let modules: UnsafeMutableBufferPointer<DwarfModule?>
    let groups: [[Int]]
    let addresses: [UInt64]
    let results: ResultSlots
    let open: () -> DwarfModule?

    init(
        modules: [DwarfModule?], groups: [[Int]], addresses: [UInt64], results: ResultSlots,
        open: @escaping () -> DwarfModule?
    ) {
        self.modules = .allocate(capacity: modules.count)
        _ = self.modules.initialize(from: modules)
        self.groups = groups
        self.addresses = addresses
        self.results = results
        self.open = open
    }

    deinit {
        modules.deinitialize()
        modules.deallocate()
    }

    /// Worker `worker`'s session after the batch (`nil` when it could not be opened).
    func opened(_ worker: Int) -> DwarfModule? { modules[worker] }

    func run(_ worker: Int) {
        guard !groups[worker].isEmpty else { return }
        if modules[worker] == nil { modules[worker] = open() }
        guard let module = modules[worker] else { return }
        for position in groups[worker] { results.set(position, module.locations(at: addresses[position])) }
    }
}

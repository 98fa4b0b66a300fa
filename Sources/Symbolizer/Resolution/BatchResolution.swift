import ArchFixups

extension Symbolizer {
    /// Symbolizes frames in order, as ``resolve(_:facts:)`` would one by
    /// one, with the DWARF lookups of the batch spread over up to `threads`
    /// threads (one libdwfl session each; see ``threadCount``).
    public func resolve(batch frames: [LogFrame], facts: inout KernelFacts, threads: Int) -> [ResolvedFrame] {
        let count = frames.count
        let concurrent = threads > 1 && count >= 4096 && canPrepareConcurrently(frames, facts: facts)
        var results: [ResolvedFrame] = []
        var lookups: [PendingLookup?] = []
        if concurrent {
            // Read-only here (see canPrepareConcurrently): chunks on several
            // threads, each result made in its place (a ResolvedFrame is costly to copy).
            let snapshot = facts
            results = Array(unsafeUninitializedCapacity: count) { resultSlots, resultCount in
                lookups = Array(unsafeUninitializedCapacity: count) { lookupSlots, lookupCount in
                    let slots = UncheckedBox((resultSlots.baseAddress!, lookupSlots.baseAddress!))
                    parallelChunks(count, threads: threads) { range in
                        var local = snapshot
                        for index in range {
                            let (result, lookup) = prepare(frames[index], facts: &local)
                            (slots.value.0 + index).initialize(to: result)
                            (slots.value.1 + index).initialize(to: lookup)
                        }
                    }
                    lookupCount = count
                }
                resultCount = count
            }
        } else {
            results.reserveCapacity(count)
            lookups.reserveCapacity(count)
            for frame in frames {
                let (result, lookup) = prepare(frame, facts: &facts)
                results.append(result)
                lookups.append(lookup)
            }
        }
        // Positions by binary; a run of frames of the same binary costs no dictionary access.
        var groups: [(binary: LoadedBinary, positions: [Int])] = []
        var groupOf: [ObjectIdentifier: Int] = [:]
        var lastBinary: ObjectIdentifier?
        var lastGroup = 0
        for (position, lookup) in lookups.enumerated() {
            guard let lookup else { continue }
            let key = ObjectIdentifier(lookup.binary)
            if key != lastBinary {
                lastBinary = key
                if let known = groupOf[key] {
                    lastGroup = known
                } else {
                    lastGroup = groups.count
                    groupOf[key] = lastGroup
                    groups.append((lookup.binary, []))
                }
            }
            groups[lastGroup].positions.append(position)
        }
        // Only a frame with the kernel's own file:line to check (a log's WARN) may
        // change shared state while it is completed; without one, chunks complete at once.
        let completeConcurrently =
            concurrent && lookups.allSatisfy { $0?.claim == nil } && frames.allSatisfy { $0.printedLocation == nil }
        for group in groups {
            let addresses = group.positions.map { lookups[$0]!.address }
            let answers =
                group.binary.dwarf?.locations(batch: addresses, threads: threads)
                ?? Array(repeating: [], count: addresses.count)
            if completeConcurrently {
                results.withUnsafeMutableBufferPointer { results in
                    let slots = UncheckedBox(results.baseAddress!)
                    parallelChunks(group.positions.count, threads: threads) { range in
                        for index in range {
                            let position = group.positions[index]
                            complete(&slots.value[position], lookups[position]!, locations: answers[index])
                        }
                    }
                }
            } else {
                for (position, locations) in zip(group.positions, answers) {
                    complete(&results[position], lookups[position]!, locations: locations)
                }
            }
        }
        return results
    }

    /// Whether ``prepare(_:facts:)`` of these frames only reads shared
    /// state, so that it may run on several threads: raw addresses (no
    /// printed symbol, so nothing is learned into the context), vmlinux
    /// already loaded with its address index built, no module snapshot that
    /// could make an address load a module, a kallsyms mode that is not
    /// overridden now.
    private func canPrepareConcurrently(_ frames: [LogFrame], facts: KernelFacts) -> Bool {
        guard options.moduleSections.modules.isEmpty, options.procModules.entries.isEmpty,
            facts.kallsymsMode?.evidence.strength == Evidence.given("").strength || options.kallsymsMode == nil,
            frames.allSatisfy({ $0.symbol == nil && $0.address != nil }),
            case .success(let vmlinux) = vmlinux()
        else { return false }
        vmlinux.symbols.warmAddresses()
        return true
    }
}

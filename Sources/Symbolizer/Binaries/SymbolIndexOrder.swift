extension SymbolIndex {
    /// `entries` (in table order) in address order: by start, then best
    /// rank first, then table order. Where that whole order fits one 64-bit
    /// key (vmlinux: 26 bits of address, 2 of rank, 16 of position), by
    /// radix passes over the keys (a comparison sort of vmlinux's ~50,000
    /// code symbols took as long as reading them); else by comparison.
    static func sortedByAddress(_ entries: [Entry]) -> AddressOrder {
        guard let first = entries.first else { return AddressOrder(starts: [], positions: []) }
        var low = first.start
        var high = first.start
        for entry in entries {
            low = min(low, entry.start)
            high = max(high, entry.start)
        }
        let bits = 64 - (high - low).leadingZeroBitCount
        let positionBits = 64 - UInt64(entries.count).leadingZeroBitCount
        guard bits + 2 + positionBits <= 64 else {
            let positions = entries.indices.sorted { addressOrder(entries[$0], entries[$1]) }
            return AddressOrder(starts: positions.map { entries[$0].start }, positions: positions.map { Int32($0) })
        }
        let count = entries.count
        var keys = [UInt64](unsafeUninitializedCapacity: count) { keys, initialized in
            for (position, entry) in entries.enumerated() {
                keys[position] =
                    ((entry.start &- low) << (2 + positionBits)) | UInt64(3 - entry.rank) << positionBits
                    | UInt64(position)
            }
            initialized = count
        }
        var scratch = [UInt64](repeating: 0, count: count)
        let digit = 11
        let keyBits = bits + 2 + positionBits
        var counts = [Int](repeating: 0, count: (1 << digit) + 1)
        keys.withUnsafeMutableBufferPointer { keys in
            scratch.withUnsafeMutableBufferPointer { scratch in
                counts.withUnsafeMutableBufferPointer { counts in
                    var (source, target) = (keys, scratch)
                    var shift = 0
                    while shift < keyBits {
                        // One stable counting pass over `digit` bits of the keys.
                        let amount = UInt64(shift)
                        let mask = UInt64(1 << digit - 1)
                        for index in 0...(1 << digit) { counts[index] = 0 }
                        for key in source { counts[Int(truncatingIfNeeded: (key >> amount) & mask) + 1] += 1 }
                        for index in 1...(1 << digit) { counts[index] += counts[index - 1] }
                        for key in source {
                            let bucket = Int(truncatingIfNeeded: (key >> amount) & mask)
                            target[counts[bucket]] = key
                            counts[bucket] += 1
                        }
                        swap(&source, &target)
                        shift += digit
                    }
                    if source.baseAddress != keys.baseAddress {
                        for index in 0..<count { keys[index] = source[index] }
                    }
                }
            }
        }
        let positionMask = UInt64(1) << positionBits &- 1
        let startShift = UInt64(2 + positionBits)
        return AddressOrder(
            starts: keys.map { ($0 >> startShift) &+ low },
            positions: keys.map { Int32(truncatingIfNeeded: $0 & positionMask) })
    }
}

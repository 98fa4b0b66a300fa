/// Which compilation unit covers an address, read from `.debug_aranges`
/// without libdw (which, to answer the same question, also reads the header
/// of every unit in `.debug_info`).
struct UnitAddressIndex {
    /// One address range of one unit.
    private struct Entry {
        var low: UInt64
        var high: UInt64
        /// The unit header's offset in `.debug_info`.
        var unit: Int
    }

    /// Sorted by `low`; ranges do not overlap.
    private let entries: [Entry]

    var isEmpty: Bool { entries.isEmpty }

    /// `nil` when the section is malformed or in a format this does not read
    /// (only version 2 in the 32-bit format, no segments, host byte order).
    init?(aranges: UnsafeRawBufferPointer) {
        var entries: [Entry] = []
        var offset = 0
        while offset < aranges.count {
            var cursor = ByteCursor(bytes: aranges, position: offset)
            guard let length = cursor.u32(), length < 0xffff_fff0 else { return nil }
            let end = offset + 4 + Int(length)
            guard end <= aranges.count, let version = cursor.u16(), version == 2, let unit = cursor.u32(),
                let addressSize = cursor.u8(), addressSize == 4 || addressSize == 8, let segment = cursor.u8(),
                segment == 0
            else { return nil }
            cursor.limit = end
            // Tuples start at a multiple of twice the address size from the set's start.
            let tupleSize = 2 * Int(addressSize)
            let headerSize = cursor.position - offset
            guard cursor.advance((tupleSize - headerSize % tupleSize) % tupleSize) else { return nil }
            while cursor.position + tupleSize <= end {
                let start: UInt64
                let size: UInt64
                if addressSize == 8 {
                    guard let a = cursor.u64(), let b = cursor.u64() else { return nil }
                    (start, size) = (a, b)
                } else {
                    guard let a = cursor.u32(), let b = cursor.u32() else { return nil }
                    (start, size) = (UInt64(a), UInt64(b))
                }
                if start == 0 && size == 0 { break }
                if size > 0 { entries.append(Entry(low: start, high: start &+ size, unit: Int(unit))) }
            }
            offset = end
        }
        entries.sort { $0.low < $1.low }
        // Where units claim the same addresses (ARM's vector page, for one),
        // the answer is libdw's: those ranges are left out.
        var overlapping = Array(repeating: false, count: entries.count)
        var reach: (high: UInt64, index: Int)?
        for index in entries.indices {
            if let (high, previous) = reach, entries[index].low < high {
                overlapping[index] = true
                overlapping[previous] = true
            }
            if reach == nil || entries[index].high > reach!.high { reach = (entries[index].high, index) }
        }
        self.entries = entries.indices.filter { !overlapping[$0] }.map { entries[$0] }
    }

    /// The header offset of the unit whose ranges contain `address`.
    func unit(containing address: UInt64) -> Int? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].low <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0, address < entries[low - 1].high else { return nil }
        return entries[low - 1].unit
    }
}

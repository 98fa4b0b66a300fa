internal import CLibdw

// A unit's address ranges as ``UnitDies`` reads them: `DW_AT_low_pc` and
// `DW_AT_high_pc`, DWARF 4 `.debug_ranges` lists and DWARF 5
// `.debug_rnglists` lists, with `dwarf_ranges`' meaning.

extension UnitDies {
    /// The DIE's address ranges with `dwarf_ranges`' meaning; `nil` when they cannot be read.
    func ranges(of entry: Entry) -> AddressRanges? {
        guard let ranges = entry.ranges else {
            guard let low = entry.lowPC, var high = entry.highPC else { return AddressRanges() }
            if entry.highPCIsOffset { high = low &+ high }
            return high > low ? AddressRanges(low..<high) : AddressRanges()
        }
        switch ranges {
        case .offset(let offset):
            return (header.version >= 5 ? rangeList(at: offset) : debugRanges(at: offset)).map(AddressRanges.init)
        case .index(let index):
            guard let lists = sections.rangeLists, let base = rangeListsBase else { return nil }
            var cursor = ByteCursor(bytes: lists, position: base + index * 4)
            guard let relative = cursor.u32() else { return nil }
            return rangeList(at: base + Int(relative)).map(AddressRanges.init)
        }
    }

    /// A DWARF 4 `.debug_ranges` list.
    private func debugRanges(at offset: Int) -> [Range<UInt64>]? {
        guard let section = sections.ranges, header.addressSize == 8 else { return nil }
        var cursor = ByteCursor(bytes: section, position: offset)
        var base = baseAddress
        var result: [Range<UInt64>] = []
        while true {
            guard let start = cursor.u64(), let end = cursor.u64() else { return nil }
            if start == 0 && end == 0 { return result }
            if start == UInt64.max {
                base = end
                continue
            }
            if end > start { result.append((base &+ start)..<(base &+ end)) }
        }
    }

    /// A DWARF 5 `.debug_rnglists` list.
    private func rangeList(at offset: Int) -> [Range<UInt64>]? {
        guard let section = sections.rangeLists else { return nil }
        var cursor = ByteCursor(bytes: section, position: offset)
        var base = baseAddress
        var result: [Range<UInt64>] = []
        func append(_ low: UInt64, _ high: UInt64) { if high > low { result.append(low..<high) } }
        while true {
            guard let kind = cursor.u8() else { return nil }
            switch Int(kind) {
            case DW_RLE_end_of_list:
                return result
            case DW_RLE_base_addressx:
                guard let index = cursor.uleb(), let address = indexedAddress(index) else { return nil }
                base = address
            case DW_RLE_startx_endx:
                guard let first = cursor.uleb(), let second = cursor.uleb(), let low = indexedAddress(first),
                    let high = indexedAddress(second)
                else { return nil }
                append(low, high)
            case DW_RLE_startx_length:
                guard let first = cursor.uleb(), let length = cursor.uleb(), let low = indexedAddress(first) else {
                    return nil
                }
                append(low, low &+ length)
            case DW_RLE_offset_pair:
                guard let low = cursor.uleb(), let high = cursor.uleb() else { return nil }
                append(base &+ low, base &+ high)
            case DW_RLE_base_address:
                guard let address = address(&cursor) else { return nil }
                base = address
            case DW_RLE_start_end:
                guard let low = address(&cursor), let high = address(&cursor) else { return nil }
                append(low, high)
            case DW_RLE_start_length:
                guard let low = address(&cursor), let length = cursor.uleb() else { return nil }
                append(low, low &+ length)
            default:
                return nil
            }
        }
    }
}

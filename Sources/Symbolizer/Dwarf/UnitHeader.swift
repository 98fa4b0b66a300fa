internal import CLibdw

/// A compilation unit's header in `.debug_info`, read without libdw. Only
/// DWARF 4/5 compile and partial units in the 32-bit format; anything else
/// gives `nil` and the caller uses libdw.
struct UnitHeader {
    /// Offset of the unit header in `.debug_info`.
    var offset: Int
    var version: UInt16
    var addressSize: Int
    var abbrevOffset: Int
    /// Offset of the unit's first DIE (the CU DIE).
    var firstDie: Int
    /// Offset just past the unit.
    var end: Int

    init?(info: UnsafeRawBufferPointer, offset: Int) {
        var cursor = ByteCursor(bytes: info, position: offset)
        guard let length = cursor.u32(), length < 0xffff_fff0 else { return nil }
        let end = offset + 4 + Int(length)
        guard end <= info.count, let version = cursor.u16(), version == 4 || version == 5 else { return nil }
        let abbrevOffset: UInt32
        let addressSize: UInt8
        if version == 5 {
            guard let unitType = cursor.u8(), unitType == 1 /* DW_UT_compile */ || unitType == 3 /* DW_UT_partial */,
                let size = cursor.u8(), let abbrev = cursor.u32()
            else { return nil }
            (addressSize, abbrevOffset) = (size, abbrev)
        } else {
            guard let abbrev = cursor.u32(), let size = cursor.u8() else { return nil }
            (addressSize, abbrevOffset) = (size, abbrev)
        }
        guard addressSize == 4 || addressSize == 8 else { return nil }
        self.offset = offset
        self.version = version
        self.addressSize = Int(addressSize)
        self.abbrevOffset = Int(abbrevOffset)
        self.firstDie = cursor.position
        self.end = end
    }

    /// What the forms of this unit need to know to be read or skipped.
    var forms: FormContext { FormContext(addressSize: addressSize, unitStart: offset, end: end) }
}

/// The unit facts that decide how long a form is and what a reference means.
struct FormContext {
    var addressSize: Int
    var unitStart: Int
    var end: Int
}

/// One unit's abbreviations, by code (GCC and clang number them densely
/// from 1). Kept compact: a read unit keeps its table for as long as the
/// unit is cached, and vmlinux has ~2,400 of them.
struct AbbrevTable {
    /// One attribute specification of an abbreviation: name and form.
    struct Attribute {
        var name: UInt16
        var form: UInt16
        /// Index in `implicitConstants` of a `DW_FORM_implicit_const` value.
        var constant: Int32 = -1
    }

    /// One abbreviation: a DIE's tag, whether it has children, and its attributes.
    struct Abbrev {
        var tag: UInt16 = 0
        var hasChildren = false
        /// Whether the DIE may have code (`DW_AT_low_pc` or `DW_AT_ranges`).
        var hasCode = false
        var known = false
        /// `attributes[first..<first + count]` of the table.
        var first: Int32 = 0
        var count: UInt16 = 0
        /// The size of the attribute values when every form has a fixed
        /// size, not counting `DW_FORM_addr`s (`addressCount` of them); -1 otherwise.
        var fixedSize: Int16 = 0
        var addressCount: UInt8 = 0
        /// Where the `DW_AT_sibling` value is when every attribute before it
        /// has a fixed size: `siblingOffset` bytes plus `siblingAddressCount`
        /// addresses into the values (-1: no sibling there), in form `siblingForm`.
        var siblingOffset: Int16 = -1
        var siblingAddressCount: UInt8 = 0
        var siblingForm: UInt16 = 0

        var attributeIndices: Range<Int> { Int(first)..<Int(first) + Int(count) }
    }

    private(set) var entries: [Abbrev] = []
    private(set) var attributes: [Attribute] = []
    private(set) var implicitConstants: [Int64] = []

    func callAsFunction(_ code: UInt64) -> Abbrev? {
        guard code < UInt64(entries.count) else { return nil }
        let entry = entries[Int(code)]
        return entry.known ? entry : nil
    }

    /// Moves past the attribute values of a DIE with abbreviation `abbrev`:
    /// one jump when their size is fixed.
    func skipAttributes(of abbrev: Abbrev, _ cursor: inout ByteCursor, _ unit: FormContext) -> Bool {
        if abbrev.fixedSize >= 0 {
            return cursor.advance(Int(abbrev.fixedSize) + Int(abbrev.addressCount) * unit.addressSize)
        }
        for index in abbrev.attributeIndices
        where !FormReader.skip(form: UInt64(attributes[index].form), &cursor, unit) {
            return false
        }
        return true
    }

    /// Where a DIE with abbreviation `abbrev` and children says its next
    /// sibling is, read without going over the values before it; `nil` when
    /// it has no `DW_AT_sibling` after fixed-size values only. `cursor` is at
    /// the DIE's first value and does not move.
    func sibling(of abbrev: Abbrev, at cursor: ByteCursor, _ unit: FormContext) -> Int? {
        guard abbrev.siblingOffset >= 0 else { return nil }
        var peek = cursor
        guard peek.advance(Int(abbrev.siblingOffset) + Int(abbrev.siblingAddressCount) * unit.addressSize) else {
            return nil
        }
        return FormReader.unitReference(form: UInt64(abbrev.siblingForm), &peek, unit)
    }

    /// The value of a `DW_FORM_implicit_const` attribute.
    func implicitConstant(_ attribute: Attribute) -> Int64 {
        attribute.constant >= 0 ? implicitConstants[Int(attribute.constant)] : 0
    }

    /// Reads the table at `offset` of `.debug_abbrev`; `nil` when it is
    /// malformed or uses numbers too large for this compact form.
    init?(abbrev: UnsafeRawBufferPointer, offset: Int) {
        var cursor = ByteCursor(bytes: abbrev, position: offset)
        while true {
            guard let code = cursor.uleb() else { return nil }
            if code == 0 { return }
            guard code < 1 << 16, let tag = cursor.uleb().flatMap(UInt16.init(exactly:)), let children = cursor.u8()
            else { return nil }
            var entry = Abbrev(tag: tag, hasChildren: children != 0, first: Int32(attributes.count))
            while true {
                guard let name = cursor.uleb(), let form = cursor.uleb() else { return nil }
                if name == 0 && form == 0 { break }
                guard let shortName = UInt16(exactly: name), let shortForm = UInt16(exactly: form), entry.count < .max
                else { return nil }
                var attribute = Attribute(name: shortName, form: shortForm)
                if form == UInt64(DW_FORM_implicit_const) {
                    guard let value = cursor.sleb() else { return nil }
                    attribute.constant = Int32(implicitConstants.count)
                    implicitConstants.append(value)
                }
                if name == UInt64(DW_AT_low_pc) || name == UInt64(DW_AT_ranges) { entry.hasCode = true }
                if name == UInt64(DW_AT_sibling), entry.fixedSize >= 0, entry.siblingOffset < 0 {
                    entry.siblingOffset = entry.fixedSize
                    entry.siblingAddressCount = entry.addressCount
                    entry.siblingForm = shortForm
                }
                if entry.fixedSize >= 0 {
                    if form == UInt64(DW_FORM_addr), entry.addressCount < .max {
                        entry.addressCount += 1
                    } else if let size = FormReader.fixedSize(form), entry.fixedSize < 0x4000 {
                        entry.fixedSize += Int16(size)
                    } else {
                        entry.fixedSize = -1
                    }
                }
                attributes.append(attribute)
                entry.count += 1
            }
            entry.known = true
            if Int(code) >= entries.count {
                entries += Array(repeating: Abbrev(), count: Int(code) + 1 - entries.count)
            }
            entries[Int(code)] = entry
        }
    }
}

/// Reading and skipping attribute values by form.
enum FormReader {
    /// The size of a value of `form` when it does not depend on the value
    /// or the unit (32-bit DWARF); `nil` otherwise.
    static func fixedSize(_ form: UInt64) -> Int? {
        switch Int(truncatingIfNeeded: form) {
        case DW_FORM_flag_present, DW_FORM_implicit_const: 0
        case DW_FORM_data1, DW_FORM_ref1, DW_FORM_flag, DW_FORM_strx1, DW_FORM_addrx1: 1
        case DW_FORM_data2, DW_FORM_ref2, DW_FORM_strx2, DW_FORM_addrx2: 2
        case DW_FORM_strx3, DW_FORM_addrx3: 3
        case DW_FORM_data4, DW_FORM_ref4, DW_FORM_strx4, DW_FORM_addrx4, DW_FORM_strp, DW_FORM_line_strp,
            DW_FORM_sec_offset, DW_FORM_ref_addr, DW_FORM_strp_sup, DW_FORM_ref_sup4:
            4
        case DW_FORM_data8, DW_FORM_ref8, DW_FORM_ref_sig8, DW_FORM_ref_sup8: 8
        case DW_FORM_data16: 16
        default: nil
        }
    }

    /// Moves past one value of `form`; `false` for a form it does not know.
        static func skip(form: UInt64, _ cursor: inout ByteCursor, _ unit: FormContext) -> Bool {
        switch Int(truncatingIfNeeded: form) {
        case DW_FORM_flag_present, DW_FORM_implicit_const: return true
        case DW_FORM_addr: return cursor.advance(unit.addressSize)
        case DW_FORM_data1, DW_FORM_ref1, DW_FORM_flag, DW_FORM_strx1, DW_FORM_addrx1: return cursor.advance(1)
        case DW_FORM_data2, DW_FORM_ref2, DW_FORM_strx2, DW_FORM_addrx2: return cursor.advance(2)
        case DW_FORM_strx3, DW_FORM_addrx3: return cursor.advance(3)
        case DW_FORM_data4, DW_FORM_ref4, DW_FORM_strx4, DW_FORM_addrx4, DW_FORM_strp, DW_FORM_line_strp,
            DW_FORM_sec_offset, DW_FORM_ref_addr, DW_FORM_strp_sup, DW_FORM_ref_sup4:
            return cursor.advance(4)
        case DW_FORM_data8, DW_FORM_ref8, DW_FORM_ref_sig8, DW_FORM_ref_sup8: return cursor.advance(8)
        case DW_FORM_data16: return cursor.advance(16)
        case DW_FORM_sdata, DW_FORM_udata, DW_FORM_ref_udata, DW_FORM_strx, DW_FORM_addrx, DW_FORM_loclistx,
            DW_FORM_rnglistx:
            return cursor.uleb() != nil
        case DW_FORM_string: return cursor.skipString()
        case DW_FORM_exprloc, DW_FORM_block:
            return cursor.uleb().map { cursor.advance(Int(truncatingIfNeeded: $0)) } ?? false
        case DW_FORM_block1: return cursor.u8().map { cursor.advance(Int($0)) } ?? false
        case DW_FORM_block2: return cursor.u16().map { cursor.advance(Int($0)) } ?? false
        case DW_FORM_block4: return cursor.u32().map { cursor.advance(Int($0)) } ?? false
        case DW_FORM_indirect:
            guard let actual = cursor.uleb(), actual != UInt64(DW_FORM_indirect) else { return false }
            return skip(form: actual, &cursor, unit)
        default: return false
        }
    }

    /// A unit-relative reference (`DW_FORM_ref1`…`ref_udata`) as a `.debug_info` offset.
        static func unitReference(form: UInt64, _ cursor: inout ByteCursor, _ unit: FormContext) -> Int? {
        let unitStart = unit.unitStart
        switch Int(truncatingIfNeeded: form) {
        case DW_FORM_ref1: return cursor.u8().map { unitStart + Int($0) }
        case DW_FORM_ref2: return cursor.u16().map { unitStart + Int($0) }
        case DW_FORM_ref4: return cursor.u32().map { unitStart + Int($0) }
        case DW_FORM_ref8: return cursor.u64().flatMap { Int(exactly: $0) }.map { unitStart &+ $0 }
        case DW_FORM_ref_udata: return cursor.uleb().flatMap { Int(exactly: $0) }.map { unitStart &+ $0 }
        default: return nil
        }
    }
}

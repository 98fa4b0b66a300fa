import ArchFixups

/// What a register's value suggests by itself: a NULL pointer, an address
/// just past NULL (a member of a NULL struct pointer), or one of the
/// kernel's poison patterns (`include/linux/poison.h`, slab debugging).
enum RegisterHint {
    /// Values below this are read as NULL plus a member offset (the kernel never maps the first page).
    static let nullPage: UInt64 = 0x1000

    /// - Parameter pointer: the register holds a pointer (a pointer variable,
    ///   or the faulting access's base): only then are 0 and small values read as NULL.
    static func hint(_ value: UInt64, digits: Int, pointer: Bool) -> String? {
        if value < nullPage { return !pointer ? nil : value == 0 ? "NULL" : "NULL+0x" + hex(value) }
        let width = max(8, min(16, digits)) * 4
        let bytes = (0..<(width / 8)).map { UInt8(truncatingIfNeeded: value >> UInt64($0 * 8)) }
        if let byte = bytes.first, bytes.allSatisfy({ $0 == byte }) {
            switch byte {
            case 0x6b: return "slab poison 0x6b: freed object (use after free)"
            case 0x5a: return "slab poison 0x5a: uninitialized object"
            case 0xa5: return "slab poison 0xa5: end of an object"
            case 0xcc: return "0xcc fill: uninitialized (stack or red zone)"
            case 0xbb: return "slab red zone 0xbb: out of bounds"
            case 0xff: return nil
            default: break
            }
        }
        if width == 64 {
            // POISON_POINTER_DELTA: list and hlist poison (0xdead000000000100, …0122).
            if value >> 48 == 0xdead, value & 0xffff_ffff_0000 == 0 {
                switch value & 0xffff {
                case 0x100: return "LIST_POISON1: a deleted list entry's next"
                case 0x122: return "LIST_POISON2: a deleted list entry's prev"
                default: return "poison pointer 0xdead…"
                }
            }
            if value == 0xdead_4ead_0000_0000 || value & 0xffff_ffff_0000_0000 == 0xdead_beef_0000_0000 {
                return "poison value"
            }
        } else if value == 0xdead_beef || value == 0xdead_4ead {
            return "poison value"
        }
        return nil
    }
}

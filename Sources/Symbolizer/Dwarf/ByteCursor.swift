/// Bounds-checked little-endian reader over a section.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    var limit: Int

    init(bytes: UnsafeRawBufferPointer, position: Int) {
        self.bytes = bytes
        self.position = position
        self.limit = bytes.count
    }

    mutating func advance(_ count: Int) -> Bool {
        guard count >= 0, count <= limit - position else { return false }
        position += count
        return true
    }

    mutating func u8() -> UInt8? {
        guard position < limit else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> UInt16? {
        guard limit - position >= 2 else { return nil }
        defer { position += 2 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt16.self)
    }

    mutating func u24() -> UInt32? {
        guard limit - position >= 3 else { return nil }
        defer { position += 3 }
        return UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16
    }

    mutating func u32() -> UInt32? {
        guard limit - position >= 4 else { return nil }
        defer { position += 4 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)
    }

    mutating func u64() -> UInt64? {
        guard limit - position >= 8 else { return nil }
        defer { position += 8 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
    }

    mutating func uleb() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < limit {
            let byte = bytes[position]
            position += 1
            if shift < 64 { result |= UInt64(byte & 0x7f) << shift }
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    mutating func sleb() -> Int64? {
        var result: Int64 = 0
        var shift: Int64 = 0
        while position < limit {
            let byte = bytes[position]
            position += 1
            if shift < 64 { result |= Int64(byte & 0x7f) << shift }
            shift += 7
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 { result |= -(1 << shift) }
                return result
            }
        }
        return nil
    }

    mutating func skipString() -> Bool {
        while position < limit {
            defer { position += 1 }
            if bytes[position] == 0 { return true }
        }
        return false
    }

    /// The NUL-terminated string at `offset` of a string section (`.debug_str`,
    /// `.debug_line_str`, an inline `DW_FORM_string`); `nil` when it is out of
    /// the section or not terminated in it.
    static func string(in section: UnsafeRawBufferPointer, at offset: Int) -> String? {
        guard offset >= 0, offset < section.count else { return nil }
        let tail = UnsafeRawBufferPointer(rebasing: section[offset...])
        guard let end = tail.firstIndex(of: 0) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: tail[..<end]), as: UTF8.self)
    }
}

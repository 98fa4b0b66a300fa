/// Lower-case hex without a prefix: `hex(0xbf80000e)` is `bf80000e`.
func hex(_ value: UInt64) -> String {
    // Every printed frame has a few: `String(_:radix:)` costs some 450 instructions a call.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
        String(decoding: UnsafeBufferPointer(rebasing: buffer[..<writeHex(value, into: buffer)]), as: UTF8.self)
    }
}

/// `value`'s lower-case hex digits (no `0x`) appended to `bytes`.
func appendHex(_ value: UInt64, to bytes: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<writeHex(value, into: buffer)]))
    }
}

/// Writes `value`'s lower-case hex digits at the start of `buffer` (16 bytes at least): how many.
private func writeHex(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
    let count = max(1, (64 - value.leadingZeroBitCount + 3) / 4)
    var rest = value
    for index in stride(from: count - 1, through: 0, by: -1) {
        buffer[index] = hexDigits[Int(rest & 0xf)]
        rest >>= 4
    }
    return count
}

/// `byte` as two lower-case hex digits appended to `bytes`.
func appendHexByte(_ byte: UInt8, to bytes: inout [UInt8]) {
    bytes.append(hexDigits[Int(byte >> 4)])
    bytes.append(hexDigits[Int(byte & 15)])
}

/// Two lower-case hex digits a byte (a build id's spelling).
func hexBytes(_ bytes: some Collection<UInt8>) -> String {
    var digits: [UInt8] = []
    digits.reserveCapacity(bytes.count * 2)
    for byte in bytes { appendHexByte(byte, to: &digits) }
    return String(decoding: digits, as: UTF8.self)
}

private let hexDigits = Array("0123456789abcdef".utf8)

/// `0x…`, or `nil` for `nil`.
func hexString(_ value: UInt64?) -> String? { value.map { "0x" + String($0, radix: 16) } }

/// `0x1f`, `1F`: at most 16 hex digits, an optional `0x`.
func parseHex(_ text: some StringProtocol) -> UInt64? {
    // On the bytes: every snapshot line and printed address comes through here.
    ByteSearch.withBytes(text) { parseHex($0) }
}

/// `parseHex` on UTF-8 bytes.
func parseHex(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
    var index = 0
    if bytes.count >= 2, bytes[0] == UInt8(ascii: "0"), bytes[1] | 0x20 == UInt8(ascii: "x") { index = 2 }
    guard index < bytes.count, bytes.count - index <= 16 else { return nil }
    var value: UInt64 = 0
    while index < bytes.count {
        guard let digit = Cursor.hexValue(bytes[index]) else { return nil }
        value = value << 4 | digit
        index += 1
    }
    return value
}

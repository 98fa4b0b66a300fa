/// Lower-case hex without a prefix: `hex(0xbf80000e)` is `bf80000e`.
func hex(_ value: UInt64) -> String { String(value, radix: 16) }

/// Two lower-case hex digits.
func hexByte(_ byte: UInt8) -> String {
    String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 15)]], as: UTF8.self)
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

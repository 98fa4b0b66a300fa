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
    var digits = Substring(text)
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
    guard !digits.isEmpty, digits.utf8.count <= 16 else { return nil }
    return UInt64(digits, radix: 16)
}

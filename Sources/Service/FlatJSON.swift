/// A reader for the request's JSON body: one object whose values are
/// strings, `null`, or objects of strings (RFC 8259; other values are read
/// and reported by their kind, for the caller's error message).
///
/// Why not `JSONDecoder`: a log travels as one long string full of escapes
/// (`\r\n` on every line of a serial capture), which Foundation's decoder
/// builds a character run at a time; this reader copies the runs between
/// escapes whole. It was a fifth of a warm request's work.
struct FlatJSON {
    /// A value of the top-level object.
    enum Value: Equatable {
        case string(String)
        case object([String: Value])
        case null
        /// A number, `true`/`false` or an array: read, but not a value any field takes.
        case other(String)
    }

    /// Why the body is not JSON, with the byte offset.
    struct Malformed: Error {
        var message: String
    }

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    /// The top-level object's members, in order (a key given twice: the last value wins, as JSONDecoder's).
    static func object(_ bytes: [UInt8]) throws(Malformed) -> [(key: String, value: Value)] {
        var reader = FlatJSON(bytes: bytes)
        reader.skipBlanks()
        guard reader.peek == UInt8(ascii: "{") else { throw reader.malformed("expected an object") }
        let members = try reader.members()
        reader.skipBlanks()
        guard reader.position == bytes.count else { throw reader.malformed("unexpected text after the object") }
        return members
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func malformed(_ what: String) -> Malformed { Malformed(message: "\(what) at byte \(position)") }

    private mutating func skipBlanks() {
        while let byte = peek, byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 { position += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        skipBlanks()
        guard peek == byte else { throw malformed("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    /// `{ "key": value, … }`, from its `{`.
    private mutating func members() throws(Malformed) -> [(key: String, value: Value)] {
        depth += 1
        guard depth <= 64 else { throw malformed("nested too deeply") }
        defer { depth -= 1 }
        try expect(UInt8(ascii: "{"))
        var members: [(key: String, value: Value)] = []
        skipBlanks()
        if peek == UInt8(ascii: "}") {
            position += 1
            return members
        }
        while true {
            skipBlanks()
            guard peek == UInt8(ascii: "\"") else { throw malformed("expected a key") }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            members.append((key, try value()))
            skipBlanks()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return members
            default: throw malformed("expected ',' or '}'")
            }
        }
    }

    private mutating func value() throws(Malformed) -> Value {
        skipBlanks()
        switch peek {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"):
            var object: [String: Value] = [:]
            for member in try members() { object[member.key] = member.value }
            return .object(object)
        case UInt8(ascii: "["):
            try array()
            return .other("an array")
        case UInt8(ascii: "t"): try literal("true"); return .other("a boolean")
        case UInt8(ascii: "f"): try literal("false"); return .other("a boolean")
        case UInt8(ascii: "n"): try literal("null"); return .null
        case let byte? where byte == UInt8(ascii: "-") || (byte >= 0x30 && byte <= 0x39):
            try number()
            return .other("a number")
        default: throw malformed("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Malformed) {
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { wanted in
            position + count <= bytes.count && (0..<count).allSatisfy { bytes[position + $0] == wanted[$0] }
        }
        guard matches else { throw malformed("expected a value") }
        position += count
    }

    private mutating func number() throws(Malformed) {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        func digits() -> Int {
            let first = position
            while let byte = peek, byte >= 0x30, byte <= 0x39 { position += 1 }
            return position - first
        }
        guard digits() > 0 else { throw malformed("expected a digit") }
        if peek == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw malformed("expected a digit") }
        }
        if let byte = peek, byte | 0x20 == UInt8(ascii: "e") {
            position += 1
            if let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw malformed("expected a digit") }
        }
        if bytes[start] == UInt8(ascii: "0") || (bytes[start] == UInt8(ascii: "-") && bytes[start + 1] == UInt8(ascii: "0")) {
            // No leading zeros: "0", "-0.5", not "012".
            let afterZero = bytes[start] == UInt8(ascii: "-") ? start + 2 : start + 1
            if afterZero < position, bytes[afterZero] >= 0x30, bytes[afterZero] <= 0x39 { throw malformed("leading zero in a number") }
        }
    }

    private mutating func array() throws(Malformed) {
        depth += 1
        guard depth <= 64 else { throw malformed("nested too deeply") }
        defer { depth -= 1 }
        position += 1
        skipBlanks()
        if peek == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            _ = try value()
            skipBlanks()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return
            default: throw malformed("expected ',' or ']'")
            }
        }
    }

    /// A string, from its opening quote: runs between escapes copied whole.
    private mutating func string() throws(Malformed) -> String {
        position += 1
        let start = position
        position = bytes.withUnsafeBufferPointer { Self.runEnd(in: $0, from: start) }
        if peek == UInt8(ascii: "\"") {
            // No escape in the string: its bytes are the text.
            position += 1
            guard let text = String(validating: bytes[start..<position - 1], as: UTF8.self) else {
                throw malformed("a string that is not UTF-8")
            }
            return text
        }
        var utf8: [UInt8] = []
        position = start
        while true {
            let from = position
            let (stop, at) = bytes.withUnsafeBufferPointer { Self.decode(from: from, of: $0, into: &utf8) }
            position = at
            switch stop {
            case .quote:
                position += 1
                guard let text = String(validating: utf8, as: UTF8.self) else { throw malformed("a string that is not UTF-8") }
                return text
            case .unicodeEscape: try unicodeEscape(into: &utf8)
            case .end: throw malformed("unterminated string")
            case .controlCharacter: throw malformed("a control character in a string")
            case .unknownEscape: throw malformed("an unknown escape")
            }
        }
    }

    /// Why ``decode(from:of:into:)`` stopped.
    private enum Stop { case quote, unicodeEscape, end, controlCharacter, unknownEscape }

    /// Decodes a string's runs and one-letter escapes into `utf8` from `start`, in one pass over
    /// the bytes (a log is one long string with an escape on every line); stops at the closing
    /// quote, at a `\u` escape (at its `u`) or at what is wrong (where the error is reported).
    private static func decode(
        from start: Int, of bytes: UnsafeBufferPointer<UInt8>, into utf8: inout [UInt8]
    ) -> (Stop, Int) {
        var index = start
        while true {
            let end = runEnd(in: bytes, from: index)
            utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
            index = end
            guard index < bytes.count else { return (.end, index) }
            switch bytes[index] {
            case UInt8(ascii: "\""): return (.quote, index)
            case UInt8(ascii: "\\"): break
            default: return (.controlCharacter, index)
            }
            guard index + 1 < bytes.count else { return (.end, index + 1) }
            switch bytes[index + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(bytes[index + 1])
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0c)
            case UInt8(ascii: "n"): utf8.append(0x0a)
            case UInt8(ascii: "r"): utf8.append(0x0d)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"): return (.unicodeEscape, index + 1)
            default: return (.unknownEscape, index + 2)
            }
            index += 2
        }
    }

    /// Where the run of plain string bytes from `start` ends: at a `"`, a `\\` or a
    /// control character. Eight bytes at a time (a log is one long string): a word
    /// with none of them is passed whole.
    private static func runEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        /// A high bit set in each byte of `word` that is below `limit` (at most 0x80).
        func below(_ word: UInt64, _ limit: UInt64) -> UInt64 { (word &- ones &* limit) & ~word & highs }
        var end = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while end + 8 <= bytes.count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: end, as: UInt64.self))
                let stops = below(word, 0x20) | below(word ^ (ones &* 0x22), 1) | below(word ^ (ones &* 0x5c), 1)
                if stops != 0 { break }
                end += 8
            }
        }
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            end += 1
        }
        return end
    }

    /// A `\\uXXXX` escape, from its `u` (and the low half of a surrogate pair after it).
    private mutating func unicodeEscape(into utf8: inout [UInt8]) throws(Malformed) {
        position += 1
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            // A high surrogate: its low one must follow as another \u escape.
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
            else { throw malformed("a lone surrogate in a \\u escape") }
            position += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw malformed("a lone surrogate in a \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw malformed("a lone surrogate in a \\u escape")
        }
        utf8.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
    }

    private mutating func hex4() throws(Malformed) -> UInt32 {
        guard position + 4 <= bytes.count else { throw malformed("a short \\u escape") }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x61...0x66: digit = byte - 0x61 + 10
            case 0x41...0x46: digit = byte - 0x41 + 10
            default: throw malformed("a bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }
}

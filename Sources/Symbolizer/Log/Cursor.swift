import ArchFixups

/// A byte cursor over a message's bytes, in place: make it inside
/// `withUTF8Bytes` (a parser runs over every line), and keep nothing of it after.
struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var atEnd: Bool { position >= bytes.count }
    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func reset() { position = 0 }

    mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
    }

    /// Takes `literal` when the bytes at the cursor are its. Literals come
    /// here (a parser tries a dozen on every line): most fail at the first byte.
    mutating func consume(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let matches = literal.withUTF8Buffer { buffer in
            for i in 0..<count where bytes[position + i] != buffer[i] { return false }
            return true
        }
        if matches { position += count }
        return matches
    }

    /// Whether `literal` is somewhere at or after the cursor.
    func restContains(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { needle in ByteSearch.firstOffset(of: needle, in: bytes, from: position) != nil }
    }

    /// Past a run of non-space, non-colon bytes.
    mutating func skipWord() {
        while position < bytes.count, bytes[position] != 0x20, bytes[position] != 0x3a, bytes[position] != 0x09 {
            position += 1
        }
    }

    func text(from start: Int) -> String { String(decoding: bytes[start..<position], as: UTF8.self) }
    func substring(_ start: Int, _ end: Int) -> String { String(decoding: bytes[start..<end], as: UTF8.self) }

    static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case 0x30...0x39: return UInt64(byte - 0x30)
        case 0x61...0x66: return UInt64(byte - 0x61 + 10)
        case 0x41...0x46: return UInt64(byte - 0x41 + 10)
        default: return nil
        }
    }

    /// `0x…` (or bare hex digits when `requirePrefix` is false), at most 16 digits.
    mutating func hexNumber(requirePrefix: Bool = false) -> UInt64? {
        let start = position
        if position + 1 < bytes.count, bytes[position] == 0x30, bytes[position + 1] == 0x78 {
            position += 2
        } else if requirePrefix {
            return nil
        }
        var value: UInt64 = 0
        var digits = 0
        while position < bytes.count, let digit = Cursor.hexValue(bytes[position]) {
            value = value << 4 | digit
            digits += 1
            position += 1
            if digits > 16 { position = start; return nil }
        }
        guard digits > 0 else { position = start; return nil }
        return value
    }

    /// `[<hex>]` or `[hex]`.
    mutating func bracketedAddress() -> UInt64? {
        let start = position
        guard consume("[") else { return nil }
        let angled = consume("<")
        guard let value = hexNumber(), (!angled || consume(">")), consume("]") else {
            position = start
            return nil
        }
        return value
    }

    /// `name+0xoff/0xsize`, `name+0xoff`, optional ` [module]` or ` [module buildid]`.
    /// With `allowBareName`, also a name alone (`(func [mod])` in ARM backtraces).
    mutating func symbolExpression(allowBareName: Bool = false) -> PrintedSymbol? {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x2b || byte == 0x20 || byte == 0x29 || byte == 0x28 || byte == 0x5b || byte == 0x5d
                || byte == 0x09 || byte == 0x2f || byte == 0x3a || byte == 0x2c || byte == 0x3c || byte == 0x3e
            {
                break
            }
            position += 1
        }
        guard position > start else { return nil }
        let nameEnd = position
        var offset: UInt64?
        var size: UInt64?
        if consume("+") {
            guard let value = hexNumber(requirePrefix: true) else { position = start; return nil }
            offset = value
            if consume("/") {
                guard let value = hexNumber(requirePrefix: true) else { position = start; return nil }
                size = value
            }
        } else if !allowBareName {
            position = start
            return nil
        }
        // The name is made only for a symbol: this is tried on every word of every line.
        let name = String(decoding: bytes[start..<nameEnd], as: UTF8.self)
        if !allowBareName, !name.first.map(isSymbolStart)! {
            position = start
            return nil
        }
        var module: String?
        var buildID: String?
        let beforeModule = position
        if consume(" [") {
            let moduleStart = position
            while position < bytes.count, bytes[position] != 0x5d, bytes[position] != 0x20 { position += 1 }
            if position > moduleStart {
                module = String(decoding: bytes[moduleStart..<position], as: UTF8.self)
                if consume(" ") {
                    let idStart = position
                    while position < bytes.count, Cursor.hexValue(bytes[position]) != nil { position += 1 }
                    buildID = position > idStart ? String(decoding: bytes[idStart..<position], as: UTF8.self) : nil
                }
            }
            if !consume("]") || module == nil || !isModuleName(module!) {
                position = beforeModule
                module = nil
                buildID = nil
            }
        }
        return PrintedSymbol(name: name, offset: offset, size: size, module: module, buildID: buildID)
    }

    /// A source position after a frame: `fs/file.c:12`, `fs/file.c:12 [inline]`,
    /// `(fs/file.c:12)`, `(fs/file.c:12 (discriminator 3))`, and what follows
    /// it in ksymbolize's own text output (` (inlined_function)`).
    mutating func printedLocation() -> PrintedLocation? {
        let start = position
        let parenthesized = consume("(")
        let pathStart = position
        while position < bytes.count, bytes[position] != 0x20, bytes[position] != 0x29, bytes[position] != 0x28 {
            position += 1
        }
        let token = bytes[pathStart..<position]
        guard let colon = token.lastIndex(of: 0x3a), colon > pathStart else { position = start; return nil }
        let path = bytes[pathStart..<colon]
        let digits = bytes[(colon + 1)..<position]
        guard !digits.isEmpty, digits.count <= 7, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let dot = path.lastIndex(of: 0x2e), dot > pathStart, dot + 1 < colon,
            path[(dot + 1)...].allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x41 && $0 <= 0x5a) }),
            path.allSatisfy({ $0 > 0x20 && $0 != 0x5b && $0 != 0x5d && $0 != 0x3c && $0 != 0x3e })
        else { position = start; return nil }
        let line = Int(String(decoding: digits, as: UTF8.self)) ?? 0
        var inlined = false
        if parenthesized {
            if consume(" (discriminator ") {
                while position < bytes.count, bytes[position] != 0x29 { position += 1 }
                guard consume(")") else { position = start; return nil }
            }
            guard consume(")") else { position = start; return nil }
        }
        let beforeTail = position
        skipSpaces()
        if consume("[inline]") {
            inlined = true
        } else if consume("(") {
            // ksymbolize's own annotation: "file:line (inlined_function)".
            let nameStart = position
            while position < bytes.count, bytes[position] != 0x29, bytes[position] != 0x20 { position += 1 }
            if position == nameStart || !consume(")") { position = beforeTail }
        } else {
            position = beforeTail
        }
        return PrintedLocation(file: String(decoding: path, as: UTF8.self), line: line, inlined: inlined)
    }

    private func isSymbolStart(_ character: Character) -> Bool {
        character.isLetter || character == "_" || character == "." || character == "$"
    }

    private func isModuleName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == 0x5f || byte == 0x2d
        }
    }
}

/// Demangles the C++ and Rust symbol names that appear in kernel stack traces, without
/// parameters (`_Z8fakeNameiii` → `fakeName`,
/// `_RNvXs1_Cs…_11ashmem_rustNtB5_6AshmemNt…10MiscDevice4mmap` →
/// `<ashmem_rust::Ashmem as kernel::miscdevice::MiscDevice>::mmap`).
///
/// Covers Itanium names (plain, nested, `std::`) and Rust v0 paths with their types; anything
/// else (templates, operators, substitutions, closures' signatures…) is returned unchanged.
enum SymbolDemangler {
    static func demangle(_ name: String) -> String {
        if name.hasPrefix("_Z") {
            var itanium = ItaniumName(name)
            return itanium.demangled() ?? name
        }
        if name.hasPrefix("_R") {
            var rust = RustV0Name(name)
            return rust.demangled() ?? name
        }
        return name
    }
}

/// Just enough of the Itanium C++ ABI mangling for function names.
private struct ItaniumName {
    var bytes: [UInt8]
    var position = 2

    init(_ name: String) { bytes = Array(name.utf8) }

    mutating func demangled() -> String? {
        if peek == UInt8(ascii: "L") { position += 1 }  // internal linkage
        if peek == UInt8(ascii: "N") {
            position += 1
            while let byte = peek, "rVKRO".utf8.contains(byte) { position += 1 }  // cv/ref qualifiers
            var parts: [String] = []
            if consume("St") { parts.append("std") }
            while peek != UInt8(ascii: "E") {
                guard let part = sourceName() else { return nil }
                parts.append(part)
            }
            return parts.isEmpty ? nil : parts.joined(separator: "::")
        }
        let std = consume("St")
        guard let name = sourceName() else { return nil }
        // What follows is the parameter list (or a template/ABI tag we do not print).
        return std ? "std::" + name : name
    }

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func consume(_ text: String) -> Bool {
        let expected = Array(text.utf8)
        guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected
        else { return false }
        position += expected.count
        return true
    }

    /// `<length><identifier>`
    mutating func sourceName() -> String? {
        var length = 0
        var digits = 0
        while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            position += 1
            if length > bytes.count { return nil }
        }
        guard digits > 0, length > 0, position + length <= bytes.count else { return nil }
        defer { position += length }
        return String(decoding: bytes[position..<position + length], as: UTF8.self)
    }
}

/// The Rust v0 mangling (RFC 2603): paths, generic arguments and types; no punycode.
private struct RustV0Name {
    var bytes: [UInt8]
    /// Offsets of back references count from just after `_R`.
    let base = 2
    var position = 2
    var depth = 0

    init(_ name: String) { bytes = Array(name.utf8) }

    mutating func demangled() -> String? {
        // An optional encoding version, then the path; the instantiating crate is not printed.
        while let byte = peek, isDigit(byte) { position += 1 }
        return path()
    }

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func next() -> UInt8? {
        guard let byte = peek else { return nil }
        position += 1
        return byte
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `{0-9a-zA-Z} _`: `_` is 0, otherwise the digits' value plus one.
    mutating func base62() -> Int? {
        if peek == UInt8(ascii: "_") {
            position += 1
            return 0
        }
        var value = 0
        while let byte = next() {
            if byte == UInt8(ascii: "_") { return value + 1 }
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = Int(byte - UInt8(ascii: "A")) + 36
            default: return nil
            }
            // Crate hashes overflow 64 bits; only back references need the exact (small) value.
            value = value &* 62 &+ digit
        }
        return nil
    }

    /// `[s <base62>]`
    mutating func disambiguator() -> Int? {
        guard peek == UInt8(ascii: "s") else { return 0 }
        position += 1
        return base62().map { $0 + 1 }
    }

    /// `[disambiguator] [u] <decimal> [_] <bytes>`
    mutating func identifier() -> String? {
        guard disambiguator() != nil else { return nil }
        if peek == UInt8(ascii: "u") { return nil }  // punycode: not supported
        var length = 0
        var digits = 0
        while let byte = peek, isDigit(byte) {
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            position += 1
            if length > bytes.count { return nil }
        }
        guard digits > 0 else { return nil }
        if peek == UInt8(ascii: "_") { position += 1 }
        guard position + length <= bytes.count else { return nil }
        defer { position += length }
        return String(decoding: bytes[position..<position + length], as: UTF8.self)
    }

    /// Follows a back reference `B <base62>` with `body`, then resumes after it.
    mutating func backref<T>(_ body: (inout RustV0Name) -> T?) -> T? {
        guard let offset = base62(), offset >= 0, base + offset < position else { return nil }
        let resume = position
        position = base + offset
        let result = body(&self)
        position = resume
        return result
    }

    mutating func path() -> String? {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64, let tag = next() else { return nil }
        switch tag {
        case UInt8(ascii: "C"):
            return identifier()
        case UInt8(ascii: "N"):
            guard let namespace = next(), let parent = path(), let disambiguator = peekDisambiguator(),
                let name = identifier()
            else { return nil }
            if namespace >= UInt8(ascii: "A") && namespace <= UInt8(ascii: "Z") {
                let kind = namespace == UInt8(ascii: "C") ? "closure" : "shim:" + String(UnicodeScalar(namespace))
                return parent + "::{" + kind + (name.isEmpty ? "" : ":" + name) + "#\(disambiguator)}"
            }
            return parent + "::" + name
        case UInt8(ascii: "M"):
            guard disambiguator() != nil, path() != nil, let type = type() else { return nil }
            return "<" + type + ">"
        case UInt8(ascii: "X"):
            guard disambiguator() != nil, path() != nil, let type = type(), let trait = path() else { return nil }
            return "<" + type + " as " + trait + ">"
        case UInt8(ascii: "Y"):
            guard let type = type(), let trait = path() else { return nil }
            return "<" + type + " as " + trait + ">"
        case UInt8(ascii: "I"):
            guard let base = path() else { return nil }
            var arguments: [String] = []
            while peek != UInt8(ascii: "E") {
                guard let argument = genericArgument() else { return nil }
                arguments.append(argument)
            }
            position += 1
            return base + "::<" + arguments.joined(separator: ", ") + ">"
        case UInt8(ascii: "B"):
            return backref { $0.path() }
        default:
            return nil
        }
    }

    /// The disambiguator of the identifier that follows, without consuming it.
    mutating func peekDisambiguator() -> Int? {
        let start = position
        defer { position = start }
        return disambiguator()
    }

    mutating func genericArgument() -> String? {
        switch peek {
        case UInt8(ascii: "L"):
            position += 1
            return base62().map { $0 == 0 ? "'_" : "'\($0)" }
        case UInt8(ascii: "K"):
            position += 1
            return constant()
        default:
            return type()
        }
    }

    static let basicTypes: [UInt8: String] = [
        UInt8(ascii: "a"): "i8", UInt8(ascii: "b"): "bool", UInt8(ascii: "c"): "char", UInt8(ascii: "d"): "f64",
        UInt8(ascii: "e"): "str", UInt8(ascii: "f"): "f32", UInt8(ascii: "h"): "u8", UInt8(ascii: "i"): "isize",
        UInt8(ascii: "j"): "usize", UInt8(ascii: "l"): "i32", UInt8(ascii: "m"): "u32", UInt8(ascii: "n"): "i128",
        UInt8(ascii: "o"): "u128", UInt8(ascii: "s"): "i16", UInt8(ascii: "t"): "u16", UInt8(ascii: "u"): "()",
        UInt8(ascii: "v"): "...", UInt8(ascii: "x"): "i64", UInt8(ascii: "y"): "u64", UInt8(ascii: "z"): "!",
        UInt8(ascii: "p"): "_",
    ]

    mutating func type() -> String? {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64, let tag = peek else { return nil }
        if let basic = RustV0Name.basicTypes[tag] {
            position += 1
            return basic
        }
        switch tag {
        case UInt8(ascii: "R"), UInt8(ascii: "Q"):
            position += 1
            if peek == UInt8(ascii: "L") {
                position += 1
                guard base62() != nil else { return nil }
            }
            guard let inner = type() else { return nil }
            return (tag == UInt8(ascii: "R") ? "&" : "&mut ") + inner
        case UInt8(ascii: "P"), UInt8(ascii: "O"):
            position += 1
            guard let inner = type() else { return nil }
            return (tag == UInt8(ascii: "P") ? "*const " : "*mut ") + inner
        case UInt8(ascii: "A"):
            position += 1
            guard let element = type(), let length = constant() else { return nil }
            return "[" + element + "; " + length + "]"
        case UInt8(ascii: "S"):
            position += 1
            return type().map { "[" + $0 + "]" }
        case UInt8(ascii: "T"):
            position += 1
            var elements: [String] = []
            while peek != UInt8(ascii: "E") {
                guard let element = type() else { return nil }
                elements.append(element)
            }
            position += 1
            return "(" + elements.joined(separator: ", ") + (elements.count == 1 ? ",)" : ")")
        case UInt8(ascii: "B"):
            position += 1
            return backref { $0.type() }
        default:
            return path()
        }
    }

    /// `<type> <hex digits> _`, `p` (placeholder) or a back reference; printed as a number.
    mutating func constant() -> String? {
        if peek == UInt8(ascii: "B") {
            position += 1
            return backref { $0.constant() }
        }
        if peek == UInt8(ascii: "p") {
            position += 1
            return "_"
        }
        guard let kind = next() else { return nil }
        var negative = false
        if peek == UInt8(ascii: "n") {
            negative = true
            position += 1
        }
        var value: UInt64 = 0
        while let byte = next() {
            if byte == UInt8(ascii: "_") {
                switch kind {
                case UInt8(ascii: "b"): return value == 0 ? "false" : "true"
                default: return (negative ? "-" : "") + String(value)
                }
            }
            guard let digit = Int(String(UnicodeScalar(byte)), radix: 16), value < UInt64.max >> 4 else { return nil }
            value = value << 4 | UInt64(digit)
        }
        return nil
    }
}

extension PerlRegex {
    /// Recursive descent over the pattern's bytes (see ``PerlRegex`` for the syntax).
    struct Parser {
        let bytes: [UInt8]
        let extended: Bool
        let pattern: String
        var index = 0
        var caseless = false

        init(bytes: [UInt8], extended: Bool, pattern: String) {
            self.bytes = bytes
            self.extended = extended
            self.pattern = pattern
        }

        static let word: ByteSet = {
            var set = ByteSet()
            set.insert(UInt8(ascii: "a")...UInt8(ascii: "z"))
            set.insert(UInt8(ascii: "A")...UInt8(ascii: "Z"))
            set.insert(UInt8(ascii: "0")...UInt8(ascii: "9"))
            set.insert(UInt8(ascii: "_"))
            return set
        }()
        static let space: ByteSet = {
            var set = ByteSet()
            for byte: UInt8 in [9, 10, 11, 12, 13, 32] { set.insert(byte) }
            return set
        }()
        static let digit: ByteSet = {
            var set = ByteSet()
            set.insert(UInt8(ascii: "0")...UInt8(ascii: "9"))
            return set
        }()
        static let notNewline: ByteSet = {
            var set = ByteSet.all
            set.remove(10)
            return set
        }()

        func error(_ reason: String) -> PatternError { PatternError(pattern: pattern, reason: reason) }

        var atEnd: Bool { index >= bytes.count }

        mutating func skipExtendedBlanks() {
            guard extended else { return }
            while index < bytes.count {
                if Self.space.contains(bytes[index]) {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != 10 { index += 1 }
                } else {
                    return
                }
            }
        }

        /// alternatives := sequence ('|' sequence)*, up to an unmatched `)` or the end.
        mutating func parseAlternatives() throws(PatternError) -> [Node] {
            let saved = caseless
            defer { caseless = saved }
            var alternatives: [[Node]] = [try parseSequence()]
            while !atEnd, bytes[index] == UInt8(ascii: "|") {
                index += 1
                alternatives.append(try parseSequence())
            }
            return alternatives.count == 1 ? alternatives[0] : [.group(alternatives)]
        }

        mutating func parseSequence() throws(PatternError) -> [Node] {
            var sequence: [Node] = []
            while true {
                skipExtendedBlanks()
                if atEnd || bytes[index] == UInt8(ascii: "|") || bytes[index] == UInt8(ascii: ")") { return sequence }
                guard let atom = try parseAtom() else { continue }
                skipExtendedBlanks()
                sequence.append(try parseQuantifier(atom))
            }
        }

        /// One atom, or `nil` for `(?i)` (which only changes what follows).
        mutating func parseAtom() throws(PatternError) -> Node? {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "."): return .bytes(Self.notNewline)
            case UInt8(ascii: "^"): return .assertion(.start)
            case UInt8(ascii: "$"): return .assertion(.end)
            case UInt8(ascii: "["): return .bytes(try parseClass())
            case UInt8(ascii: "\\"): return try parseEscape(inClass: false)
            case UInt8(ascii: "("): return try parseGroup()
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                throw error("quantifier '\(Character(Unicode.Scalar(byte)))' with nothing before it")
            default: return .bytes(literal(byte))
            }
        }

        mutating func parseGroup() throws(PatternError) -> Node? {
            let saved = caseless
            if bytes[index...].starts(with: Array("?i)".utf8)) {
                index += 3
                caseless = true
                return nil
            }
            if bytes[index...].starts(with: Array("?:".utf8)) {
                index += 2
            } else if bytes[index...].starts(with: Array("?i:".utf8)) {
                index += 3
                caseless = true
            } else if !atEnd, bytes[index] == UInt8(ascii: "?") {
                throw error("unsupported group '(?\(String(decoding: bytes[(index + 1)...].prefix(2), as: UTF8.self))'")
            }
            let inner = try parseAlternatives()
            caseless = saved
            guard !atEnd, bytes[index] == UInt8(ascii: ")") else { throw error("missing ')'") }
            index += 1
            return .group([inner])
        }

        mutating func parseQuantifier(_ atom: Node) throws(PatternError) -> Node {
            guard !atEnd else { return atom }
            var bounds: (Int, Int)?
            switch bytes[index] {
            case UInt8(ascii: "?"): bounds = (0, 1)
            case UInt8(ascii: "*"): bounds = (0, .max)
            case UInt8(ascii: "+"): bounds = (1, .max)
            case UInt8(ascii: "{"):
                // `{n}`, `{n,}`, `{n,m}`; anything else is a literal `{` in Perl.
                let close = bytes[index...].firstIndex(of: UInt8(ascii: "}"))
                let inside = close.map { String(decoding: bytes[(index + 1)..<$0], as: UTF8.self) } ?? ""
                let parts = inside.split(separator: ",", omittingEmptySubsequences: false)
                if let close, (1...2).contains(parts.count), let low = Int(parts[0]) {
                    let high = parts.count == 1 ? low : (parts[1].isEmpty ? .max : Int(parts[1]))
                    if let high, high >= low {
                        bounds = (low, high)
                        index = close
                    }
                }
            default: break
            }
            guard let (low, high) = bounds else { return atom }
            if case .assertion = atom { throw error("quantifier after an anchor") }
            index += 1
            if !atEnd, bytes[index] == UInt8(ascii: "?") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            return .repetition(atom, min: low, max: high)
        }

        func literal(_ byte: UInt8) -> ByteSet {
            var set = ByteSet()
            set.insert(byte)
            if caseless, let other = Self.otherCase(byte) { set.insert(other) }
            return set
        }

        static func otherCase(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - 32
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte + 32
            default: return nil
            }
        }

        /// What a `\` escape stands for.
        enum Escape {
            case byte(UInt8)
            case set(ByteSet)
            case assertion(Assertion)
        }

        /// After a `\`: a class, an assertion or a literal byte.
        mutating func parseEscape(inClass: Bool) throws(PatternError) -> Node {
            switch try escape(inClass: inClass) {
            case .byte(let byte): return .bytes(literal(byte))
            case .set(let set): return .bytes(set)
            case .assertion(let assertion): return .assertion(assertion)
            }
        }

        mutating func escape(inClass: Bool) throws(PatternError) -> Escape {
            guard !atEnd else { throw error("'\\' at the end") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "w"): return .set(Self.word)
            case UInt8(ascii: "W"): return .set(Self.word.inverted())
            case UInt8(ascii: "s"): return .set(Self.space)
            case UInt8(ascii: "S"): return .set(Self.space.inverted())
            case UInt8(ascii: "d"): return .set(Self.digit)
            case UInt8(ascii: "D"): return .set(Self.digit.inverted())
            case UInt8(ascii: "b") where !inClass: return .assertion(.wordBoundary)
            case UInt8(ascii: "B") where !inClass: return .assertion(.notWordBoundary)
            case UInt8(ascii: "b"): return .byte(8)
            case UInt8(ascii: "t"): return .byte(9)
            case UInt8(ascii: "n"): return .byte(10)
            case UInt8(ascii: "r"): return .byte(13)
            case UInt8(ascii: "f"): return .byte(12)
            case UInt8(ascii: "e"): return .byte(27)
            case UInt8(ascii: "x"):
                let digits = bytes[index...].prefix(2).prefix { Self.isHexDigit($0) }
                guard let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 16) else {
                    throw error("bad '\\x' escape")
                }
                index += digits.count
                return .byte(value)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                throw error("unsupported escape '\\\(Character(Unicode.Scalar(byte)))'")
            default: return .byte(byte)
            }
        }

        static func isHexDigit(_ byte: UInt8) -> Bool {
            Self.digit.contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
        }

        /// After a `[`: the class up to its `]`.
        mutating func parseClass() throws(PatternError) -> ByteSet {
            var set = ByteSet()
            var negated = false
            if !atEnd, bytes[index] == UInt8(ascii: "^") {
                negated = true
                index += 1
            }
            var first = true
            while true {
                guard !atEnd else { throw error("missing ']'") }
                var byte = bytes[index]
                if byte == UInt8(ascii: "]") && !first { break }
                first = false
                index += 1
                if byte == UInt8(ascii: "\\") {
                    switch try escape(inClass: true) {
                    case .byte(let escaped): byte = escaped
                    case .set(let escaped):
                        set.formUnion(escaped)
                        continue
                    case .assertion: throw error("assertion in class")
                    }
                }
                if isRangeStart() {
                    index += 1
                    var high = bytes[index]
                    index += 1
                    if high == UInt8(ascii: "\\") {
                        guard case .byte(let escaped) = try escape(inClass: true) else {
                            throw error("bad range in class")
                        }
                        high = escaped
                    }
                    guard high >= byte else { throw error("invalid range in class") }
                    for member in byte...high { set.formUnion(literal(member)) }
                } else {
                    set.formUnion(literal(byte))
                }
            }
            index += 1
            return negated ? set.inverted() : set
        }

        /// A `-` followed by something other than the closing `]`.
        func isRangeStart() -> Bool {
            index + 1 < bytes.count && bytes[index] == UInt8(ascii: "-") && bytes[index + 1] != UInt8(ascii: "]")
        }
    }
}

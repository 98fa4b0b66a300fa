/// Finds the frames in one kernel message, for every architecture's syntax.
///
/// | syntax | example |
/// |---|---|
/// | x86 register dump | `RIP: 0010:crash_null_deref+0x5/0x20 [crashmod]` |
/// | ARM register dump | `PC is at crash+0x10/0x28 [crashmod]`, `LR is at …` |
/// | register dump with raw values | `pc : [<bf000010>]    lr : [<bf0000a0>]    psr: 60000013` |
/// | arm64/riscv/mips register dump | `pc : crash+0x10/0x20 [crashmod]`, `epc : …`, `ra : …` |
/// | ARM backtrace | `[<bf000010>] (crash [crashmod]) from [<bf0000a0>] (caller+0x50/0x100 [crashmod])` |
/// | call trace | ` crash_write+0x7c/0xf0 [crashmod]`, ` ? func+0x1/0x2`, `[<ffffffff8100>] func+…` |
/// | powerpc call trace | `[c0000000012fbc20] [c0000000000a1234] func+0x64/0x130 (unreliable)` |
/// | s390 call trace | ` ([<000000000012345a>] func+0x1a/0x30)` |
public enum FrameParser {
    /// The frames in `message` (prefixes already stripped). Empty when the
    /// line holds none.
    public static func frames(in message: Substring) -> [ParsedFrame] {
        var cursor = Cursor(message)
        cursor.skipSpaces()
        if cursor.atEnd { return [] }
        if let frames = registerLine(&cursor) { return frames }
        cursor.reset()
        cursor.skipSpaces()
        if let frames = armBacktrace(&cursor) { return frames }
        cursor.reset()
        cursor.skipSpaces()
        if let frame = traceEntry(&cursor) { return [frame] }
        return []
    }

    // MARK: Register dumps

    private static func registerLine(_ cursor: inout Cursor) -> [ParsedFrame]? {
        let start = cursor.position
        // x86: "RIP: 0010:sym" / "EIP: sym" / "RIP: 0033:0x7f..." / "IP: [<addr>] sym" (4.x and older)
        for register in ["RIP:", "EIP:", "IP:"] where cursor.consume(register) {
            cursor.skipSpaces()
            let segmentStart = cursor.position
            if let segment = cursor.hexNumber(), cursor.consume(":") {
                // 0033 / 0023 / 0073: user mode, not a kernel frame.
                let userSegments: Set<UInt64> = [0x33, 0x23, 0x73, 0x2b]
                if userSegments.contains(segment) { return [] }
            } else {
                cursor.position = segmentStart
            }
            return valueFrames(&cursor, syntax: .instructionPointerRegister)
        }
        cursor.position = start
        // The last line of a 3.x/4.x x86 oops: "RIP  [<ffffffff8100b69a>] func+0x1a/0x30", "EIP: [<…>] …"
        if cursor.consume("RIP ") || cursor.consume("EIP ") {
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: "[") { return valueFrames(&cursor, syntax: .instructionPointerRegister) }
            cursor.position = start
        }
        if cursor.consume("PC is at ") { return valueFrames(&cursor, syntax: .programCounterRegister) }
        // s390: "Krnl PSW : 0704c00180000000 000000000012345a (crash+0x1a/0x30 [crashmod])"
        if cursor.consume("Krnl PSW : ") {
            let valueStart = cursor.position
            guard cursor.hexNumber() != nil else { return [] }
            cursor.skipSpaces()
            guard let address = cursor.hexNumber() else { return [] }
            cursor.skipSpaces()
            var symbol: PrintedSymbol?
            if cursor.consume("(") {
                symbol = cursor.symbolExpression()
                _ = cursor.consume(")")
            }
            return [
                ParsedFrame(
                    syntax: .programCounterRegister, printed: cursor.text(from: valueStart).trimmingSpaces(), symbol: symbol,
                    address: address, unreliable: false)
            ]
        }
        if cursor.consume("LR is at ") { return valueFrames(&cursor, syntax: .linkRegister) }
        // "NIP [c000000000123456] func+0x10/0x20" and "LR [c0…] func+…" (powerpc)
        for (name, syntax) in [("NIP ", FrameSyntax.programCounterRegister), ("LR ", .linkRegister)]
        where cursor.consume(name) {
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: "[") {
                return valueFrames(&cursor, syntax: syntax)
            }
            cursor.position = start
        }
        // "pc : …", "lr : …", "epc : …", "ra : …", "epc   : 80123456 sym" (mips)
        var frames: [ParsedFrame] = []
        while !cursor.atEnd {
            let keyStart = cursor.position
            let key = cursor.word()
            cursor.skipSpaces()
            guard cursor.consume(":") else {
                cursor.position = keyStart
                break
            }
            cursor.skipSpaces()
            let syntax: FrameSyntax?
            switch key {
            case "pc", "epc", "sepc": syntax = .programCounterRegister
            case "lr", "ra": syntax = .linkRegister
            default: syntax = nil
            }
            guard let syntax else {
                // Another register on the same line ("psr: 60000013", "sp : …"): skip its value.
                if frames.isEmpty { cursor.position = start; return nil }
                _ = cursor.word()
                cursor.skipSpaces()
                continue
            }
            let valueStart = cursor.position
            if let frame = registerValue(&cursor, syntax: syntax) {
                frames.append(frame)
            } else {
                cursor.position = valueStart
                _ = cursor.word()
            }
            cursor.skipSpaces()
        }
        return frames.isEmpty ? nil : frames
    }

    /// A register value: `[<addr>]`, `[addr] sym`, `0xaddr`, `addr sym`, or `sym`.
    private static func registerValue(_ cursor: inout Cursor, syntax: FrameSyntax) -> ParsedFrame? {
        let start = cursor.position
        var address: UInt64?
        if let bracketed = cursor.bracketedAddress() {
            address = bracketed
            // "RIP: 0010:[<ffffffff8124e424>]  [<ffffffff8124e424>] blk_requeue_request+0x94/0xa0" (x86, 4.x and older)
            let afterFirst = cursor.position
            cursor.skipSpaces()
            if cursor.bracketedAddress() == nil { cursor.position = afterFirst }
        } else if let plain = cursor.hexNumber(requirePrefix: false), cursor.atEnd || cursor.peek == UInt8(ascii: " ")
        {
            address = plain
        } else {
            cursor.position = start
        }
        let afterAddress = cursor.position
        cursor.skipSpaces()
        var symbol: PrintedSymbol?
        var location: PrintedLocation?
        if syntax != .linkRegister || address == nil || !cursor.atEnd {
            let symbolStart = cursor.position
            symbol = cursor.symbolExpression()
            if symbol != nil {
                let afterSymbol = cursor.position
                if cursor.consume(" ") { location = cursor.printedLocation() }
                if location == nil { cursor.position = afterSymbol }
            } else if let bare = cursor.symbolExpression(allowBareName: true), cursor.consume(" "),
                let printed = cursor.printedLocation()
            {
                // decode_stacktrace.sh: "RIP: 0010:dst_release (net/core/dst.c:185)".
                symbol = bare
                location = printed
            } else {
                cursor.position = address == nil ? symbolStart : afterAddress
            }
        }
        guard address != nil || symbol != nil else {
            cursor.position = start
            return nil
        }
        return ParsedFrame(
            syntax: syntax, printed: cursor.text(from: start).trimmingSpaces(), symbol: symbol, address: address,
            unreliable: false, location: location)
    }

    private static func valueFrames(_ cursor: inout Cursor, syntax: FrameSyntax) -> [ParsedFrame] {
        cursor.skipSpaces()
        let start = cursor.position
        if let frame = registerValue(&cursor, syntax: syntax) { return [frame] }
        cursor.position = start
        return []
    }

    // MARK: ARM backtrace

    private static func armBacktrace(_ cursor: inout Cursor) -> [ParsedFrame]? {
        let start = cursor.position
        var whereAddress: UInt64?
        if let address = cursor.bracketedAddress() {
            whereAddress = address
            cursor.skipSpaces()
        }
        guard cursor.consume("(") else {
            // Without CONFIG_BACKTRACE_VERBOSE: " func [mod] from caller+0x1c/0x28 [mod]"
            guard whereAddress == nil, let whereSymbol = cursor.symbolExpression(allowBareName: true),
                cursor.consume(" from ")
            else { cursor.position = start; return nil }
            let fromStart = cursor.position
            guard let fromSymbol = cursor.symbolExpression(), fromSymbol.offset != nil else {
                cursor.position = start
                return nil
            }
            cursor.skipSpaces()
            guard cursor.atEnd else { cursor.position = start; return nil }
            return [
                ParsedFrame(
                    syntax: .backtraceWhere, printed: cursor.substring(start, fromStart - 6), symbol: whereSymbol,
                    address: nil, unreliable: false),
                ParsedFrame(
                    syntax: .backtraceFrom, printed: cursor.text(from: fromStart), symbol: fromSymbol, address: nil,
                    unreliable: false),
            ]
        }
        let whereSymbol = cursor.symbolExpression(allowBareName: true)
        guard let whereSymbol, cursor.consume(")") else { cursor.position = start; return nil }
        let whereEnd = cursor.position
        cursor.skipSpaces()
        guard cursor.consume("from") else { cursor.position = start; return nil }
        cursor.skipSpaces()
        let fromStart = cursor.position
        var fromAddress: UInt64?
        if let address = cursor.bracketedAddress() {
            fromAddress = address
            cursor.skipSpaces()
        }
        guard cursor.consume("(") else { return nil }
        let fromSymbol = cursor.symbolExpression(allowBareName: true)
        guard cursor.consume(")") else { return nil }
        let whereFrame = ParsedFrame(
            syntax: .backtraceWhere, printed: String(cursor.substring(start, whereEnd)), symbol: whereSymbol,
            address: whereAddress, unreliable: false)
        let fromFrame = ParsedFrame(
            syntax: .backtraceFrom, printed: cursor.text(from: fromStart).trimmingSpaces(), symbol: fromSymbol,
            address: fromAddress, unreliable: false)
        return [whereFrame, fromFrame]
    }

    // MARK: Call-trace entries

    private static func traceEntry(_ cursor: inout Cursor) -> ParsedFrame? {
        let start = cursor.position
        var parenthesized = false
        if cursor.consume("(") { parenthesized = true }
        var address: UInt64?
        // "[<addr>]", "[addr] [addr]" (powerpc: stack pointer, then the address)
        if let bracketed = cursor.bracketedAddress() {
            address = bracketed
            cursor.skipSpaces()
            if let second = cursor.bracketedAddress() {
                address = second
                cursor.skipSpaces()
            }
        }
        var unreliable = false
        if cursor.consume("? ") {
            unreliable = true
            cursor.skipSpaces()
        }
        let symbolStart = cursor.position
        var symbol = cursor.symbolExpression()
        var location: PrintedLocation?
        if symbol == nil {
            cursor.position = symbolStart
            if let address, cursor.consume("0x"), cursor.hexNumber() == address {
                // "[<ffffffc0000811d8>] 0xffffffc0000811d8": an address kallsyms could not name.
            } else if let bare = cursor.symbolExpression(allowBareName: true), cursor.consume(" "),
                let printed = cursor.printedLocation()
            {
                // Already symbolized, without an offset: " helper fs/f.c:10 [inline]", " func (fs/f.c:12)".
                symbol = bare
                location = printed
            } else {
                cursor.position = symbolStart
                // A bare "[<addr>]" line is a frame only with nothing (but "?") after it.
                guard address != nil else { return nil }
            }
        } else {
            let afterSymbol = cursor.position
            if cursor.consume(" ") {
                cursor.skipSpaces()
                location = cursor.printedLocation()
            }
            if location == nil { cursor.position = afterSymbol }
        }
        if parenthesized { _ = cursor.consume(")") }
        cursor.skipSpaces()
        if cursor.consume("(unreliable)") { unreliable = true }
        cursor.skipSpaces()
        var mark: FrameMark?
        if cursor.consume("(P)") {
            mark = .programCounter
        } else if cursor.consume("(L)") {
            mark = .linkRegister
        }
        cursor.skipSpaces()
        guard cursor.atEnd, symbol != nil || address != nil else { return nil }
        // A symbol without an offset is too weak on its own ("Modules linked in: foo").
        if let symbol, symbol.offset == nil, address == nil, location == nil { return nil }
        return ParsedFrame(
            syntax: .traceEntry, printed: cursor.text(from: start).trimmingSpaces(), symbol: symbol, address: address,
            unreliable: unreliable, mark: mark, location: location)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}

/// A byte cursor over a message.
struct Cursor {
    let bytes: [UInt8]
    var position: Int = 0

    init(_ text: Substring) {
        bytes = Array(text.utf8)
    }

    var atEnd: Bool { position >= bytes.count }
    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func reset() { position = 0 }

    mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
    }

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

    mutating func consume(_ literal: String) -> Bool {
        let utf8 = Array(literal.utf8)
        guard position + utf8.count <= bytes.count, Array(bytes[position..<position + utf8.count]) == utf8 else {
            return false
        }
        position += utf8.count
        return true
    }

    /// A run of non-space, non-colon bytes.
    mutating func word() -> String {
        let start = position
        while position < bytes.count, bytes[position] != 0x20, bytes[position] != 0x3a, bytes[position] != 0x09 {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
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
        let name = String(decoding: bytes[start..<position], as: UTF8.self)
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

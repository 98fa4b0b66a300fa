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
        message.withUTF8Bytes { bytes in
            var cursor = Cursor(bytes)
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
    }

    // MARK: Register dumps

    private static func registerLine(_ cursor: inout Cursor) -> [ParsedFrame]? {
        let start = cursor.position
        // The named forms below each start with one of these letters; a line that starts
        // otherwise can only be `key : value` pairs (this is asked of every line).
        switch cursor.peek {
        case UInt8(ascii: "R"), UInt8(ascii: "E"), UInt8(ascii: "I"), UInt8(ascii: "P"), UInt8(ascii: "-"), UInt8(ascii: "K"),
            UInt8(ascii: "L"), UInt8(ascii: "N"):
            break
        default:
            return registerPairs(&cursor, start: start)
        }
        // x86: "RIP: 0010:sym" / "EIP: sym" / "RIP: 0033:0x7f..." / "IP: [<addr>] sym" (4.x and older)
        for register: StaticString in ["RIP:", "EIP:", "IP:"] where cursor.consume(register) {
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
        // powerpc: "--- interrupt: 900 at security_file_free+0x8/0xa0": the interrupted instruction.
        if cursor.consume("--- interrupt: "), cursor.hexNumber() != nil, cursor.consume(" at ") {
            return valueFrames(&cursor, syntax: .programCounterRegister).map {
                var frame = $0
                frame.mark = .interrupted
                return frame
            }
        }
        cursor.position = start
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
        for (name, syntax): (StaticString, FrameSyntax) in [("NIP ", .programCounterRegister), ("LR ", .linkRegister)]
        where cursor.consume(name) {
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: "[") {
                return valueFrames(&cursor, syntax: syntax)
            }
            cursor.position = start
        }
        return registerPairs(&cursor, start: start)
    }

    /// "pc : …", "lr : …", "epc : …", "ra : …", "epc   : 80123456 sym" (mips).
    private static func registerPairs(_ cursor: inout Cursor, start: Int) -> [ParsedFrame]? {
        var frames: [ParsedFrame] = []
        while !cursor.atEnd {
            let keyStart = cursor.position
            cursor.skipWord()
            let keyEnd = cursor.position
            cursor.skipSpaces()
            guard cursor.consume(":") else {
                cursor.position = keyStart
                break
            }
            cursor.skipSpaces()
            guard let syntax = registerSyntax(cursor.bytes[keyStart..<keyEnd]) else {
                // Another register on the same line ("psr: 60000013", "sp : …"): skip its value.
                if frames.isEmpty { cursor.position = start; return nil }
                cursor.skipWord()
                cursor.skipSpaces()
                continue
            }
            let valueStart = cursor.position
            if let frame = registerValue(&cursor, syntax: syntax) {
                frames.append(frame)
            } else {
                cursor.position = valueStart
                cursor.skipWord()
            }
            cursor.skipSpaces()
        }
        return frames.isEmpty ? nil : frames
    }

    /// The frame a register's value is: `pc`, `epc`, `sepc` (the PC), `lr`, `ra` (the link register).
    private static func registerSyntax(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> FrameSyntax? {
        func spells(_ word: StaticString) -> Bool {
            word.withUTF8Buffer { $0.count == name.count && zip($0, name).allSatisfy { $0 == $1 } }
        }
        if spells("pc") || spells("epc") || spells("sepc") { return .programCounterRegister }
        if spells("lr") || spells("ra") { return .linkRegister }
        return nil
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
            } else if cursor.restContains(":"), let bare = cursor.symbolExpression(allowBareName: true), cursor.consume(" "),
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
            guard whereAddress == nil, cursor.restContains(" from "), let whereSymbol = cursor.symbolExpression(allowBareName: true),
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
            } else if cursor.restContains(":"), let bare = cursor.symbolExpression(allowBareName: true), cursor.consume(" "),
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

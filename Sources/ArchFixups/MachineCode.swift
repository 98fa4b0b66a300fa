/// The instruction set a stretch of code is decoded in. A disassembler maps
/// each to its own modes; byte order comes from the binary or the architecture.
public enum InstructionSet: String, Sendable, Codable, CaseIterable {
    case x86_64, i386, arm, thumb, arm64, powerpc64, powerpc, mips64, mips, s390x, riscv
}

/// How an architecture's oops prints the code around the faulting
/// instruction (`Code:` and its relatives).
public enum CodeDumpStyle: Sendable {
    /// `Code: 48 8b 05 … <8b> 10 …` (x86): bytes, the faulting one in `<…>`;
    /// `Code: Unable to access opcode bytes at 0x…` or `Bad RIP value.` when none.
    case bytes
    /// `Code: e2403001 e5922000 (e5920000)` (ARM, arm64, riscv): words, or
    /// halfwords for Thumb (and compressed riscv), as numbers in the kernel's
    /// byte order, the faulting one in `(…)`.
    case parenthesizedUnits
    /// `Code: 2403ffff 00000000 <8c450000> …` (MIPS): words, the faulting one in `<…>`.
    case angledWords
    /// `Instruction dump:` then lines of eight words, the faulting one in `<…>` (powerpc).
    case powerpcInstructionDump
    /// `Krnl Code:` then one line per instruction, `ADDR: HEX  mnemonic`, the
    /// instruction at the PSW address marked `>` and the one before it `#` (s390).
    case s390KernelCode
}

/// The code an oops printed around the faulting instruction.
public struct CodeDump: Sendable, Equatable {
    /// The printed units in order: bytes, halfwords or words, as numbers.
    public var units: [UInt64]
    /// Bytes per unit: 1, 2 or 4.
    public var unitSize: Int
    /// The unit the kernel marked as the faulting one (its first unit for s390).
    public var faultIndex: Int?
    /// The address of the first unit, when the dump prints addresses (s390).
    public var startAddress: UInt64?

    public init(units: [UInt64], unitSize: Int, faultIndex: Int?, startAddress: UInt64? = nil) {
        self.units = units
        self.unitSize = unitSize
        self.faultIndex = faultIndex
        self.startAddress = startAddress
    }

    /// The units as bytes in memory order.
    public func bytes(littleEndian: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(units.count * unitSize)
        for unit in units {
            for index in 0..<unitSize {
                let shift = UInt64(littleEndian ? index : unitSize - 1 - index) * 8
                bytes.append(UInt8(truncatingIfNeeded: unit >> shift))
            }
        }
        return bytes
    }

    /// Bytes from the first unit to the faulting one.
    public var faultByteOffset: Int? { faultIndex.map { $0 * unitSize } }
}

/// What one line of a report says about the code dump.
public enum CodeDumpEvent: Sendable, Equatable {
    /// The dump is complete.
    case dump(CodeDump)
    /// The kernel printed no code, and why (`Unable to access opcode bytes at …`).
    case unavailable(String)
    /// The line is a code dump ksymbolize cannot read, and why.
    case malformed(String)
}

/// Reads the code dump of one report, line by line, in the style of its
/// architecture (some dumps span several lines).
public struct CodeDumpReader: Sendable {
    public let style: CodeDumpStyle
    /// A dump spanning lines: what was read so far.
    private var pending: CodeDump?
    private var pendingLines = 0

    public init(style: CodeDumpStyle) {
        self.style = style
    }

    /// Whether the last line read was part of a dump that goes on.
    public var isReadingDump: Bool { pending != nil }

    /// Reads one message (console prefix removed). Returns an event when the
    /// line completes a dump (or says there is none); `nil` otherwise. A
    /// multi-line dump ends at its last line, or at the first line that is
    /// not part of it (then the event comes with that line).
    public mutating func read(_ message: Substring) -> CodeDumpEvent? {
        // The blanks on the bytes: asked of every line of an open report.
        let trimmed = message[(message.utf8.firstIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") } ?? message.endIndex)...]
        switch style {
        case .bytes, .parenthesizedUnits, .angledWords:
            guard trimmed.hasPrefix("Code: ") else { return nil }
            return Self.singleLine(trimmed.dropFirst(6), style: style)
        case .powerpcInstructionDump:
            if trimmed.hasPrefix("Instruction dump:") {
                pending = CodeDump(units: [], unitSize: 4, faultIndex: nil)
                pendingLines = 0
                return nil
            }
            guard var dump = pending else { return nil }
            guard let (units, fault) = Self.units(trimmed, open: UInt8(ascii: "<"), close: UInt8(ascii: ">")), units.count > 0,
                units.allSatisfy({ $0.digits == 8 })
            else {
                pending = nil
                return dump.units.isEmpty ? .malformed("no words after \"Instruction dump:\"") : .dump(dump)
            }
            if let fault { dump.faultIndex = dump.units.count + fault }
            dump.units += units.map(\.value)
            pendingLines += 1
            if pendingLines == 2 {
                pending = nil
                return .dump(dump)
            }
            pending = dump
            return nil
        case .s390KernelCode:
            var body = trimmed
            if body.hasPrefix("Krnl Code:") {
                body = body.dropFirst("Krnl Code:".count).drop { $0 == " " }
                pending = CodeDump(units: [], unitSize: 1, faultIndex: nil)
            } else if pending == nil {
                return nil
            }
            guard var dump = pending else { return nil }
            guard let instruction = Self.s390Line(body) else {
                pending = nil
                return dump.units.isEmpty ? .malformed("no instruction after \"Krnl Code:\"") : .dump(dump)
            }
            if dump.startAddress == nil { dump.startAddress = instruction.address }
            if instruction.marker == ">" { dump.faultIndex = dump.units.count }
            dump.units += instruction.bytes.map(UInt64.init)
            pending = dump
            return nil
        }
    }

    /// The dump still being read when the report ends.
    public mutating func finish() -> CodeDumpEvent? {
        defer { pending = nil }
        guard let dump = pending, !dump.units.isEmpty else { return nil }
        return .dump(dump)
    }

    private static func singleLine(_ body: Substring, style: CodeDumpStyle) -> CodeDumpEvent {
        let text = body.trimmingSuffix()
        // x86 "Unable to access opcode bytes at …" / "Bad RIP value."; ARM, arm64 "bad PC value".
        // The longest of these is 29 characters: only the start is lowered.
        let lowered = text.prefix(32).lowercased()
        if lowered.hasPrefix("unable to access opcode bytes") || lowered.hasPrefix("bad rip value")
            || lowered.hasPrefix("bad pc value") || lowered.hasPrefix("bad eip value")
        {
            return .unavailable(String(text))
        }
        let (open, close) = style == .parenthesizedUnits ? (UInt8(ascii: "("), UInt8(ascii: ")")) : (UInt8(ascii: "<"), UInt8(ascii: ">"))
        guard let (units, fault) = units(text, open: open, close: close), let first = units.first else {
            return .malformed("not a list of hex \(style == .bytes ? "bytes" : "words")")
        }
        let digits = first.digits
        guard units.allSatisfy({ $0.digits == digits }), [2, 4, 8].contains(digits),
            style != .bytes || digits == 2
        else {
            return .malformed("units of different widths")
        }
        return .dump(CodeDump(units: units.map(\.value), unitSize: digits / 2, faultIndex: fault))
    }

    /// Hex units separated by blanks, one of them bracketed; `nil` if any token is not one.
    private static func units(_ text: Substring, open: UInt8, close: UInt8) -> ([(value: UInt64, digits: Int)], Int?)? {
        // On the bytes: an x86 `Code:` line is 64 of them.
        text.withUTF8Bytes { bytes in
            var units: [(value: UInt64, digits: Int)] = []
            units.reserveCapacity(64)
            var fault: Int?
            for word in bytes.blankSeparatedWords() {
                var range = word
                if bytes[range.lowerBound] == open, bytes[range.upperBound - 1] == close, range.count > 2 {
                    range = (range.lowerBound + 1)..<(range.upperBound - 1)
                    if fault == nil { fault = units.count }
                }
                let token = UnsafeBufferPointer(rebasing: bytes[range])
                guard token.count <= 16, let value = hexValue(token) else { return nil }
                units.append((value, token.count))
            }
            return (units, fault)
        }
    }

    /// The value of hex digits (a sign as `UInt64(_:radix:)` reads one): code bytes and register values.
    static func hexValue(_ token: UnsafeBufferPointer<UInt8>) -> UInt64? {
        if let first = token.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            return UInt64(String(decoding: token, as: UTF8.self), radix: 16)
        }
        guard !token.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in token {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x61...0x66: digit = byte - 0x61 + 10
            case 0x41...0x46: digit = byte - 0x41 + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// `#000003ff7fd021fe: af000000		mc	0,0` (also with `>` or a blank for the marker).
    private static func s390Line(_ text: Substring) -> (marker: Character?, address: UInt64, bytes: [UInt8])? {
        var rest = text.drop { $0 == " " }
        var marker: Character?
        if let first = rest.first, first == "#" || first == ">" {
            marker = first
            rest = rest.dropFirst()
        }
        guard let colon = rest.firstIndex(of: ":"), let address = UInt64(rest[..<colon], radix: 16) else { return nil }
        let hex = rest[rest.index(after: colon)...].drop { $0 == " " || $0 == "\t" }.prefix { $0.isHexDigit }
        guard hex.count >= 4, hex.count % 4 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return (marker, address, bytes)
    }
}

extension Substring {
    func trimmingSuffix() -> Substring {
        guard let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0d }) else { return self[startIndex..<startIndex] }
        return self[..<utf8.index(after: last)]
    }
}

/// A memory operand of an instruction as a disassembler prints it: the base
/// register and the displacement (`0x28(%rdi)`, `[x0, #0x28]`, `40($a0)`).
public struct MemoryOperand: Sendable, Equatable {
    /// The base register as the disassembler names it (`rdi`, `x0`, `r3`).
    public var base: String
    public var displacement: Int64
    /// Whether an index register is added too (then the displacement alone does not name a member).
    public var indexed: Bool

    public init(base: String, displacement: Int64, indexed: Bool = false) {
        self.base = base
        self.displacement = displacement
        self.indexed = indexed
    }
}

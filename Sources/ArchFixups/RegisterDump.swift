/// How an architecture's oops prints its general-purpose registers.
public enum RegisterDumpStyle: Sendable {
    /// `NAME: value` pairs, several to a line (`RAX: 0000… RBX: …`,
    /// `r10: c19a5000  r9 : f093df80`, `x29: ffff… x28: …`).
    case namedPairs
    /// `GPR00: v v v v` (powerpc): four registers a line from the number printed.
    case powerpcGPR
    /// `$ 0   : v v v v` (MIPS): four registers a line from the number printed.
    case mipsDollar
    /// `Krnl GPRS: v v v v` then three lines of four (s390): `%r0` to `%r15`.
    case s390GPRS
}

/// One register value printed in a register dump.
public struct RegisterValue: Sendable, Equatable {
    /// The name as ksymbolize reports it: as printed for named pairs (`RDI`,
    /// `r9`, `x0`), `GPR03`-style for powerpc, `$4` for MIPS, `%r2` for s390.
    public var name: String
    public var value: UInt64
    /// The register's number in DWARF (`DW_OP_reg<n>`), when the architecture maps it.
    public var dwarfNumber: Int?
    /// Digits printed: the register's width as the kernel shows it.
    public var digits: Int

    public init(name: String, value: UInt64, dwarfNumber: Int?, digits: Int) {
        self.name = name
        self.value = value
        self.dwarfNumber = dwarfNumber
        self.digits = digits
    }
}

/// Reads the register dump of one report line by line.
public struct RegisterDumpReader: Sendable {
    public let style: RegisterDumpStyle
    private let fixup: any ArchFixup
    /// s390: the next register number of a dump in progress.
    private var s390Next: Int?

    public init(fixup: any ArchFixup) {
        self.fixup = fixup
        self.style = fixup.registerDumpStyle
    }

    /// The registers one message prints (console prefix removed); empty when none.
    public mutating func read(_ message: Substring) -> [RegisterValue] {
        let text = message[(message.utf8.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? message.endIndex)...].trimmingSuffix()
        switch style {
        case .namedPairs:
            return namedPairs(text)
        case .powerpcGPR:
            guard text.hasPrefix("GPR"), let colon = text.firstIndex(of: ":"),
                let first = Int(text[text.index(text.startIndex, offsetBy: 3)..<colon])
            else { return [] }
            return numbered(text[text.index(after: colon)...], first: first) { "GPR" + ($0 < 10 ? "0" : "") + String($0) }
        case .mipsDollar:
            guard text.hasPrefix("$"), let colon = text.firstIndex(of: ":"),
                let first = Int(text[text.index(after: text.startIndex)..<colon].trimmingCharacters(in: " "))
            else { return [] }
            return numbered(text[text.index(after: colon)...], first: first) { "$" + String($0) }
        case .s390GPRS:
            if text.hasPrefix("Krnl GPRS:") {
                let values = numbered(text.dropFirst("Krnl GPRS:".count), first: 0) { "%r" + String($0) }
                s390Next = values.count == 4 ? 4 : nil
                return values
            }
            guard let next = s390Next else { return [] }
            let values = numbered(text, first: next) { "%r" + String($0) }
            s390Next = values.count == 4 && next + 4 < 16 ? next + 4 : nil
            return values
        }
    }

    /// Values after a register number, each the next register; stops at the first token that is not hex.
    private func numbered(_ text: Substring, first: Int, name: (Int) -> String) -> [RegisterValue] {
        var registers: [RegisterValue] = []
        for token in text.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }) {
            guard token.count >= 8, token.count <= 16, let value = UInt64(Substring(token), radix: 16) else { break }
            let number = first + registers.count
            let label = name(number)
            registers.append(
                RegisterValue(name: label, value: value, dwarfNumber: fixup.dwarfRegister(named: label), digits: token.count))
        }
        return registers
    }

    /// `NAME: hex` or `NAME : hex` pairs; names a register only where the
    /// architecture knows it (so `RSP: 0018:ffff…`, `EFLAGS:` and `CR2:` are
    /// kept out, and `pc : [<bf00001c>]` is read inside its brackets).
    private func namedPairs(_ text: Substring) -> [RegisterValue] {
        // On the bytes: this runs on every line of an open report. Every pair has a colon.
        text.withUTF8Bytes { bytes in
            guard bytes.contains(0x3a) else { return [] }
            return namedPairs(bytes)
        }
    }

    private func namedPairs(_ bytes: UnsafeBufferPointer<UInt8>) -> [RegisterValue] {
        // Read word by word as the line goes: no word list.
        var registers: [RegisterValue] = []
        var current = bytes.blankSeparatedWord(from: 0)
        while var name = current {
            // The word after the name (and its colon): the value.
            var next = bytes.blankSeparatedWord(from: name.upperBound)
            if bytes[name.upperBound - 1] == 0x3a {
                name = name.lowerBound..<(name.upperBound - 1)
            } else if let colon = next, colon.count == 1, bytes[colon.lowerBound] == 0x3a {
                next = bytes.blankSeparatedWord(from: colon.upperBound)
            } else {
                current = next
                continue
            }
            // Register names are short words: anything else is not worth a lookup.
            guard let valueWord = next, !name.isEmpty, name.count <= 8 else {
                current = next
                continue
            }
            let label = String(decoding: UnsafeBufferPointer(rebasing: bytes[name]), as: UTF8.self)
            guard let dwarf = fixup.dwarfRegister(named: label) else {
                current = next
                continue
            }
            var token = valueWord
            // `pc : [<bf00001c>]`: the value inside the brackets.
            if token.count >= 4, bytes[token.lowerBound] == 0x5b, bytes[token.lowerBound + 1] == 0x3c,
                bytes[token.upperBound - 2] == 0x3e, bytes[token.upperBound - 1] == 0x5d
            {
                token = (token.lowerBound + 2)..<(token.upperBound - 2)
            }
            // x86-64 `RSP: 0018:ffffd029c05ab9f0`: the segment selector, then the value.
            if let colon = bytes[token].firstIndex(of: 0x3a) { token = (colon + 1)..<token.upperBound }
            if token.count >= 8, token.count <= 16, let value = CodeDumpReader.hexValue(UnsafeBufferPointer(rebasing: bytes[token])) {
                registers.append(RegisterValue(name: label, value: value, dwarfNumber: dwarf, digits: token.count))
            }
            current = bytes.blankSeparatedWord(from: valueWord.upperBound)
        }
        return registers
    }
}

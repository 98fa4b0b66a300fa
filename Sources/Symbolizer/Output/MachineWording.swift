/// Words for the machine state: the disassembly under a `Code:` line and
/// the variables of the registers, for the text and markdown outputs.
enum MachineWording {
    /// `[o, NULL]`: the variables a register holds (each name once) and its hint.
    static func registerTag(_ register: NamedRegister) -> String? {
        var parts: [String] = []
        for variable in register.variables where !parts.contains(variable.name) {
            parts.append(variable.name)
        }
        if let hint = register.hint { parts.append(hint) }
        return parts.isEmpty ? nil : "[" + parts.joined(separator: ", ") + "]"
    }

    /// `GPR09: 0000000000000000 node (crash_read_value) [NULL]`: a register on a line of its own.
    static func registerLine(_ register: NamedRegister) -> String {
        let value = String(hex(register.value)).leftPadded(to: register.digits)
        return "\(register.name): \(value) \(registerTag(register) ?? "")".trimmedRight()
    }

    /// The listing's heading, then one line per instruction, the faulting one marked `=>`.
    static func listingLines(_ listing: CodeListing?, note: String?, binary: String? = nil) -> [String] {
        guard let listing else { return note.map { ["Code: \($0)"] } ?? [] }
        var heading = "Code (\(listing.instructionSet.rawValue), "
        heading += listing.source == .log ? "from the log" : "from the binary"
        switch listing.matchesBinary {
        case true?:
            heading += ", same bytes as the binary"
            if listing.excusedBytes > 0 { heading += " but \(listing.excusedBytes) the kernel patches or relocates" }
        case false?:
            heading += ", NOT the binary's bytes: they differ at PC\(signed(listing.mismatchOffset ?? 0))"
        case nil: break
        }
        heading += ")"
        if let note { heading += "; " + note }
        if let own = listing.note { heading += "; " + own }
        var lines = [heading + ":"]
        // Each instruction's line made as bytes (a Thumb-2 request's listing was a fiftieth of it as strings).
        let texts = listing.instructions.map(\.text)
        let byteWidth = min(listing.instructions.reduce(0) { max($0, $1.bytes.count * 3) }, 30)
        let textWidth = min(texts.reduce(0) { max($0, $1.count) }, 40)
        var line: [UInt8] = []
        for (instruction, text) in zip(listing.instructions, texts) {
            line.removeAll(keepingCapacity: true)
            line += (instruction.faulting ? "=> " : "   ").utf8
            if instruction.addressKnown { appendHex(instruction.address, to: &line) } else { line += (instruction.symbol ?? "?").utf8 }
            line += ": ".utf8
            let bytesStart = line.count
            for (index, byte) in instruction.bytes.enumerated() {
                if index > 0 { line.append(UInt8(ascii: " ")) }
                appendHexByte(byte, to: &line)
            }
            line += repeatElement(UInt8(ascii: " "), count: max(0, byteWidth - (line.count - bytesStart)))
            line.append(UInt8(ascii: " "))
            line += text.utf8
            line += repeatElement(UInt8(ascii: " "), count: max(0, textWidth - text.count))
            if let location = instruction.locations.first {
                line += "  ".utf8
                location.appendFileAndLine(to: &line)
                if instruction.locations.count > 1, let function = location.function { line += " (\(function))".utf8 }
            }
            if let access = instruction.access, let described = accessText(access) { line += "  \(described)".utf8 }
            while line.last == UInt8(ascii: " ") { line.removeLast() }
            lines.append(String(decoding: line, as: UTF8.self))
        }
        return lines
    }

    /// `[through rax = 0 (NULL): node->value]`.
    static func accessText(_ access: MemoryAccess) -> String? {
        var text = "[through \(access.register)"
        if let value = access.value {
            text += " = 0x" + hex(value)
            if let hint = RegisterHint.hint(value, digits: 16, pointer: true) { text += " (\(hint))" }
        }
        let names = access.variables.reduce(into: [String]()) { names, variable in
            let name = variable.member.map { "\(variable.name)->\($0)" } ?? variable.name
            if !names.contains(name) { names.append(name) }
        }
        if !names.isEmpty { text += ": " + names.joined(separator: ", ") }
        return text + "]"
    }

    private static func signed(_ offset: Int) -> String {
        offset < 0 ? "-\(-offset)" : "+\(offset)"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : repeated(UInt8(ascii: "0"), count: width - count) + self
    }

    func trimmedRight() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

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
        let byteWidth = min(listing.instructions.map { $0.bytes.count * 3 }.max() ?? 0, 30)
        let textWidth = min(listing.instructions.map(\.text.count).max() ?? 0, 40)
        for instruction in listing.instructions {
            let bytes = instruction.bytes.map { String(hex(UInt64($0))).leftPadded(to: 2) }.joined(separator: " ")
            let place = instruction.addressKnown ? String(hex(instruction.address)) : instruction.symbol ?? "?"
            var line = (instruction.faulting ? "=> " : "   ") + place + ": "
            line += bytes.rightPadded(to: byteWidth) + " " + instruction.text.rightPadded(to: textWidth)
            if let location = instruction.locations.first {
                line += "  " + location.fileAndLine
                if instruction.locations.count > 1, let function = location.function { line += " (\(function))" }
            }
            if let access = instruction.access, let described = accessText(access) { line += "  " + described }
            lines.append(line.trimmedRight())
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

    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + spaces(width - count)
    }

    func trimmedRight() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// JSON (version 1) of the machine state: `code` and `registers` of a report.
/// Addresses and values are `0x…` strings, as elsewhere in the document.

extension CodeListing: Encodable {
    enum CodingKeys: String, CodingKey {
        case source, instructionSet = "instruction_set", instructions, matchesBinary = "matches_binary"
        case mismatchOffset = "mismatch_offset", excusedBytes = "excused_bytes", note
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source.rawValue, forKey: .source)
        try container.encode(instructionSet.rawValue, forKey: .instructionSet)
        try container.encode(instructions, forKey: .instructions)
        try container.encode(matchesBinary, forKey: .matchesBinary)
        try container.encode(mismatchOffset, forKey: .mismatchOffset)
        try container.encode(excusedBytes, forKey: .excusedBytes)
        try container.encode(note, forKey: .note)
    }
}

extension ListedInstruction: Encodable {
    enum CodingKeys: String, CodingKey { case address, symbol, bytes, text, faulting, locations, access }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(addressKnown ? "0x" + hex(address) : nil, forKey: .address)
        try container.encode(symbol, forKey: .symbol)
        try container.encode(bytes.map { String(hex(UInt64($0))).leftPadded(to: 2) }.joined(separator: " "), forKey: .bytes)
        try container.encode(text, forKey: .text)
        try container.encode(faulting, forKey: .faulting)
        try container.encode(locations.map(ResolvedFrame.LocationJSON.init), forKey: .locations)
        if let access { try container.encode(access, forKey: .access) }
    }
}

extension MemoryAccess: Encodable {
    enum CodingKeys: String, CodingKey { case register, displacement, value, variables }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(register, forKey: .register)
        try container.encode(displacement, forKey: .displacement)
        try container.encode(value.map { "0x" + hex($0) }, forKey: .value)
        try container.encode(variables, forKey: .variables)
    }
}

extension NamedRegister: Encodable {
    enum CodingKeys: String, CodingKey { case name, value, variables, hint }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode("0x" + String(hex(value)).leftPadded(to: digits), forKey: .value)
        try container.encode(variables, forKey: .variables)
        try container.encode(hint, forKey: .hint)
    }
}

extension RegisterVariable: Encodable {
    enum CodingKeys: String, CodingKey { case name, kind, function, partial, member, structName = "struct" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encode(function, forKey: .function)
        try container.encode(partial, forKey: .partial)
        if let member { try container.encode(member, forKey: .member) }
        if let structName { try container.encode(structName, forKey: .structName) }
    }
}

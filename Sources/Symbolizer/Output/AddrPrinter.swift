import FoundationEssentials

/// The answers of `ksymbolize addr`: addr2line's text form, or one JSON
/// object per input (the frame fields of the JSON document, plus `input`).
enum AddrPrinter {
    /// `INPUT: func+0x1/0x2 [mod]`, then the inline chain innermost first, one line each.
    static func appendText(for input: String, _ answer: (frames: [ResolvedFrame], index: Int)?, to out: inout [UInt8]) {
        out.append(text: input)
        guard let (frames, index) = answer else {
            out.append(text: ": ?? [not an address or func+off expression]\n")
            return
        }
        out.append(UInt8(ascii: ":"))
        if let symbol = frames[index].symbol {
            out.append(UInt8(ascii: " "))
            out.append(text: symbol.name)
            out.append(text: "+0x")
            out.append(hex: symbol.offset)
            out.append(text: "/0x")
            out.append(hex: symbol.size)
            if let module = frames[index].module, module != "vmlinux" {
                out.append(text: " [")
                out.append(text: module)
                out.append(UInt8(ascii: "]"))
            }
        } else {
            out.append(text: " ??")
        }
        if let reason = frames[index].unresolved { out.append(text: " [unresolved: \(reason)]") }
        if let mismatch = frames[index].mismatch { out.append(text: " [\(mismatch)]") }
        for (level, location) in frames[index].locations.enumerated() {
            out.append(text: level == 0 ? "\n  " : "\n  (inlined by) ")
            out.append(text: location.function ?? "??")
            out.append(text: " at ")
            out.append(text: location.file ?? "??")
            out.append(UInt8(ascii: ":"))
            if let line = location.line { out.append(decimal: line) } else { out.append(UInt8(ascii: "?")) }
            if let column = location.column {
                out.append(UInt8(ascii: ":"))
                out.append(decimal: column)
            }
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// One JSON Lines record: the frame's fields and `input`, or `input` and `error`.
    static func json(for input: String, _ frame: ResolvedFrame?) -> String {
        struct Answer: Encodable {
            var input: String
            var frame: ResolvedFrame?
            var error: String?
            func encode(to encoder: any Encoder) throws {
                if let frame { try frame.encode(to: encoder) }
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(input, forKey: .input)
                if let error { try container.encode(error, forKey: .error) }
            }
            enum CodingKeys: String, CodingKey { case input, error }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let answer = Answer(input: input, frame: frame, error: frame == nil ? "not an address or func+off expression" : nil)
        let data = (try? encoder.encode(answer)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension [UInt8] {
    /// Appends `text`'s UTF-8 bytes.
    mutating func append(text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends `value` in lower-case hex, without a prefix.
    mutating func append(hex value: UInt64) {
        let digits = Swift.max(1, (64 - value.leadingZeroBitCount + 3) / 4)
        for digit in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(4 * digit)) & 0xf
            append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }

    /// Appends `value` in decimal.
    mutating func append(decimal value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(contentsOf: digits[start...])
        }
    }
}

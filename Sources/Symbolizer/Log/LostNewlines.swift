extension LogLine {
    /// The kernel messages of a line, when it holds more than one: its pieces
    /// where a printk time stamp (`[ 1234.567890]`, six fraction digits, after
    /// a blank) starts another message inside it (a paste whose newlines were
    /// lost). `nil` for a line of one message, as nearly every line is.
    var gluedMessages: [LogLine]? {
        guard bytes.count > 20, ByteSearch.contains(message, "] ") else { return nil }
        var cuts: [Int] = []
        var index = 1
        // From '[' to '[' (memchr): every frame line has "] " in it.
        while index < bytes.count - 10,
            let bracket = bytes.withUnsafeBufferPointer({
                ByteSearch.offset(of: UInt8(ascii: "["), in: $0, from: index, within: bytes.count - 10 - index)
            })
        {
            index = bracket
            if bytes[index - 1] == UInt8(ascii: " ") || bytes[index - 1] == 9,
                let end = Self.printkStampEnd(bytes, from: index), end < bytes.count
            {
                cuts.append(index)
                index = end
            } else {
                index += 1
            }
        }
        guard !cuts.isEmpty else { return nil }
        var pieces: [LogLine] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            var end = cut
            while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == 9 { end -= 1 }
            if end > start { pieces.append(LogLine(number: number, bytes: Array(bytes[start..<end]), terminator: [])) }
            start = cut
        }
        return pieces.count > 1 ? pieces : nil
    }

    /// The end of `[ *DIGITS.DDDDDD]` at `from`, if one is there.
    private static func printkStampEnd(_ bytes: [UInt8], from: Int) -> Int? {
        var index = from + 1
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        let digits = index
        while index < bytes.count, LinePrefix.isDigit(bytes[index]) { index += 1 }
        guard index > digits, index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return nil }
        index += 1
        let fraction = index
        while index < bytes.count, LinePrefix.isDigit(bytes[index]) { index += 1 }
        guard index - fraction == 6, index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return nil }
        return index + 1
    }
}

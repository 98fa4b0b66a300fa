/// A position in the source: the function it is in and its file, line and column.
///
/// In an inline chain, the first location is where the address is, inside the
/// innermost inlined function; each following one is where the previous
/// function was inlined (its `DW_AT_call_file`/`call_line`), inside the
/// function named there. The last one is the function the symbol table knows.
public struct SourceLocation: Sendable, Hashable, Codable {
    /// The function (or inlined function) the position is in; `nil` when DWARF has no name.
    public var function: String?
    /// Source file, normalised (see ``SourcePath``); `nil` when unknown.
    public var file: String?
    /// 1-based line; `nil` or 0 when unknown.
    public var line: Int?
    /// 1-based column; `nil` when unknown or not recorded.
    public var column: Int?

    public init(function: String?, file: String?, line: Int?, column: Int?) {
        self.function = function
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line`, or `??:?` parts when unknown.
    public var fileAndLine: String {
        var bytes: [UInt8] = []
        appendFileAndLine(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ``fileAndLine`` appended to `bytes` (each annotated frame has one: no string is made).
    func appendFileAndLine(to bytes: inout [UInt8]) {
        if let file { bytes += file.utf8 } else { bytes += "??".utf8 }
        bytes.append(UInt8(ascii: ":"))
        guard let line else { return bytes.append(UInt8(ascii: "?")) }
        if line < 0 { bytes.append(UInt8(ascii: "-")) }
        // The digits last first, then turned round where they are.
        let start = bytes.count
        var rest = line.magnitude
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
    }
}

/// One line of a kernel log, exactly as read, plus the message it carries.
public struct LogLine: Sendable {
    /// 1-based line number in the input.
    public var number: Int
    /// The line's bytes without its terminator (`\n`, and a `\r` before it).
    public var bytes: [UInt8]
    /// The terminator as read: `"\n"`, `"\r\n"`, or empty for a last line without one.
    public var terminator: [UInt8]
    /// The line decoded as UTF-8 (invalid bytes replaced, NULs dropped,
    /// no-break spaces read as spaces), without terminator.
    public var text: String
    /// The kernel message: `text` without syslog, journal, `<level>`,
    /// timestamp and caller-id prefixes.
    public var message: Substring
    /// The printk caller id (`T123` or `C1`) when the line had one.
    public var callerID: Substring?
    /// `text` from its kernel console prefix (`<4>`, `[  12.3]`, `[ T1]`) on:
    /// without what tools added before it (syslog, kmsg, quotes; see ``LinePrefix``).
    public var console: Substring

    /// How many characters of `text` come before the message: the width of its prefixes.
    public var prefixWidth: Int {
        guard message.base.utf8.count == text.utf8.count, message.startIndex <= text.endIndex else {
            return max(0, text.count - message.count)
        }
        let prefix = text[..<message.startIndex]
        // ASCII prefixes (every kernel's): one character a byte, as a line holds no "\r\n" pair.
        let ascii = prefix.withUTF8Bytes { bytes in !bytes.contains { $0 >= 0x80 } ? bytes.count : nil }
        return ascii ?? prefix.count
    }

    public init(number: Int, bytes: [UInt8], terminator: [UInt8]) {
        (self.number, self.bytes, self.terminator, text, message, callerID, console) = (0, [], [], "", "", nil, "")
        refill(number: number, bytes: bytes, terminator: terminator)
    }

    /// Makes this the line `number` with `bytes`, field by field: a whole new value assigned
    /// would be built aside, copied in and destroyed (some 350 instructions a line).
    mutating func refill(number: Int, bytes: [UInt8], terminator: [UInt8]) {
        // Everything made in locals, then stored: this runs on every line.
        let text = Self.text(of: bytes)
        let parts = LinePrefix.split(text[...])
        self.number = number
        self.bytes = bytes
        self.terminator = terminator
        self.text = text
        message = parts.message
        callerID = parts.callerID
        console = parts.console
    }

    /// The text of a line's bytes: UTF-8 with invalid bytes replaced, NULs dropped, a last
    /// `\r` removed, and no-break spaces read as spaces.
    private static func text(of bytes: [UInt8]) -> String {
        // memchr for the rare bytes: this runs on every line.
        func has(_ byte: UInt8, in bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBufferPointer { ByteSearch.offset(of: byte, in: $0) != nil }
        }
        let cleaned = has(0, in: bytes) ? bytes.filter { $0 != 0 } : bytes
        // A last "\r" left by "\r\r\n" is not part of the text; it ends any UTF-8 sequence before it,
        // so the bytes before it decode to the same text.
        let text = cleaned.withUnsafeBufferPointer { buffer in
            String(decoding: buffer.last == UInt8(ascii: "\r") ? UnsafeBufferPointer(rebasing: buffer.dropLast()) : buffer, as: UTF8.self)
        }
        guard has(0xC2, in: cleaned) || has(0xE2, in: cleaned) else { return text }
        // A paste from a web page or a mail client turns runs of blanks into
        // no-break spaces: read as the spaces the kernel printed (the output keeps the bytes).
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{A0}" || $0 == "\u{202F}" ? " " : $0 }))
    }
}

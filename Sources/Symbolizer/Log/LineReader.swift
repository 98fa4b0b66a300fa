#if canImport(Glibc)
    import Glibc
#endif

/// Reads lines from a file descriptor as they arrive, keeping every byte:
/// the terminator is returned separately, stray bytes are kept as they are,
/// and a last line without a newline is still returned.
///
/// Lines longer than ``maximumLineLength`` are returned in pieces of that
/// size (with an empty terminator), so memory stays bounded.
public struct LineReader {
    public static let maximumLineLength = 1 << 20
    /// The two terminators, made once: every line holds one of them.
    private static let newline: [UInt8] = [UInt8(ascii: "\n")]
    private static let carriageReturnNewline: [UInt8] = [UInt8(ascii: "\r"), UInt8(ascii: "\n")]

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var endOfFile = false
    private var lineNumber = 0

    /// Reads from `fd`; the caller keeps it open.
    public init(fd: Int32) {
        self.fd = fd
    }

    /// Reads `bytes`: a whole input already in memory (a service's request body).
    public init(bytes: [UInt8]) {
        fd = -1
        buffer = bytes
        endOfFile = true
    }

    /// The next line, or `nil` at the end of the input.
    public mutating func next() -> LogLine? {
        var line = LogLine(number: 0, bytes: [], terminator: [])
        return next(into: &line) ? line : nil
    }

    /// The next line stored in `line`; `false` at the end of the input. For a loop over a whole
    /// input: it destroys each line as a `LogLine`, where an optional one went through the generic
    /// value witnesses (some 650 instructions a line).
    public mutating func next(into line: inout LogLine) -> Bool {
        guard let (bytes, terminator) = nextBytes() else { return false }
        lineNumber += 1
        line.refill(number: lineNumber, bytes: bytes, terminator: terminator)
        return true
    }

    /// The next line's bytes and terminator, or `nil` at the end of the input.
    private mutating func nextBytes() -> (bytes: [UInt8], terminator: [UInt8])? {
        while true {
            if let newline = nextNewline() {
                var end = newline
                var terminator = Self.newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") {
                    end -= 1
                    terminator = Self.carriageReturnNewline
                }
                let line = Array(buffer[start..<end])
                start = newline + 1
                return (line, terminator)
            }
            if buffer.count - start >= Self.maximumLineLength {
                let line = Array(buffer[start..<start + Self.maximumLineLength])
                start += Self.maximumLineLength
                return (line, [])
            }
            if endOfFile {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return (line, [])
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                endOfFile = true
            } else if count == 0 {
                endOfFile = true
            } else {
                buffer.append(contentsOf: chunk[0..<count])
            }
        }
    }

    /// The offset of the first `\n` from `start` (memchr: every line of every input comes through here).
    private func nextNewline() -> Int? {
        buffer.withUnsafeBufferPointer { ByteSearch.offset(of: UInt8(ascii: "\n"), in: $0, from: start) }
    }

    /// Every complete line already read, at least one (waiting for it when
    /// none is buffered), at most `limit`; `nil` at the end of the input.
    /// Each is the line's text as ``LogLine/text`` gives it, without the
    /// prefix analysis: for callers that read many short lines and want to
    /// handle what has arrived together, without waiting for more.
    public mutating func nextTexts(limit: Int = 1 << 15) -> [String]? {
        var lines: [String] = []
        while lines.count < limit {
            if let newline = nextNewline() {
                lines.append(Self.text(buffer[start..<newline]))
                start = newline + 1
                lineNumber += 1
                continue
            }
            if buffer.count - start >= Self.maximumLineLength {
                lines.append(Self.text(buffer[start..<start + Self.maximumLineLength]))
                start += Self.maximumLineLength
                lineNumber += 1
                continue
            }
            if endOfFile {
                if start < buffer.count {
                    lines.append(Self.text(buffer[start...]))
                    start = buffer.count
                    lineNumber += 1
                }
                break
            }
            if !lines.isEmpty { break }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            // Whatever has arrived, up to 256 KiB: a file comes in big batches, a pipe as it is written.
            let chunk = 1 << 18
            let old = buffer.count
            buffer.reserveCapacity(old + chunk)
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, chunk) }
            buffer.removeLast(chunk - max(count, 0))
            if count < 0 {
                if errno == EINTR { continue }
                endOfFile = true
            } else if count == 0 {
                endOfFile = true
            }
        }
        return lines.isEmpty ? nil : lines
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        var bytes = bytes
        // The reader's "\r\n" terminator, then LogLine's own trailing "\r".
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        if bytes.contains(0) { return String(decoding: bytes.filter { $0 != 0 }, as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Writes bytes to a file descriptor, retrying short writes.
public struct OutputSink {
    private let fd: Int32

    public init(fd: Int32) {
        self.fd = fd
    }

    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }
}

/// A source position the crashed kernel printed itself, from its bug table:
/// `WARNING: CPU: 0 PID: 1 at FILE:LINE func+…` and `kernel BUG at FILE:LINE!`.
/// It must match what the binary's DWARF says for the trapping PC; a
/// different line means the binary is a different build.
public struct SourceClaim: Sendable, Equatable {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// The claim in a report's first line, if it has one: `WARNING: CPU: 0
    /// PID: 1 at FILE:LINE func+…`, `WARNING: at FILE:LINE func()` (2.6),
    /// `WARNING: FILE:LINE at func+…, CPU#1: …` (6.17), `kernel BUG at FILE:LINE!`.
    public static func parse(_ message: Substring) -> SourceClaim? {
        let position: Substring
        if message.hasPrefix("WARNING:"), let at = ByteSearch.firstRange(of: " at ", in: message) {
            let after = message[at.upperBound...].prefix { $0 != " " }
            let before = message.dropFirst("WARNING:".count).drop { $0 == " " }.prefix { $0 != " " }
            position = after.contains(":") && !after.contains("+0x") ? after : before
        } else if let at = ByteSearch.firstRange(of: "kernel BUG at ", in: message) {
            position = message[at.upperBound...].prefix { $0 != "!" && $0 != " " }
        } else {
            return nil
        }
        guard let colon = position.lastIndex(of: ":"), let line = Int(position[position.index(after: colon)...]), line > 0
        else { return nil }
        let file = position[..<colon]
        guard !file.isEmpty, file.contains(".") else { return nil }
        return SourceClaim(file: String(file), line: line)
    }

    /// The function the WARNING line names (`func+0x5/0x10 [mod]`), in each of its forms.
    static func warningFunction(in message: Substring) -> Substring? {
        guard message.hasPrefix("WARNING:"), let at = ByteSearch.firstRange(of: " at ", in: message) else { return nil }
        let afterAt = message[at.upperBound...]
        let first = afterAt.prefix { $0 != " " }
        if first.contains("+0x") {
            // 6.17: "WARNING: kernel/dma/debug.c:598 at add_dma_entry+0x26c/0x328, CPU#1: (udev-worker)/773"
            return afterAt.prefix { $0 != "," }
        }
        guard let space = afterAt.firstIndex(of: " ") else { return nil }
        return afterAt[afterAt.index(after: space)...]
    }

    /// When the inline chain names the claimed file but never at the claimed
    /// line: what it says instead (`crashmod/crashmod.c:64`). `nil` when it
    /// agrees, or has no position in that file to compare.
    public func contradiction(in locations: [SourceLocation]) -> String? {
        contradictingLocation(in: locations)?.fileAndLine
    }

    /// The position in the claimed file that contradicts the claim (see ``contradiction(in:)``).
    public func contradictingLocation(in locations: [SourceLocation]) -> SourceLocation? {
        let sameFile = locations.filter { $0.file.map { Self.sameFile($0, file) } ?? false }
        guard let first = sameFile.first, let line = first.line, line > 0 else { return nil }
        if sameFile.contains(where: { $0.line == self.line }) { return nil }
        return SourceLocation(function: nil, file: first.file ?? file, line: line, column: nil)
    }

    /// Paths name the same file when one ends with the other at a `/`
    /// (`/build/linux/fs/ext4/inode.c` and `fs/ext4/inode.c`).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        func clean(_ path: String) -> Substring {
            var path = Substring(path)
            while path.hasPrefix("./") { path = path.dropFirst(2) }
            return path
        }
        let (x, y) = (clean(a), clean(b))
        let (long, short) = x.count >= y.count ? (x, y) : (y, x)
        guard long.hasSuffix(short) else { return false }
        return long.count == short.count || long.dropLast(short.count).hasSuffix("/")
    }
}

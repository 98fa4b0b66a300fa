/// Errors that stop a whole operation (a file that cannot be read, a bad
/// snapshot). A single frame that cannot be resolved is not an error: it
/// carries an ``UnresolvedReason`` instead.
public enum SymbolizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file could not be opened.
    case cannotOpen(path: String, reason: String)
    /// A file is not an ELF object libelf can read.
    case notELF(path: String, reason: String)
    /// libdwfl refused a file or a request.
    case libdwfl(function: String, path: String, message: String)
    /// A snapshot file (`--module-sections`, `--proc-modules`) has a line that is not understood.
    case badSnapshotLine(path: String, line: Int, text: String, expected: String)
    /// A value given on the command line is not valid.
    case badArgument(name: String, value: String, expected: String)
    /// A snapshot file (`--kernel-notes`, `--module-notes`) holds nothing usable.
    case badSnapshot(path: String, reason: String)
    /// A binary was looked for by build id and not found.
    case buildIDNotFound(id: String, tried: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .notELF(let path, let reason):
            return "\(path) is not a usable ELF file: \(reason)"
        case .libdwfl(let function, let path, let message):
            return "libdwfl \(function) failed for \(path): \(message)"
        case .badSnapshotLine(let path, let line, let text, let expected):
            return "\(path):\(line): cannot read \"\(text)\"; expected \(expected)"
        case .badArgument(let name, let value, let expected):
            return "invalid \(name) \"\(value)\": expected \(expected)"
        case .badSnapshot(let path, let reason):
            return "\(path): \(reason)"
        case .buildIDNotFound(let id, let tried):
            return "no binary with build id \(id) (looked in \(tried))"
        }
    }
}

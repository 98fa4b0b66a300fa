#if canImport(Glibc)
    import Glibc
#endif

/// The frames (`func+0xoff/0xsize`, `func+0xoff/0xsize [module]`) of the
/// start of a log file, read before the log is processed so that the
/// modules they name, and the compilation units the frames fall in, can be
/// loaded in the background meanwhile. A preview only: what it misses is loaded on first
/// use, and what it gets wrong costs time, never an answer.
public struct FramePreview: Sendable {
    /// One `func+0xoff` of a frame.
    public struct Frame: Sendable, Hashable {
        public var function: String
        public var offset: UInt64
        /// A program counter line (`RIP:`, `pc :`, `PC is at`…), not a return
        /// address. A hint only, from the line's marker: the log processor
        /// decides each frame's kind with the report's context.
        public var isPC: Bool

        public init(function: String, offset: UInt64, isPC: Bool = false) {
            self.function = function
            self.offset = offset
            self.isPC = isPC
        }
    }

    /// What starts a line that prints a program counter, not a return address.
    private static let pcMarkers: [[UInt8]] = ["RIP: ", "EIP: ", "pc : ", "PC is at ", "NIP: ", "NIP [", "epc : ", "IP: "]
        .map { Array($0.utf8) }

    /// The modules named, in order of first appearance.
    public private(set) var modules: [String] = []
    /// Each module's frames, by the name as the log spells it.
    public private(set) var frames: [String: [Frame]] = [:]
    /// The frames without a module: vmlinux's.
    public private(set) var kernelFrames: [Frame] = []

    public init() {}

    /// The preview of the first `limit` bytes of the regular file at `path`;
    /// empty for standard input (`-`), pipes and files that cannot be read.
    public init(path: String, limit: Int = 4 << 20) {
        self.init()
        guard path != "-" else { return }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
        var bytes = [UInt8](repeating: 0, count: min(Int(info.st_size), limit))
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return }
        self = FramePreview(bytes: bytes[0..<count])
    }

    /// The previews of several logs, together.
    public init(paths: [String]) {
        for path in paths {
            let preview = FramePreview(path: path)
            for module in preview.modules where !modules.contains(module) { modules.append(module) }
            for (module, list) in preview.frames {
                frames[module, default: []] += list.filter { !(frames[module]?.contains($0) ?? false) }
            }
            kernelFrames += preview.kernelFrames.filter { !kernelFrames.contains($0) }
        }
    }

    /// The preview of a log's bytes.
    public init(bytes: ArraySlice<UInt8>) {
        var seen: Set<String> = []
        var seenFrames: Set<Frame> = []
        var seenKernelFrames: Set<Frame> = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            if let (module, frame) = Self.moduleFrame(line) {
                if seen.insert(module).inserted { modules.append(module) }
                if let frame, seenFrames.insert(frame).inserted { frames[module, default: []].append(frame) }
            } else if let slash = Self.sizeSlash(line), let frame = Self.frame(line, slash: slash),
                seenKernelFrames.insert(frame).inserted
            {
                kernelFrames.append(frame)
            }
        }
    }

    /// The `/` of the last `func+0xoff/0xsize` of a line.
    private static func sizeSlash(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>.Index? {
        var end = line.endIndex
        while let slash = line[..<end].lastIndex(of: UInt8(ascii: "/")) {
            if line[slash...].starts(with: Array("/0x".utf8)) { return slash }
            end = slash
        }
        return nil
    }

    /// The `func+0xoff` that ends just before `slash`.
    private static func frame(_ line: ArraySlice<UInt8>, slash: ArraySlice<UInt8>.Index) -> Frame? {
        // The token before the slash: "func+0x1a" (after a space, a ':' or a '(').
        let tokenStart =
            (line[..<slash].lastIndex(where: {
                $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ":")
            }).map { line.index(after: $0) }) ?? line.startIndex
        let token = line[tokenStart..<slash]
        guard let plus = token.lastIndex(of: UInt8(ascii: "+")), token[plus...].starts(with: Array("+0x".utf8)),
            plus > token.startIndex,
            let offset = UInt64(String(decoding: token[token.index(plus, offsetBy: 3)...], as: UTF8.self), radix: 16)
        else { return nil }
        let isPC = pcMarkers.contains { marker in
            line.indices.contains { line[$0...].starts(with: marker) }
        }
        return Frame(function: String(decoding: token[..<plus], as: UTF8.self), offset: offset, isPC: isPC)
    }

    /// `... func+0x1a/0x40 [module]` (possibly followed by a build id):
    /// the module, and the function and offset when they parse.
    private static func moduleFrame(_ line: ArraySlice<UInt8>) -> (String, Frame?)? {
        guard let open = line.lastIndex(of: UInt8(ascii: "[")), open > line.startIndex,
            line[line.index(before: open)] == UInt8(ascii: " "),
            line[open...].contains(UInt8(ascii: "]")),
            let close = line[open...].firstIndex(where: { $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: " ") }),
            let slash = line[..<open].lastIndex(of: UInt8(ascii: "/")), line[slash...].starts(with: Array("/0x".utf8))
        else { return nil }
        let module = String(decoding: line[line.index(after: open)..<close], as: UTF8.self)
        return (module, frame(line, slash: slash))
    }
}

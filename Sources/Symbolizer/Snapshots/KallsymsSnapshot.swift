/// A copy of `/proc/kallsyms` from the crashed machine (read as root with
/// `kptr_restrict=0`; otherwise every address reads 0).
///
/// Lines: `ADDRESS TYPE NAME` for vmlinux, `ADDRESS TYPE NAME\t[MODULE]` for
/// modules. Used for the KASLR offset (from `_text`, or `_stext` where there
/// is no `_text`, as on arm64).
public struct KallsymsSnapshot: Sendable {
    /// Core-kernel symbols by name (first occurrence).
    public private(set) var kernelSymbols: [String: UInt64] = [:]
    /// Number of module symbol lines.
    public private(set) var moduleSymbolCount = 0
    /// Code symbols (types t, T, w, W), sorted by address: for turning raw
    /// addresses into `func+off/size [module]` without any binary.
    private var code: [(address: UInt64, name: String, module: String?)] = []

    public init() {}

    /// Parses the text; lines that are not understood go to `problems`.
    public init(text: String, problems: inout [(line: Int, text: String)]) {
        for record in SnapshotText.records(text) {
            let fields = record.fields
            guard fields.count >= 3, fields[1].utf8.count == 1, let address = parseHex(fields[0]) else {
                problems.append((record.line, String(record.text)))
                continue
            }
            var module: String?
            if fields.count >= 4, fields[3].hasPrefix("[") {
                moduleSymbolCount += 1
                module = String(fields[3].trimmingCharacters(in: "[]"))
            } else if kernelSymbols[String(fields[2])] == nil {
                kernelSymbols[String(fields[2])] = address
            }
            let name = fields[2]
            if let type = fields[1].utf8.first, "tTwW".utf8.contains(type), address != 0, !name.hasPrefix("$") {
                code.append((address, String(name), module))
            }
        }
        code.sort { $0.address < $1.address }
    }

    /// What the kernel would print for a code address: the closest code
    /// symbol at or below it, the offset, and the distance to the next one.
    public func symbol(containing address: UInt64) -> (name: String, offset: UInt64, size: UInt64, module: String?)? {
        let low = code.partitionPoint { $0.address > address }
        guard low > 0 else { return nil }
        let entry = code[low - 1]
        var next = low
        while next < code.count, code[next].address == entry.address { next += 1 }
        guard next < code.count, code[next].module == entry.module else { return nil }
        return (entry.name, address - entry.address, code[next].address - entry.address, entry.module)
    }

    /// A module's code symbols (name, address), in address order.
    public func codeSymbols(of module: String) -> [(name: String, address: UInt64)] {
        let wanted = ModuleName.canonical(module)
        return code.filter { $0.module.map { ModuleName.canonical($0) == wanted } ?? false }.map { ($0.name, $0.address) }
    }

    /// The runtime address of the kernel's start symbol (`_text`, else `_stext`) and its name.
    public var textStart: (name: String, address: UInt64)? {
        for name in ["_text", "_stext"] {
            if let address = kernelSymbols[name], address != 0 { return (name, address) }
        }
        return nil
    }
}

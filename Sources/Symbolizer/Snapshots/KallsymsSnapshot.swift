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
        // On the bytes, without a word list per line: a service reads the snapshot of every request.
        SnapshotText.forEachRecord(in: text) { line, bytes, _ in
            // `ADDRESS TYPE NAME [MODULE]`: the first four words, read as the line goes.
            guard let addressWord = bytes.blankSeparatedWord(from: 0),
                let typeWord = bytes.blankSeparatedWord(from: addressWord.upperBound),
                let nameWord = bytes.blankSeparatedWord(from: typeWord.upperBound),
                typeWord.count == 1, let address = parseHex(UnsafeBufferPointer(rebasing: bytes[addressWord]))
            else {
                problems.append((line, SnapshotText.string(bytes)))
                return
            }
            let words = (addressWord, typeWord, nameWord, bytes.blankSeparatedWord(from: nameWord.upperBound))
            // `[crashmod]`: the module without its brackets.
            var module: String?
            if var range = words.3, !range.isEmpty, bytes[range.lowerBound] == UInt8(ascii: "[") {
                func isBracket(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") }
                while !range.isEmpty, isBracket(bytes[range.lowerBound]) { range = (range.lowerBound + 1)..<range.upperBound }
                while !range.isEmpty, isBracket(bytes[range.upperBound - 1]) { range = range.lowerBound..<(range.upperBound - 1) }
                module = SnapshotText.string(bytes, range)
            }
            let isCode: Bool
            switch bytes[words.1.lowerBound] {
            case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "w"), UInt8(ascii: "W"):
                isCode = address != 0 && bytes[words.2.lowerBound] != UInt8(ascii: "$")
            default: isCode = false
            }
            // The name is made only where it is kept: a module's data symbols are only counted.
            guard module == nil || isCode else {
                moduleSymbolCount += 1
                return
            }
            let name = SnapshotText.string(bytes, words.2)
            if module != nil {
                moduleSymbolCount += 1
            } else if kernelSymbols.index(forKey: name) == nil {
                kernelSymbols[name] = address
            }
            if isCode { code.append((address, name, module)) }
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

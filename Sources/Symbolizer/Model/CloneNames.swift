/// Compiler clones of a function: GCC's and LLVM's suffixes after the
/// function's own name (`foo.isra.0`, `foo.constprop.0.isra.0`, `foo.cold`,
/// `foo.llvm.1234`, `foo.part.3`, `foo.specialized.1`). One list for every
/// place that compares names across builds: symbol naming, titles and
/// signatures.
public enum CloneNames {
    /// The words of clone suffixes (numbers are always allowed between them).
    public static let suffixWords: Set<Substring> = [
        "isra", "constprop", "part", "cold", "llvm", "lto_priv", "localalias", "clone", "specialized",
    ]

    /// `crash_noreturn.constprop.0` → `crash_noreturn`; `foo.cold` → `foo`.
    public static func baseName(_ name: String) -> String {
        // Most names have no suffix: asked for every frame of every report.
        guard name.utf8.contains(UInt8(ascii: ".")) else { return name }
        var parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count > 1, !parts[0].isEmpty else { return name }
        while parts.count > 1 {
            let last = parts[parts.count - 1]
            if last.allSatisfy(\.isNumber) || suffixWords.contains(last) {
                parts.removeLast()
            } else {
                break
            }
        }
        return parts.joined(separator: ".")
    }

    /// Whether `symbol` is `function` plus clone suffixes.
    public static func isClone(_ symbol: String, of function: String) -> Bool {
        guard symbol.utf8.count > function.utf8.count, symbol.utf8.starts(with: function.utf8) else { return false }
        let suffix = symbol.utf8.dropFirst(function.utf8.count)
        guard suffix.first == UInt8(ascii: ".") else { return false }
        for part in String(decoding: suffix.dropFirst(), as: UTF8.self).split(separator: ".", omittingEmptySubsequences: false) {
            if suffixWords.contains(part) { continue }
            if !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }) { continue }
            return false
        }
        return true
    }
}

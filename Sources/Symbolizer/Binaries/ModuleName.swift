/// Module names as the kernel compares them: `-` and `_` are the same.
public enum ModuleName {
    /// The canonical spelling (`nf-tables` → `nf_tables`).
    public static func canonical(_ name: some StringProtocol) -> String {
        // Asked for every frame and snapshot line: most names have no '-' to replace.
        var name = String(name)
        // memchr: the generic `contains` walked the UTF-8 view a byte at a time.
        guard name.withUTF8({ ByteSearch.offset(of: UInt8(ascii: "-"), in: $0) }) != nil else { return name }
        return String(decoding: name.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    /// Whether `name` can be a module name: letters, digits, `_` and `-` only,
    /// at most 55 characters (`MODULE_NAME_LEN - 1` on 64-bit). Anything
    /// else is never turned into a path.
    public static func isValid(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.utf8.count <= 55
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                    || byte == 0x5f || byte == 0x2d
            }
    }

    /// Whether `release` can be a kernel release used in a path: no `/`, no
    /// `..`, printable, at most 64 characters.
    public static func isValidRelease(_ release: some StringProtocol) -> Bool {
        !release.isEmpty && release.utf8.count <= 64 && !release.contains("/") && !release.contains("..")
            && release.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
    }

    /// The module name of a file (`nf_tables.ko.xz` → `nf_tables`), or `nil`
    /// when the file is not a module.
    public static func ofFile(_ fileName: some StringProtocol) -> String? {
        for suffix in [".ko", ".ko.xz", ".ko.gz", ".ko.zst", ".ko.debug"] where fileName.hasSuffix(suffix) {
            return canonical(fileName.dropLast(suffix.count))
        }
        return nil
    }
}

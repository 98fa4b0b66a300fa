/// How a kernel's kallsyms turned a module's `st_value` into the address it
/// printed (`func+off/size`) and listed in `/proc/kallsyms`.
///
/// Only Thumb-2 kernels behave differently between the two: Linux 5.0
/// (commit "ARM: module: Fix function kallsyms on Thumb-2") added the
/// `kallsyms_symbol_value()` hook that clears bit 0 of `STT_FUNC` values.
/// Older kernels, and backports without it, used the raw value, so every
/// module `func+off` they print is one byte short.
public enum KallsymsMode: String, Sendable, CaseIterable, Codable {
    /// The kernel clears the Thumb bit of function symbols (Linux ≥ 5.0).
    case fixed
    /// The kernel uses the raw `st_value`, Thumb bit included (before Linux 5.0).
    case raw

    /// The mode a kernel release most likely has, from its version string
    /// (`4.19.0-rt`, `6.1.0-50-amd64`). `nil` when the string has no version.
    public static func likely(forRelease release: String) -> KallsymsMode? {
        // The major version: the release's first run of digits (read on the bytes when ASCII).
        var release = release
        if let major = release.withUTF8({ bytes -> Int?? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            guard let start = bytes.firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return .some(nil) }
            let end = bytes[start...].firstIndex(where: { $0 < 0x30 || $0 > 0x39 }) ?? bytes.count
            return .some(Int(String(decoding: bytes[start..<end], as: UTF8.self)))
        }) {
            return major.map { $0 >= 5 ? .fixed : .raw }
        }
        let digits = release.split(whereSeparator: { !$0.isNumber })
        guard let majorText = digits.first, let major = Int(majorText) else { return nil }
        return major >= 5 ? .fixed : .raw
    }
}

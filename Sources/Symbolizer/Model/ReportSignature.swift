/// A stable identity for "the same bug": a hash over the report's top
/// functions, so that the same crash on two builds of a kernel (other
/// offsets, other line numbers, other clone suffixes) gets the same
/// signature, and different crashes get different ones.
///
/// Rules:
/// 1. Take the reliable frames in order (`?` entries are left out).
/// 2. Expand each into its inline chain, innermost first (DWARF functions);
///    a frame without DWARF contributes the function the kernel printed.
/// 3. Drop compiler clone suffixes (`.constprop.N`, `.isra.N`, `.part.N`,
///    `.cold`, `.llvm.N`, `.lto_priv.N`…) and skip generic frames (stack
///    dumping, WARN/BUG machinery, exception entry; see ``genericFunctions``).
/// 4. Keep the first ``depth`` functions (no immediate repeats: deep recursion
///    counts once), join them with newlines, and hash with 64-bit FNV-1a.
///    The signature is the hash in 16 lower-case hex digits.
public enum ReportSignature {
    /// How many functions the signature covers.
    public static let depth = 5

    /// Functions that say how the report was printed, not where the bug is (see ``GenericFrames``).
    public static var genericFunctions: Set<String> { GenericFrames.names }

    /// The signature of a report's frames; `nil` when no frame names a function.
    public static func signature(of frames: [ResolvedFrame]) -> String? {
        let functions = topFunctions(of: frames)
        guard !functions.isEmpty else { return nil }
        return fnv1a(functions.joined(separator: "\n"))
    }

    /// The functions the signature is made of, in order.
    public static func topFunctions(of frames: [ResolvedFrame]) -> [String] {
        var result: [String] = []
        for frame in frames where frame.frame.reliable {
            let names: [String]
            if !frame.locations.isEmpty {
                names = frame.locations.compactMap(\.function)
            } else if let name = frame.symbol?.name ?? frame.frame.symbol?.name {
                names = [name]
            } else {
                names = []
            }
            for raw in names {
                let name = baseName(raw.hasPrefix(".") ? String(raw.dropFirst()) : raw)
                if GenericFrames.names.contains(name) || name.isEmpty { continue }
                if result.last == name { continue }
                result.append(name)
                if result.count == depth { return result }
            }
        }
        return result
    }

    /// `crash_noreturn.constprop.0` → `crash_noreturn`; `foo.cold` → `foo` (see ``CloneNames``).
    public static func baseName(_ name: String) -> String { CloneNames.baseName(name) }

    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

import ArchFixups

/// Facts a kernel states in its log lines: the release (`CPU: … Comm: …
/// RELEASE #…`, `Linux version RELEASE`), vmlinux's build id (the `CPU:` line
/// of CONFIG_STACKTRACE_BUILD_ID kernels), the KASLR offset (`Kernel
/// Offset:`), the architecture (a register dump only one architecture prints).
public enum FactScanner {
    /// What one message states.
    struct Statements {
        var architecture: Architecture?
        var release: String?
        var vmlinuxBuildID: String?
        var kaslrOffset: UInt64?

        var isEmpty: Bool { architecture == nil && release == nil && vmlinuxBuildID == nil && kaslrOffset == nil }

        /// Offers what was stated to `facts` (a later statement of the same kind replaces an earlier one).
        func apply(to facts: inout KernelFacts) {
            // A powerpc register dump's NIP/LR lines do not say the byte order its MSR line said.
            if let architecture, !(architecture == .powerpc64 && facts.architecture?.value == .powerpc64le) {
                facts.architecture.offer(architecture, .logLine, sameStrengthWins: true)
            }
            if let release { facts.noteRelease(release) }
            if let vmlinuxBuildID { facts.vmlinuxBuildID.offer(vmlinuxBuildID, .logLine, sameStrengthWins: true) }
            if let kaslrOffset { facts.kaslrOffset.offer(kaslrOffset, .logLine, sameStrengthWins: true) }
        }
    }

    /// What `message` states about the kernel.
    static func statements(in message: Substring) -> Statements {
        // Asked of every line: what each statement needs is looked for once, on the bytes
        // (`Linux version`, `Kernel Offset:` at the start; ` Comm: ` anywhere).
        let (first, comm) = message.withUTF8Bytes { bytes in
            (bytes.first, ByteSearch.firstOffset(of: Self.commWord, in: bytes) != nil)
        }
        let release = first == UInt8(ascii: "L") || comm ? release(in: message) : nil
        return Statements(
            architecture: LogSyntax.registerDump(message), release: release,
            vmlinuxBuildID: release == nil ? nil : vmlinuxBuildID(in: message),
            kaslrOffset: first == UInt8(ascii: "K") ? kernelOffset(in: message) : nil)
    }

    private static let commWord = Array(" Comm: ".utf8)

    /// `Kernel Offset: 0x1de00000 from 0xffffffff81000000 …` (x86, arm64 on panic).
    static func kernelOffset(in message: Substring) -> UInt64? {
        guard message.hasPrefix("Kernel Offset: 0x") else { return nil }
        let fields = message.spaceSeparatedWords
        return fields.count >= 3 ? parseHex(fields[2]) : nil
    }

    /// vmlinux's build id at the end of `CPU: 0 PID: 1 Comm: sh Not tainted
    /// 6.1.0 #1 0123…` (kernels with CONFIG_STACKTRACE_BUILD_ID print the 20
    /// bytes after the version's `#N`).
    public static func vmlinuxBuildID(in message: Substring) -> String? {
        guard ByteSearch.contains(message, " Comm: "), release(in: message) != nil else { return nil }
        let tokens = message.spaceSeparatedWords
        guard let hash = tokens.lastIndex(where: { $0.hasPrefix("#") }), hash + 1 < tokens.count else { return nil }
        let candidate = tokens[hash + 1].trimmingCharacters(in: "\r")
        guard candidate.count == 40, candidate.allSatisfy(\.isHexDigit) else { return nil }
        return candidate.lowercased()
    }

    /// The release in `CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-50-amd64 #1`
    /// (or `Tainted: G   D  O  6.1.0 #1`) and `Linux version 6.1.0 (…)`.
    public static func release(in message: Substring) -> String? {
        if message.hasPrefix("Linux version ") {
            return message.dropFirst("Linux version ".count).spaceSeparatedWords.first.map(String.init)
        }
        guard ByteSearch.contains(message, " Comm: ") else { return nil }
        let rest: Substring
        if let range = ByteSearch.firstRange(of: "Not tainted ", in: message) {
            rest = message[range.upperBound...]
        } else if let range = ByteSearch.firstRange(of: "Tainted: ", in: message) {
            rest = message[range.upperBound...]
        } else {
            return nil
        }
        for token in rest.spaceSeparatedWords {
            if token.first?.isNumber == true && token.contains(".") { return String(token) }
            if token.hasPrefix("#") { break }
        }
        return nil
    }
}

extension LogProcessor {
    /// See ``FactScanner/vmlinuxBuildID(in:)``.
    public static func vmlinuxBuildID(in message: Substring) -> String? { FactScanner.vmlinuxBuildID(in: message) }
    /// See ``FactScanner/release(in:)``.
    public static func release(in message: Substring) -> String? { FactScanner.release(in: message) }
}

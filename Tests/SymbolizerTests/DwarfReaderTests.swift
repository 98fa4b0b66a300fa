import Foundation
import Testing

/// vmlinux's compilation units are found through `.debug_aranges` and read
/// by ksymbolize's own DIE reader (libdw would read every unit header first).
/// `KSYMBOLIZE_LIBDW_UNITS=1` makes the same run use libdw for them: both
/// must give the same function, file:line and inline chain for thousands of
/// addresses spread over the whole kernel.
@Suite("Own DWARF unit reader")
struct DwarfReaderTests {
    struct Kernel: Sendable, CustomStringConvertible {
        var sample: String
        var addresses: Int
        var description: String { sample }
    }

    static let kernels = [
        Kernel(sample: "x86_64", addresses: 4000),
        Kernel(sample: "arm-thumb2/fixed", addresses: 2000),
    ]

    @Test("gives libdw's answers", arguments: kernels)
    func sameAsLibdw(kernel: Kernel) throws {
        guard let sample = Samples.all.first(where: { $0.directory == kernel.sample }) else { return }
        let vmlinux = try #require(try sample.vmlinux())
        let addresses = try Self.addresses(in: vmlinux, count: kernel.addresses)
        #expect(addresses.count >= kernel.addresses / 2)
        let input = addresses.map { String(format: "0x%llx", $0) }.joined(separator: "\n") + "\n"
        let arguments = ["addr", "--vmlinux", vmlinux, "--kaslr-offset", "0", "--threads", "1"]
        let own = try CLI.run(arguments, stdin: input)
        let libdw = try CLI.run(arguments, stdin: input, environment: ["KSYMBOLIZE_LIBDW_UNITS": "1"])
        #expect(own.status == 0)
        #expect(libdw.status == own.status)
        let ownLines = own.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let libdwLines = libdw.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(ownLines.count == libdwLines.count)
        let differences = zip(ownLines, libdwLines).filter { $0 != $1 }
        #expect(differences.isEmpty, "\(differences.count) lines differ, first: \(differences.prefix(3))")
        // The comparison means something only if lines and inline chains were found.
        let located = ownLines.filter { $0.hasPrefix("  ") && $0.contains(" at ") && $0.contains(":") }.count
        let inlined = ownLines.filter { $0.contains("inlined") }.count
        #expect(located >= addresses.count * 9 / 10, "only \(located) of \(addresses.count) with file:line")
        #expect(inlined >= addresses.count / 20, "only \(inlined) inline frames")
    }

    /// Module units (x86-64: relocated by ksymbolize one unit at a time) the same way.
    @Test("gives libdw's answers for module frames", arguments: Samples.allCases.filter { $0.sample.directory == "x86_64" })
    func modulesSameAsLibdw(sampleCase: SampleCase) throws {
        let sample = sampleCase.sample
        guard let vmlinux = try sample.vmlinux() else { return }
        let arguments = [
            "--format", "json", "--vmlinux", vmlinux, "--modules", sample.path,
            "--module-sections", sample.path + "/\(sampleCase.name).sections", sample.path + "/\(sampleCase.name).log",
        ]
        let own = try CLI.run(arguments)
        let libdw = try CLI.run(arguments, environment: ["KSYMBOLIZE_LIBDW_UNITS": "1"])
        #expect(own.status == libdw.status)
        // Frames, titles and listings alike. The variables registers hold come
        // from two readers that differ: libdw's fallback (dwarf_getscopes)
        // misses the parameters of outer inlined scopes that ours finds (checked
        // against llvm-dwarfdump by MachineCodeTests); they are left out here.
        #expect(try Self.withoutVariables(own.stdout) == Self.withoutVariables(libdw.stdout))
        #expect(own.stdout.contains("crashmod"))
    }

    /// The JSON document without `registers` and the faulting instructions' `access`.
    static func withoutVariables(_ json: String) throws -> String {
        var document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let reports = (document["reports"] as? [[String: Any]] ?? []).map { report -> [String: Any] in
            var report = report
            report["registers"] = nil
            if var code = report["code"] as? [String: Any] {
                code["instructions"] = (code["instructions"] as? [[String: Any]] ?? []).map { instruction -> [String: Any] in
                    var instruction = instruction
                    instruction["access"] = nil
                    return instruction
                }
                report["code"] = code
            }
            return report
        }
        document["reports"] = reports
        document["crash"] = nil
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Addresses inside sized function symbols, spread evenly over them
    /// (from `nm`: the test must not trust the reader it checks).
    static func addresses(in vmlinux: String, count: Int) throws -> [UInt64] {
        let listing = try Samples.run("/usr/bin/nm", ["-S", "--defined-only", vmlinux])
        var functions: [(start: UInt64, size: UInt64)] = []
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 4, "tTW".contains(fields[2]), let start = UInt64(fields[0], radix: 16),
                let size = UInt64(fields[1], radix: 16), size > 0
            else { continue }
            functions.append((start & ~1, size))
        }
        guard !functions.isEmpty else { return [] }
        let step = max(1, functions.count / count)
        return stride(from: 0, to: functions.count, by: step).enumerated().map { index, position in
            let function = functions[position]
            return function.start + function.size * UInt64(index % 7) / 7
        }
    }
}

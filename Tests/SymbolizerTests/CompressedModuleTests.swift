import Foundation
import Symbolizer
import Testing

@Suite("Compressed modules", .serialized)
struct CompressedModuleTests {
    @Test("a .ko.xz, .ko.gz or .ko.zst gives the same frames as the .ko", arguments: ["xz", "gzip", "zstd"])
    func sameFrames(compressor: String) throws {
        let sample = Samples.all.first { $0.directory == "arm-thumb2/fixed" }!
        let sampleCase = SampleCase(sample: sample, name: "null")
        let plain = try symbolize(logPath: sampleCase.logPath, options: try sample.options(case: "null"))

        let directory = NSTemporaryDirectory() + "ksymbolize-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let suffix = ["xz": "xz", "gzip": "gz", "zstd": "zst"][compressor]!
        try Samples.run(
            "/bin/sh", ["-c", "\(compressor) -q -c \"$0\" > \"$1\"", sample.path + "/crashmod.ko", directory + "/crashmod.ko.\(suffix)"])
        var options = try sample.options(case: "null")
        options.modulePaths = [directory]
        let compressed = try symbolize(logPath: sampleCase.logPath, options: options)

        let moduleFrames = plain.reports.flatMap(\.frames).filter { $0.module == "crashmod" }
        #expect(!moduleFrames.isEmpty)
        #expect(compressed.text == plain.text)
    }
}

@Suite("Modules without .debug_aranges", .serialized)
struct NoArangesTests {
    /// clang-built kernels have no .debug_aranges; libdw 0.188 alone then finds no line at all.
    @Test("frames are the same without .debug_aranges")
    func sameFrames() throws {
        let sample = Samples.all.first { $0.directory == "x86_64" }!
        let sampleCase = SampleCase(sample: sample, name: "null")
        var options = try sample.options(case: "null")
        options.vmlinuxPath = nil
        let plain = try symbolize(logPath: sampleCase.logPath, options: options)

        let directory = NSTemporaryDirectory() + "ksymbolize-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Samples.run(
            "/usr/bin/objcopy",
            ["-R", ".debug_aranges", "-R", ".rela.debug_aranges", sample.path + "/crashmod.ko", directory + "/crashmod.ko"])
        options.modulePaths = [directory]
        let stripped = try symbolize(logPath: sampleCase.logPath, options: options)
        let frames = stripped.reports.flatMap(\.frames).filter { $0.module == "crashmod" }
        #expect(!frames.isEmpty)
        #expect(frames.allSatisfy { $0.locations.first?.file != nil })
        #expect(stripped.text == plain.text)
    }
}

@Suite("Stripped modules and their debug copies", .serialized)
struct StrippedModuleTests {
    /// /lib/modules has stripped modules, /usr/lib/debug/lib/modules the
    /// copies with DWARF: given both, the copy with DWARF is used, whichever
    /// directory comes first.
    @Test("a stripped module first and its debug copy second resolve like the debug copy")
    func debugCopyWins() throws {
        let sample = Samples.all.first { $0.directory == "x86_64" }!
        let sampleCase = SampleCase(sample: sample, name: "null")
        var options = try sample.options(case: "null")
        options.vmlinuxPath = nil
        let plain = try symbolize(logPath: sampleCase.logPath, options: options)

        let stripped = NSTemporaryDirectory() + "ksymbolize-stripped-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: stripped, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: stripped) }
        try Samples.run("/usr/bin/objcopy", ["--strip-debug", sample.path + "/crashmod.ko", stripped + "/crashmod.ko"])

        options.modulePaths = [stripped]
        let strippedOnly = try symbolize(logPath: sampleCase.logPath, options: options)
        #expect(strippedOnly.reports.flatMap(\.frames).filter { $0.module == "crashmod" }.allSatisfy { $0.locations.first?.file == nil })

        options.modulePaths = [stripped, sample.path]
        let both = try symbolize(logPath: sampleCase.logPath, options: options)
        #expect(both.text == plain.text)
    }
}

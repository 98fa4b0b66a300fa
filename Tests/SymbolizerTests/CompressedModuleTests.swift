import Foundation
import Symbolizer
import Testing

@Suite("Compressed modules", .serialized)
struct CompressedModuleTests {
    @Test("a .ko.xz or .ko.gz gives the same frames as the .ko", arguments: ["xz", "gzip"])
    func sameFrames(compressor: String) throws {
        let sample = Samples.all.first { $0.directory == "arm-thumb2/fixed" }!
        let sampleCase = SampleCase(sample: sample, name: "null")
        let plain = try symbolize(logPath: sampleCase.logPath, options: try sample.options(case: "null"))

        let directory = NSTemporaryDirectory() + "ksymbolize-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let suffix = compressor == "xz" ? "xz" : "gz"
        try Samples.run(
            "/bin/sh", ["-c", "\(compressor) -c \"$0\" > \"$1\"", sample.path + "/crashmod.ko", directory + "/crashmod.ko.\(suffix)"])
        var options = try sample.options(case: "null")
        options.modulePaths = [directory]
        let compressed = try symbolize(logPath: sampleCase.logPath, options: options)

        let moduleFrames = plain.reports.flatMap(\.frames).filter { $0.module == "crashmod" }
        #expect(!moduleFrames.isEmpty)
        #expect(compressed.text == plain.text)
    }
}

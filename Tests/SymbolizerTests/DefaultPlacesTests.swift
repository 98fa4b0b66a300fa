import Foundation
import Symbolizer
import Testing

@Suite("Binaries found from the kernel release", .serialized)
struct DefaultPlacesTests {
    @Test("the log's release leads to /usr/lib/debug/lib/modules/RELEASE and /usr/lib/debug/boot/vmlinux-RELEASE")
    func fromLogRelease() throws {
        let sample = Samples.all.first { $0.directory == "arm-thumb2/fixed" }!
        let root = NSTemporaryDirectory() + "ksymbolize-root-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let modules = root + "/usr/lib/debug/lib/modules/6.1.192/extra"
        let boot = root + "/usr/lib/debug/boot"
        try FileManager.default.createDirectory(atPath: modules, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: boot, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: sample.path + "/crashmod.ko", toPath: modules + "/crashmod.ko")
        try FileManager.default.createSymbolicLink(atPath: boot + "/vmlinux-6.1.192", withDestinationPath: try #require(try sample.vmlinux()))

        var options = try sample.options(case: "null")
        options.modulePaths = []
        options.vmlinuxPath = nil
        let symbolizer = Symbolizer(options: options, systemRoot: root)
        let processor = LogProcessor(symbolizer: symbolizer)
        let fd = open(sample.path + "/null.log", O_RDONLY)
        defer { close(fd) }
        var reader = LineReader(fd: fd)
        while let line = reader.next() { _ = processor.process(line) }
        let frames = processor.finish().flatMap(\.frames)
        #expect(frames.contains { $0.module == "crashmod" && $0.locations.first?.file == "crashmod/crashmod.c" })
        #expect(frames.contains { $0.module == "vmlinux" && $0.locations.first?.file == "fs/read_write.c" })
        #expect(frames.allSatisfy { $0.unresolved == nil })
    }
}

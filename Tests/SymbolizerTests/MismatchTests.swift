import Foundation
import Symbolizer
import Testing

/// A binary that does not match the crashed kernel is said so on each frame,
/// never hidden behind a confident wrong line.
@Suite("Binaries that do not match the crash", .serialized)
struct MismatchTests {
    static let sample = Samples.all.first { $0.directory == "arm-thumb2/fixed" }!

    private func frames(editing edit: (String) -> String) throws -> [ResolvedFrame] {
        let log = try String(contentsOfFile: Self.sample.path + "/null.log", encoding: .utf8)
        let (_, reports) = symbolize(bytes: Array(edit(log).utf8), options: try Self.sample.options(case: "null"))
        return reports.flatMap(\.frames)
    }

    @Test("the release in the log differs from the binaries'")
    func release() throws {
        let frames = try frames { $0.replacingOccurrences(of: "6.1.192 #1", with: "6.1.193 #1") }
        let module = frames.filter { $0.module == "crashmod" }
        #expect(!module.isEmpty)
        #expect(module.allSatisfy { $0.mismatch?.contains("crashmod is for 6.1.192, the log's kernel is 6.1.193") == true })
        #expect(frames.filter { $0.module == "vmlinux" }.allSatisfy { $0.mismatch?.contains("vmlinux is for 6.1.192") == true })
    }

    @Test("the printed size differs from the symbol's")
    func size() throws {
        let frames = try frames { $0.replacingOccurrences(of: "crash_write+0x10d/0x184", with: "crash_write+0x10d/0x190") }
        let edited = frames.filter { $0.frame.symbol?.size == 0x190 }
        #expect(!edited.isEmpty)
        #expect(edited.allSatisfy { $0.mismatch?.contains("crash_write has size 0x184 in crashmod, the kernel printed 0x190") == true })
        // One wrong size proves the file is another build: the module's other
        // frames of the report say so too, vmlinux's do not.
        #expect(frames.filter { $0.module == "crashmod" }.allSatisfy { $0.mismatch != nil })
        #expect(frames.filter { $0.module == "vmlinux" }.allSatisfy { $0.mismatch == nil })
    }

    @Test("the printed build id differs from the module's")
    func buildID() throws {
        let frames = try frames {
            $0.replacingOccurrences(of: "(crash_write+0x10d/0x184 [crashmod])", with: "(crash_write+0x10d/0x184 [crashmod 0123456789abcdef])")
        }
        let edited = frames.filter { $0.frame.symbol?.buildID != nil }
        #expect(!edited.isEmpty)
        #expect(edited.allSatisfy { $0.mismatch?.contains("the log says 0123456789abcdef") == true })
    }

    @Test("a missing module is reported and the rest still symbolized")
    func missingModule() throws {
        var options = try Self.sample.options(case: "null")
        options.modulePaths = []
        let log = try String(contentsOfFile: Self.sample.path + "/null.log", encoding: .utf8)
        let (_, reports) = symbolize(bytes: Array(log.utf8), options: options)
        let frames = reports.flatMap(\.frames)
        #expect(frames.filter { $0.frame.symbol?.module == "crashmod" }.allSatisfy { $0.unresolved == .moduleNotFound("crashmod") })
        #expect(frames.contains { $0.module == "vmlinux" && $0.locations.first?.file != nil })
    }
}

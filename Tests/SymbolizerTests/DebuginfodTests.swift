import Foundation
import Symbolizer
import Testing

/// Binaries fetched by build id from a real debuginfod server (elfutils',
/// on loopback): `make test` starts one over the Thumb-2 sample's vmlinux
/// and module (scripts/run-tests.sh); run alone, the test starts its own.
@Suite("debuginfod", .serialized)
struct DebuginfodTests {
    static let sample = Samples.all.first { $0.directory == "arm-thumb2/fixed" }!

    /// A server URL, and the state directory of a server this test started.
    static func server() throws -> (url: String, started: String?) {
        if let url = ProcessInfo.processInfo.environment["KSYMBOLIZE_DEBUGINFOD_URL"], !url.isEmpty {
            return (url, nil)
        }
        let served = NSTemporaryDirectory() + "ksymbolize-debuginfod-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: served + "/files", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try sample.vmlinux()!, toPath: served + "/files/vmlinux")
        try FileManager.default.copyItem(atPath: sample.path + "/crashmod.ko", toPath: served + "/files/crashmod.ko")
        // Not through a pipe: the server would inherit its write end, and
        // reading it would never end. The script also writes STATE/url.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Samples.path("scripts/debuginfod-server.sh"), "start", served + "/files", served + "/state"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SampleError("scripts/debuginfod-server.sh start failed") }
        let url = try String(contentsOfFile: served + "/state/url", encoding: .utf8)
        return (url.trimmingCharacters(in: .whitespacesAndNewlines), served)
    }

    /// A server (see ``server()``) and a fresh client cache for one test;
    /// stops what it started when released.
    final class ServerFixture {
        let url: String
        let clientCache: ScratchDirectory
        private let started: String?

        init() throws {
            (url, started) = try DebuginfodTests.server()
            clientCache = try ScratchDirectory()
            setenv("DEBUGINFOD_CACHE_PATH", clientCache.path, 1)
        }

        deinit {
            unsetenv("DEBUGINFOD_CACHE_PATH")
            if let started {
                _ = try? Samples.run("/bin/bash", [Samples.path("scripts/debuginfod-server.sh"), "stop", started + "/state"])
                try? FileManager.default.removeItem(atPath: started)
            }
        }
    }

    static func buildID(of path: String) throws -> String {
        try Samples.run("/bin/sh", ["-c", "readelf -n \"$0\" | awk '/Build ID/ {print $3; exit}'", path])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a log whose binaries are only on a debuginfod server symbolizes as with local files")
    func onlyFromServer() throws {
        let fixture = try ServerFixture()
        defer { withExtendedLifetime(fixture) {} }
        let (url, clientCache) = (fixture.url, fixture.clientCache)

        let local = try Self.sample.options(case: "null")
        let (_, expected) = try symbolize(logPath: Self.sample.path + "/null.log", options: local)
        let expectedFrames = expected.flatMap(\.frames).map(FrameAnswer.init)
        #expect(expectedFrames.contains { $0.module == "crashmod" && !$0.chain.isEmpty })
        #expect(expectedFrames.contains { $0.module == "vmlinux" && !$0.chain.isEmpty })

        // No --vmlinux, no --modules: only the crashed machine's notes and the server.
        var options = SymbolizerOptions(moduleSections: local.moduleSections)
        options.kallsyms = local.kallsyms
        try options.buildIDs.readKernelNotes(Self.sample.path + "/notes/kernel-notes")
        try options.buildIDs.readModuleNotes(directory: Self.sample.path + "/notes")
        options.debuginfodURLs = url
        options.live = .off
        let (_, fetched) = try symbolize(logPath: Self.sample.path + "/null.log", options: options)
        #expect(fetched.flatMap(\.frames).map(FrameAnswer.init) == expectedFrames)

        // What came from the server is what the notes asked for.
        for id in [options.buildIDs.vmlinux!.id, options.buildIDs.module("crashmod")!.id] {
            let file = clientCache.path + "/\(id)/debuginfo"
            #expect(FileManager.default.fileExists(atPath: file), "\(file) not fetched")
            #expect(try Self.buildID(of: file) == id)
        }
    }

    @Test("a build id the server does not have is reported on the frames, the rest still symbolized")
    func unknownBuildID() throws {
        let fixture = try ServerFixture()
        defer { withExtendedLifetime(fixture) {} }
        let url = fixture.url

        var options = try Self.sample.options(case: "null")
        options.modulePaths = []
        options.buildIDs.setModule("crashmod", ExpectedBuildID(id: String(repeating: "ab", count: 20), source: "test"))
        options.debuginfodURLs = url
        let (_, reports) = try symbolize(logPath: Self.sample.path + "/null.log", options: options)
        let frames = reports.flatMap(\.frames)
        let module = frames.filter { $0.frame.symbol?.module == "crashmod" }
        #expect(!module.isEmpty)
        for frame in module {
            guard case .moduleUnreadable(_, let why) = frame.unresolved else {
                Issue.record("expected moduleUnreadable, got \(String(describing: frame.unresolved))")
                continue
            }
            #expect(why.contains("not on the server"))
        }
        #expect(frames.contains { $0.module == "vmlinux" && !$0.locations.isEmpty })
    }
}

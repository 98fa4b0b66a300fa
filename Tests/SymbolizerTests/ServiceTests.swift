import Foundation
import Symbolizer
import Synchronization
import Testing

/// `ksymbolize serve` over HTTP (curl on a loopback socket), against the
/// command line for the same inputs.
@Suite("Service: ksymbolize serve over HTTP", .serialized)
struct ServiceTests {
    /// Every sample directory: one server each (its vmlinux and modules), every case in every format.
    @Test("the same bytes and exit status as the command line, every sample and format", arguments: Samples.all)
    func sameAsCommandLine(_ sample: Samples.Sample) throws {
        var binaries = ["--modules", sample.path]
        if let vmlinux = try sample.vmlinux() { binaries += ["--vmlinux", vmlinux] }
        let server = try ServerProcess(binaries)
        let cases = sample.cases.map { ServiceCase(sampleCase: SampleCase(sample: sample, name: $0)) }
        #expect(!cases.isEmpty)
        for serviceCase in cases {
            for format in ["text", "json", "markdown"] {
                let cli = try CLI.run(binaries + ["--format", format] + serviceCase.arguments())
                let reply = try HTTP.symbolize(port: server.port, query: "?format=\(format)", document: try serviceCase.document())
                #expect(reply.status == 200, "\(serviceCase) \(format): \(reply.error ?? "")")
                #expect(String(decoding: reply.body, as: UTF8.self) == cli.stdout, "\(serviceCase) \(format)")
                #expect(reply.exitStatus == cli.status, "\(serviceCase) \(format)")
            }
            // The log alone, as text/plain: what `ksymbolize --reports-only LOG` prints.
            let log = serviceCase.sampleCase.logPath
            let cli = try CLI.run(binaries + ["--no-live", "--reports-only", log])
            let reply = try HTTP.request(
                port: server.port, path: "/v1/symbolize?reports_only=1", body: try Data(contentsOf: URL(fileURLWithPath: log)))
            #expect(String(decoding: reply.body, as: UTF8.self) == cli.stdout, "\(serviceCase) text/plain")
            #expect(reply.exitStatus == cli.status)
            #expect(reply.headers["content-type"] == "text/plain; charset=utf-8")
        }
        #expect(server.terminate() == 0)
    }

    /// One server that has no binary of its own but a build-id tree: each
    /// request's notes pick its kernel and module; requests for four
    /// architectures at once, twice (cold, then from the cache). (Not armhf:
    /// its vmlinux is flagged as another build, and that message names the
    /// notes' source, a file for the command line and `kernel_notes` here.)
    @Test("concurrent requests for different kernels and architectures")
    func differentKernelsAtOnce() throws {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("ksymbolize-serve-tree-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tree) }
        let chosen = Samples.all.filter { ["x86_64", "ppc64el", "s390x", "arm-thumb2/fixed"].contains($0.directory) }
        #expect(chosen.count == 4)
        var chosenCases: [ServiceCase] = []
        for sample in chosen {
            try Self.link(try #require(try sample.vmlinux()), buildIDFrom: sample.path + "/notes/kernel-notes", into: tree)
            try Self.link(sample.path + "/crashmod.ko", buildIDFrom: sample.path + "/notes/crashmod/notes/.note.gnu.build-id", into: tree)
            chosenCases += sample.cases.prefix(2).map { ServiceCase(sampleCase: SampleCase(sample: sample, name: $0)) }
        }
        let cases = chosenCases
        let options = ["--debug-dir", tree.path, "--no-debuginfod"]
        let expected = try cases.map { try CLI.run(options + ["--format", "json"] + $0.arguments(notes: true)) }
        let server = try ServerProcess(options + ["--max-concurrency", "4"])
        for round in ["cold", "warm"] {
            let replies = Mutex<[Int: HTTP.Reply]>([:])
            DispatchQueue.concurrentPerform(iterations: cases.count) { index in
                let reply = try? HTTP.symbolize(port: server.port, query: "?format=json", document: try cases[index].document(notes: true))
                replies.withLock { $0[index] = reply }
            }
            for (index, serviceCase) in cases.enumerated() {
                let reply = try #require(replies.withLock { $0[index] }, "\(round) \(serviceCase): no reply")
                #expect(reply.status == 200, "\(round) \(serviceCase): \(reply.error ?? "")")
                #expect(String(decoding: reply.body, as: UTF8.self) == expected[index].stdout, "\(round) \(serviceCase)")
                #expect(reply.exitStatus == expected[index].status, "\(round) \(serviceCase)")
            }
        }
        #expect(try server.metric("ksymbolize_cache_hits_total") >= Double(cases.count))
    }

    /// `TREE/.build-id/xx/rest.debug` → `file`, by the build id in a notes file.
    static func link(_ file: String, buildIDFrom notes: String, into tree: URL) throws {
        let id = try #require(ElfNotes.gnuBuildID(in: Array(try Data(contentsOf: URL(fileURLWithPath: notes)))))
        let directory = tree.appendingPathComponent(".build-id/" + id.prefix(2))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent(id.dropFirst(2) + ".debug").path, withDestinationPath: file)
    }

    /// A JSON string is Unicode: a log with bytes that are not UTF-8 (line
    /// noise on a serial console) travels as `log_base64`, and is read as the
    /// command line reads the file.
    @Test("log_base64: a log's exact bytes, invalid UTF-8 included, answered as the command line answers the file")
    func logAsBytes() throws {
        let sample = try #require(Samples.all.first { $0.directory == "arm-thumb2/fixed" })
        let binaries = ["--modules", sample.path, "--vmlinux", try #require(try sample.vmlinux())]
        let serviceCase = ServiceCase(sampleCase: SampleCase(sample: sample, name: "null"))
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: serviceCase.sampleCase.logPath)))
        let noise: [UInt8] = Array("[    1.000000] serial noise \u{1}".utf8) + [0xff, 0xfe, 0xc3, 0x28, 0x0a]
        let firstNewline = try #require(bytes.firstIndex(of: 0x0a))
        bytes.insert(contentsOf: noise, at: firstNewline + 1)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ksymbolize-noise-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(bytes).write(to: file)
        var arguments = serviceCase.arguments()
        arguments[arguments.count - 1] = file.path
        let cli = try CLI.run(binaries + arguments)
        let server = try ServerProcess(binaries)
        var document = try serviceCase.document()
        document["log"] = nil
        document["log_base64"] = Data(bytes).base64EncodedString()
        let reply = try HTTP.symbolize(port: server.port, document: document)
        #expect(reply.status == 200, "\(reply.error ?? "")")
        #expect(String(decoding: reply.body, as: UTF8.self) == cli.stdout)
        #expect(reply.exitStatus == cli.status)
        // The text output passes every input line through unchanged: the noise's bytes too.
        #expect(Array(reply.body).firstRange(of: [0xff, 0xfe, 0xc3, 0x28]) != nil)
        #expect(server.terminate() == 0)
    }

    /// The body's JSON as other encoders write it: every non-ASCII character
    /// as `\\uXXXX` (astral ones as surrogate pairs), `/` as `\\/`, control
    /// characters as escapes, blanks between tokens; the answer is the
    /// command line's for the same log as a file.
    @Test("JSON strings with every kind of escape read as the text they stand for")
    func jsonEscapes() throws {
        let sample = try #require(Samples.all.first { $0.directory == "arm-thumb2/fixed" })
        let binaries = ["--modules", sample.path, "--vmlinux", try #require(try sample.vmlinux())]
        let serviceCase = ServiceCase(sampleCase: SampleCase(sample: sample, name: "null"))
        var text = try String(contentsOfFile: serviceCase.sampleCase.logPath, encoding: .utf8)
        text = "[    0.000000] Booting Linux on CPU 0x0 — café \u{1F600} \"quoted\" back\\slash\u{8}\u{C}\t/\n" + text
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ksymbolize-escapes-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(text.utf8).write(to: file)
        var arguments = serviceCase.arguments()
        arguments[arguments.count - 1] = file.path
        let cli = try CLI.run(binaries + arguments)
        var escaped = ""
        for unit in text.utf16 {
            switch unit {
            case 0x22: escaped += "\\\""
            case 0x5c: escaped += "\\\\"
            case 0x2f: escaped += "\\/"
            case 0x0a: escaped += "\\n"
            case 0x0d: escaped += "\\r"
            case 0x09: escaped += "\\t"
            case 0x08: escaped += "\\b"
            case 0x0c: escaped += "\\f"
            case 0x20..<0x7f: escaped += String(UnicodeScalar(UInt8(unit)))
            default: escaped += String(format: "\\u%04X", unit)
            }
        }
        let document = try serviceCase.document()
        let sections = try JSONSerialization.data(withJSONObject: [document["module_sections"] as! String], options: [.fragmentsAllowed])
        let body = "\n{ \"log\" :\t\"\(escaped)\" ,\r\n \"module_sections\": \(String(decoding: sections.dropFirst().dropLast(), as: UTF8.self)), \"release\": null }\n"
        let server = try ServerProcess(binaries)
        let reply = try HTTP.request(port: server.port, path: "/v1/symbolize", body: Data(body.utf8), contentType: "application/json")
        #expect(reply.status == 200, "\(reply.error ?? "")")
        #expect(String(decoding: reply.body, as: UTF8.self) == cli.stdout)
        #expect(String(decoding: reply.body, as: UTF8.self).contains("café \u{1F600} \"quoted\""))
        #expect(server.terminate() == 0)
    }

    @Test("a second request for the same kernel takes its binaries from the cache")
    func secondRequestReadsNothingAgain() throws {
        let sample = try #require(Samples.all.first { $0.directory == "arm-thumb2/fixed" })
        let server = try ServerProcess(["--modules", sample.path, "--vmlinux", try #require(try sample.vmlinux())])
        let document = try ServiceCase(sampleCase: SampleCase(sample: sample, name: "null")).document()
        let first = try HTTP.symbolize(port: server.port, document: document)
        #expect(first.status == 200 && first.exitStatus == 0)
        // vmlinux and crashmod.ko loaded once each.
        #expect(try server.metric("ksymbolize_cache_misses_total") == 2)
        #expect(try server.metric("ksymbolize_cache_hits_total") == 0)
        #expect(try server.metric("ksymbolize_cache_bytes") > 35_000_000)
        for _ in 0..<3 {
            let again = try HTTP.symbolize(port: server.port, document: document)
            #expect(again.body == first.body)
        }
        #expect(try server.metric("ksymbolize_cache_misses_total") == 2)
        #expect(try server.metric("ksymbolize_cache_hits_total") == 6)
        // Other section addresses: the module again (laid out anew), vmlinux from the cache.
        var moved = document
        moved["module_sections"] = (document["module_sections"] as! String).replacingOccurrences(of: "0xbf80", with: "0xbf90")
        _ = try HTTP.symbolize(port: server.port, document: moved)
        #expect(try server.metric("ksymbolize_cache_misses_total") == 3)
        #expect(try server.metric("ksymbolize_cache_hits_total") == 7)
    }

    @Test("bad requests: 400, 404, 413 as JSON errors; the server goes on")
    func errorStatuses() throws {
        let server = try ServerProcess(["--modules", "samples/x86_64", "--max-body", "4096"])
        let table: [(path: String, body: Data?, type: String, status: Int, error: String)] = [
            ("/v1/symbolize", Data("{\"log\": 1}".utf8), "application/json", 400, "malformed JSON body: \"log\""),
            ("/v1/symbolize", Data("{not json".utf8), "application/json", 400, "malformed JSON body"),
            ("/v1/symbolize", Data("{}".utf8), "application/json", 400, "malformed JSON body: no \"log\" (or \"log_base64\")"),
            ("/v1/symbolize", Data("{\"log\": \"x\", \"log_base64\": \"eA==\"}".utf8), "application/json", 400, "both \"log\" and \"log_base64\""),
            ("/v1/symbolize", Data("{\"log_base64\": \"!!\"}".utf8), "application/json", 400, "log_base64: not base64"),
            ("/v1/symbolize", Data("{\"log\": \"\\ud800\"}".utf8), "application/json", 400, "malformed JSON body: a lone surrogate"),
            ("/v1/symbolize", Data("{\"log\": \"a\tb\"}".utf8), "application/json", 400, "malformed JSON body: a control character"),
            ("/v1/symbolize", Data("{\"log\": \"\"} {}".utf8), "application/json", 400, "malformed JSON body: unexpected text after"),
            ("/v1/symbolize", Data("{\"log\": 012}".utf8), "application/json", 400, "malformed JSON body: leading zero"),
            ("/v1/symbolize", Data(("{\"log\": " + String(repeating: "[", count: 100)).utf8), "application/json", 400, "malformed JSON body: nested too deeply"),
            ("/v1/symbolize", Data("[\"log\"]".utf8), "application/json", 400, "malformed JSON body: expected an object"),
            ("/v1/symbolize", Data("{\"log\": \"\", \"module_notes\": \"x\"}".utf8), "application/json", 400, "\"module_notes\": expected an object of strings"),
            ("/v1/symbolize", Data("{\"lg\": \"\"}".utf8), "application/json", 400, "unknown field \"lg\""),
            ("/v1/symbolize", Data("{\"log\": \"\", \"arch\": \"vax\"}".utf8), "application/json", 400, "invalid arch \"vax\""),
            ("/v1/symbolize", Data("{\"log\": \"\", \"release\": \"../../etc\"}".utf8), "application/json", 400, "invalid release"),
            ("/v1/symbolize", Data("{\"log\": \"\", \"kaslr_offset\": \"zz\"}".utf8), "application/json", 400, "invalid kaslr_offset"),
            ("/v1/symbolize", Data("{\"log\": \"\", \"kernel_notes\": \"!!\"}".utf8), "application/json", 400, "kernel_notes: not base64"),
            ("/v1/symbolize", Data("{\"log\": \"\", \"kernel_notes\": \"AAAA\"}".utf8), "application/json", 400, "no GNU build-id note"),
            ("/v1/symbolize?format=xml", Data("x\n".utf8), "text/plain", 400, "invalid format \"xml\""),
            ("/v1/symbolize?vmlinux=/etc/passwd", Data("x\n".utf8), "text/plain", 400, "unknown query parameter \"vmlinux\""),
            ("/v1/symbolize", Data("x\n".utf8), "image/png", 400, "unsupported Content-Type"),
            ("/v1/symbolize", Data(repeating: 0x41, count: 5000), "text/plain", 413, "larger than --max-body"),
            ("/v2/nothing", nil, "", 404, "no such endpoint"),
        ]
        for row in table {
            let reply = try HTTP.request(port: server.port, path: row.path, body: row.body, contentType: row.type)
            #expect(reply.status == row.status, "\(row.path) \(row.error)")
            #expect(reply.headers["content-type"] == "application/json")
            #expect(reply.error?.contains(row.error) == true, "\(reply.error ?? "no error") lacks \(row.error)")
        }
        let healthy = try HTTP.request(port: server.port, path: "/healthz")
        #expect(healthy.status == 200 && healthy.body == Data("ok\n".utf8))
        #expect(try server.metric("ksymbolize_requests_total{status=\"400\"}") == 21)
    }

    /// A log long enough to keep a slot busy for a while: `null.log`'s
    /// lines over and over (`copies` times).
    static func longLog(copies: Int) throws -> Data {
        let log = try Data(contentsOf: URL(fileURLWithPath: Samples.path("samples/x86_64/null.log")))
        return Data((0..<copies).map { _ in log }.joined())
    }

    /// Waits until `ksymbolize_requests_running` is `count`.
    static func waitUntilRunning(_ server: ServerProcess, _ count: Double) throws {
        let start = Date()
        while try server.metric("ksymbolize_requests_running") != count {
            guard Date().timeIntervalSince(start) < 60 else { throw SampleError("never \(count) running") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    @Test("a full server answers 429, a slow request 504, and both free their slot")
    func busyAndTimeout() throws {
        let long = try Self.longLog(copies: 100)
        let busy = try ServerProcess(["--modules", "samples/x86_64", "--max-concurrency", "1", "--max-queue", "0"])
        let slow = Mutex<HTTP.Reply?>(nil)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            let reply = try? HTTP.request(port: busy.port, path: "/v1/symbolize", body: long)
            slow.withLock { $0 = reply }
        }
        try Self.waitUntilRunning(busy, 1)
        let refused = try HTTP.request(port: busy.port, path: "/v1/symbolize", body: Data("hello\n".utf8))
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "1")
        #expect(refused.error?.contains("--max-concurrency") == true)
        group.wait()
        #expect(slow.withLock { $0?.status } == 200)
        #expect(try HTTP.request(port: busy.port, path: "/v1/symbolize", body: Data("hello\n".utf8)).status == 200)

        let timing = try ServerProcess(["--modules", "samples/x86_64", "--max-concurrency", "1", "--request-timeout", "0.3"])
        let late = try HTTP.request(port: timing.port, path: "/v1/symbolize", body: long)
        #expect(late.status == 504)
        #expect(late.error?.contains("--request-timeout") == true)
        // The run stopped at the deadline: the only slot serves the next request.
        try Self.waitUntilRunning(timing, 0)
        let next = try HTTP.request(port: timing.port, path: "/v1/symbolize", body: Data("hello\n".utf8))
        #expect(next.status == 200 && next.body == Data("hello\n".utf8))
    }

    @Test("SIGTERM: requests in flight finish, new ones are refused")
    func gracefulShutdown() throws {
        let long = try Self.longLog(copies: 100)
        let server = try ServerProcess(["--modules", "samples/x86_64", "--max-concurrency", "2"])
        let expected = try HTTP.request(port: server.port, path: "/v1/symbolize", body: long)
        #expect(expected.status == 200)
        let replies = Mutex<[HTTP.Reply?]>([])
        let group = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                let reply = try? HTTP.request(port: server.port, path: "/v1/symbolize", body: long)
                replies.withLock { $0.append(reply) }
            }
        }
        try Self.waitUntilRunning(server, 2)
        server.process.terminate()
        Thread.sleep(forTimeInterval: 0.3)
        #expect(throws: HTTP.ConnectionFailed.self) { try HTTP.request(port: server.port, path: "/healthz") }
        group.wait()
        for reply in replies.withLock({ $0 }) {
            #expect(reply?.status == 200)
            #expect(reply?.body == expected.body)
        }
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(server.errors.contains("stopped"))
    }

    /// 2,000 requests and more from 8 clients (curl's own parallel transfers),
    /// then the resident memory within `--cache-memory` and the documented
    /// constant (README, Service: 160 MiB).
    @Test("soak: 2000 requests, memory within --cache-memory plus the constant")
    func soak() throws {
        let cacheMemory = 64 << 20
        let server = try ServerProcess(["--modules", "samples/x86_64", "--cache-memory", String(cacheMemory)])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ksymbolize-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Every case's log and sections: as many module layouts as cases.
        let sample = try #require(Samples.all.first { $0.directory == "x86_64" })
        var transfers: [String] = []
        for (index, name) in sample.cases.enumerated() {
            let document = try ServiceCase(sampleCase: SampleCase(sample: sample, name: name)).document()
            let file = directory.appendingPathComponent("\(index).json")
            try JSONSerialization.data(withJSONObject: document).write(to: file)
            for format in ["text", "json", "markdown"] {
                transfers.append(
                    "url = \"\(server.url("/v1/symbolize?format=\(format)"))\"\ndata-binary = \"@\(file.path)\"\n"
                        + "header = \"Content-Type: application/json\"\noutput = \"/dev/null\"\nwrite-out = \"%{http_code} \"\n")
            }
        }
        // curl's `next` between transfers (after the last, it would be an empty one).
        let config = Array(repeating: transfers, count: 2000 / transfers.count + 1).joined().joined(separator: "next\n")
        try config.write(to: directory.appendingPathComponent("curl.conf"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "--parallel", "--parallel-max", "8", "-K", directory.appendingPathComponent("curl.conf").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let codes = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")
        process.waitUntilExit()
        #expect(codes.count >= 2000)
        #expect(codes.allSatisfy { $0 == "200" }, "\(Set(codes))")
        #expect(try server.metric("ksymbolize_requests_total{status=\"200\"}") == Double(codes.count))
        #expect(try server.metric("ksymbolize_cache_bytes") <= Double(cacheMemory))
        #expect(try server.metric("ksymbolize_cache_in_use") == 0)
        let peak = server.memory("VmHWM") * 1024
        #expect(peak > 0 && peak < cacheMemory + 160 << 20, "peak RSS \(peak >> 20) MiB")
        #expect(try HTTP.request(port: server.port, path: "/healthz").status == 200)
    }

    @Test("a cache smaller than what the requests need evicts, and answers the same")
    func eviction() throws {
        let sample = try #require(Samples.all.first { $0.directory == "x86_64" })
        let server = try ServerProcess(["--modules", sample.path, "--cache-memory", "1"])
        for name in sample.cases.prefix(3) {
            let serviceCase = ServiceCase(sampleCase: SampleCase(sample: sample, name: name))
            let reply = try HTTP.symbolize(port: server.port, document: try serviceCase.document())
            let cli = try CLI.run(["--modules", sample.path] + serviceCase.arguments())
            #expect(String(decoding: reply.body, as: UTF8.self) == cli.stdout)
        }
        #expect(try server.metric("ksymbolize_cache_evictions_total") == 3)
        #expect(try server.metric("ksymbolize_cache_bytes") == 0)
    }
}

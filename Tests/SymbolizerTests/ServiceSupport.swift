import Foundation
import Symbolizer

/// A `ksymbolize serve` process on a loopback port of its own choosing
/// (`--listen 127.0.0.1:0`, the port read from the line it prints).
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let errorLog: URL

    init(_ arguments: [String]) throws {
        errorLog = FileManager.default.temporaryDirectory.appendingPathComponent("ksymbolize-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--no-live"] + arguments
        process.currentDirectoryURL = Samples.root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
        var seen = Data()
        var port: Int?
        while port == nil {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += chunk
            let text = String(decoding: seen, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:"),
                let end = text[range.upperBound...].firstIndex(of: "\n")
            {
                port = Int(text[range.upperBound..<end])
            }
        }
        guard let port else {
            process.waitUntilExit()
            let errors = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw SampleError("ksymbolize serve did not start: \(String(decoding: seen, as: UTF8.self)) \(errors)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning {
            process.interrupt()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: errorLog)
    }

    /// What the server logged on standard error so far.
    var errors: String { (try? String(contentsOf: errorLog, encoding: .utf8)) ?? "" }

    /// SIGTERM; the exit status once it has stopped.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A line of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
    func memory(_ field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// The value of a metric (its first sample whose line starts with `name`).
    func metric(_ name: String) throws -> Double {
        let reply = try HTTP.request(port: port, path: "/metrics")
        let text = String(decoding: reply.body, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + " ") }),
            let value = Double(line.split(separator: " ").last ?? "")
        else { throw SampleError("no metric \(name) in:\n\(text)") }
        return value
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
}

/// HTTP through curl: a real client on a real socket.
enum HTTP {
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        /// `Ksymbolize-Status`.
        var exitStatus: Int32? { headers["ksymbolize-status"].flatMap { Int32($0) } }
        var error: String? {
            (try? JSONSerialization.jsonObject(with: body) as? [String: String])?["error"]
        }
    }

    struct ConnectionFailed: Error, CustomStringConvertible {
        var curlStatus: Int32
        var description: String { "curl could not talk to the server (exit \(curlStatus))" }
    }

    /// One request; `body` nil: GET.
    static func request(
        port: Int, path: String, body: Data? = nil, contentType: String = "text/plain", timeout: Double = 120
    ) throws -> Reply {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ksymbolize-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var arguments = [
            "-sS", "--max-time", String(timeout), "-D", directory.appendingPathComponent("headers").path,
            "-o", directory.appendingPathComponent("body").path, "-w", "%{http_code}",
        ]
        if let body {
            try body.write(to: directory.appendingPathComponent("request"))
            arguments += ["-H", "Content-Type: \(contentType)", "-H", "Expect:", "--data-binary", "@" + directory.appendingPathComponent("request").path]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments + ["http://127.0.0.1:\(port)\(path)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let code = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let status = Int(String(decoding: code, as: UTF8.self)) else {
            throw ConnectionFailed(curlStatus: process.terminationStatus)
        }
        var headers: [String: String] = [:]
        let head = (try? String(contentsOf: directory.appendingPathComponent("headers"), encoding: .utf8)) ?? ""
        for line in head.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = (try? Data(contentsOf: directory.appendingPathComponent("body"))) ?? Data()
        return Reply(status: status, headers: headers, body: body)
    }

    /// `POST /v1/symbolize` with a JSON document.
    static func symbolize(port: Int, query: String = "", document: [String: Any]) throws -> Reply {
        let body = try JSONSerialization.data(withJSONObject: document)
        return try request(port: port, path: "/v1/symbolize" + query, body: body, contentType: "application/json")
    }
}

/// A sample's case as a request carries it, and as the command line is given it.
struct ServiceCase: Sendable, CustomStringConvertible {
    var sampleCase: SampleCase
    var description: String { sampleCase.description }

    /// The JSON document: the log and the snapshot files' contents.
    func document(notes: Bool = false) throws -> [String: Any] {
        let base = sampleCase.sample.path + "/" + sampleCase.name
        var document: [String: Any] = [
            "log": try String(contentsOfFile: base + ".log", encoding: .utf8),
            "module_sections": try String(contentsOfFile: base + ".sections", encoding: .utf8),
        ]
        if let kallsyms = try? String(contentsOfFile: base + ".kallsyms", encoding: .utf8) { document["kallsyms"] = kallsyms }
        if notes {
            let notes = sampleCase.sample.path + "/notes"
            document["kernel_notes"] = try Data(contentsOf: URL(fileURLWithPath: notes + "/kernel-notes")).base64EncodedString()
            document["module_notes"] = [
                "crashmod": try Data(contentsOf: URL(fileURLWithPath: notes + "/crashmod/notes/.note.gnu.build-id")).base64EncodedString()
            ]
        }
        return document
    }

    /// The command line's options for the same snapshots.
    func arguments(notes: Bool = false) -> [String] {
        let base = sampleCase.sample.path + "/" + sampleCase.name
        var arguments = ["--no-live", "--module-sections", base + ".sections"]
        if FileManager.default.fileExists(atPath: base + ".kallsyms") { arguments += ["--kallsyms", base + ".kallsyms"] }
        if notes {
            let notes = sampleCase.sample.path + "/notes"
            arguments += ["--kernel-notes", notes + "/kernel-notes", "--module-notes", notes]
        }
        return arguments + [base + ".log"]
    }
}

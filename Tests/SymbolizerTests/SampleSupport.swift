import Foundation
import Symbolizer

/// Locates the bundled samples and the binaries that are kept outside git.
enum Samples {
    /// The repository's root, found from this file's path.
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// `${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}`.
    static var cache: String {
        if let value = ProcessInfo.processInfo.environment["KSYMBOLIZE_CACHE"], !value.isEmpty { return value }
        return (ProcessInfo.processInfo.environment["HOME"] ?? "/tmp") + "/.cache/ksymbolize"
    }

    /// One sample directory: a kernel build, its crashmod.ko and one capture per case.
    struct Sample: Sendable, CustomStringConvertible {
        /// Relative to `samples/` (`x86_64`, `arm-thumb2/fixed`).
        var directory: String
        var description: String { directory }
        var path: String { Samples.path("samples/" + directory) }

        /// The cases: every `CASE.log` with its `CASE.sections`.
        var cases: [String] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return files.filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }
                .filter { files.contains($0 + ".sections") }.sorted()
        }

        /// vmlinux for this sample, prepared on first use (decompressed or
        /// downloaded into the cache); `nil` for samples that only have
        /// module frames cross-checked. Fails the test when it cannot be had.
        func vmlinux() throws -> String? {
            if FileManager.default.fileExists(atPath: path + "/vmlinux.xz") {
                let target = Samples.cache + "/samples/" + directory.replacingOccurrences(of: "/", with: "-") + "-vmlinux"
                if !FileManager.default.fileExists(atPath: target) {
                    try FileManager.default.createDirectory(
                        atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try Samples.run("/bin/sh", ["-c", "xz -dc \"$0\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"", path + "/vmlinux.xz", target])
                }
                return target
            }
            if let arch = debianKernel {
                if arch == "amd64", let given = ProcessInfo.processInfo.environment["KSYMBOLIZE_X86_VMLINUX"],
                    !given.isEmpty
                {
                    return given
                }
                let output = try Samples.run("/bin/bash", [Samples.path("samples/fetch-vmlinux.sh"), arch])
                return output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return nil
        }

        /// The Debian architecture whose 6.1.0-50 kernel the sample was captured
        /// from (`samples/DIR/debian-kernel`); its vmlinux comes from Debian's archive.
        var debianKernel: String? {
            (try? String(contentsOfFile: path + "/debian-kernel", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func options(case name: String) throws -> SymbolizerOptions {
            var problems: [(line: Int, text: String)] = []
            let sections = ModuleSectionsSnapshot(
                text: try String(contentsOfFile: path + "/\(name).sections", encoding: .utf8), problems: &problems)
            guard problems.isEmpty else { throw SampleError("bad sections file for \(directory)/\(name): \(problems)") }
            var options = SymbolizerOptions(vmlinuxPath: try vmlinux(), modulePaths: [path], moduleSections: sections)
            if let text = try? String(contentsOfFile: path + "/\(name).kallsyms", encoding: .utf8) {
                options.kallsyms = KallsymsSnapshot(text: text, problems: &problems)
            }
            return options
        }
    }

    /// Every sample directory with a crashmod.ko: the Thumb-2 builds and
    /// one directory per Debian kernel.
    static let all: [Sample] = {
        let debian = ((try? FileManager.default.contentsOfDirectory(atPath: path("samples"))) ?? []).sorted()
            .filter { FileManager.default.fileExists(atPath: path("samples/\($0)/debian-kernel")) }
        return (debian + ["arm-thumb2/fixed", "arm-thumb2/prefix"]).map { Sample(directory: $0) }
            .filter { FileManager.default.fileExists(atPath: $0.path + "/crashmod.ko") }
    }()

    /// Every (sample, case) pair.
    static let allCases: [SampleCase] = all.flatMap { sample in sample.cases.map { SampleCase(sample: sample, name: $0) } }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SampleError("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct SampleCase: Sendable, CustomStringConvertible {
    var sample: Samples.Sample
    var name: String
    var description: String { "\(sample.directory)/\(name)" }
    var logPath: String { sample.path + "/\(name).log" }
}

struct SampleError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs the whole pipeline on a log file, as the command line does
/// (``LogRun``, text format, reports kept): text output collected, reports returned.
func symbolize(logPath: String, options: SymbolizerOptions, systemRoot: String = "") throws -> (
    text: [UInt8], reports: [Report]
) {
    let (text, summary) = try run(logPath: logPath, options: options, systemRoot: systemRoot, format: .text)
    return (text, summary.reports)
}

/// The log through a ``LogRun`` in `format` (reports kept): what it wrote and its summary.
func run(logPath: String, options: SymbolizerOptions, systemRoot: String = "", format: OutputFormat) throws -> (
    output: [UInt8], summary: LogRun.Summary
) {
    var output: [UInt8] = []
    let run = LogRun(
        symbolizer: Symbolizer(options: options, systemRoot: systemRoot), format: format, keepReports: true,
        write: { output += $0 }, warn: { _ in })
    let fd = open(logPath, O_RDONLY)
    guard fd >= 0 else { throw SampleError("cannot open \(logPath)") }
    defer { close(fd) }
    run.read(fd: fd)
    let summary = try run.finish()
    return (output, summary)
}

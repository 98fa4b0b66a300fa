import ArgumentParser
import Symbolizer

#if canImport(Glibc)
    import Glibc
#endif

/// Output formats of `ksymbolize symbolize`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case markdown
}

struct SymbolizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbolize",
        abstract: "Annotate kernel logs (the default subcommand).",
        discussion: """
            Every input line is printed unchanged and in order, as soon as it is read; \
            a frame line gets its file:line appended and one indented line per inlined caller. \
            With --format json, a JSON document of the reports is printed instead (see README).
            """
    )

    @Argument(
        help: ArgumentHelp(
            "Log files to read; standard input when none is given.",
            discussion: "As with scripts/decode_stacktrace.sh, `ksymbolize VMLINUX [MODULES_DIR] < log` also works: a first argument that is an ELF executable is taken as --vmlinux, and a directory after it as --modules."
        ))
    var logs: [String] = []

    @OptionGroup var kernel: KernelOptions

    @Option(name: .customLong("format"), help: "Output format: text, json or markdown (a bug-tracker comment per report).")
    var format: OutputFormat = .text

    @Flag(name: .customLong("reports-only"), help: "Print only the lines of the reports found, not the whole log.")
    var reportsOnly = false

    func run() throws {
        var options = try kernel.makeOptions()
        var logs = self.logs
        // decode_stacktrace.sh habit: ksymbolize VMLINUX [BASE_PATH|MODULES_DIR]
        if options.vmlinuxPath == nil, let first = logs.first, isELFExecutable(first) {
            options.vmlinuxPath = first
            logs.removeFirst()
            if let second = logs.first, isDirectory(second) {
                options.modulePaths.append(second)
                logs.removeFirst()
            }
        }
        let symbolizer = Symbolizer(options: options)
        for message in symbolizer.takeDiagnostics() { Diagnostics.warn(message) }
        // Start reading vmlinux, and the modules the logs' frames name, while the logs are read.
        let preview = FramePreview(paths: logs)
        symbolizer.preload(modules: preview.modules, frames: preview.frames, kernelFrames: preview.kernelFrames)
        let processor = LogProcessor(symbolizer: symbolizer, retainReports: format != .text)
        let output = OutputSink(fd: 1)
        let annotator = TextAnnotator()
        var unresolvedCount = 0
        var warned: Set<String> = []
        // markdown: every rendered line, to quote the reports' lines at the end.
        var rendered: [[UInt8]] = []
        // text --reports-only: the lines since the open report started.
        var pending: [(number: Int, bytes: [UInt8])] = []
        var printedReports = 0

        func flushFinishedReports() {
            for report in processor.takeFinishedReports() {
                guard format == .text && reportsOnly else { continue }
                if printedReports > 0 { output.write("\n") }
                printedReports += 1
                for entry in pending where entry.number >= report.firstLine && entry.number <= report.lastLine {
                    output.write(entry.bytes)
                }
                pending.removeAll { $0.number <= report.lastLine }
            }
        }

        let inputs = logs.isEmpty ? ["-"] : logs
        for input in inputs {
            let fd: Int32 = input == "-" ? 0 : open(input, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw FatalError("cannot open \(input): \(String(cString: strerror(errno)))")
            }
            defer { if fd != 0 { close(fd) } }
            var reader = LineReader(fd: fd)
            while let line = reader.next() {
                let frames = processor.process(line)
                for message in symbolizer.takeDiagnostics() { Diagnostics.warn(message) }
                for frame in frames {
                    guard let reason = frame.unresolved else { continue }
                    unresolvedCount += 1
                    let message = reason.description
                    if warned.insert(message).inserted { Diagnostics.warn(message) }
                }
                let bytes = annotator.render(line, frames: frames)
                switch format {
                case .text where !reportsOnly: output.write(bytes)
                case .text:
                    flushFinishedReports()
                    if let first = processor.openReportFirstLine, line.number >= first {
                        pending.append((line.number, bytes))
                    }
                case .markdown: rendered.append(bytes)
                case .json: break
                }
            }
        }
        let reports = processor.finish()
        flushFinishedReports()
        // The process ends soon: the OS frees the binaries' maps and tables
        // faster than tearing down every libdw structure one by one.
        _ = Unmanaged.passRetained(symbolizer)
        switch format {
        case .json: output.write(try JSONDocument(reports: reports).encoded())
        case .markdown:
            output.write(
                MarkdownPrinter().render(reports) { number in
                    number >= 1 && number <= rendered.count ? rendered[number - 1] : nil
                })
        case .text: break
        }
        let unrecognized = processor.unrecognizedFrameLines
        if let first = unrecognized.first {
            Diagnostics.warn(
                "\(unrecognized.count) line\(unrecognized.count == 1 ? "" : "s") in stack traces look like frames but were not understood (first: line \(first))"
            )
        }
        if unresolvedCount > 0 || !unrecognized.isEmpty { throw ExitCode(2) }
    }
}

/// An error that ends the run with exit status 1 and a message on stderr.
struct FatalError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Diagnostics {
    /// Writes `ksymbolize: MESSAGE` to standard error.
    static func warn(_ message: String) {
        OutputSink(fd: 2).write("ksymbolize: \(message)\n")
    }
}

/// Whether `path` is an ELF file (by its magic bytes) of type ET_EXEC or ET_DYN: a vmlinux.
func isELFExecutable(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var header = [UInt8](repeating: 0, count: 18)
    let count = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, 18) }
    guard count == 18, header[0] == 0x7f, header[1] == 0x45, header[2] == 0x4c, header[3] == 0x46 else { return false }
    let type = header[5] == 2 ? UInt16(header[16]) << 8 | UInt16(header[17]) : UInt16(header[17]) << 8 | UInt16(header[16])
    return type == 2 || type == 3
}

func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

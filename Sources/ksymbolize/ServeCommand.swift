import ArgumentParser
import CommandLineOptions

#if canImport(Glibc)
    import Glibc
#endif

/// `ksymbolize serve`: its options here (help, man page, completions); the
/// service is `ksymbolize-serve`, which this execs: beside this binary (a
/// build), else in `../libexec/ksymbolize/` (installed).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Symbolize logs posted over HTTP, binaries kept loaded between requests.",
        discussion: "POST /v1/symbolize?format=text|json|markdown&reports_only=1 answers what `ksymbolize` would print (exit status in the Ksymbolize-Status header); GET /healthz, GET /metrics. See README, Service.",
        version: buildVersion)

    @OptionGroup var arguments: ServeArguments

    func run() throws {
        var own = [UInt8](repeating: 0, count: 4096)
        let length = own.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        let executable = length > 0 ? String(decoding: own[..<length], as: UTF8.self) : CommandLine.arguments[0]
        let directory = String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)])
        let candidates = [directory + "/ksymbolize-serve", directory + "/../libexec/ksymbolize/ksymbolize-serve"]
        let path = candidates.first { access($0, X_OK) == 0 } ?? candidates[1]
        var argv = ([path] + CommandLine.arguments.drop { $0 != "serve" }.dropFirst()).map { strdup($0) } + [nil]
        execv(path, &argv)
        throw FatalError("cannot run \(path): \(String(cString: strerror(errno)))")
    }
}

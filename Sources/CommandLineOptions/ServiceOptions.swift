import ArgumentParser

/// The options of `ksymbolize serve` beyond the binaries' own (`KernelOptions`
/// on the command line): where it listens and its limits.
public struct ServiceOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(
        name: .customLong("listen"),
        help: ArgumentHelp("Where to listen: HOST:PORT ([::1]:PORT for IPv6; port 0: any free port, printed).", valueName: "host:port"))
    public var listen = "127.0.0.1:8080"

    @Option(name: .customLong("max-body"), help: ArgumentHelp("The largest request body accepted (413 above).", valueName: "bytes"))
    public var maxBody = 32 << 20

    @Option(
        name: .customLong("max-concurrency"),
        help: ArgumentHelp("Requests symbolized at once (default: the CPU count).", valueName: "n"))
    public var maxConcurrency: Int?

    @Option(
        name: .customLong("max-queue"),
        help: ArgumentHelp("Requests that may wait for a slot (default: 4 × --max-concurrency); 429 beyond.", valueName: "n"))
    public var maxQueue: Int?

    @Option(
        name: .customLong("request-timeout"),
        help: ArgumentHelp("Seconds a request may take, waiting included (504 after).", valueName: "seconds"))
    public var requestTimeout: Double = 60

    @Option(
        name: .customLong("cache-memory"),
        help: ArgumentHelp("Memory for loaded binaries kept between requests, least recently used evicted.", valueName: "bytes"))
    public var cacheMemory = 2 << 30

    @Option(
        name: .customLong("max-download"),
        help: ArgumentHelp("The largest file fetched from a debuginfod server (DEBUGINFOD_MAXSIZE).", valueName: "bytes"))
    public var maxDownload = 2 << 30

    public mutating func validate() throws {
        guard (try? ListenAddress(listen)) != nil else { throw ValidationError("invalid --listen \"\(listen)\": expected HOST:PORT") }
        guard maxBody > 0, maxConcurrency ?? 1 > 0, maxQueue ?? 0 >= 0, requestTimeout > 0, cacheMemory >= 0, maxDownload > 0
        else { throw ValidationError("--max-body, --max-concurrency, --request-timeout and --max-download must be positive") }
    }
}

/// Everything `ksymbolize serve` takes: `symbolize`'s binary and triage
/// options, and the service's own.
public struct ServeArguments: ParsableArguments {
    public init() {}

    @OptionGroup public var kernel: KernelOptions
    @OptionGroup(title: "Triage") public var triage: TriageOptions
    @OptionGroup(title: "Service") public var service: ServiceOptions
}

/// `HOST:PORT` as `--listen` takes it.
public struct ListenAddress: Sendable {
    public var host: String
    public var port: Int

    public struct Invalid: Error {}

    public init(_ text: String) throws(Invalid) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { throw Invalid() }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw Invalid() }
        (self.host, self.port) = (host, port)
    }
}

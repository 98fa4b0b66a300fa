import CommandLineOptions
import Dispatch
import FoundationEssentials
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Symbolizer
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An error answered as `{"error": "…"}` with its HTTP status.
struct ServiceError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
}

/// `ksymbolize serve`: symbolizes logs posted over HTTP with the same library
/// as the command line, against the binaries the server was given, kept
/// loaded between requests in a ``BinaryCache``.
public final class SymbolizationService: Sendable {
    /// The server's own options: binaries, default snapshots, debuginfod.
    let options: SymbolizerOptions
    let triage: TriageSources
    let settings: ServiceOptions
    let generator: String
    let cache: BinaryCache
    let admission: Admission
    let metrics = ServiceMetrics()
    let logger: Logger

    /// - Parameters:
    ///   - options: what `symbolize` would be given (`KernelOptions`), for every request.
    ///   - generator: the JSON documents' `generator`, the command line's own.
    public init(options: SymbolizerOptions, triage: TriageSources, settings: ServiceOptions, generator: String) {
        var options = options
        // The URLs are in the environment already (KernelInputs): each
        // request's client reads them there instead of setting them around its fetches.
        options.debuginfodURLs = nil
        self.options = options
        self.triage = triage
        self.settings = settings
        self.generator = generator
        cache = BinaryCache(memoryLimit: settings.cacheMemory)
        let running = settings.maxConcurrency ?? onlineCPUs()
        admission = Admission(maxRunning: running, maxWaiting: settings.maxQueue ?? 4 * running)
        var logger = Logger(label: "ksymbolize.serve")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        self.logger = logger
    }

    /// Runs the service until SIGTERM or SIGINT, then lets the requests in
    /// flight finish (new connections are refused). Blocks the calling thread.
    public func run() throws {
        let result = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await self.serve()
                result.withLock { $0 = .success(()) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        try result.withLock { $0! }.get()
    }

    private func serve() async throws {
        let listen = try ListenAddress(settings.listen)
        setenv("DEBUGINFOD_MAXSIZE", String(settings.maxDownload), 1)
        // syzbot's title patterns compiled now, not in the first requests.
        _ = try? SyzbotTitles.compileAllPatterns()
        let router = Router()
        router.add(middleware: Answers(service: self))
        router.get("healthz") { _, _ in Self.response(.ok, "ok\n", type: "text/plain; charset=utf-8") }
        router.get("metrics") { _, _ in
            Self.response(.ok, self.metrics.exposition(cache: self.cache, admission: self.admission), type: "text/plain; version=0.0.4")
        }
        router.post("v1/symbolize") { request, _ in try await self.symbolize(request) }
        let logger = self.logger
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                // The line the tests and scripts wait for (port 0: the one chosen).
                OutputSink(fd: 1).write(
                    "ksymbolize serve: listening on http://\(listen.host.contains(":") ? "[\(listen.host)]" : listen.host):\(port)\n")
                logger.info("listening", metadata: ["host": "\(listen.host)", "port": "\(port)"])
            }, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// `POST /v1/symbolize`.
    private func symbolize(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: settings.maxBody)
        let parsed: SymbolizeRequest
        do {
            parsed = try SymbolizeRequest(
                body: Array(buffer: body), contentType: request.headers[.contentType],
                query: request.uri.queryParameters.map { (String($0.key), String($0.value)) }, base: options)
        } catch {
            throw ServiceError(status: .badRequest, message: error.message)
        }
        let (cache, triage, generator) = (self.cache, self.triage, self.generator)
        let outcome = await withCheckedContinuation { continuation in
            let deadline = Deadline(continuation)
            deadline.arm(seconds: settings.requestTimeout)
            let admitted = admission.submit {
                guard !deadline.isCancelled else { return }
                let result: Result<RunOutcome, ServiceError>
                do {
                    if let outcome = try LogJob.run(
                        parsed, cache: cache, triage: triage, generator: generator, isCancelled: { deadline.isCancelled })
                    {
                        result = .success(outcome)
                    } else {
                        return
                    }
                } catch {
                    result = .failure(ServiceError(status: .internalServerError, message: "\(error)"))
                }
                deadline.answer(.finished(result))
            }
            if !admitted { deadline.answer(.refused) }
        }
        switch outcome {
        case .finished(.success(let run)):
            for warning in run.warnings { logger.debug("\(warning)") }
            var response = Self.response(.ok, run.output, type: Self.mediaType(of: parsed.format))
            response.headers[.ksymbolizeStatus] = String(run.exitStatus)
            return response
        case .finished(.failure(let error)):
            throw error
        case .timedOut:
            throw ServiceError(status: .gatewayTimeout, message: "the request took more than --request-timeout \(settings.requestTimeout) seconds")
        case .refused:
            throw ServiceError(status: .tooManyRequests, message: "every slot (--max-concurrency) and the queue (--max-queue) are taken; try again later")
        }
    }

    static func mediaType(of format: OutputFormat) -> String {
        switch format {
        case .text: "text/plain; charset=utf-8"
        case .json: "application/json"
        case .markdown: "text/markdown; charset=utf-8"
        }
    }

    static func response(_ status: HTTPResponse.Status, _ body: some Collection<UInt8>, type: String) -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(body)
        return Response(status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: buffer))
    }

    static func response(_ status: HTTPResponse.Status, _ text: String, type: String) -> Response {
        response(status, Array(text.utf8), type: type)
    }
}

/// Every response counted and timed, every request logged, and every error
/// (the router's 404 included) answered as `{"error": "…"}`.
struct Answers<Context: RequestContext>: RouterMiddleware {
    let service: SymbolizationService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let (status, message) = Self.describe(error)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let body: [UInt8] = (try? encoder.encode(["error": message])).map { [UInt8]($0) + [10] } ?? []
            response = SymbolizationService.response(status, body, type: "application/json")
            if status == .tooManyRequests { response.headers[.retryAfter] = "1" }
        }
        let duration = ContinuousClock.now - started
        service.metrics.record(status: response.status.code, duration: duration)
        service.logger.info(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "ms": "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)",
                "exit": "\(response.headers[.ksymbolizeStatus] ?? "-")",
            ])
        return response
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let error as ServiceError: return (error.status, error.message)
        case is NIOTooManyBytesError: return (.contentTooLarge, "the body is larger than --max-body")
        case let error as HTTPError where error.status == .notFound:
            return (.notFound, "no such endpoint: POST /v1/symbolize, GET /healthz and GET /metrics")
        case let error as HTTPError: return (error.status, error.body ?? error.status.reasonPhrase)
        default: return (.internalServerError, "\(error)")
        }
    }
}

/// The processors this process may run on.
func onlineCPUs() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

extension HTTPField.Name {
    /// The exit status `ksymbolize` would have had: 0, or 2 when some frames could not be symbolized.
    static let ksymbolizeStatus = HTTPField.Name("Ksymbolize-Status")!
}

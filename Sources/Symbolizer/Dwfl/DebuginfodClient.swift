import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Fetches binaries by build id from debuginfod servers, through elfutils'
/// own client library (`libdebuginfod.so.1`, the one libdwfl uses). The
/// library is opened on first use only, so a run that needs no download
/// never loads it (nor libcurl).
///
/// The servers are those given (`--debuginfod`), else `DEBUGINFOD_URLS`; files land in the client's cache (`DEBUGINFOD_CACHE_PATH`, by
/// default `~/.cache/debuginfod_client`) and are reused from there.
final class DebuginfodClient {
    /// What to ask for.
    enum Kind: String {
        /// The file with DWARF (for a kernel: the unstripped vmlinux or `.ko`).
        case debuginfo
        /// The loadable file.
        case executable
    }

    private typealias Begin = @convention(c) () -> OpaquePointer?
    private typealias Find =
        @convention(c) (OpaquePointer?, UnsafePointer<UInt8>?, Int32, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?)
            -> Int32
    private typealias End = @convention(c) (OpaquePointer?) -> Void

    private let client: OpaquePointer
    private let findDebuginfo: Find
    private let findExecutable: Find
    private let end: End
    /// The servers, for messages.
    let urls: String

    /// Opens a client for `urls` (else `DEBUGINFOD_URLS`).
    ///
    /// - Throws: a message saying why no client can be made.
    init(urls given: String?) throws(DebuginfodUnavailable) {
        guard let urls = given ?? getenv("DEBUGINFOD_URLS").map({ String(cString: $0) }),
            !urls.trimmingCharacters(in: " ").isEmpty
        else {
            throw DebuginfodUnavailable(message: "no debuginfod server (set DEBUGINFOD_URLS or give --debuginfod URL)")
        }
        guard let library = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw DebuginfodUnavailable(
                message: "cannot load libdebuginfod.so.1 (\(reason)); install libdebuginfod1 to use debuginfod")
        }
        guard let begin = dlsym(library, "debuginfod_begin"), let debuginfo = dlsym(library, "debuginfod_find_debuginfo"),
            let executable = dlsym(library, "debuginfod_find_executable"), let end = dlsym(library, "debuginfod_end")
        else {
            throw DebuginfodUnavailable(message: "libdebuginfod.so.1 lacks the debuginfod_find_* functions")
        }
        // A download can be large (a vmlinux is hundreds of MB): on a
        // terminal, let the client show its progress, as elfutils' tools do.
        if getenv("DEBUGINFOD_PROGRESS") == nil, isatty(2) != 0 { setenv("DEBUGINFOD_PROGRESS", "1", 1) }
        guard let client = unsafeBitCast(begin, to: Begin.self)() else {
            throw DebuginfodUnavailable(message: "debuginfod_begin failed")
        }
        self.client = client
        self.findDebuginfo = unsafeBitCast(debuginfo, to: Find.self)
        self.findExecutable = unsafeBitCast(executable, to: Find.self)
        self.end = unsafeBitCast(end, to: End.self)
        self.urls = urls
        self.givenURLs = given
    }

    /// URLs given for this client only: set in the environment (which the
    /// library reads on every request) just around its own requests, so
    /// that nothing else in the process is redirected.
    private let givenURLs: String?

    deinit { end(client) }

    /// The cached file's path for a build id (lower-case hex), or why not.
    func find(buildID: String, kind: Kind) -> Result<String, DebuginfodUnavailable> {
        var path: UnsafeMutablePointer<CChar>?
        let find = kind == .debuginfo ? findDebuginfo : findExecutable
        let saved = getenv("DEBUGINFOD_URLS").map { String(cString: $0) }
        if let givenURLs { setenv("DEBUGINFOD_URLS", givenURLs, 1) }
        defer {
            if givenURLs != nil {
                if let saved { setenv("DEBUGINFOD_URLS", saved, 1) } else { unsetenv("DEBUGINFOD_URLS") }
            }
        }
        // Length 0: the id is a NUL-terminated hex string.
        let started = ContinuousClock.now
        let result = buildID.withCString { text in
            text.withMemoryRebound(to: UInt8.self, capacity: buildID.utf8.count + 1) { find(client, $0, 0, &path) }
        }
        DebuginfodStatistics.record(found: result >= 0, duration: ContinuousClock.now - started)
        if result >= 0 {
            close(result)
            defer { free(path) }
            guard let path else { return .failure(DebuginfodUnavailable(message: "no path returned")) }
            return .success(String(cString: path))
        }
        let reason = result == -ENOENT ? "not on the server" : String(cString: strerror(-result))
        return .failure(DebuginfodUnavailable(message: "debuginfod \(kind.rawValue) \(buildID) from \(urls): \(reason)"))
    }
}

/// Why debuginfod could not give a file.
struct DebuginfodUnavailable: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// ksymbolize's debuginfod requests in this process (a service's metrics):
/// each answer, from the server or the client's cache, and the time spent.
public enum DebuginfodStatistics {
    public struct Totals: Sendable, Equatable {
        public var found = 0
        public var notFound = 0
        public var seconds = 0.0

        public init() {}
    }

    private static let totals = Mutex(Totals())

    public static var current: Totals { totals.withLock { $0 } }

    static func record(found: Bool, duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        totals.withLock {
            if found { $0.found += 1 } else { $0.notFound += 1 }
            $0.seconds += seconds
        }
    }
}

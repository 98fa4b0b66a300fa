import Prometheus
import Symbolizer
import Synchronization

/// The service's metrics, in Prometheus' text format at `GET /metrics`
/// (the names are listed in the README's Service section).
final class ServiceMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let latency: DurationHistogram
    private let inFlight: Gauge
    private let queued: Gauge
    private let cacheBytes: Gauge
    private let cacheEntries: Gauge
    private let cacheInUse: Gauge
    private let cacheLimit: Gauge
    /// Counted by the cache and debuginfod; what was added to the counters so far.
    private let exported = Mutex((BinaryCache.Statistics(), DebuginfodStatistics.Totals()))

    init() {
        latency = registry.makeDurationHistogram(
            descriptor: Self.name("request_duration", "seconds", "Time from a request's arrival to its response, by any status"),
            buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000].map { .milliseconds($0) })
        inFlight = registry.makeGauge(descriptor: Self.name("requests", "running", "Requests being symbolized now"))
        queued = registry.makeGauge(descriptor: Self.name("requests", "queued", "Requests waiting for a slot"))
        cacheBytes = registry.makeGauge(descriptor: Self.name("cache", "bytes", "Estimated memory of the idle cached binaries"))
        cacheEntries = registry.makeGauge(descriptor: Self.name("cache", "entries", "Idle cached binaries"))
        cacheInUse = registry.makeGauge(descriptor: Self.name("cache", "in_use", "Binaries lent to running requests"))
        cacheLimit = registry.makeGauge(descriptor: Self.name("cache_limit", "bytes", "--cache-memory"))
    }

    /// `ksymbolize_NAME_UNIT`.
    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "ksymbolize", metricName: metric, unitName: unit, helpText: help)
    }

    /// The response counter of each status seen, made once (the registry's lookup by name and
    /// labels cost a fifth of a small request's own work).
    private let responses = Mutex([Int: Counter]())

    /// Counts a response.
    func record(status: Int, duration: Duration) {
        let counter = responses.withLock { counters in
            if let counter = counters[status] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.name("requests", "total", "Responses by HTTP status"), labels: [("status", String(status))])
            counters[status] = counter
            return counter
        }
        counter.increment()
        latency.record(duration)
    }

    /// The text exposition, with the cache's and debuginfod's figures brought up to date.
    func exposition(cache: BinaryCache, admission: Admission) -> [UInt8] {
        let (now, before) = exported.withLock { exported in
            let now = (cache.statistics, DebuginfodStatistics.current)
            defer { exported = now }
            return (now, exported)
        }
        func count(_ metric: String, _ help: String, _ labels: [(String, String)], _ delta: Int) {
            registry.makeCounter(descriptor: Self.name(metric, "total", help), labels: labels).increment(by: Int64(delta))
        }
        count("cache_hits", "Binaries taken from the cache", [], now.0.hits - before.0.hits)
        count("cache_misses", "Binaries loaded for want of an idle cached copy", [], now.0.misses - before.0.misses)
        count("cache_evictions", "Cached binaries dropped to stay under --cache-memory", [], now.0.evictions - before.0.evictions)
        let fetches = "debuginfod requests (answered from the server or the client's cache)"
        count("debuginfod_fetches", fetches, [("result", "found")], now.1.found - before.1.found)
        count("debuginfod_fetches", fetches, [("result", "not_found")], now.1.notFound - before.1.notFound)
        registry.makeCounter(descriptor: Self.name("debuginfod_fetch_seconds", "total", "Time spent in debuginfod requests"))
            .increment(by: now.1.seconds - before.1.seconds)
        cacheBytes.set(Int64(now.0.bytes))
        cacheEntries.set(Int64(now.0.entries))
        cacheInUse.set(Int64(now.0.inUse))
        cacheLimit.set(Int64(cache.memoryLimit))
        let load = admission.load
        inFlight.set(Int64(load.running))
        queued.set(Int64(load.waiting))
        return registry.emitToBuffer()
    }
}

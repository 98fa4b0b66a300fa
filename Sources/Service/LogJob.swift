import Dispatch
import Symbolizer
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the command line would have printed for a request, and its exit status.
struct RunOutcome: Sendable {
    var output: [UInt8]
    var exitStatus: Int32
    /// What it would have said on standard error.
    var warnings: [String]
}

/// A request's run: the same ``LogRun`` the command line makes, over the
/// body instead of a file, with a fresh ``Symbolizer`` (the per-request
/// state: facts, proofs, snapshots) over the shared ``BinaryCache``.
enum LogJob {
    /// `nil` when `isCancelled` said to stop (checked between lines).
    static func run(
        _ request: SymbolizeRequest, cache: BinaryCache, triage: TriageSources, generator: String, isCancelled: () -> Bool
    ) throws -> RunOutcome? {
        var output: [UInt8] = []
        var warnings = request.warnings
        let run = LogRun(
            symbolizer: Symbolizer(options: request.options, cache: cache), format: request.format,
            reportsOnly: request.reportsOnly, generator: generator, triage: triage,
            write: { output.append(contentsOf: $0) }, warn: { warnings.append($0) })
        var reader = LineReader(bytes: request.log)
        var count = 0
        while let line = reader.next() {
            count += 1
            if count % 64 == 0, isCancelled() { return nil }
            run.process(line)
        }
        let summary = try run.finish()
        return RunOutcome(output: output, exitStatus: summary.exitStatus, warnings: warnings)
    }
}

/// How many requests run at once (`--max-concurrency`) and how many may wait
/// (`--max-queue`); each runs on a thread of its own.
final class Admission: Sendable {
    private struct State {
        var running = 0
        var waiting: [@Sendable () -> Void] = []
    }

    let maxRunning: Int
    let maxWaiting: Int
    private let state = Mutex(State())

    init(maxRunning: Int, maxWaiting: Int) {
        (self.maxRunning, self.maxWaiting) = (maxRunning, maxWaiting)
    }

    /// Requests running and waiting now.
    var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    /// Runs `work` now or when a slot frees; `false` when every slot and the queue are taken.
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        let startNow = state.withLock { state -> Bool? in
            if state.running < maxRunning {
                state.running += 1
                return true
            }
            guard state.waiting.count < maxWaiting else { return nil }
            state.waiting.append(work)
            return false
        }
        guard let startNow else { return false }
        if startNow { start(work) }
        return true
    }

    /// Runs `work`, then what waits, on a thread of its own: not on
    /// Dispatch's or Swift concurrency's shared threads (as many as there are
    /// CPUs), which the HTTP handlers, `/metrics` and the deadlines need.
    private func start(_ work: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(WorkerContext(admission: self, first: work)).toOpaque()
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { context in
            let worker = Unmanaged<WorkerContext>.fromOpaque(context!).takeRetainedValue()
            worker.admission.drain(from: worker.first)
            return nil
        }, context) == 0 else {
            // No thread to be had: run it here rather than lose it.
            Unmanaged<WorkerContext>.fromOpaque(context).release()
            drain(from: work)
            return
        }
        pthread_detach(thread)
    }

    private func drain(from first: @escaping @Sendable () -> Void) {
        var work: (@Sendable () -> Void)? = first
        while let next = work {
            next()
            work = state.withLock { state -> (@Sendable () -> Void)? in
                if state.waiting.isEmpty {
                    state.running -= 1
                    return nil
                }
                return state.waiting.removeFirst()
            }
        }
    }

    private final class WorkerContext: Sendable {
        let admission: Admission
        let first: @Sendable () -> Void
        init(admission: Admission, first: @escaping @Sendable () -> Void) { (self.admission, self.first) = (admission, first) }
    }
}

/// A request's answer: the first of its run's end, the deadline, or a refusal.
final class Deadline: Sendable {
    enum Outcome: Sendable {
        case finished(Result<RunOutcome, ServiceError>)
        case timedOut
        case refused
    }

    private let continuation: Mutex<CheckedContinuation<Outcome, Never>?>
    private let cancelled = Atomic(false)

    init(_ continuation: CheckedContinuation<Outcome, Never>) {
        self.continuation = Mutex(continuation)
    }

    /// Whether the run should stop: its answer was already given.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Answers, unless an answer was given already.
    func answer(_ outcome: Outcome) {
        cancelled.store(true, ordering: .relaxed)
        continuation.withLock { $0.take() }?.resume(returning: outcome)
    }

    /// Answers `.timedOut` after `seconds`, if nothing else answered first.
    func arm(seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { self.answer(.timedOut) }
    }
}

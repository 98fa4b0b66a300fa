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
        // The text output is the log and its annotations: room for both at once, not grown line by line
        // (JSON and markdown print the reports alone, once, at the end).
        if request.format == .text { output.reserveCapacity(request.log.count + request.log.count / 2) }
        var warnings = request.warnings
        let run = LogRun(
            symbolizer: Symbolizer(options: request.options, cache: cache), format: request.format,
            reportsOnly: request.reportsOnly, generator: generator, triage: triage,
            write: { output.append(contentsOf: $0) }, warn: { warnings.append($0) })
        var reader = LineReader(bytes: request.log)
        guard run.read(&reader, isCancelled: isCancelled) else { return nil }
        let summary = try run.finish()
        return RunOutcome(output: output, exitStatus: summary.exitStatus, warnings: warnings)
    }
}

/// How many requests run at once (`--max-concurrency`) and how many may wait
/// (`--max-queue`). They run on `--max-concurrency` worker threads of their
/// own, started once: not on Dispatch's or Swift concurrency's shared
/// threads (as many as there are CPUs), which the HTTP handlers, `/metrics`
/// and the deadlines need; and not a thread made per request, whose start
/// and end (a stack mapped and unmapped) a warm request would pay each time.
final class Admission: Sendable {
    private struct State {
        var running = 0
        var waiting: [@Sendable () -> Void] = []
    }

    let maxRunning: Int
    let maxWaiting: Int
    private let state = Mutex(State())
    /// Signalled once for each job put in `waiting`.
    private let jobs = DispatchSemaphore(value: 0)
    /// Whether any worker thread could be made (else jobs run on Dispatch's threads rather than never).
    private let hasWorkers = Atomic(false)

    init(maxRunning: Int, maxWaiting: Int) {
        (self.maxRunning, self.maxWaiting) = (maxRunning, maxWaiting)
        for _ in 0..<maxRunning where Self.startWorker(self) { hasWorkers.store(true, ordering: .relaxed) }
    }

    /// Requests running and waiting now.
    var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    /// Runs `work` now or when a slot frees; `false` when every slot and the queue are taken.
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state -> Bool in
            // Idle workers take jobs at once: the queue proper is what is beyond them.
            guard state.waiting.count < maxWaiting + (maxRunning - state.running) else { return false }
            state.waiting.append(work)
            return true
        }
        if accepted {
            if hasWorkers.load(ordering: .relaxed) { jobs.signal() } else { DispatchQueue.global().async { self.work(once: true) } }
        }
        return accepted
    }

    /// A worker: takes the oldest job whenever there is one, for the life of the process.
    private static func startWorker(_ admission: Admission) -> Bool {
        let context = Unmanaged.passRetained(admission).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            Unmanaged<Admission>.fromOpaque(context!).takeRetainedValue().work(once: false)
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<Admission>.fromOpaque(context).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    /// Runs the oldest job, waiting for one (a worker: forever; else the one just queued).
    private func work(once: Bool) {
        repeat {
            if !once { jobs.wait() }
            let job = state.withLock { state -> @Sendable () -> Void in
                state.running += 1
                return state.waiting.removeFirst()
            }
            job()
            state.withLock { $0.running -= 1 }
        } while !once
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

import Dispatch
import Synchronization

/// A binary being loaded on another thread (see ``Symbolizer/preload(modules:)``).
///
/// The load runs in its own libdwfl session and touches nothing else; the
/// group hands the finished binary over, whole, to the one thread that
/// calls ``wait()`` (once), which owns it from then on.
final class PreloadedBinary: @unchecked Sendable {
    typealias Outcome = (Result<LoadedBinary, UnresolvedReason>, UInt64?)

    private let done = DispatchGroup()
    /// Left when loads that come after this one may start.
    private let othersMayStart = DispatchGroup()
    private let othersStarted = Mutex(false)
    private var outcome: Outcome?

    /// Starts `load`, after `previous` has let others start (so that what
    /// is needed first gets the CPUs first). `load` may call the function it
    /// is given once what others should wait for is done (else they wait
    /// for all of it).
    init(after previous: PreloadedBinary? = nil, _ load: @escaping @Sendable (_ letOthersStart: @Sendable () -> Void) -> Outcome) {
        done.enter()
        othersMayStart.enter()
        let start = {
            DispatchQueue.global(qos: .userInitiated).async {
                self.outcome = load { self.letOthersStart() }
                self.letOthersStart()
                self.done.leave()
            }
        }
        if let previous {
            previous.othersMayStart.notify(queue: .global(qos: .userInitiated), execute: start)
        } else {
            start()
        }
    }

    private func letOthersStart() {
        let first = othersStarted.withLock { started in
            defer { started = true }
            return !started
        }
        if first { othersMayStart.leave() }
    }

    /// The load's outcome, waiting for it to finish.
    func wait() -> Outcome {
        done.wait()
        return outcome!
    }
}

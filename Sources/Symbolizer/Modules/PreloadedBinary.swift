import Dispatch

/// A binary being loaded on another thread (see ``Symbolizer/preload(modules:)``).
///
/// The load runs in its own libdwfl session and touches nothing else; the
/// group hands the finished binary over, whole, to the one thread that
/// calls ``wait()`` (once), which owns it from then on.
final class PreloadedBinary: @unchecked Sendable {
    typealias Outcome = (Result<LoadedBinary, UnresolvedReason>, UInt64?)

    private let done = DispatchGroup()
    private var outcome: Outcome?

    /// Starts `load`, after `previous` has finished when one is given (so
    /// that what is needed first gets the CPUs first).
    init(after previous: PreloadedBinary? = nil, _ load: @escaping @Sendable () -> Outcome) {
        done.enter()
        let start = {
            DispatchQueue.global(qos: .userInitiated).async {
                self.outcome = load()
                self.done.leave()
            }
        }
        if let previous {
            previous.done.notify(queue: .global(qos: .userInitiated), execute: start)
        } else {
            start()
        }
    }

    /// The load's outcome, waiting for it to finish.
    func wait() -> Outcome {
        done.wait()
        return outcome!
    }
}

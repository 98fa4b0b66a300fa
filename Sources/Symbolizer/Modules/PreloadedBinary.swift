import Dispatch

/// A binary being loaded on another thread (see ``Symbolizer/preload(modules:)``).
///
/// The load runs in its own libdwfl session and touches nothing else; the
/// semaphore hands the finished binary over, whole, to the one thread that
/// calls ``wait()`` (once), which owns it from then on.
final class PreloadedBinary: @unchecked Sendable {
    typealias Outcome = (Result<LoadedBinary, UnresolvedReason>, UInt64?)

    private let done = DispatchSemaphore(value: 0)
    private var outcome: Outcome?

    init(_ load: @escaping @Sendable () -> Outcome) {
        DispatchQueue.global(qos: .userInitiated).async {
            self.outcome = load()
            self.done.signal()
        }
    }

    /// The load's outcome, waiting for it to finish.
    func wait() -> Outcome {
        done.wait()
        return outcome!
    }
}

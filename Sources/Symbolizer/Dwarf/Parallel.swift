import Dispatch

import FoundationEssentials

/// The CPUs this process may use (as `ksymbolize addr` counts them), at least 1.
func onlineProcessorCount() -> Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// `(0..<count).map(body)` computed by up to `threads` threads, each on a
/// contiguous chunk; in order. `body` must only read shared state.
public func parallelMap<T>(_ count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
    guard threads > 1, count > 1 else { return (0..<count).map(body) }
    return withoutActuallyEscaping(body) { body in
        let work = ParallelMapWork(count: count, chunks: min(threads, count), body: body)
        DispatchQueue.concurrentPerform(iterations: work.chunks) { work.run($0) }
        return work.take()
    }
}

/// The slots of one ``parallelMap(_:threads:_:)``: chunk `k` writes only its
/// own slots, which are read after every chunk has finished.
private final class ParallelMapWork<T>: @unchecked Sendable {
    let count: Int
    let chunks: Int
    let body: (Int) -> T
    private let slots: UnsafeMutableBufferPointer<T?>

    init(count: Int, chunks: Int, body: @escaping (Int) -> T) {
        self.count = count
        self.chunks = chunks
        self.body = body
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func run(_ chunk: Int) {
        for index in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) { slots[index] = body(index) }
    }

    func take() -> [T] { slots.map { $0! } }
}

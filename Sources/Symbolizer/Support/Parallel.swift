import Dispatch
import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// The CPUs this process may use (as `ksymbolize addr` counts them), at least 1.
func onlineProcessorCount() -> Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// `(0..<count).map(body)` computed by up to `threads` threads, each on a
/// contiguous chunk; in order. `body` must only read shared state.
public func parallelMap<T>(_ count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
    guard threads > 1, count > 1 else { return (0..<count).map(body) }
    return withoutActuallyEscaping(body) { body in
        let work = ParallelMapWork(count: count, body: body)
        parallelChunks(count, threads: threads) { work.run($0) }
        return work.take()
    }
}

/// Calls `body` with consecutive ranges that cover `0..<count`, one per
/// thread of up to `threads`, at once. `body` must only read shared state,
/// or write where no other range does.
public func parallelChunks(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(threads, count))
    guard chunks > 1 else {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            shared.value((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }
}

/// The slots of one ``parallelMap(_:threads:_:)``: each chunk writes only its
/// own slots, which are read after every chunk has finished.
private final class ParallelMapWork<T>: @unchecked Sendable {
    let body: (Int) -> T
    private let slots: UnsafeMutableBufferPointer<T?>

    init(count: Int, body: @escaping (Int) -> T) {
        self.body = body
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func run(_ range: Range<Int>) {
        for index in range { slots[index] = body(index) }
    }

    func take() -> [T] { slots.map { $0! } }
}

/// Runs `body` on a new thread of its own, started now; on Dispatch only
/// when no thread can be created. For long work that others wait for (the
/// vmlinux read ahead of option parsing): on Linux, Dispatch cannot see that
/// a worker waiting for it is blocked, counts both as busy, and on a 2-CPU
/// machine then holds back the preloads and parallel loops queued behind.
func startThread(_ body: @escaping @Sendable () -> Void) {
    /// The body, carried to the new thread through `pthread_create`'s argument.
    final class Start {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let start = Unmanaged.passRetained(Start(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread, nil,
        { raw in
            Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, start)
    if result == 0 {
        pthread_detach(thread)
    } else {
        Unmanaged<Start>.fromOpaque(start).release()
        DispatchQueue.global(qos: .userInitiated).async(execute: body)
    }
}

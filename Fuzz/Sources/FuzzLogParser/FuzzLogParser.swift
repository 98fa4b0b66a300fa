import Symbolizer
import SymbolizerTestSupport

/// libFuzzer entry: any bytes as a kernel log.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    do {
        try Invariants.checkLog(Array(UnsafeBufferPointer(start: data, count: size)))
    } catch {
        fatalError("invariant broken: \(error)")
    }
    return 0
}

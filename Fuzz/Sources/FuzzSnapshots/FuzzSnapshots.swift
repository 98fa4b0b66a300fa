import Symbolizer
import SymbolizerTestSupport

/// libFuzzer entry: any bytes as a sections, /proc/modules or /proc/kallsyms snapshot.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshots(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    Invariants.checkSnapshots(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

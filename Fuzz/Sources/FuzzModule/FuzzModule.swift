import Symbolizer
import SymbolizerTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A private directory for the module file each run writes.
private let directory: String = {
    var template = Array("/tmp/ksymbolize-fuzz-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}()

/// libFuzzer entry: any bytes as a module's ELF file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModule(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    do {
        try Invariants.checkModule(Array(UnsafeBufferPointer(start: data, count: size)), directory: directory)
    } catch {
        fatalError("invariant broken: \(error)")
    }
    return 0
}

internal import CLibdw

#if canImport(Glibc)
    import Glibc
#endif

/// What the C callbacks of one reported module read: the file to open and
/// where each of its sections was loaded. Reached through the module's
/// userdata slot; the session keeps it alive.
private final class ModuleCallbackContext {
    let path: String
    /// Section index → address, for `ET_REL` files. Sections missing here are
    /// reported as not loaded.
    let sectionAddresses: [UInt32: UInt64]
    /// The decompressed file, for formats libdwfl cannot open itself (zstd).
    let image: ZstdImage?
    /// The file mapped once for every session (vmlinux).
    let mapped: MappedFile?

    init(path: String, sectionAddresses: [UInt32: UInt64], image: ZstdImage?, mapped: MappedFile?) {
        self.path = path
        self.sectionAddresses = sectionAddresses
        self.image = image
        self.mapped = mapped
    }
}

private func contextOf(_ userdata: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> ModuleCallbackContext? {
    guard let raw = userdata?.pointee else { return nil }
    return Unmanaged<ModuleCallbackContext>.fromOpaque(raw).takeUnretainedValue()
}

private let findElfCallback:
    @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafePointer<CChar>?, Dwarf_Addr,
        UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<OpaquePointer?>?
    ) -> Int32 = { _, userdata, _, _, fileName, elfPointer in
        guard let context = contextOf(userdata) else { return -1 }
        if let mapped = context.mapped {
            elfPointer?.pointee = mapped.elf()
            fileName?.pointee = strdup(context.path)
            return -1
        }
        if let image = context.image {
            elfPointer?.pointee = image.elf()
            fileName?.pointee = strdup(context.path)
            return -1
        }
        let fd = open(context.path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fileName?.pointee = strdup(context.path) }
        return fd
    }

private let sectionAddressCallback:
    @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafePointer<CChar>?, Dwarf_Addr,
        UnsafePointer<CChar>?, GElf_Word, UnsafePointer<GElf_Shdr>?, UnsafeMutablePointer<Dwarf_Addr>?
    ) -> Int32 = { _, userdata, _, _, _, shndx, _, address in
        let known = contextOf(userdata)?.sectionAddresses[UInt32(shndx)]
        address?.pointee = known ?? Dwarf_Addr.max
        return 0
    }

/// One libdwfl session: the binaries of one kernel build, each reported at the
/// addresses the crashed kernel used.
///
/// Not `Sendable`: libdwfl handles are used from one task only.
final class DwflSession {
    private let dwfl: OpaquePointer
    private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>
    private var contexts: [Unmanaged<ModuleCallbackContext>] = []
    /// libdwfl's search path for separate debug files (`char **`), kept alive for it.
    private let debuginfoPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    /// - Parameter debugDirectories: roots searched for separate debug files
    ///   (`ROOT/.build-id/xx/yyyy.debug`, and `.gnu_debuglink` names), after
    ///   the binary's own directory and its `.debug` subdirectory.
    init(debugDirectories: [String] = ["/usr/lib/debug"]) throws(SymbolizerError) {
        // libdwfl's syntax: an empty element is the file's own directory.
        debuginfoPath = .allocate(capacity: 1)
        debuginfoPath.initialize(to: strdup((["", ".debug"] + debugDirectories).joined(separator: ":")))
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(
            to: Dwfl_Callbacks(
                find_elf: findElfCallback,
                find_debuginfo: dwfl_standard_find_debuginfo,
                section_address: sectionAddressCallback,
                debuginfo_path: debuginfoPath))
        guard let handle = dwfl_begin(callbacks) else {
            free(debuginfoPath.pointee)
            debuginfoPath.deallocate()
            callbacks.deallocate()
            throw .libdwfl(function: "dwfl_begin", path: "-", message: LibraryErrors.dwfl)
        }
        dwfl = handle
    }

    deinit {
        dwfl_end(dwfl)
        callbacks.deallocate()
        free(debuginfoPath.pointee)
        debuginfoPath.deallocate()
        for context in contexts { context.release() }
    }

    /// Reports one binary and loads its DWARF.
    ///
    /// - Parameters:
    ///   - name: the module name (`vmlinux`, `crashmod`).
    ///   - path: the file to read.
    ///   - range: the address range the module covers in this session.
    ///   - sectionAddresses: for a `.ko`, the address of each allocated section by index.
    ///   - mapped: the file already mapped (vmlinux), shared with other sessions.
    ///   - options: which of ksymbolize's own DWARF readers the module uses.
    func report(
        name: String, path: String, range: Range<UInt64>, sectionAddresses: [UInt32: UInt64],
        mapped: MappedFile? = nil, options: DwarfReaderOptions = .fromEnvironment
    ) throws(SymbolizerError) -> DwarfModule {
        let image = mapped == nil && ZstdImage.applies(to: path) ? try ZstdImage(path: path) : nil
        let context = Unmanaged.passRetained(
            ModuleCallbackContext(path: path, sectionAddresses: sectionAddresses, image: image, mapped: mapped))
        contexts.append(context)
        dwfl_report_begin_add(dwfl)
        let module = dwfl_report_module(dwfl, name, range.lowerBound, max(range.upperBound, range.lowerBound &+ 1))
        if let module {
            var userdata: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
            _ = dwfl_module_info(module, &userdata, nil, nil, nil, nil, nil, nil)
            userdata?.pointee = context.toOpaque()
        }
        let message = module == nil ? LibraryErrors.dwfl : ""
        dwfl_report_end(dwfl, nil, nil)
        guard let module else {
            throw .libdwfl(function: "dwfl_report_module", path: path, message: message)
        }
        var bias: Dwarf_Addr = 0
        let dwarf = dwfl_module_getdwarf(module, &bias)
        let dwarfError = dwarf == nil ? LibraryErrors.dwfl : nil
        let parameters = DwflBackend.ReportParameters(
            name: name, range: range, sectionAddresses: sectionAddresses, mapped: mapped)
        return DwarfModule(
            backend: DwflBackend(session: self, handle: module, parameters: parameters), path: path,
            dwarfError: dwarfError, options: options)
    }
}

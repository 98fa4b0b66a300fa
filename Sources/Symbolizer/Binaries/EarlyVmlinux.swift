import ArchFixups
import Dispatch
import Synchronization

/// vmlinux read, its symbol index built and its DWARF opened: what every
/// run needs before its first lookup, whatever the log says.
struct VmlinuxImage: @unchecked Sendable {
    var contents: ElfContents
    var fixup: any ArchFixup
    var dwarf: DwarfModule
    var symbols: SymbolIndex

    /// Reads `path` as vmlinux into `session`. `architecture` overrides the
    /// ELF header's (as `--arch` does).
    static func read(
        path: String, architecture: Architecture?, session: DwflSession, reader: DwarfReaderOptions = .fromEnvironment
    ) -> Result<
        VmlinuxImage, UnresolvedReason
    > {
        do {
            let mapped = MappedFile.kernelImage(path: path)
            let contents = try ElfReader.read(path: path, mapped: mapped)
            guard contents.kind.isKernelImage else {
                return .failure(
                    .noVmlinux(
                        "\(path) is an ELF \(contents.kind.elfTypeName) file (\(contents.machineDescription)), not a kernel image (ET_EXEC or ET_DYN)"
                    ))
            }
            guard let own = architecture ?? contents.architecture else {
                return .failure(
                    .noVmlinux(
                        "\(path) is an ELF \(contents.kind.elfTypeName) kernel image for \(contents.machineDescription), an architecture ksymbolize does not handle"
                    ))
            }
            let fixup = own.fixups
            // libdwfl takes the first PT_LOAD (in header order) as the image's
            // start; a per-CPU segment at address 0 (x86-64) must not lower it.
            let first = contents.segments.first
            let low = first.map { $0.virtualAddress & ~(max($0.alignment, 1) &- 1) } ?? 0
            var high =
                contents.segments.filter { $0.virtualAddress >= low }.map { $0.virtualAddress &+ $0.memorySize }.max()
                ?? low &+ 1
            if high <= low { high = low == .max ? low : low &+ 1 }
            let dwarf = try session.report(
                name: "vmlinux", path: path, range: low..<high, sectionAddresses: [:], mapped: mapped, options: reader)
            let symbols = SymbolIndex(contents: contents, fixup: fixup, sectionAddress: { _ in 0 })
            return .success(VmlinuxImage(contents: contents, fixup: fixup, dwarf: dwarf, symbols: symbols))
        } catch {
            return .failure(.noVmlinux(error.description))
        }
    }

    /// Builds the symbol index and the DWARF's address → unit table now, side by side.
    func warm() {
        LoadedBinary.warm(symbols, dwarf)
    }
}

/// vmlinux read ahead, while the command line is still being parsed.
///
/// Parsing the options, reading the log's first frames and starting the
/// preloads takes a few milliseconds on one CPU; reading vmlinux and indexing
/// its symbols takes as long again, and needs nothing from them but the
/// path. ``start(path:)`` begins that read on another thread; the first
/// ``Symbolizer`` that loads vmlinux from the same path takes the result
/// (``take(path:architecture:)``) instead of reading the file again. A
/// guess that turns out unused (another path, `--help`, a usage error)
/// costs only the other CPU's time.
public enum EarlyVmlinux {
    /// One read ahead: the image once `done` is signalled.
    private final class Pending: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var image: VmlinuxImage?
    }

    private static let pending = Mutex<[String: Pending]>([:])

    /// Starts reading `path` as vmlinux on another thread (once per path).
    public static func start(path: String) {
        let started = Pending()
        let isNew = pending.withLock { reads in
            guard reads[path] == nil else { return false }
            reads[path] = started
            return true
        }
        guard isNew else { return }
        startThread {
            if let session = try? DwflSession(), case .success(let image) = VmlinuxImage.read(
                path: path, architecture: nil, session: session)
            {
                image.warm()
                started.image = image
            }
            started.done.signal()
        }
    }

    /// The image read ahead from `path` (waiting for it), if one was
    /// started, it fits `architecture` and it found DWARF; `nil` otherwise:
    /// the caller reads again (and reports why it failed, or finds separate
    /// DWARF through the debug directories it was given, which the read
    /// ahead of the options did not know). Each image is taken once.
    static func take(path: String, architecture: Architecture?) -> VmlinuxImage? {
        guard let read = pending.withLock({ $0.removeValue(forKey: path) }) else { return nil }
        read.done.wait()
        guard let image = read.image, image.dwarf.dwarfError == nil else { return nil }
        if let architecture, architecture != image.fixup.architecture { return nil }
        return image
    }
}

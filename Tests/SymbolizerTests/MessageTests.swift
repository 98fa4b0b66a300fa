import Foundation
import Symbolizer
import Testing

/// Every message a user can see, verbatim: changing one is a visible change.
@Suite("User-facing messages")
struct MessageTests {
    static let unresolved: [(UnresolvedReason, String)] = [
        (.moduleNotFound("ext4"), "module ext4 not found (give its directory with --modules)"),
        (.moduleUnreadable("ext4", "truncated"), "module ext4 unreadable: truncated"),
        (.noVmlinux(nil), "no vmlinux (give it with --vmlinux)"),
        (.noVmlinux("bad file"), "vmlinux unreadable: bad file"),
        (.symbolNotFound("f", binary: "ext4"), "symbol f not in ext4: binary does not match the crashed kernel"),
        (.addressOutsideKnownSections(0xbf80_0000), "address 0xbf800000 is outside every known module section and vmlinux"),
        (.kaslrOffsetUnknown, "KASLR offset unknown (give --kaslr-offset, or a log with a 'Kernel Offset:' line)"),
        (.noSectionAddresses("ext4"), "no section addresses for ext4 (give --module-sections)"),
        (.noDebugInfo("ext4.ko"), "no debug info in ext4.ko"),
        (.noLineInfo, "no line information for this address"),
        (.nothingToResolve, "nothing to resolve"),
    ]

    static let errors: [(SymbolizerError, String)] = [
        (.cannotOpen(path: "/x", reason: "No such file or directory"), "cannot open /x: No such file or directory"),
        (.notELF(path: "/x", reason: "not an ELF file"), "/x is not a usable ELF file: not an ELF file"),
        (.libdwfl(function: "dwfl_begin", path: "-", message: "oops"), "libdwfl dwfl_begin failed for -: oops"),
        (.badSnapshotLine(path: "s", line: 3, text: "junk", expected: "MOD SECTION 0xADDR"), "s:3: cannot read \"junk\"; expected MOD SECTION 0xADDR"),
        (.badArgument(name: "--arch", value: "vax", expected: "x86_64, arm"), "invalid --arch \"vax\": expected x86_64, arm"),
    ]

    @Test("unresolved reasons", arguments: unresolved.map(\.1).indices)
    func reason(_ index: Int) {
        #expect(Self.unresolved[index].0.description == Self.unresolved[index].1)
    }

    @Test("errors", arguments: errors.map(\.1).indices)
    func error(_ index: Int) {
        #expect(Self.errors[index].0.description == Self.errors[index].1)
    }

    @Test("a module for another architecture than the log still gives an answer or a reason, never a crash")
    func wrongArchitecture() throws {
        // An x86-64 log against the Thumb-2 crashmod.ko of the same name.
        let log = try String(contentsOfFile: Samples.path("samples/x86_64/null.log"), encoding: .utf8)
        var options = try Samples.all.first { $0.directory == "arm-thumb2/fixed" }!.options(case: "null")
        options.vmlinuxPath = nil
        let (_, reports) = symbolize(bytes: Array(log.utf8), options: options)
        let frames = reports.flatMap(\.frames).filter { $0.frame.symbol?.module == "crashmod" }
        #expect(!frames.isEmpty)
        #expect(frames.allSatisfy { $0.unresolved != nil || $0.mismatch != nil })
    }

    @Test("a report is found again when the log starts at its first line", arguments: Samples.allCases)
    func reparse(_ sampleCase: SampleCase) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: sampleCase.logPath)))
        var options = try sampleCase.sample.options(case: sampleCase.name)
        options.vmlinuxPath = nil
        let (_, reports) = symbolize(bytes: bytes, options: options)
        let first = try #require(reports.first)
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let tail = Array(lines[(first.firstLine - 1)...].joined(separator: [UInt8(ascii: "\n")]))
        let (_, again) = symbolize(bytes: tail, options: options)
        #expect(again.first?.kind == first.kind)
        #expect(again.first?.title == first.title)
        #expect(again.first?.signature == first.signature)
    }
}

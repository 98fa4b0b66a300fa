import Foundation
import Symbolizer
import Testing

/// Debian's own kernels, through the command line as users run it: every
/// architecture's vmlinux (ET_EXEC or ET_DYN, either byte order), raw
/// addresses as well as `func+off`, and `addr` with link-time addresses.
@Suite("Debian kernels through the command line", .serialized)
struct DebianKernelTests {
    static let debianSamples = Samples.all.filter { $0.debianKernel != nil }
    static let debianCases = Samples.allCases.filter {
        $0.sample.debianKernel != nil && FileManager.default.fileExists(atPath: $0.sample.path + "/\($0.name).expected.tsv")
    }

    /// The ELF type (`ET_EXEC`, `ET_DYN`) readelf gives a file (`Type: DYN (Shared object file)`).
    static func elfType(_ path: String) throws -> String {
        let header = try Samples.run("/usr/bin/readelf", ["-h", path])
        let line = header.split(separator: "\n").first { $0.contains("Type:") } ?? ""
        return "ET_" + (line.split(separator: " ").dropFirst().first.map(String.init) ?? "?")
    }

    @Test("every vmlinux frame of the sample resolves, whatever the ELF type", arguments: debianSamples)
    func vmlinuxFrames(_ sample: Samples.Sample) throws {
        let vmlinux = try #require(try sample.vmlinux())
        let type = try Self.elfType(vmlinux)
        #expect(type == "ET_EXEC" || type == "ET_DYN", "\(vmlinux): \(type)")
        var total = 0
        for name in sample.cases {
            let result = try CLI.run(
                [
                    "--vmlinux", vmlinux, "--modules", sample.path, "--module-sections", sample.path + "/\(name).sections",
                    "--format", "json", "--no-live", sample.path + "/\(name).log",
                ])
            let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let reports = document?["reports"] as? [[String: Any]] ?? []
            let frames = reports.flatMap { $0["frames"] as? [[String: Any]] ?? [] }
            let kernelFrames = frames.filter { $0["module"] as? String == "vmlinux" }
            total += kernelFrames.count
            for frame in kernelFrames {
                #expect(frame["unresolved"] is NSNull, "\(sample)/\(name): \(frame["printed"] ?? ""): \(frame["unresolved"] ?? "")")
            }
        }
        #expect(total >= 10, "\(sample): only \(total) vmlinux frames")
    }

    /// `WARNING: … at FILE:LINE func+off/size`: looked up where the WARN is,
    /// the trap itself (x86, arm64) or the call to warn_slowpath_fmt (ARM, Thumb-2 and ARM mode alike).
    @Test("the WARNING line's function is found at the kernel's own file:line", arguments: Samples.all.filter {
        FileManager.default.fileExists(atPath: $0.path + "/warn.log")
    })
    func warnLocation(_ sample: Samples.Sample) throws {
        var arguments = [
            "--modules", sample.path, "--module-sections", sample.path + "/warn.sections", "--no-live", "--format", "json",
            sample.path + "/warn.log",
        ]
        if let vmlinux = try sample.vmlinux() { arguments += ["--vmlinux", vmlinux] }
        let result = try CLI.run(arguments)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let frames = (document["reports"] as? [[String: Any]] ?? []).flatMap { $0["frames"] as? [[String: Any]] ?? [] }
        let log = try String(contentsOfFile: sample.path + "/warn.log", encoding: .utf8)
        let header = try #require(log.split(separator: "\n").first { $0.contains("WARNING: CPU:") })
        let claim = try #require(SourceClaim.parse(header[header.range(of: "WARNING:")!.lowerBound...]))
        let warn = try #require(frames.first { ($0["note"] as? String)?.contains("WARN") == true }, "\(sample): no WARN frame")
        let lines = (warn["locations"] as? [[String: Any]] ?? []).compactMap { $0["line"] as? Int }
        // A tail call to warn_slowpath_fmt (mips64el's crash_warn) leaves the caller's return address: said in the note.
        let tailCall = (warn["note"] as? String)?.contains("the WARN is at \(claim.file):\(claim.line)") == true
        #expect(lines.contains(claim.line) || tailCall, "\(sample): \(lines) vs \(claim.line)")
        #expect(warn["mismatch"] is NSNull, "\(sample): \(warn["mismatch"] ?? "")")
        let callsWarn = sample.directory.hasPrefix("arm-thumb2") || sample.directory == "armhf" || sample.directory.hasPrefix("mips")
        #expect((warn["kind"] as? String) == (callsWarn ? "return" : "pc"), "\(sample)")
    }

    @Test("a file that is no kernel image is refused with its ELF type and architecture; the rest still resolves")
    func notAKernelImage() throws {
        let sample = try #require(Self.debianSamples.first { $0.directory == "arm64" })
        let result = try CLI.run(
            [
                "--vmlinux", sample.path + "/crashmod.ko", "--modules", sample.path, "--module-sections",
                sample.path + "/null.sections", "--no-live", sample.path + "/null.log",
            ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("is an ELF ET_REL file (arm64), not a kernel image (ET_EXEC or ET_DYN)"), "\(result.stderr)")
        #expect(result.stdout.contains("crash_read_value"), "module frames must still resolve")
    }

    @Test("addr takes link-time addresses when nothing gives a KASLR offset, and says so once")
    func addrLinkTime() throws {
        let sample = try #require(Self.debianSamples.first { $0.directory == "x86_64" })
        let vmlinux = try #require(try sample.vmlinux())
        let plain = try CLI.run(["addr", "--vmlinux", vmlinux, "--no-live", "0xffffffff81363fd6", "0xffffffff81422f32"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("0xffffffff81363fd6: vfs_write+0xc6/0x3e3"), "\(plain.stdout)")
        #expect(plain.stdout.contains("fs/read_write.c:582"))
        let notes = plain.stderr.split(separator: "\n").filter { $0.contains("taken as link-time addresses") }
        #expect(notes.count == 1, "\(plain.stderr)")
        // An offset given is used, and nothing is said.
        let shifted = try CLI.run([
            "addr", "--vmlinux", vmlinux, "--no-live", "--kaslr-offset", "0x11400000", "0xffffffff92763fd6",
        ])
        #expect(shifted.stdout.contains("vfs_write+0xc6/0x3e3"), "\(shifted.stdout)")
        #expect(!shifted.stderr.contains("link-time"))
    }

    /// Every expected frame again, as a raw runtime address given to
    /// `ksymbolize addr` (exact PCs as they are, return addresses with
    /// `--return-address`), with the crashed machine's sections and kallsyms.
    @Test("raw addresses resolve as the expected frames say", arguments: debianCases)
    func rawAddresses(_ sampleCase: SampleCase) throws {
        let sample = sampleCase.sample
        let rows = try ExpectedFrame.load(sample.path + "/\(sampleCase.name).expected.tsv").filter(\.comparable)
        #expect(!rows.isEmpty)
        var options = [
            "--modules", sample.path, "--module-sections", sample.path + "/\(sampleCase.name).sections",
            "--kallsyms", sample.path + "/\(sampleCase.name).kallsyms", "--no-live", "--format", "json",
        ]
        if let vmlinux = try sample.vmlinux() { options += ["--vmlinux", vmlinux] }
        for returns in [false, true] {
            let batch = rows.filter { ($0.kind != "pc") == returns && $0.lookup == ($0.kind == "pc" ? $0.address : $0.lookup) }
            guard !batch.isEmpty else { continue }
            let inputs = batch.map { "0x" + String($0.address, radix: 16) }
            let result = try CLI.run(["addr"] + (returns ? ["--return-address"] : []) + options + inputs)
            let answers = result.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(answers.count == batch.count, "\(sampleCase): \(result.stderr)")
            for (row, answer) in zip(batch, answers) {
                let locations = answer["locations"] as? [[String: Any]] ?? []
                let lines = locations.map { $0["line"] as? Int ?? 0 }
                #expect(
                    lines == row.locations.map(\.line),
                    "\(sampleCase): line \(row.line) \(row.printed) at 0x\(String(row.address, radix: 16)): \(locations) vs \(row.locations)")
                for (mine, theirs) in zip(locations, row.locations) {
                    #expect(sameFile(mine["file"] as? String, theirs.file), "\(sampleCase): line \(row.line)")
                }
            }
        }
    }
}

import Foundation
import Symbolizer
import Testing

/// syzkaller's guilty-file test data (`../shared/corpus/syzkaller/guilty/N`):
/// `FILE: path` (empty when syzbot blames no file), an empty line, the log.
enum GuiltyCorpus {
    static let directory = Samples.root.deletingLastPathComponent().appendingPathComponent(
        "shared/corpus/syzkaller/guilty"
    ).path

    struct Entry: Sendable, CustomStringConvertible {
        var name: String
        var file: String
        var log: [UInt8]
        var description: String { name }
    }

    static let entries: [Entry] = {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.sorted { Int($0) ?? 0 < Int($1) ?? 0 }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            // As syzkaller's parseGuiltyTest: the header ends at the first "\n\n".
            let bytes = Array(data)
            let end = bytes.indices.dropLast().first { bytes[$0] == 10 && bytes[$0 + 1] == 10 } ?? bytes.count
            let header = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\n")
            let file = header.first { $0.hasPrefix("FILE:") }?.dropFirst(5).trimmingCharacters(in: .whitespaces)
            return Entry(name: name, file: file ?? "", log: Array(bytes[min(end + 2, bytes.count)...]))
        }
    }()

    /// The log's lines as ``LogRun`` numbers them.
    static func lines(_ log: [UInt8]) -> [LogLine] {
        var result: [LogLine] = []
        var start = 0
        while start < log.count {
            let end = log[start...].firstIndex(of: UInt8(ascii: "\n")) ?? log.count
            result.append(
                LogLine(
                    number: result.count + 1, bytes: Array(log[start..<end]), terminator: end < log.count ? [10] : []))
            start = end + 1
        }
        return result
    }

    /// The log through the library pipeline: no binaries, no live system, no debuginfod.
    static func reports(_ log: [UInt8], format: OutputFormat) throws -> [Report] {
        var options = SymbolizerOptions()
        options.live = .off
        options.useDebuginfod = false
        let run = LogRun(
            symbolizer: Symbolizer(options: options), format: format, keepReports: true, write: { _ in }, warn: { _ in }
        )
        for line in lines(log) { run.process(line) }
        return try run.finish().reports
    }
}

@Suite("Guilty file")
struct GuiltyFileTests {
    /// Logs whose guilty file cannot agree with syzbot's, with the reason (none).
    static let exceptions: [String: String] = [:]

    @Test("the corpus is there")
    func corpusPresent() {
        #expect(GuiltyCorpus.entries.count == 34, "\(GuiltyCorpus.directory)")
    }

    @Test("syzbot's guilty file, from the first crash report", arguments: GuiltyCorpus.entries)
    func corpus(_ entry: GuiltyCorpus.Entry) throws {
        for format in [OutputFormat.json, .text] {
            let reports = try GuiltyCorpus.reports(entry.log, format: format)
            let crashes = reports.indices.filter { reports[$0].crashType != nil }
            let first = try #require(crashes.min { reports[$0].firstLine < reports[$1].firstLine }, "no crash report")
            let found = GuiltyFile.find(reportAt: first, in: reports, lines: GuiltyCorpus.lines(entry.log))
            if let reason = Self.exceptions[entry.name] {
                withKnownIssue(Comment(rawValue: reason)) { #expect(found?.file ?? "" == entry.file) }
            } else {
                #expect(found?.file ?? "" == entry.file, "\(format): \(String(describing: found))")
            }
        }
    }

    @Test(
        "tree-relative paths",
        arguments: [
            ("debian/build/build_amd64_none_amd64/fs/ext4/inode.c", "fs/ext4/inode.c"),
            ("debian/build/build-generic/include/generated/autoconf.h", "include/generated/autoconf.h"),
            (
                "/build/reproducible-path/linux-6.1.176/debian/build/build_amd64_none_amd64/arch/x86/include/generated/asm/x.h",
                "arch/x86/include/generated/asm/x.h"
            ),
            ("/build/reproducible-path/linux-6.1.176/fs/ext4/inode.c", "fs/ext4/inode.c"),
            ("../../fs/ext4/../ext4/inode.c", "fs/ext4/inode.c"),
            ("./net/core/dev.c", "net/core/dev.c"),
            ("crashmod/crashmod.c", "crashmod/crashmod.c"),
            ("../crashmod/crashmod.c", "../crashmod/crashmod.c"),
            ("/usr/include/stdio.h", "/usr/include/stdio.h"),
            ("debian/build/x", "debian/build/x"),
        ] as [(String, String)])
    func kernelPath(path: String, expected: String) {
        #expect(KernelPath.normalize(path) == expected)
    }

    @Test(
        "the ignore table",
        arguments: [
            ("include/linux/skbuff.h", true),
            ("drivers/staging/media/atomisp/pci/isp/kernels/bh/bh_2/ia_css_bh.host.c", true),
            ("net/ipv6/ip6_output.c", false), ("lib/dump_stack.c", true),
            ("virt/lib/irqbypass.c", true), ("virt/kvm/eventfd.c", false), ("mm/slab_common.c", true),
            ("mm/slub.c", true), ("mm/slub_kunit.c", false), ("mm/memory-failure.c", false), ("mm/percpu-vm.c", true),
            ("kernel/sched/core.c", true), ("kernel/smp.c", false), ("arch/x86/kernel/unwind_orc.c", true),
            ("arch/x86/kernel/dumpstack.c", false), ("arch/arm64/kernel/entry-common.c", true),
            ("arch/x86/lib/crc32-glue.c", true), ("kernel/printk/printk_safe.c", true),
            ("kernel/time/timer_list.c", false),
            ("net/core/sock_map.c", false), ("drivers/usb/core/urb.c", true), ("drivers/usb/core/hub.c", false),
            ("trusty/foo.c", true), ("kernel/locking/lockdep.c", true), ("kernel/rcu/tree.c", true),
        ] as [(String, Bool)])
    func ignoreTable(path: String, ignored: Bool) {
        #expect((GuiltyFile.ignoreRule(for: path) != nil) == ignored)
    }

    @Test(
        "lines whose files are never read",
        arguments: [
            ("hardirqs last  enabled at (12): [<ffffffff8100>] foo+0x1/0x2 fs/a.c:1", true),
            ("softirqs last disabled at (0): [<0>] 0x0", true),
            (" #0:  (&mm->mmap_sem){++++}, at: [<ffffffff81>] foo+0x1/0x2 mm/mmap.c:3", true),
            ("2 locks held by syz-executor/1:", false),
            ("Register r12 information: non-paged memory", true),
            ("ffff888 (sb_internal){.+.+}-{0:0}, at: ext4_evict_inode+0x53d/0x1230", true),
            (" ip6_output+0x1c2/0x8a0 net/ipv6/ip6_output.c:163", false),
        ] as [(String, Bool)])
    func ignoredLines(line: String, ignored: Bool) {
        #expect(GuiltyFile.isIgnoredLine(line[...]) == ignored)
    }

    /// Hand-made logs: the rules one at a time.
    @Test(
        "picking",
        arguments: [
            // The first file not ignored.
            (
                [
                    "WARNING: CPU: 0 PID: 1 at lib/foo.c:1 f+0x1/0x2", " f+0x1/0x2 lib/foo.c:1",
                    " g+0x1/0x2 fs/ext4/inode.c:9",
                ],
                "fs/ext4/inode.c"
            ),
            // Every file ignored: the first.
            ([" f+0x1/0x2 include/linux/list.h:1", " g+0x1/0x2 mm/slub.c:9"], "include/linux/list.h"),
            // A deeper file in the same directory, further down; not a sibling or a parent.
            (
                [
                    " f+0x1/0x2 net/netfilter/x_tables.c:1", " g+0x1/0x2 net/ipv4/tcp.c:2",
                    " h+0x1/0x2 net/netfilter/ipvs/ip_vs_ctl.c:3", " i+0x1/0x2 net/netfilter/core.c:4",
                ],
                "net/netfilter/ipvs/ip_vs_ctl.c"
            ),
            // `.S` files are never read; `?` frames neither.
            (
                [
                    "Call Trace:", " ? f+0x1/0x2 fs/a.c:1", " g+0x1/0x2 arch/x86/entry/entry_64.S:2",
                    " h+0x1/0x2 fs/b.c:3",
                ],
                "fs/b.c"
            ),
            // The kernel's own file:line on a line without a frame.
            (["kernel BUG at fs/jfs/jfs_txnmgr.c:123!", "invalid opcode: 0000 [#1] SMP"], "fs/jfs/jfs_txnmgr.c"),
            // Build-directory prefixes are removed before the rules apply.
            (
                [" f+0x1/0x2 debian/build/build_amd64_none_amd64/lib/x.c:1", " g+0x1/0x2 debian/build/b/fs/y.c:2"],
                "fs/y.c"
            ),
            // The kernel's WARNING line, its frame unresolved: the file it printed.
            (["WARNING: CPU: 1 PID: 2 at kernel/foo.c:12 f+0x1/0x2", "Call Trace:", " g+0x1/0x2"], "kernel/foo.c"),
            // The first `file:line` of a line, whatever its words.
            (
                ["WARNING: CPU: 1 PID: 2 at x/.c:1 then a/b-c_d.h:7 and fs/z.c:3", "Call Trace:", " g+0x1/0x2"],
                "a/b-c_d.h"
            ),
            // Nothing to blame.
            (["BUG: soft lockup - CPU#0 stuck for 22s!", " f+0x1/0x2"], ""),
        ] as [([String], String)])
    func picking(log: [String], expected: String) throws {
        let bytes = Array(log.joined(separator: "\n").utf8)
        let reports = try GuiltyCorpus.reports(bytes, format: .json)
        let index = try #require(reports.indices.first)
        #expect(GuiltyFile.find(reportAt: index, in: reports, lines: GuiltyCorpus.lines(bytes))?.file ?? "" == expected)
    }
}

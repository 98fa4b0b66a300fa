import Foundation
import Symbolizer
import Testing

/// One log of syzkaller's Linux report corpus and what syzbot makes of it
/// (`/work/shared/corpus/syzkaller/README.md`).
struct SyzbotCorpusLog {
    static let directory = Samples.root.deletingLastPathComponent()
        .appendingPathComponent("shared/corpus/syzkaller/report")

    /// The corpus files, in numeric order.
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { Int($0) != nil }.sorted { Int($0)! < Int($1)! }
    }()

    var title: String?
    var alternatives: [String] = []
    var corrupted = false
    var type: String?
    var frame: String?
    var start: String?
    var lines: [String] = []

    init(_ name: String) throws {
        let data = try Data(contentsOf: SyzbotCorpusLog.directory.appendingPathComponent(name))
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
        var all = text.components(separatedBy: "\n")
        if all.last == "" { all.removeLast() }
        var index = 0
        while index < all.count, !all[index].isEmpty {
            let line = all[index]
            index += 1
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch line[..<colon] {
            case "TITLE": title = value.isEmpty ? nil : value
            case "ALT": alternatives.append(value)
            case "CORRUPTED": corrupted = value == "Y"
            case "TYPE": type = value
            case "FRAME": frame = value
            case "START": start = value
            default: break
            }
        }
        index += 1
        var previousEmpty = false
        while index < all.count {
            if previousEmpty && all[index] == "REPORT:" { break }
            lines.append(all[index])
            previousEmpty = all[index].isEmpty
            index += 1
        }
    }

    /// Whether `crash` is what syzbot files: title (or no crash), CORRUPTED and the ALT set.
    func matches(_ crash: CrashTitle?) -> Bool {
        crash?.title == title && (crash?.corrupted ?? false) == corrupted
            && Set(crash?.alternativeTitles ?? []) == Set(alternatives)
    }
}

@Suite struct SyzbotTitleTests {
    /// Corpus logs the engine does not get right, and why.
    /// Empty since the C++/Rust demangler: 747 (`_Z8fakeNameiii`) and 749 (Rust v0 frames) pass.
    static let knownFailures: [String: String] = [:]

    @Test(arguments: SyzbotCorpusLog.names)
    func corpusLog(_ name: String) throws {
        let log = try SyzbotCorpusLog(name)
        let crash = SyzbotTitles.firstCrash(in: log.lines)
        withKnownIssue(Comment(rawValue: SyzbotTitleTests.knownFailures[name] ?? "")) {
            #expect(crash?.title == log.title)
            #expect((crash?.corrupted ?? false) == log.corrupted, "\(crash?.corruptedReason ?? "not corrupted")")
            #expect(Set(crash?.alternativeTitles ?? []) == Set(log.alternatives))
            if let type = log.type, log.title != nil { #expect(crash?.type == type) }
            if let frame = log.frame { #expect(crash?.frame == frame) }
            if let start = log.start, let crash {
                #expect(log.lines[crash.startLine - 1].trimmingCharacters(in: .whitespaces) == start)
            }
            if let crash { #expect(crash.startLine <= crash.endLine) }
        } when: {
            SyzbotTitleTests.knownFailures[name] != nil
        }
    }

    /// The overall match rate may only go up; no log takes long.
    @Test func corpusMatchRate() throws {
        _ = SyzbotTitles.firstCrash(in: ["BUG: warm-up"])  // compile the tables outside the timing
        var matched = 0
        var failed: [String] = []
        var slowest = (seconds: 0.0, name: "")
        for name in SyzbotCorpusLog.names {
            let log = try SyzbotCorpusLog(name)
            let started = Date()
            let crash = SyzbotTitles.firstCrash(in: log.lines)
            let seconds = Date().timeIntervalSince(started)
            if seconds > slowest.seconds { slowest = (seconds, name) }
            if log.matches(crash) { matched += 1 } else { failed.append(name) }
        }
        #expect(SyzbotCorpusLog.names.count == 374)
        #expect(matched >= 374, "failing: \(failed.joined(separator: " "))")
        // The slowest (441, 1162 lines) takes about 40 ms in a debug build; generous for a loaded machine.
        #expect(slowest.seconds < 1, "slowest log: \(slowest.name), \(slowest.seconds) s")
    }

    @Test func carriageReturnsAreTolerated() throws {
        for name in ["105", "441", "749"] {
            let log = try SyzbotCorpusLog(name)
            #expect(SyzbotTitles.firstCrash(in: log.lines.map { $0 + "\r" }) == SyzbotTitles.firstCrash(in: log.lines))
        }
    }

    @Test func noCrash() {
        #expect(SyzbotTitles.firstCrash(in: []) == nil)
        #expect(SyzbotTitles.crashes(in: ["[    1.000000] Linux version 6.1.0", "login: "]).isEmpty)
        // Near misses: no colon, a user-space fault, ext4's own WARNING.
        #expect(SyzbotTitles.firstCrash(in: [
            "[   72.159680] BUG UNIX (Not tainted): kasan: bad access detected",
            "[   72.159681] traps: a.out general protection fault ip:4005d6 sp:7ffd error:0 in a.out[400000+1000]",
            "[   72.159682] EXT4-fs (sda1): WARNING: mounting unchecked fs",
        ]) == nil)
    }

    /// Two reports without caller ids: the first one's title stops where the second starts.
    @Test func everyCrash() {
        let lines = [
            "[   10.000000] ------------[ cut here ]------------",
            "[   10.000001] WARNING: CPU: 1 PID: 4321 at net/core/dev.c:8123 dev_foo+0x10/0x20",
            "[   10.000002] Modules linked in:",
            "[   10.000003] RIP: 0010:dev_foo+0x10/0x20 net/core/dev.c:8123",
            "[   10.000004] Call Trace:",
            "[   10.000005]  dev_bar+0x1/0x2 net/core/dev.c:9000",
            "[   10.000006]  __x64_sys_ioctl+0x1/0x2 fs/ioctl.c:51",
            "[   20.000000] BUG: KASAN: use-after-free in ext4_bar+0x1/0x2 fs/ext4/bar.c:12",
            "[   20.000001] Read of size 8 at addr ffff888012345678 by task syz-executor.3/12345",
            "[   20.000002] Call Trace:",
            "[   20.000003]  dump_stack+0x1/0x2",
            "[   20.000004]  kasan_report+0x1/0x2",
            "[   20.000005]  ext4_bar+0x1/0x2 fs/ext4/bar.c:12",
            "[   20.000006]  __do_sys_ext4_baz+0x1/0x2",
        ]
        let crashes = SyzbotTitles.crashes(in: lines)
        #expect(crashes.map(\.title) == ["WARNING in dev_foo", "KASAN: use-after-free Read in ext4_bar"])
        #expect(crashes.map(\.type) == ["WARNING", "KASAN-USE-AFTER-FREE-READ"])
        #expect(crashes.map(\.frame) == ["dev_foo", "ext4_bar"])
        #expect(crashes.map(\.startLine) == [2, 8])
        #expect(crashes.map(\.endLine) == [8, 8])
        #expect(crashes.map(\.corrupted) == [false, false])
        #expect(crashes.last?.alternativeTitles == ["bad-access in ext4_bar"])
        #expect(SyzbotTitles.firstCrash(in: lines) == crashes.first)
    }

    /// The syscall prefix comes off the title's frame; ALT titles keep the name as printed.
    @Test func strippedSyscallFrame() {
        let lines = [
            "[  100.000000][ T5000] INFO: task syz-executor.1:5000 blocked for more than 143 seconds.",
            "[  100.000001][ T5000] Call Trace:",
            "[  100.000002][ T5000]  __schedule+0x1/0x2",
            "[  100.000003][ T5000]  schedule+0x1/0x2",
            "[  100.000004][ T5000]  __do_sys_mount+0x1/0x2 fs/namespace.c:3394",
            "[  100.000005][ T5000]  do_syscall_64+0x1/0x2",
        ]
        let crash = SyzbotTitles.firstCrash(in: lines)
        #expect(crash?.title == "INFO: task hung in mount")
        #expect(crash?.type == "HANG")
        #expect(Set(crash?.alternativeTitles ?? []) == [
            "hang in mount", "INFO: task hung in __do_sys_mount", "hang in __do_sys_mount",
        ])
    }

    /// C++ and Rust v0 frames are demangled before the skip list and the title see them.
    @Test func demangledFrames() {
        func title(_ frames: [String]) -> String? {
            SyzbotTitles.firstCrash(in: [
                "[   30.000000] BUG: KASAN: slab-out-of-bounds in memcpy+0x1/0x2",
                "[   30.000001] Write of size 4 at addr ffff888012345678 by task a.out/77",
                "[   30.000002] Call Trace:",
            ] + frames.map { "[   30.000003]  \($0)+0x1/0x2" })?.title
        }
        #expect(title(["_ZN6kernel3vfs4openEv"]) == "KASAN: slab-out-of-bounds Write in kernel::vfs::open")
        #expect(title(["_ZL6helperi"]) == "KASAN: slab-out-of-bounds Write in helper")
        // core::panicking::panic_fmt is skipped ("panic"), then an impl method.
        #expect(title([
            "_RNvNtCs9jEwPDbx20M_4core9panicking9panic_fmt",
            "_RNvXs1_CscPPBqWtAqum_11ashmem_rustNtB5_6AshmemNtNtCs43vyB533jt3_6kernel10miscdevice10MiscDevice4mmap",
        ]) == "KASAN: slab-out-of-bounds Write in <ashmem_rust::Ashmem as kernel::miscdevice::MiscDevice>::mmap")
        // Generic arguments and references.
        #expect(title(["_RINvCs1234_5alloc4dropRShE"]) == "KASAN: slab-out-of-bounds Write in alloc::drop::<&[u8]>")
        // C++ template arguments are not printed, like parameters.
        #expect(title(["_ZSt4moveIRiE"]) == "KASAN: slab-out-of-bounds Write in std::move")
        // What does not parse is kept as printed.
        #expect(title(["_Rbogus"]) == "KASAN: slab-out-of-bounds Write in _Rbogus")
    }

    /// A warning storm: every crash of a long log without walking the rest of the log for each.
    @Test func warningStorm() {
        var lines: [String] = []
        for splat in 0..<1000 {
            let stamp = "[\(1000 + splat).000000] "
            lines.append(stamp + "WARNING: CPU: 1 PID: \(splat) at net/core/dev.c:812 dev_foo+0x10/0x20")
            lines.append(stamp + "RIP: 0010:dev_foo+0x10/0x20 net/core/dev.c:812")
            lines += (0..<8).map { stamp + "R\($0)X: ffff888012345678 R\($0)Y: 0000000000000000" }
            lines.append(stamp + "Call Trace:")
            lines += (0..<20).map { stamp + " func_\($0)+0x1/0x2 net/core/x.c:\($0)" }
        }
        let started = Date()
        let crashes = SyzbotTitles.crashes(in: lines)
        let seconds = Date().timeIntervalSince(started)
        #expect(crashes.count == 1000)
        #expect(Set(crashes.map(\.title)) == ["WARNING in dev_foo"])
        #expect(crashes.allSatisfy { !$0.corrupted && $0.endLine == lines.count - 30 })
        // About 1 s in a debug build; walking the rest of the log per crash took 20 s.
        #expect(seconds < 12, "\(seconds) s")
    }
}

@Suite("syzbot's title tables")
struct TitleTableTests {
    @Test("every pattern compiles (they are compiled on first use otherwise)")
    func patternsCompile() throws {
        let count = try SyzbotTitles.compileAllPatterns()
        #expect(count > 300, "\(count) patterns")
    }
}

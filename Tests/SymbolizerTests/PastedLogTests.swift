import Foundation
import Symbolizer
import Testing

/// Logs as users paste them: every line below is written in the shape of a
/// real line seen in a public tracker or mailing-list paste (one line per
/// shape, not copied text).
@Suite("Logs as users paste them")
struct PastedLogTests {
    // MARK: Prefixes

    @Test(
        "prefix grammar",
        arguments: [
            // syslog without a host name, and with one
            ("Jan 18 14:36:32 kernel: [  123.456789] BUG: kernel NULL pointer dereference, address: 0", "BUG: kernel NULL pointer dereference, address: 0"),
            ("Nov 27 10:00:01 myhost kernel: [  100.1] RIP: 0010:x+0x1/0x2", "RIP: 0010:x+0x1/0x2"),
            // a month in another language, journalctl -o short-precise
            ("Mär 18 14:36:32 rechner kernel: Call Trace:", "Call Trace:"),
            ("janv. 18 14:36:32 pc kernel: Call Trace:", "Call Trace:"),
            ("Nov 27 10:00:01.123456 host kernel:  crash_write+0x175/0x1ea [crashmod]", " crash_write+0x175/0x1ea [crashmod]"),
            ("Sun 2026-11-27 10:00:01 UTC host kernel: Oops: 0000 [#1] SMP", "Oops: 0000 [#1] SMP"),
            // OpenWrt logread
            ("Sun Sep  1 19:30:19 2019 kern.warn kernel: [138620.537279] Unable to handle kernel paging request at virtual address 00000000",
             "Unable to handle kernel paging request at virtual address 00000000"),
            // dmesg -T, dmesg -x
            ("[Sun Sep  1 19:30:19 2019] Call Trace:", "Call Trace:"),
            ("[Mo Sep  2 08:01:02 2019]  ? kthread+0x1/0x2", " ? kthread+0x1/0x2"),
            ("kern  :warn  : [   12.345678] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2", "WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2"),
            // quoted e-mail lines
            ("> [   12.345678] RIP: 0010:foo+0x1/0x2", "RIP: 0010:foo+0x1/0x2"),
            (">> > [<c0123456>] (foo) from [<c0123400>] (bar+0x10/0x20)", "[<c0123456>] (foo) from [<c0123400>] (bar+0x10/0x20)"),
            // raw /dev/kmsg records
            ("4,1234,5678901,-;Oops: 0000 [#1] SMP", "Oops: 0000 [#1] SMP"),
            ("4,1235,5678902,c; crash_write+0x175/0x1ea [crashmod]", " crash_write+0x175/0x1ea [crashmod]"),
            // serial console loggers
            ("[12:34:56:789] [    5.123456] Call trace:", "Call trace:"),
            ("[  240.] Kernel panic - not syncing: Fatal exception", "Kernel panic - not syncing: Fatal exception"),
            ("2019-09-01 19:30:19.123 [   12.3] Call Trace:", "Call Trace:"),
            ("19:30:19.123 Internal error: Oops: 17 [#1] ARM", "Internal error: Oops: 17 [#1] ARM"),
            // indentation before the time stamp
            ("    [   12.345678] Call Trace:", "Call Trace:"),
            ("\t<4>[    1.000000] Oops: 0000 [#1]", "Oops: 0000 [#1]"),
            // commit-message quotes, a login prompt glued on, an installer's log
            ("| Internal error: Oops - bad mode: 0 [#1] SMP THUMB2", "Internal error: Oops - bad mode: 0 [#1] SMP THUMB2"),
            ("fedora-riscv-4 login: [178876.406122] Unable to handle kernel paging request", "Unable to handle kernel paging request"),
            ("00:09:50,669 ALERT kernel:8<--- cut here ---", "8<--- cut here ---"),
            // not prefixes
            ("[<c0123456>] (foo) from [<c0123400>] (bar+0x10/0x20)", "[<c0123456>] (foo) from [<c0123400>] (bar+0x10/0x20)"),
            ("[c000000000a1b2c4] [c000000000a1b2d0] foo+0x1/0x2", "[c000000000a1b2c4] [c000000000a1b2d0] foo+0x1/0x2"),
            ("[0000000000000000] pgd=0000000000000000, p4d=0000000000000000", "[0000000000000000] pgd=0000000000000000, p4d=0000000000000000"),
            ("[ INFO: possible circular locking dependency detected ]", "[ INFO: possible circular locking dependency detected ]"),
            ("  ESR = 0x0000000096000006", "  ESR = 0x0000000096000006"),
            ("Booting kernel: 10:00:01 is not a prefix", "Booting kernel: 10:00:01 is not a prefix"),
        ] as [(String, String)])
    func prefixes(line: String, message: String) {
        #expect(String(LinePrefix.split(line[...]).message) == message)
    }

    @Test("the console text keeps the kernel's own prefix and drops what tools added")
    func consoleText() {
        #expect(LinePrefix.split("Jan 18 14:36:32 host kernel: [  12.345678] BUG: x"[...]).console == "[  12.345678] BUG: x")
        #expect(LinePrefix.split("> [  12.345678][ T12] BUG: x"[...]).console == "[  12.345678][ T12] BUG: x")
        #expect(LinePrefix.split("[  12.345678][ T12] BUG: x"[...]).callerID == "T12")
        #expect(LinePrefix.split("   [  12.345678] BUG: x"[...]).console == "[  12.345678] BUG: x")
    }

    // MARK: Frame syntax of older and newer kernels

    /// Frame syntax of older and newer kernels, and of already-symbolized
    /// logs (checked with the other architectures' in ``FrameParserTests``).
    static let frameCases: [ParserCase] = [
        ParserCase(
            message: "IP: [<ffffffffc0841d99>] octf_trace_push+0x19/0x240 [iotrace]",
            frames: [(.instructionPointerRegister, "octf_trace_push", 0x19, 0x240, "iotrace", 0xffff_ffff_c084_1d99, false)]),
        ParserCase(
            message: "RIP: 0010:[<ffffffff8124e424>]  [<ffffffff8124e424>] blk_requeue_request+0x94/0xa0",
            frames: [(.instructionPointerRegister, "blk_requeue_request", 0x94, 0xa0, nil, 0xffff_ffff_8124_e424, false)]),
        ParserCase(
            message: "RIP  [<ffffffff8100b69a>] rapl_cpu_online+0x63/0x80",
            frames: [(.instructionPointerRegister, "rapl_cpu_online", 0x63, 0x80, nil, 0xffff_ffff_8100_b69a, false)]),
        ParserCase(
            message: "EIP: [<c04d5e3a>] foo_bar+0x1a/0x30 SS:ESP 0068:f5a5de60",
            frames: [(.instructionPointerRegister, "foo_bar", 0x1a, 0x30, nil, 0xc04d_5e3a, false)]),
        ParserCase(
            message: "sepc: ffffffe0001e2b3c ra : ffffffe0001e2b20 sp : ffffffe07a8cbe10",
            frames: [
                (.programCounterRegister, nil, nil, nil, nil, 0xffff_ffe0_001e_2b3c, false),
                (.linkRegister, nil, nil, nil, nil, 0xffff_ffe0_001e_2b20, false),
            ]),
        ParserCase(
            message: " crash_null_deref.isra.0+0x24/0x40 [crashmod] (P)",
            frames: [(.traceEntry, "crash_null_deref.isra.0", 0x24, 0x40, "crashmod", nil, false)]),
        ParserCase(
            message: " dump_stack+0xbe/0xfe lib/dump_stack.c:118",
            frames: [(.traceEntry, "dump_stack", 0xbe, 0xfe, nil, nil, false)]),
        ParserCase(
            message: " __dump_stack lib/dump_stack.c:77 [inline]",
            frames: [(.traceEntry, "__dump_stack", nil, nil, nil, nil, false)]),
        ParserCase(
            message: " dump_stack_lvl (lib/dump_stack.c:107)",
            frames: [(.traceEntry, "dump_stack_lvl", nil, nil, nil, nil, false)]),
        ParserCase(
            message: " ? lock_release (kernel/locking/lockdep.c:5694 (discriminator 1))",
            frames: [(.traceEntry, "lock_release", nil, nil, nil, nil, true)]),
        ParserCase(
            message: "RIP: 0010:dst_release (net/core/dst.c:185 (discriminator 1))",
            frames: [(.instructionPointerRegister, "dst_release", nil, nil, nil, nil, false)]),
        ParserCase(
            message: "[<ffffffc0000811d8>] 0xffffffc0000811d8",
            frames: [(.traceEntry, nil, nil, nil, nil, 0xffff_ffc0_0008_11d8, false)]),
        ParserCase(message: "[<          (null)>]           (null)", frames: []),
        ParserCase(message: "Modules linked in: foo(OE) bar", frames: []),
        ParserCase(message: "kernel BUG at mm/slub.c:123!", frames: []),
    ]

    @Test("printed locations and marks")
    func locationsAndMarks() {
        let syzbot = FrameParser.frames(in: " __dump_stack lib/dump_stack.c:77 [inline]"[...]).first
        #expect(syzbot?.location == PrintedLocation(file: "lib/dump_stack.c", line: 77, inlined: true))
        let decoded = FrameParser.frames(in: " ? lock_release (kernel/locking/lockdep.c:5694 (discriminator 1))"[...]).first
        #expect(decoded?.location == PrintedLocation(file: "kernel/locking/lockdep.c", line: 5694, inlined: false))
        #expect(FrameParser.frames(in: " f+0x24/0x40 [m] (P)"[...]).first?.mark == .programCounter)
        #expect(FrameParser.frames(in: " f+0x24/0x40 (L)"[...]).first?.mark == .linkRegister)
        let own = FrameParser.frames(in: " crash_write+0x175/0x1ea [crashmod] crashmod/crashmod.c:139 (crash_read_value)"[...])
        #expect(own.first?.location?.line == 139)
    }

    // MARK: Whole reports, through the library with no binaries

    /// Runs lines (joined with `\n`) through a processor with no binaries.
    static func reports(_ text: String, architecture: Bool = false) -> (reports: [Report], processor: LogProcessor) {
        var options = SymbolizerOptions()
        options.live = .off
        options.useDebuginfod = false
        let processor = LogProcessor(symbolizer: Symbolizer(options: options))
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            _ = processor.process(LogLine(number: index + 1, bytes: Array(line.utf8), terminator: [0x0a]))
        }
        return (processor.finish(), processor)
    }

    @Test("a hashed pointer is no address; the symbol still counts")
    func hashedPointers() throws {
        let (reports, _) = Self.reports(
            """
            [   12.000000] Call trace:
            [   12.000001] [<00000000cb88a241>] dump_backtrace+0x0/0x430
            [   12.000002] [<000000005e1a9a51>] show_stack+0x14/0x20
            [   12.000003] [<00000000a0b1c2d3>] foo_probe+0x24/0x90 [foo]
            """)
        let frames = try #require(reports.first).frames
        #expect(frames.count == 3)
        #expect(frames.allSatisfy { $0.frame.address == nil })
        #expect(frames.last?.frame.symbol?.name == "foo_probe")
        #expect(reports.first?.title == "stack dump in foo_probe")
        #expect(reports.first?.architecture == nil || reports.first?.architecture == .arm64)
    }

    @Test("one PC printed twice (ARM `PC is at` and `pc : [<…>]`; riscv `epc : sym` and `epc : addr`) is one frame")
    func registerPrintedTwice() throws {
        let (arm, _) = Self.reports(
            """
            Internal error: Oops: 17 [#1] ARM
            PC is at foo_read+0x1c/0x3c [foo]
            LR is at foo_write+0x18c/0x23c [foo]
            pc : [<bf00001c>]    lr : [<bf000264>]    psr: 60000013
            """)
        let frames = try #require(arm.first).frames
        #expect(frames.map(\.frame.kind) == [.pc, .lr], "\(frames.map(\.frame.printed))")
        #expect(frames.first?.address == 0xbf00_001c)
        #expect(arm.first?.architecture == .arm)
        let (riscv, _) = Self.reports(
            """
            Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008
            epc : foo_read+0x1c/0x3c [foo]
             ra : foo_write+0x18c/0x23c [foo]
            epc : ffffffff01234567 ra : ffffffff01234599 sp : ff20000000013d60
            """)
        #expect(riscv.first?.frames.map(\.frame.kind) == [.pc, .lr])
        #expect(riscv.first?.architecture == .riscv64)
    }

    @Test("user-mode register dumps give no kernel frames")
    func userModePCs() {
        let (arm, _) = Self.reports(
            """
            Unhandled fault: page domain fault (0x01b) at 0x00000000
            PC is at 0x4a2f8
            LR is at 0x4a2e4
            pc : [<0004a2f8>]    lr : [<0004a2e4>]    psr: 60000010
            Flags: nZCv  IRQs on  FIQs on  Mode USER_32  ISA ARM  Segment user
            """)
        #expect(arm.flatMap(\.frames).isEmpty, "\(arm.flatMap(\.frames).map(\.frame.printed))")
        let (arm64, _) = Self.reports(
            """
            watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [spin:123]
            pstate: 80000000 (Nzcv daif -PAN -UAO -TCO -DIT -SSBS BTYPE=--)
            pc : 0000ffff8d2a2f1c
            lr : 0000ffff8d2a2f00
            sp : 0000ffffc2d3e4f0
            """)
        #expect(arm64.flatMap(\.frames).isEmpty)
        #expect(arm64.first?.kind == "soft-lockup")
    }

    @Test("arm64 (P) and (L) markers: the PC and the LR of the exception")
    func arm64Markers() throws {
        let (reports, _) = Self.reports(
            """
            Internal error: Oops: 0000000096000006 [#1] SMP
            Call trace:
             foo_read+0x24/0x40 [foo] (P)
             foo_write+0x174/0x240 [foo] (L)
             foo_write+0x174/0x240 [foo]
             full_proxy_write+0x68/0xc0
            """)
        let frames = try #require(reports.first).frames
        #expect(frames.map(\.frame.kind) == [.pc, .lr, .return, .return])
        #expect(reports.first?.architecture == .arm64)
        #expect(reports.first?.title.hasSuffix(" in foo_read") == true, "\(reports.first?.title ?? "")")
    }

    @Test("the newer ARM backtrace keeps its innermost function")
    func armFromSyntax() throws {
        let (reports, _) = Self.reports(
            """
            INFO: task kworker/0:1:12 blocked for more than 120 seconds.
            Call trace:
             __schedule from schedule+0x20/0xac
             schedule from schedule_timeout+0x98/0x120
            """)
        let frames = try #require(reports.first).frames
        #expect(frames.first?.frame.symbol?.name == "__schedule")
        #expect(frames.count == 3)
        #expect(reports.first?.architecture == .arm)
        #expect(reports.first?.kallsymsMode == nil || reports.first?.architecture == .arm)
    }

    @Test("reports end where the next dump starts; stack dumps are titled by their first real function")
    func boundariesAndTitles() {
        let (hung, _) = Self.reports(
            """
            INFO: task sync:1234 blocked for more than 120 seconds.
            Call Trace:
             __schedule+0x1/0x2
             schedule+0x1/0x2
             wb_wait_for_completion+0x1/0x2
            sysrq: Show State
            task:init            state:S stack:0     pid:1
            Call Trace:
             __schedule+0x1/0x2
             do_epoll_wait+0x1/0x2
            """)
        #expect(hung.count == 2)
        #expect(hung.first?.kind == "hung-task")
        #expect(hung.first?.lastLine == 5)
        #expect(hung.last?.title == "stack dump in do_epoll_wait" || hung.last?.title == "stack dump in __schedule", "\(hung.last?.title ?? "")")
        let (dump, _) = Self.reports(
            """
            Call trace:
             dump_backtrace+0x0/0x1a0
             show_stack+0x18/0x24
             dump_stack_lvl+0x68/0x84
             foo_probe+0x24/0x90 [foo]
            """)
        #expect(dump.first?.title == "stack dump in foo_probe")
        let (cut, _) = Self.reports(
            """
            ------------[ cut here ]------------
            Modules linked in: foo
            Call Trace:
             foo_check+0x1/0x2 [foo]
            """)
        #expect(cut.first?.title == "WARNING in foo_check")
    }

    @Test("a paste whose newlines were lost is read as its messages")
    func lostNewlines() throws {
        let (reports, _) = Self.reports(
            "[    7.201318] BUG: kernel NULL pointer dereference, address: 0000000000000000 [    7.201455] #PF: supervisor read access in kernel mode [    7.201855] Oops: 0000 [#1] PREEMPT SMP NOPTI [    7.202346] RIP: 0010:foo_read+0xf/0x20 [foo] [    7.203885] Call Trace: [    7.204651]  foo_write+0x175/0x1ea [foo] [    7.204872]  vfs_write+0xc7/0x3f0"
        )
        let report = try #require(reports.first)
        #expect(report.frames.count == 3)
        #expect(report.title.count < 100, "\(report.title)")
        #expect(report.title.hasSuffix("in foo_read"), "\(report.title)")
    }

    @Test(
        "headers of older and other kernels",
        arguments: [
            ("BUG: KASan: use after free in foo_read+0x1/0x2 at addr ffff880012345678", "kasan"),
            ("[ INFO: possible circular locking dependency detected ]", "lockdep"),
            ("[ INFO: inconsistent lock state ]", "lockdep"),
            ("Unknown program exception: 0028 [#1] SMP", "oops"),
            ("CPU 0 Unable to handle kernel paging request at virtual address 0000000000000000, epc == ffffffffc0361010, ra == ffffffffc0361054", "paging-request"),
            ("Oops: Kernel access of bad area, sig: 11 [#8]", "oops"),
            ("Reserved instruction in kernel code[#1]:", "oops"),
            ("specification exception: 0006 ilc:2 [#1]SMP", "oops"),
            ("monitor event: 0040 ilc:2 [#1] SMP ", "bug"),
            ("Kernel bug detected[#1]:", "bug"),
            ("BUG: Kernel NULL pointer dereference on read at 0x00000000", "null-pointer"),
            // a paste indented by one space
            (" WARNING: kernel/dma/debug.c:598 at add_dma_entry+0x26c/0x328, CPU#1: (udev-worker)/773", "warning"),
        ] as [(String, String)])
    func headers(header: String, kind: String) throws {
        let (reports, _) = Self.reports(header + "\nCall Trace:\n foo_read+0x1/0x2\n")
        #expect(reports.first?.kind == kind, "\(reports.map(\.kind))")
    }

    @Test("report titles are normalised: no [#N], no ELFv1 dot, no file:line a tool added")
    func titles() throws {
        let (ppc, _) = Self.reports(
            """
            Oops: Kernel access of bad area, sig: 11 [#8]
            NIP [c0000000004a1b2c] .xfs_inode_free+0x2c/0x80
            LR [c0000000004a1b00] .xfs_reclaim_inode+0x1c0/0x2a0
            Call Trace:
            [c0000001f8a3bbe0] [c0000000004a1b00] .xfs_reclaim_inode+0x1c0/0x2a0 (unreliable)
            """)
        #expect(ppc.first?.title == "Oops: Kernel access of bad area, sig: 11 in xfs_inode_free", "\(ppc.first?.title ?? "")")
        #expect(ppc.first?.architecture == .powerpc64)
        let (decoded, _) = Self.reports(
            """
            [  123.456789] ------------[ cut here ]------------
            [  123.456790] WARNING: CPU: 1 PID: 4321 at net/core/dst.c:185 dst_release (net/core/dst.c:185 (discriminator 1))
            [  123.456800] RIP: 0010:dst_release (net/core/dst.c:185 (discriminator 1))
            [  123.456900] Call Trace:
            [  123.456901]  <TASK>
            [  123.456902] ip_rt_put (include/net/route.h:256)
            [  123.456903] ip_route_output_flow (net/ipv4/route.c:2884)
            [  123.456904]  </TASK>
            [  123.456905] ---[ end trace 0000000000000000 ]---
            """)
        let report = try #require(decoded.first)
        #expect(!report.title.contains("(net/core"), "\(report.title)")
        #expect(report.title == "WARNING in dst_release", "\(report.title)")
        // Printed locations are the frames' locations: symbolized, with no binary at all.
        #expect(report.frames.allSatisfy { $0.unresolved == nil }, "\(report.frames.map { "\($0.unresolved.map { "\($0)" } ?? "")" })")
        #expect(report.frames.contains { $0.locations.first?.file == "include/net/route.h" && $0.locations.first?.line == 256 })
        #expect(report.signature != nil)
    }

    @Test("WARNING lines of every era name the function and the kernel's own file:line")
    func warningEras() throws {
        for (line, claim) in [
            ("WARNING: CPU: 0 PID: 95 at crashmod/crashmod.c:63 foo_warn+0x5/0x10 [foo]", "crashmod/crashmod.c:63"),
            ("WARNING: kernel/dma/debug.c:598 at add_dma_entry+0x26c/0x328, CPU#1: (udev-worker)/773", "kernel/dma/debug.c:598"),
            ("WARNING: at arch/powerpc/platforms/pseries/eeh.c:390", "arch/powerpc/platforms/pseries/eeh.c:390"),
        ] {
            let parsed = try #require(SourceClaim.parse(line[...]), "\(line)")
            #expect("\(parsed.file):\(parsed.line)" == claim)
        }
        let (reports, _) = Self.reports(
            """
            WARNING: kernel/dma/debug.c:598 at add_dma_entry+0x26c/0x328, CPU#1: (udev-worker)/773
            Call trace:
             add_dma_entry+0x26c/0x328 (P)
             dma_map_page_attrs+0x1/0x2
            """)
        let report = try #require(reports.first)
        #expect(report.kind == "warning")
        #expect(report.frames.first?.frame.symbol?.name == "add_dma_entry", "the WARNING line's own frame")
        #expect(report.title == "WARNING in add_dma_entry", "\(report.title)")
    }

    @Test("titles name the crash site where syzbot's rules name none")
    func titlesNameTheSite() throws {
        let (old, _) = Self.reports(
            """
            WARNING: at arch/powerpc/platforms/pseries/eeh.c:390
            NIP [c0000000000a1b2c] eeh_dev_check_failure+0x2c/0x80
            Call Trace:
            [c0000001f8a3bbe0] [c0000000004a1b00] eeh_check_failure+0x1c0/0x2a0
            """)
        #expect(old.first?.title == "WARNING in eeh_dev_check_failure", "\(old.first?.title ?? "")")
        let (panic, _) = Self.reports(
            """
            Kernel panic - not syncing: hung_task: blocked tasks
            Backtrace:
            [<c0014318>] (dump_backtrace_log_lvl) from [<c001457c>] (show_stack+0x24/0x2c)
            [<c0014558>] (show_stack) from [<c059798c>] (dump_stack+0x7c/0xc8)
            [<c0597910>] (dump_stack) from [<c05946f4>] (panic+0x98/0x218)
            [<c0594660>] (panic) from [<c00a8d68>] (watchdog+0x368/0x3a8)
            """)
        #expect(panic.first?.title == "kernel panic: hung_task: blocked tasks in watchdog", "\(panic.first?.title ?? "")")
        #expect(panic.first?.syzbotTitle == "kernel panic: hung_task: blocked tasks")
    }

    @Test("a 3.x/4.x oops's trailing RIP line names the crash site")
    func trailingRIP() throws {
        let (reports, _) = Self.reports(
            """
            BUG: unable to handle kernel NULL pointer dereference at 0000000000000008
            IP: [<ffffffff8100b69a>] rapl_cpu_online+0x63/0x80
            PGD 0
            Oops: 0000 [#1] SMP
            Call Trace:
             [<ffffffff8100b8c4>] rapl_cpu_notifier+0x44/0x60
             [<ffffffff81089a6d>] notifier_call_chain+0x4d/0x70
            RIP  [<ffffffff8100b69a>] rapl_cpu_online+0x63/0x80
             RSP <ffff88003c1f3d98>
            """)
        let report = try #require(reports.first)
        #expect(report.title.hasSuffix(" in rapl_cpu_online"), "\(report.title)")
        #expect(report.frames.filter { $0.frame.kind == .pc }.count >= 1)
        #expect(report.architecture == .x86_64)
    }

    @Test("kallsyms mode only on 32-bit ARM; architecture from frame syntax without a register dump")
    func facts() {
        let (x86, _) = Self.reports("CPU: 0 PID: 1 Comm: sh Not tainted 4.19.0 #1\nRIP: 0010:foo+0x1/0x2\nCall Trace:\n bar+0x1/0x2\n")
        #expect(x86.first?.kallsymsMode == nil)
        #expect(x86.first?.architecture == .x86_64)
        let (arm, _) = Self.reports(
            "Backtrace:\n[<c0269b80>] (__wake_up_common) from [<c0269eb8>] (__wake_up_locked+0x1c/0x24)\n")
        #expect(arm.first?.architecture == .arm)
        let (s390, _) = Self.reports("Call Trace:\n ([<000000000012345a>] foo+0x1a/0x30)\n [<0000000000123500>] bar+0x20/0x40\n")
        #expect(s390.first?.architecture == .s390x)
        #expect(s390.first?.frames.first?.frame.address == 0x12_345a)
    }

    @Test(
        "architecture from what a paste carries: register lines of every width, the release, a later dump",
        arguments: [
            // x86-64 register lines other than RIP (a WARNING's dump cut short).
            ("WARNING: CPU: 3 PID: 1 at fs/a.c:1 f+0x1/0x2\nRSP: 0018:ffffc90000708b70 EFLAGS: 00010246\n", "x86_64"),
            // 32-bit powerpc prints 8 digits; the MSR has no SF.
            ("Oops: Kernel access of bad area, sig: 11 [#1]\nNIP:  c048b9d0 LR: c048b9d0 CTR: 00000000\nNIP [c048b9d0] f+0x10/0x20\n", "powerpc"),
            // riscv32 prints 8 digits.
            ("Unable to handle kernel paging request at virtual address 00000004\nepc : c05d2f74 ra : c04bd60c sp : df04fce0\n", "riscv32"),
            // The release names it (Fedora, Debian), when nothing else does.
            ("BUG: unable to handle kernel paging request\nCPU: 0 PID: 2979 Comm: chrome Not tainted 4.9.3-200.fc25.x86_64 #1\n", "x86_64"),
            ("kernel BUG at mm/slub.c:1!\nCPU: 1 PID: 7 Comm: kworker Not tainted 6.1.0-50-armmp #1 Debian 6.1.158-1\n", "arm"),
            // No-break spaces of a web paste read as spaces; the MSR's LE wins over the NIP line after it.
            ("kernel BUG at lib/list_debug.c:32!\nMSR:\u{A0} 9000000000029033 <SF,HV,EE,ME,IR,DR,RI,LE>\u{A0} CR: 24004280\nNIP [c000000000e098fc] f+0xdc/0x140\n", "powerpc64le"),
            // A register dump after a bare first report says the architecture of the whole log.
            ("WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n\n\n\n\nBUG: kernel NULL pointer dereference, address: 0000000000000000\nRIP: 0010:g+0x1/0x2\n", "x86_64"),
            // x86-64 entry code of 4.x kernels in a trace without registers.
            ("Call Trace:\n [<ffffffff81662d11>] dump_stack+0x45/0x56\n [<ffffffff8166ae29>] system_call_fastpath+0x16/0x1b\n", "x86_64"),
        ])
    func architectureFromPastes(log: String, arch: String) {
        let (reports, _) = Self.reports(log)
        #expect(!reports.isEmpty)
        #expect(reports.allSatisfy { $0.architecture?.rawValue == arch }, "\(reports.map { $0.architecture?.rawValue ?? "nil" })")
    }

    @Test("no-break spaces are read as spaces but printed as they came")
    func noBreakSpaces() {
        let log = "NIP [c000000000e098fc]\u{A0}f+0xdc/0x140\n"
        let (text, _) = symbolize(bytes: Array(log.utf8))
        #expect(String(decoding: text, as: UTF8.self).hasPrefix("NIP [c000000000e098fc]\u{A0}f+0xdc/0x140"))
        #expect(LogLine(number: 1, bytes: Array("MSR:\u{A0} 9".utf8), terminator: []).message == "MSR:  9")
    }

    @Test("frame-looking lines that are not understood are counted; the RCU stall's (null) line is not one")
    func unrecognized() {
        let (reports, processor) = Self.reports(
            """
            INFO: rcu_sched self-detected stall on CPU
            Call Trace:
             foo+0x1/0x2
             bar+0x1/0x2 <<garbled>> baz+0x3/0x4
            [<          (null)>]           (null)
            """)
        #expect(processor.unrecognizedFrameLines == [4])
        #expect(reports.first?.lastLine == 5)
        #expect(reports.first?.unrecognizedLines == [4])
    }
}

import Foundation
import Symbolizer
import Testing

@Suite("Finding reports in messy logs")
struct ReportDetectionTests {
    @Test("interleaved reports are kept apart by printk caller id")
    func callerIDs() {
        let log = """
            [   10.000001][    T1] ------------[ cut here ]------------
            [   10.000002][    T2] BUG: kernel NULL pointer dereference, address: 0000000000000000
            [   10.000003][    T1] WARNING: CPU: 0 PID: 1 at a.c:1 first_bug+0x1/0x10
            [   10.000004][    T2] RIP: 0010:second_bug+0x2/0x20
            [   10.000005][    T1] Call Trace:
            [   10.000006][    T2] Call Trace:
            [   10.000007][    T1]  caller_one+0x10/0x40
            [   10.000008][    T2]  caller_two+0x10/0x40
            [   10.000009][    T1] ---[ end trace 0000000000000000 ]---
            [   10.000010][    T2] ---[ end trace 0000000000000000 ]---
            done

            """
        let (_, reports) = symbolize(bytes: Array(log.utf8))
        #expect(reports.count == 2)
        let warning = reports.first { $0.kind == "warning" }
        let oops = reports.first { $0.kind == "null-pointer" }
        #expect(warning?.frames.map { $0.frame.symbol?.name } == ["first_bug", "caller_one"])
        #expect(oops?.frames.map { $0.frame.symbol?.name } == ["second_bug", "caller_two"])
        #expect(warning?.firstLine == 1 && warning?.lastLine == 9)
        #expect(oops?.firstLine == 2 && oops?.lastLine == 10)
    }

    @Test(
        "report kinds from their headers",
        arguments: [
            ("BUG: KASAN: use-after-free in foo+0x1/0x2", "kasan"),
            ("BUG: kernel NULL pointer dereference, address: 0000000000000008", "null-pointer"),
            ("BUG: unable to handle page fault for address: ffffffffc0a00000", "paging-request"),
            ("kernel BUG at fs/ext4/inode.c:123!", "bug"),
            ("WARNING: CPU: 1 PID: 2 at kernel/foo.c:3 foo+0x1/0x2", "warning"),
            ("general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] SMP KASAN", "general-protection-fault"),
            ("Unable to handle kernel NULL pointer dereference at virtual address 00000000", "oops"),
            ("Internal error: Oops: 5 [#1] SMP ARM", "oops"),
            ("Kernel panic - not syncing: Fatal exception", "panic"),
            ("INFO: task kworker/0:1:12 blocked for more than 120 seconds.", "hung-task"),
            ("rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "rcu-stall"),
            ("watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]", "soft-lockup"),
            ("UBSAN: array-index-out-of-bounds in net/core/dev.c:123:4", "ubsan"),
            ("divide error: 0000 [#1] PREEMPT SMP KASAN", "divide-error"),
        ])
    func kinds(header: String, kind: String) {
        #expect(ReportTable.format(of: header[...])?.kind == kind)
    }

    @Test(
        "lines the kernel's report table calls false positives start no report",
        arguments: [
            "WARNING: /etc/ssh/moduli does not exist, using fixed modulus",
            "WARNING: The mand mount option has been deprecated and",
            "WARNING: the mand mount option is being deprecated and",
            "WARNING: Unprivileged eBPF is enabled with eIBRS on, data leaks possible via Spectre v2 BHB attacks!",
            "BUG: no syscalls can create resource fd_bpf",
            "general protection fault ip:7f1c2e4d5a90 sp:7ffd4e3c1a28 error:0 in libc.so.6[7f1c2e400000+195000]",
        ])
    func falsePositives(header: String) {
        #expect(ReportTable.format(of: header[...]) == nil)
        let log = "[   10.000001] \(header)\n[   10.000002] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0 #1\n"
        let (_, reports) = symbolize(bytes: Array(log.utf8))
        #expect(reports.allSatisfy { !$0.isCrash }, "\(reports.map(\.title))")
    }

    @Test("an allocation-failure dump is listed but is not the crash; the oops after it is")
    func stackDumpIsNotTheCrash() {
        let log = """
            [   12.000000] syz-executor: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL|__GFP_COMP)
            [   12.000001] CPU: 0 PID: 4 Comm: syz-executor Not tainted 6.1.0 #1
            [   12.000002] Call Trace:
            [   12.000003]  <TASK>
            [   12.000004]  dump_stack_lvl+0x1/0x2
            [   12.000005]  warn_alloc+0x1/0x2
            [   12.000006]  __alloc_pages+0x1/0x2
            [   12.000007]  </TASK>
            [   13.000000] general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] SMP KASAN
            [   13.000001] RIP: 0010:foo_ioctl+0x1/0x2
            [   13.000002] Call Trace:
            [   13.000003]  <TASK>
            [   13.000004]  vfs_ioctl+0x1/0x2
            [   13.000005]  </TASK>

            """
        let (_, reports) = symbolize(bytes: Array(log.utf8))
        #expect(reports.map(\.isCrash) == [false, true])
        let verdict = CrashVerdict(reports: reports)
        #expect(verdict?.reportIndex == 1)
        #expect(verdict?.title == "general protection fault in foo_ioctl")
    }

    @Test(
        "architecture from the log's own syntax",
        arguments: [
            ("RIP: 0010:f+0x1/0x2", "x86_64"), ("PC is at f+0x1/0x2", "arm"), ("pc : [<c0100000>]    lr : [<c0100004>]", "arm"),
            ("pstate: 60400005 (nZCv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)", "arm64"), ("epc : f+0x1/0x2", "riscv64"),
            ("NIP:  c00000000022d79c LR: c00000000022d784 CTR: 0000000000000000", "powerpc64"),
            ("Krnl PSW : 0704c00180000000 000000000012345a (f+0x1a/0x30)", "s390x"),
        ])
    func architecture(line: String, arch: String) {
        let (_, reports) = symbolize(bytes: Array("Oops: 0000 [#1] SMP\n\(line)\nCall Trace:\n g+0x1/0x2\n".utf8))
        #expect(reports.first?.architecture?.rawValue == arch)
    }

    @Test("a log that stops inside the stack trace is marked corrupted")
    func truncated() {
        let log = "BUG: kernel NULL pointer dereference, address: 0000000000000000\nRIP: 0010:f+0x1/0x2\nCall Trace:\n g+0x1/0x2\n"
        let (_, reports) = symbolize(bytes: Array(log.utf8))
        #expect(reports.count == 1)
        #expect(reports.first?.corrupted == true)
        #expect(reports.first?.corruptedReason == "the log ends inside the stack trace")
    }

    @Test("the same crash in two builds has one signature; another crash has another")
    func signatures() throws {
        func signature(_ sample: String, _ name: String) throws -> String? {
            let sampleCase = SampleCase(sample: Samples.all.first { $0.directory == sample }!, name: name)
            let (_, reports) = try symbolize(logPath: sampleCase.logPath, options: try sampleCase.sample.options(case: name))
            return reports.first?.signature
        }
        #expect(try signature("arm-thumb2/fixed", "null") == signature("arm-thumb2/prefix", "null"))
        #expect(try signature("arm-thumb2/fixed", "first") == signature("arm-thumb2/prefix", "first"))
        #expect(try signature("arm-thumb2/fixed", "null") != signature("arm-thumb2/fixed", "first"))
        #expect(ReportSignature.baseName("crash_noreturn.constprop.0") == "crash_noreturn")
        #expect(ReportSignature.baseName("crash_write.cold") == "crash_write")
        #expect(ReportSignature.baseName("crash_null_deref.isra.0") == "crash_null_deref")
        #expect(ReportSignature.baseName("foo.part.3.constprop.1") == "foo")
    }
}

@Suite("Fixed and pre-fix Thumb-2 kernels agree", .serialized)
struct ThumbVariantsTests {
    /// The same module crashing the same way on both kernels: every module
    /// frame must resolve to the same function, file:line and inline chain,
    /// although the pre-fix kernel printed every offset one byte short.
    @Test("every crashmod frame is the same", arguments: ["bug", "first", "noreturn", "null", "recurse", "timer", "warn", "work"])
    func same(_ name: String) throws {
        func frames(_ directory: String) throws -> [ResolvedFrame] {
            let sample = Samples.all.first { $0.directory == directory }!
            let (_, reports) = try symbolize(logPath: sample.path + "/\(name).log", options: try sample.options(case: name))
            return reports.flatMap(\.frames).filter { $0.module == "crashmod" }
        }
        let fixed = try frames("arm-thumb2/fixed")
        let prefix = try frames("arm-thumb2/prefix")
        #expect(!fixed.isEmpty)
        #expect(fixed.map(\.locations) == prefix.map(\.locations))
        #expect(fixed.map { $0.symbol?.name } == prefix.map { $0.symbol?.name })
        #expect(fixed.allSatisfy { $0.kallsymsCorrection == nil })
        #expect(prefix.contains { $0.kallsymsCorrection != nil })
    }
}

import Symbolizer
import Testing

/// What the log preview finds for the background loads: module names and
/// the `func+off` of module and vmlinux frames, from the lines a kernel prints.
@Suite("Frame preview")
struct FramePreviewTests {
    struct Case: Sendable, CustomStringConvertible {
        var line: String
        var module: String?
        var function: String?
        var offset: UInt64?
        var isPC = false
        var description: String { line }
    }

    static let cases: [Case] = [
        Case(
            line: "[   12.3] RIP: 0010:perf_trace_qdisc_create+0x7d/0x340", function: "perf_trace_qdisc_create",
            offset: 0x7d, isPC: true),
        Case(line: "[   12.3]  ? store_no_turbo+0x171/0x180", function: "store_no_turbo", offset: 0x171),
        Case(line: "[   12.3]  xfs_trans_run+0x1c/0x80 [xfs]", module: "xfs", function: "xfs_trans_run", offset: 0x1c),
        Case(
            line: "[   12.3]  crash_init+0x8/0x40 [crashmod 0123456789abcdef0123456789abcdef01234567]", module: "crashmod",
            function: "crash_init", offset: 8),
        Case(
            line: "[   12.3] pc : ip6mr_forward2.isra.0+0x1e9/0x2b0", function: "ip6mr_forward2.isra.0", offset: 0x1e9,
            isPC: true),
        Case(
            line: "[<bf00d013>] (crash_work [crashmod]) from [<c0145d1c>] (process_one_work+0x1f4/0x4a0)",
            function: "process_one_work", offset: 0x1f4),
        Case(line: "[   12.3] Call Trace:"),
        Case(line: "[   12.3] RAX: 0000000000000000 RBX: ffff8e9c42046540 RCX: 0000000000000000"),
        Case(line: "[   12.3]  weird+0xzz/0x10 [mod]", module: "mod"),
    ]

    @Test("one line", arguments: cases)
    func oneLine(_ testCase: Case) {
        let preview = FramePreview(bytes: ArraySlice(Array(testCase.line.utf8)))
        #expect(preview.modules == (testCase.module.map { [$0] } ?? []))
        let expected =
            testCase.function.map { [FramePreview.Frame(function: $0, offset: testCase.offset ?? 0, isPC: testCase.isPC)] }
            ?? []
        if let module = testCase.module {
            #expect((preview.frames[module] ?? []) == expected)
            #expect(preview.kernelFrames.isEmpty)
        } else {
            #expect(preview.kernelFrames == expected)
            #expect(preview.frames.isEmpty)
        }
    }

    @Test("a sample log: every module once, in order, and each frame once")
    func sampleLog() throws {
        let path = Samples.path("samples/x86_64/work.log")
        let preview = FramePreview(path: path)
        #expect(preview.modules == ["crashmod"])
        #expect(!(preview.frames["crashmod"] ?? []).isEmpty)
        #expect(!preview.kernelFrames.isEmpty)
        #expect(Set(preview.kernelFrames).count == preview.kernelFrames.count)
        #expect(FramePreview(path: "-").modules.isEmpty)
    }
}

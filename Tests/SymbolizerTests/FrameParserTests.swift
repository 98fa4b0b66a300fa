import Symbolizer
import Testing

/// One parser case: a message and the frames expected in it.
struct ParserCase: Sendable, CustomStringConvertible {
    var message: String
    /// (syntax, symbol name or nil, offset, size, module, address, unreliable)
    var frames: [(FrameSyntax, String?, UInt64?, UInt64?, String?, UInt64?, Bool)]
    var description: String { message }
}

@Suite("Frame syntax of every architecture")
struct FrameParserTests {
    static let cases: [ParserCase] = [
        ParserCase(
            message: "RIP: 0010:crash_null_deref.isra.0+0xf/0x20 [crashmod]",
            frames: [(.instructionPointerRegister, "crash_null_deref.isra.0", 0xf, 0x20, "crashmod", nil, false)]),
        ParserCase(message: "RIP: 0033:0x47b7a0", frames: []),
        ParserCase(
            message: "RIP: 0010:0xffffffffc0344000",
            frames: [(.instructionPointerRegister, nil, nil, nil, nil, 0xffff_ffff_c034_4000, false)]),
        ParserCase(
            message: " crash_write+0x175/0x1ea [crashmod]",
            frames: [(.traceEntry, "crash_write", 0x175, 0x1ea, "crashmod", nil, false)]),
        ParserCase(
            message: " ? page_add_file_rmap+0xba/0x2f0",
            frames: [(.traceEntry, "page_add_file_rmap", 0xba, 0x2f0, nil, nil, true)]),
        ParserCase(
            message: " crash_write+0x175/0x1ea [crashmod 2c6f7e1b0d3c1a5e9f0b1234567890abcdef1234]",
            frames: [(.traceEntry, "crash_write", 0x175, 0x1ea, "crashmod", nil, false)]),
        ParserCase(
            message: "PC is at crash_first_neighbour+0x17/0x18 [crashmod]",
            frames: [(.programCounterRegister, "crash_first_neighbour", 0x17, 0x18, "crashmod", nil, false)]),
        ParserCase(
            message: "LR is at crash_write+0x10d/0x184 [crashmod]",
            frames: [(.linkRegister, "crash_write", 0x10d, 0x184, "crashmod", nil, false)]),
        ParserCase(
            message: "pc : [<bf80000e>]    lr : [<bf800179>]    psr: 60000033",
            frames: [
                (.programCounterRegister, nil, nil, nil, nil, 0xbf80_000e, false),
                (.linkRegister, nil, nil, nil, nil, 0xbf80_0179, false),
            ]),
        ParserCase(
            message: "[<bf80000e>] (crash_null_deref [crashmod]) from [<bf800179>] (crash_write+0x10d/0x184 [crashmod])",
            frames: [
                (.backtraceWhere, "crash_null_deref", nil, nil, "crashmod", 0xbf80_000e, false),
                (.backtraceFrom, "crash_write", 0x10d, 0x184, "crashmod", 0xbf80_0179, false),
            ]),
        ParserCase(
            message: "[<c0100bbf>] (__irq_svc) from [<c010552e>] (arch_cpu_idle+0x22/0x24)",
            frames: [
                (.backtraceWhere, "__irq_svc", nil, nil, nil, 0xc010_0bbf, false),
                (.backtraceFrom, "arch_cpu_idle", 0x22, 0x24, nil, 0xc010_552e, false),
            ]),
        ParserCase(
            message: "pc : crash_null_deref+0x10/0x20 [crashmod]",
            frames: [(.programCounterRegister, "crash_null_deref", 0x10, 0x20, "crashmod", nil, false)]),
        ParserCase(
            message: "lr : crash_write+0x80/0x100 [crashmod]",
            frames: [(.linkRegister, "crash_write", 0x80, 0x100, "crashmod", nil, false)]),
        ParserCase(
            message: "epc : crash_null_deref+0x10/0x20 [crashmod]",
            frames: [(.programCounterRegister, "crash_null_deref", 0x10, 0x20, "crashmod", nil, false)]),
        ParserCase(
            message: "[<ffffffff80001234>] ret_from_exception+0x0/0x64",
            frames: [(.traceEntry, "ret_from_exception", 0, 0x64, nil, 0xffff_ffff_8000_1234, false)]),
        ParserCase(
            message: "[c000000002f6fb90] [c0000000001d2ad4] crash_write+0x64/0x130 [crashmod] (unreliable)",
            frames: [(.traceEntry, "crash_write", 0x64, 0x130, "crashmod", 0xc000_0000_001d_2ad4, true)]),
        ParserCase(
            message: "NIP [c000000000a1b2c4] crash_null_deref+0x14/0x30 [crashmod]",
            frames: [(.programCounterRegister, "crash_null_deref", 0x14, 0x30, "crashmod", 0xc000_0000_00a1_b2c4, false)]),
        ParserCase(
            message: " ([<000000000012345a>] crash_write+0x1a/0x30 [crashmod])",
            frames: [(.traceEntry, "crash_write", 0x1a, 0x30, "crashmod", 0x12_345a, false)]),
        ParserCase(
            message: " crash_null_deref [crashmod] from crash_write+0x10d/0x184 [crashmod]",
            frames: [
                (.backtraceWhere, "crash_null_deref", nil, nil, "crashmod", nil, false),
                (.backtraceFrom, "crash_write", 0x10d, 0x184, "crashmod", nil, false),
            ]),
        ParserCase(
            message: "Krnl PSW : 0704c00180000000 000000000012345a (crash_null_deref+0x1a/0x30 [crashmod])",
            frames: [(.programCounterRegister, "crash_null_deref", 0x1a, 0x30, "crashmod", 0x12_345a, false)]),
        ParserCase(
            message: "epc : ffffffe00008c762 ra : ffffffe00008c760 sp : ffffffe00853fec0",
            frames: [
                (.programCounterRegister, nil, nil, nil, nil, 0xffff_ffe0_0008_c762, false),
                (.linkRegister, nil, nil, nil, nil, 0xffff_ffe0_0008_c760, false),
            ]),
        ParserCase(
            message: "epc   : 80123456 crash_null_deref+0x10/0x20 [crashmod]",
            frames: [(.programCounterRegister, "crash_null_deref", 0x10, 0x20, "crashmod", 0x8012_3456, false)]),
        ParserCase(
            message: "EIP: crash_null_deref+0x10/0x20 [crashmod]",
            frames: [(.instructionPointerRegister, "crash_null_deref", 0x10, 0x20, "crashmod", nil, false)]),
        // Lines that only look like frames.
        ParserCase(message: "sh from init", frames: []),
        ParserCase(message: "Modules linked in: crashmod(OE)", frames: []),
        ParserCase(message: "crashmod: loaded", frames: []),
        ParserCase(message: "Register r4 information: 2-page vmalloc region starting at 0xe08b4000 allocated at kernel_clone+0x3f/0x228", frames: []),
        ParserCase(message: "[../../etc/passwd] foo+0x1/0x2", frames: []),
        ParserCase(message: " foo+0x1/0x2 [../../etc/passwd]", frames: []),  // never a path, never vmlinux
    ] + PastedLogTests.frameCases

    @Test("frames found in a message", arguments: cases)
    func parse(_ parserCase: ParserCase) {
        let frames = FrameParser.frames(in: parserCase.message[...])
        #expect(frames.count == parserCase.frames.count, "\(frames)")
        for (found, expected) in zip(frames, parserCase.frames) {
            #expect(found.syntax == expected.0)
            #expect(found.symbol?.name == expected.1)
            #expect(found.symbol?.offset == expected.2)
            #expect(found.symbol?.size == expected.3)
            #expect(found.symbol?.module == expected.4)
            #expect(found.address == expected.5)
            #expect(found.unreliable == expected.6)
        }
    }

    @Test(
        "line prefixes",
        arguments: [
            ("[    7.466063]  crash_write+0x175/0x1ea [crashmod]", " crash_write+0x175/0x1ea [crashmod]", nil),
            ("[   12.345678][ T1234] WARNING: at foo", "WARNING: at foo", "T1234"),
            ("[   12.345678] [    C1] BUG: foo", "BUG: foo", "C1"),
            ("<4>[    1.000000] Oops: 0000 [#1]", "Oops: 0000 [#1]", nil),
            ("Nov 27 10:00:01 host kernel: [  100.1] RIP: 0010:x+0x1/0x2", "RIP: 0010:x+0x1/0x2", nil),
            ("2026-11-27T10:00:01+0000 host kernel: Call Trace:", "Call Trace:", nil),
            ("[  100.123456] host kernel: Call Trace:", "Call Trace:", nil),
            ("plain line", "plain line", nil),
            ("[<bf80000e>] (crash_null_deref [crashmod])", "[<bf80000e>] (crash_null_deref [crashmod])", nil),
        ] as [(String, String, String?)])
    func prefixes(line: String, message: String, caller: String?) {
        let stripped = LinePrefix.strip(line[...])
        #expect(String(stripped.message) == message)
        #expect(stripped.callerID.map(String.init) == caller)
    }

    @Test(
        "kernel release in a CPU line",
        arguments: [
            ("CPU: 0 PID: 92 Comm: sh Tainted: G           OE      6.1.0-50-amd64 #1  Debian 6.1.176-1", "6.1.0-50-amd64"),
            ("CPU: 0 PID: 25 Comm: sh Tainted: G           O       6.1.192 #1 ", "6.1.192"),
            ("CPU: 1 PID: 7 Comm: kworker/1:0 Not tainted 4.19.0 #1", "4.19.0"),
            ("CPU: 1 UID: 0 PID: 7 Comm: sh Not tainted 6.12.0-rc1+ #3", "6.12.0-rc1+"),
            ("Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org)", "6.1.0-50-amd64"),
        ])
    func release(message: String, release: String) {
        #expect(LogProcessor.release(in: message[...]) == release)
    }
}

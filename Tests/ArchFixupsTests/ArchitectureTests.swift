import ArchFixups
import Testing

@Suite("Per-architecture rules")
struct ArchitectureTests {
    @Test(
        "call site of a return address",
        arguments: [
            (Architecture.x86_64, UInt64(0xffff_ffff_c034_4215), UInt64(0xffff_ffff_c034_4214)),
            (.arm64, 0xffff_8000_0801_0010, 0xffff_8000_0801_000c),
            (.powerpc64le, 0xc000_0000_0012_3458, 0xc000_0000_0012_3454),
            (.riscv64, 0xffff_ffff_8000_1002, 0xffff_ffff_8000_1001),
            (.s390x, 0x0012_3456, 0x0012_3454),
            (.mips, 0x8012_3458, 0x8012_3450),  // classic MIPS: the call is before the delay slot
            (.mips, 0x8012_3455, 0x8012_3450),  // microMIPS/MIPS16: ISA bit set, inside a 32-bit call
        ])
    func callSite(architecture: Architecture, returnAddress: UInt64, expected: UInt64) {
        #expect(architecture.fixups.callSiteAddress(forReturnAddress: returnAddress) == expected)
    }

    @Test(
        "architecture a distribution's kernel release names",
        arguments: [
            ("6.1.0-50-amd64", Architecture.x86_64), ("4.9.3-200.fc25.x86_64", .x86_64), ("6.1.0-9-686-pae", .i386),
            ("5.14.0-70.el9.aarch64", .arm64), ("6.1.0-50-arm64", .arm64), ("6.1.21-v8+", .arm64),
            ("6.6.31+rpt-rpi-2712", .arm64), ("6.6.31+rpt-rpi-v7l", .arm), ("6.1.0-50-armmp", .arm),
            ("6.1.0-50-armmp-lpae", .arm), ("4.18.0-80.el8.ppc64le", .powerpc64le), ("6.1.0-50-powerpc64le", .powerpc64le),
            ("3.10.0-1160.el7.ppc64", .powerpc64), ("6.1.0-50-s390x", .s390x), ("6.1.0-50-5kc-malta", .mips64),
            ("6.1.0-50-4kc-malta", .mips), ("6.1.0-50-octeon", .mips64), ("6.1.0-50-riscv64", .riscv64),
        ])
    func releaseNames(release: String, architecture: Architecture) {
        #expect(Architecture(kernelRelease: release) == architecture)
    }

    @Test("releases that name no architecture", arguments: ["6.8.0-45-generic", "6.1.0", "6.12.1-arch1-1", "5.15.0-rc3+", "4.9.22-622951-geb1249894645c-dirty"])
    func releasesNamingNone(release: String) {
        #expect(Architecture(kernelRelease: release) == nil)
    }

    @Test("arm64 pointer authentication bits are stripped from kernel addresses")
    func pointerAuthentication() {
        let fixup = AArch64Fixup(vaBits: 48)
        #expect(fixup.normalizeCodeAddress(0x0000_ffff_8000_0010) == 0x0000_ffff_8000_0010)  // user half: unchanged
        #expect(fixup.normalizeCodeAddress(0x00b8_8000_0801_0010 | (1 << 55)) == 0xffff_8000_0801_0010)
        #expect(fixup.isMappingSymbol("$x"))
        #expect(fixup.isMappingSymbol("$d.12"))
        #expect(!fixup.isMappingSymbol("$t"))
    }

    @Test("ppc64 ELFv2 local entry offset from st_other")
    func powerpcLocalEntry() {
        let fixup = PowerPCFixup(architecture: .powerpc64le)
        let symbol = RawSymbol(
            name: "f", value: 0x100, size: 0x40, type: .function, binding: .global, sectionIndex: 1, other: 3 << 5)
        #expect(fixup.localEntryOffset(of: symbol) == 8)
        #expect(PowerPCFixup(architecture: .powerpc64).functionDescriptorSection == ".opd")
        #expect(PowerPCFixup(architecture: .powerpc64le).functionDescriptorSection == nil)
    }

    @Test("MIPS16/microMIPS ISA bit")
    func mipsISABit() {
        let fixup = MIPSFixup(architecture: .mips)
        let symbol = RawSymbol(name: "f", value: 0x401, size: 0x20, type: .function, binding: .global, sectionIndex: 1)
        #expect(fixup.codeAddress(of: symbol) == 0x400)
        #expect(fixup.kallsymsValue(of: symbol, mode: .fixed) == 0x401)
    }

    @Test(
        "architecture names",
        arguments: [
            ("aarch64", Architecture?.some(.arm64)), ("amd64", .x86_64), ("armhf", .arm), ("ppc64le", .powerpc64le),
            ("x86_64", .x86_64), ("vax", nil),
        ])
    func names(name: String, expected: Architecture?) {
        #expect(Architecture(name: name) == expected)
    }

    @Test(
        "kallsyms type letters as the module loader computes them",
        arguments: [
            (SymbolType.function, SymbolBinding.local, UInt32(2), "t"),
            (.object, .local, 3, "r"),
            (.object, .local, 4, "d"),
            (.object, .local, 5, "b"),
            (.function, .weak, 2, "w"),
            (.object, .weak, 4, "v"),
            (.notype, .global, 0, "U"),
        ])
    func typeLetters(type: SymbolType, binding: SymbolBinding, section: UInt32, expected: String) {
        let sections: [UInt32: SectionTraits] = [
            2: SectionTraits(name: ".text", isAllocated: true, isExecutable: true, isWritable: false, isNoBits: false),
            3: SectionTraits(name: ".rodata", isAllocated: true, isExecutable: false, isWritable: false, isNoBits: false),
            4: SectionTraits(name: ".data", isAllocated: true, isExecutable: false, isWritable: true, isNoBits: false),
            5: SectionTraits(name: ".bss", isAllocated: true, isExecutable: false, isWritable: true, isNoBits: true),
        ]
        let symbol = RawSymbol(name: "s", value: 0, size: 4, type: type, binding: binding, sectionIndex: section)
        #expect(String(ThumbFixup().kallsymsTypeLetter(of: symbol, section: sections[section])) == expected)
    }
}

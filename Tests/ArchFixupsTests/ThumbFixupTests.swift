import ArchFixups
import Testing

private func function(_ value: UInt64, size: UInt64 = 0x20, name: String = "f") -> RawSymbol {
    RawSymbol(name: name, value: value, size: size, type: .function, binding: .local, sectionIndex: 2)
}

private func object(_ value: UInt64) -> RawSymbol {
    RawSymbol(name: "o", value: value, size: 4, type: .object, binding: .local, sectionIndex: 3)
}

@Suite("ARM / Thumb-2")
struct ThumbFixupTests {
    let thumb = ThumbFixup()

    @Test(
        "kallsyms value per mode",
        arguments: [
            // (symbol, mode, expected)
            (function(0x69), KallsymsMode.fixed, UInt64(0x68)),
            (function(0x69), .raw, 0x69),
            (function(0x68), .fixed, 0x68),  // ARM-mode function: no bit to clear
            (object(0x1001), .fixed, 0x1001),  // only STT_FUNC values are touched
            (object(0x1001), .raw, 0x1001),
        ])
    func kallsymsValue(symbol: RawSymbol, mode: KallsymsMode, expected: UInt64) {
        #expect(thumb.kallsymsValue(of: symbol, mode: mode) == expected)
    }

    @Test("the view never changes the symbol relocation reads")
    func viewDoesNotMutate() {
        let symbol = function(0x69)
        let copy = symbol
        _ = thumb.kallsymsValue(of: symbol, mode: .fixed)
        _ = thumb.codeAddress(of: symbol)
        #expect(symbol == copy)
        #expect(symbol.value == 0x69)
    }

    @Test(
        "call site of a return address",
        arguments: [(UInt64(0xbf80_0179), UInt64(0xbf80_0177)), (0xbf80_0178, 0xbf80_0177), (0xc010_0061, 0xc010_005f)])
    func callSite(returnAddress: UInt64, expected: UInt64) {
        #expect(thumb.callSiteAddress(forReturnAddress: returnAddress) == expected)
    }

    @Test(
        "mapping symbols",
        arguments: [
            ("$t", true), ("$a", true), ("$d", true), ("$t.1", true), ("$d.realdata", true), ("$x", false),
            ("$tx", false), ("crash_first", false), ("$", false),
        ])
    func mappingSymbols(name: String, isMapping: Bool) {
        #expect(thumb.isMappingSymbol(name) == isMapping)
    }

    @Test("code address of a Thumb function is even")
    func codeAddress() {
        #expect(thumb.codeAddress(of: function(0x1f1)) == 0x1f0)
        #expect(thumb.normalizeCodeAddress(0xbf80_0179) == 0xbf80_0178)
    }
}

@Suite("kallsyms modes from releases")
struct KallsymsModeTests {
    @Test(
        "release → mode",
        arguments: [
            ("4.19.0", KallsymsMode?.some(.raw)), ("4.9.337-rt", .raw), ("5.0.0", .fixed), ("6.1.192", .fixed),
            ("6.1.0-50-amd64", .fixed), ("unknown", nil),
        ])
    func likelyMode(release: String, expected: KallsymsMode?) {
        #expect(KallsymsMode.likely(forRelease: release) == expected)
    }
}

import Foundation
import Symbolizer
import Testing

@Suite("Module layout inferred from /proc/modules")
struct ModuleLayoutTests {
    @Test("code sections land where the kernel put them", arguments: Samples.allCases)
    func inferredMatchesSnapshot(_ sampleCase: SampleCase) throws {
        var problems: [(line: Int, text: String)] = []
        let modules = ProcModulesSnapshot(
            text: try String(contentsOfFile: sampleCase.sample.path + "/\(sampleCase.name).modules", encoding: .utf8),
            problems: &problems)
        let sections = ModuleSectionsSnapshot(
            text: try String(contentsOfFile: sampleCase.sample.path + "/\(sampleCase.name).sections", encoding: .utf8),
            problems: &problems)
        let base = try #require(modules.entry(for: "crashmod")).base
        let contents = try ElfFile.contents(of: sampleCase.sample.path + "/crashmod.ko")
        let fixup = (contents.architecture ?? .x86_64).fixups
        let inferred = ModuleLayout.inferredCodeSections(of: contents, base: base, fixup: fixup)
        let real = try #require(sections.sections(of: "crashmod"))
        // s390 and ppc64 loaders put code of their own before .text: nothing is guessed there.
        #expect(inferred.isEmpty != fixup.canPlaceModuleFromBase)
        guard fixup.canPlaceModuleFromBase else { return }
        #expect(inferred[".text"] != nil)
        for (name, address) in inferred {
            #expect(real[name] == address, "\(name): inferred 0x\(String(address, radix: 16))")
        }
    }
}

@Suite("Symbolizing with /proc/modules only", .serialized)
struct ProcModulesOnlyTests {
    @Test(
        "module frames resolve as with the sections snapshot, marked inferred",
        arguments: Samples.allCases.filter {
            (try? ElfFile.contents(of: $0.sample.path + "/crashmod.ko"))?.architecture?.fixups.canPlaceModuleFromBase ?? true
        })
    func sameFrames(_ sampleCase: SampleCase) throws {
        let withSections = try symbolize(logPath: sampleCase.logPath, options: try sampleCase.sample.options(case: sampleCase.name))
        var options = try sampleCase.sample.options(case: sampleCase.name)
        var problems: [(line: Int, text: String)] = []
        options.moduleSections = ModuleSectionsSnapshot()
        options.procModules = ProcModulesSnapshot(
            text: try String(contentsOfFile: sampleCase.sample.path + "/\(sampleCase.name).modules", encoding: .utf8),
            problems: &problems)
        let inferred = try symbolize(logPath: sampleCase.logPath, options: options)
        let expected = withSections.reports.flatMap(\.frames).filter { $0.module == "crashmod" }
        let actual = inferred.reports.flatMap(\.frames).filter { $0.module == "crashmod" }
        #expect(!expected.isEmpty && expected.count == actual.count)
        for (a, b) in zip(expected, actual) {
            #expect(a.address == b.address && a.locations == b.locations, "line \(a.frame.line)")
            #expect(b.inferred != nil)
        }
    }
}

import ArchFixups
import Foundation
import Symbolizer
import Testing

@Suite("What /proc/kallsyms shows for a module")
struct KallsymsListingTests {
    /// (sample directory, the mode its kernel has)
    static let kernels: [(String, KallsymsMode)] = [("x86_64", .fixed), ("arm-thumb2/fixed", .fixed), ("arm-thumb2/prefix", .raw)]

    static let cases: [(SampleCase, KallsymsMode)] = kernels.flatMap { directory, mode in
        Samples.allCases.filter { $0.sample.directory == directory }.map { ($0, mode) }
    }

    private func listing(_ sampleCase: SampleCase, mode: KallsymsMode) throws -> [String] {
        var problems: [(line: Int, text: String)] = []
        let snapshot = ModuleSectionsSnapshot(
            text: try String(contentsOfFile: sampleCase.sample.path + "/\(sampleCase.name).sections", encoding: .utf8),
            problems: &problems)
        let result = try KallsymsListing.entries(
            modulePath: sampleCase.sample.path + "/crashmod.ko", sections: try #require(snapshot.sections(of: "crashmod")),
            configuration: .init(mode: mode))
        #expect(result.missingSections.isEmpty)
        return result.entries.map { $0.formatted(pointerSize: result.pointerSize) }
    }

    private func captured(_ sampleCase: SampleCase) throws -> [String] {
        try String(contentsOfFile: sampleCase.sample.path + "/\(sampleCase.name).kallsyms", encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { $0.hasSuffix("[crashmod]") }
    }

    @Test("equals the lines captured from the crashed kernel", arguments: cases)
    func matchesCapture(_ sampleCase: SampleCase, mode: KallsymsMode) throws {
        let expected = try captured(sampleCase)
        #expect(!expected.isEmpty)
        #expect(try listing(sampleCase, mode: mode) == expected)
    }

    @Test("the other mode differs on Thumb-2, and only there", arguments: cases)
    func otherModeDiffers(_ sampleCase: SampleCase, mode: KallsymsMode) throws {
        let other: KallsymsMode = mode == .fixed ? .raw : .fixed
        let differs = try listing(sampleCase, mode: other) != captured(sampleCase)
        #expect(differs == sampleCase.sample.directory.hasPrefix("arm-thumb2"))
    }
}

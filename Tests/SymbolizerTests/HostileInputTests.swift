import Foundation
import Symbolizer
import SymbolizerTestSupport
import Testing

/// Inputs that must never crash, hang or lose a byte: hand-made hostile
/// cases, every sample and corpus log cut and garbled, and every input the
/// fuzzers ever found (`Tests/Fuzz/Crashers/TARGET/`, replayed here).
@Suite("Hostile input")
struct HostileInputTests {
    static let crashers: [String] = {
        let root = Samples.path("Tests/Fuzz/Crashers")
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { !$0.hasSuffix(".md") && !$0.hasSuffix(".keep") }
            .map { root + "/" + $0 }.filter { !isDirectory($0) }.sorted()
    }()

    static let handMade: [(String, [UInt8])] = [
        ("empty", []),
        ("only newlines", Array(repeating: 0x0a, count: 1000)),
        ("NUL bytes and invalid UTF-8", [0x00, 0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0a, 0x00]),
        ("CR without LF", Array("RIP: 0010:f+0x1/0x2\r\rCall Trace:\r".utf8)),
        ("a 10 MB line", Array(repeating: UInt8(ascii: "A"), count: 10 << 20) + [0x0a]),
        ("a frame with a 64-digit address", Array(" [<ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff>] f+0x1/0x2\n".utf8)),
        ("offsets that overflow", Array(" f+0xffffffffffffffff/0xffffffffffffffff [m]\n f+0x10000000000000000/0x1\n".utf8)),
        ("module names that are paths", Array(" f+0x1/0x2 [../../etc/passwd]\n f+0x1/0x2 [a/b]\n f+0x1/0x2 [\u{0}x]\n".utf8)),
        ("headers and no end", Array(String(repeating: "BUG: x\nWARNING: y\nCall Trace:\n", count: 1000).utf8)),
        ("a million tiny frames", Array(String(repeating: " f+0x1/0x2\n", count: 100_000).utf8)),
    ]

    @Test("hand-made cases keep the invariants", arguments: handMade.map(\.0))
    func handMadeCase(_ name: String) throws {
        let bytes = Self.handMade.first { $0.0 == name }!.1
        try Invariants.checkLog(bytes)
        Invariants.checkSnapshots(bytes)
    }

    @Test("inputs the fuzzers found keep the invariants", arguments: crashers)
    func replay(_ path: String) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        if path.contains("/FuzzModule/") {
            let directory = NSTemporaryDirectory() + "ksymbolize-replay-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try Invariants.checkModule(bytes, directory: directory)
        } else if path.contains("/FuzzSnapshots/") {
            Invariants.checkSnapshots(bytes)
        } else {
            try Invariants.checkLog(bytes)
        }
    }

    @Test("every sample log, cut in 20 places and with bytes flipped, keeps the invariants", arguments: Samples.allCases)
    func mutatedSamples(_ sampleCase: SampleCase) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: sampleCase.logPath)))
        var generator = SplitMix64(seed: UInt64(bytes.count))
        // Modules only: loading vmlinux again for every cut would only test the disk.
        var options = try sampleCase.sample.options(case: sampleCase.name)
        options.vmlinuxPath = nil
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 20)) {
            var mutated = Array(bytes[..<cut])
            for _ in 0..<8 where !mutated.isEmpty {
                mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            try Invariants.checkLog(mutated, options: options)
        }
    }

    @Test("malformed module files give a reason per frame, never a crash")
    func malformedModules() throws {
        let good = Array(try Data(contentsOf: URL(fileURLWithPath: Samples.path("samples/arm-thumb2/fixed/crashmod.ko"))))
        let directory = NSTemporaryDirectory() + "ksymbolize-malformed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [[UInt8]] = [
            [], Array("this is a text file, not a module\n".utf8), Array(good.prefix(64)), Array(good.prefix(good.count / 2)),
            good.enumerated().map { $0.offset > 0x1000 && $0.offset % 7 == 0 ? 0xff : $0.element },
        ]
        for bytes in cases { try Invariants.checkModule(bytes, directory: directory) }
    }
}

/// A small deterministic generator for mutations.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

private func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
}

import Foundation
import Symbolizer
import Testing

/// `samples/cross/expected.tsv`: probes (function entry, middle, after a call,
/// after a call to a noreturn function) in objects cross-compiled for ten
/// targets, with what eu-addr2line says at the call site.
struct CrossProbe: Sendable, CustomStringConvertible {
    var target: String
    var function: String
    var probe: String
    var offset: UInt64
    var sectionOffset: UInt64
    var size: UInt64
    var locations: [(function: String, file: String, line: Int)]
    var description: String { "\(target) \(function) \(probe) +0x\(String(offset, radix: 16))" }

    var isReturn: Bool { probe.contains("return") }
    /// MIPS16/microMIPS/Thumb return addresses carry the ISA bit, as the hardware sets it.
    var returnAddressBit: UInt64 { isReturn && ["thumb2", "micromips", "mips16"].contains(target) ? 1 : 0 }

    static let all: [CrossProbe] = {
        guard let text = try? String(contentsOfFile: Samples.path("samples/cross/expected.tsv"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 9, let offset = hexValue(fields[4]), let sectionOffset = hexValue(fields[5]),
                let size = hexValue(fields[7])
            else { return nil }
            let locations = fields[8].components(separatedBy: " | ").compactMap { entry -> (String, String, Int)? in
                guard let at = entry.firstIndex(of: "@"), let colon = entry.lastIndex(of: ":"),
                    let number = Int(entry[entry.index(after: colon)...])
                else { return nil }
                return (String(entry[..<at]), String(entry[entry.index(after: at)..<colon]), number)
            }
            return CrossProbe(
                target: fields[0], function: fields[1], probe: fields[3], offset: offset, sectionOffset: sectionOffset,
                size: size, locations: locations)
        }
    }()
}

@Suite("Call-site rules on ten architectures' objects", .serialized)
struct CrossArchitectureTests {
    static let textBase: UInt64 = 0x40000

    @Test("every target has probes")
    func probesPresent() {
        let targets = Set(CrossProbe.all.map(\.target))
        #expect(targets.isSuperset(of: ["x86_64", "aarch64", "arm", "thumb2", "mips", "micromips", "mips16", "ppc64", "ppc64le", "riscv64"]))
    }

    private func resolve(_ probe: CrossProbe, rawAddress: Bool) -> ResolvedFrame {
        let module = "fixture_\(probe.target)"
        var sections = ModuleSectionsSnapshot()
        sections.add(module: module, section: ".text", address: Self.textBase)
        let symbolizer = Symbolizer(
            options: SymbolizerOptions(modulePaths: [Samples.path("samples/cross")], moduleSections: sections))
        var facts = KernelFacts()
        facts.kallsymsMode = Estimate(.fixed, .release(""))
        let kind: FrameKind = probe.isReturn ? .return : .pc
        let frame: LogFrame
        if rawAddress {
            let address = Self.textBase + probe.sectionOffset + probe.returnAddressBit
            frame = LogFrame(line: 1, kind: kind, reliable: true, printed: "raw", symbol: nil, address: address)
        } else {
            let symbol = PrintedSymbol(
                name: probe.function, offset: probe.offset + probe.returnAddressBit, size: nil, module: module, buildID: nil)
            frame = LogFrame(line: 1, kind: kind, reliable: true, printed: "symbol", symbol: symbol, address: nil)
        }
        return symbolizer.resolve(frame, facts: &facts)
    }

    @Test("function and inline chain at the call site", arguments: CrossProbe.all)
    func probe(_ probe: CrossProbe) {
        for raw in [false, true] {
            let frame = resolve(probe, rawAddress: raw)
            let form = raw ? "raw address" : "func+off"
            #expect(frame.unresolved == nil, "\(probe) \(form): \(frame.unresolved.map { "\($0)" } ?? "")")
            #expect(frame.symbol?.name == probe.function, "\(probe) \(form): symbol \(frame.symbol?.name ?? "nil")")
            let ours = frame.locations.map { "\($0.function ?? "?")@\($0.file ?? "?"):\($0.line ?? 0)" }
            let theirs = probe.locations.map { "\($0.function)@\($0.file):\($0.line)" }
            #expect(ours == theirs, "\(probe) \(form)")
        }
    }
}

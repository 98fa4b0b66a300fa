import ArgumentParser
import Foundation
import Symbolizer

#if canImport(Glibc)
    import Glibc
#endif

struct AddrCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addr",
        abstract: "Symbolize addresses or func+off expressions (addr2line/faddr2line for kernels).",
        discussion: """
            Each argument, or each line of standard input when there are none, is a runtime address \
            (0xffffffff81234567, bf80000e) or an expression as the kernel prints it \
            (crash_write+0x175/0x1ea [crashmod]). Each is answered as soon as it is read: \
            the function, then file:line and the inline chain, innermost first. \
            With --format json, one JSON object per input (JSON Lines), with the frame fields \
            of `ksymbolize --format json` plus "input".
            """
    )

    @Argument(help: "Addresses or expressions; standard input when none is given.")
    var inputs: [String] = []

    @OptionGroup var kernel: KernelOptions

    /// Output formats of `ksymbolize addr`.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(name: .customLong("format"), help: "Output format: text or json (JSON Lines).")
    var format: Format = .text

    @Flag(
        name: .customLong("return-address"),
        help: "Treat the inputs as return addresses: look up the call before them (default: exact instructions).")
    var returnAddress = false

    func run() throws {
        let symbolizer = Symbolizer(options: try kernel.makeOptions())
        for message in symbolizer.takeDiagnostics() { Diagnostics.warn(message) }
        // Inputs are not a log: no evidence to learn the kallsyms mode from.
        var context = ReportContext()
        context.kallsymsMode = symbolizer.options.kallsymsMode ?? .fixed
        context.kallsymsModeEvidence = symbolizer.options.kallsymsMode == nil ? "default for addr" : "--kallsyms-mode"
        context.kallsymsModeStrength = .given
        let output = OutputSink(fd: 1)
        var unresolved = 0
        func answer(_ input: String, number: Int) {
            let trimmed = input.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return }
            let frame = parse(trimmed, number: number)
            let resolved = frame.map { symbolizer.resolve($0, context: &context) }
            if resolved?.unresolved != nil || resolved == nil { unresolved += 1 }
            switch format {
            case .text: output.write(text(for: trimmed, resolved))
            case .json: output.write(json(for: trimmed, resolved))
            }
        }
        if inputs.isEmpty {
            var reader = LineReader(fd: 0)
            while let line = reader.next() { answer(line.text, number: line.number) }
        } else {
            for (index, input) in inputs.enumerated() { answer(input, number: index + 1) }
        }
        if unresolved > 0 { throw ExitCode(2) }
    }

    private func parse(_ input: String, number: Int) -> LogFrame? {
        let kind: FrameKind = returnAddress ? .return : .pc
        var text = Substring(input)
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        if !text.isEmpty, text.count <= 16, let address = UInt64(text, radix: 16) {
            return LogFrame(line: number, kind: kind, reliable: true, printed: input, symbol: nil, address: address)
        }
        guard let parsed = FrameParser.frames(in: input[...]).first(where: { $0.symbol != nil || $0.address != nil })
        else { return nil }
        return LogFrame(
            line: number, kind: kind, reliable: true, printed: input, symbol: parsed.symbol, address: parsed.address)
    }

    private func text(for input: String, _ frame: ResolvedFrame?) -> String {
        guard let frame else { return "\(input): ?? [not an address or func+off expression]\n" }
        var lines: [String] = []
        var head = "\(input):"
        if let symbol = frame.symbol {
            let module = frame.module.map { $0 == "vmlinux" ? "" : " [\($0)]" } ?? ""
            head += " \(symbol.name)+0x\(String(symbol.offset, radix: 16))/0x\(String(symbol.size, radix: 16))\(module)"
        } else {
            head += " ??"
        }
        if let reason = frame.unresolved { head += " [unresolved: \(reason)]" }
        if let mismatch = frame.mismatch { head += " [\(mismatch)]" }
        lines.append(head)
        for (index, location) in frame.locations.enumerated() {
            let column = location.column.map { ":\($0)" } ?? ""
            let place = "\(location.fileAndLine)\(column)"
            lines.append(index == 0 ? "  \(location.function ?? "??") at \(place)" : "  (inlined by) \(location.function ?? "??") at \(place)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func json(for input: String, _ frame: ResolvedFrame?) -> String {
        struct Answer: Encodable {
            var input: String
            var frame: ResolvedFrame?
            var error: String?
            func encode(to encoder: any Encoder) throws {
                if let frame { try frame.encode(to: encoder) }
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(input, forKey: .input)
                if let error { try container.encode(error, forKey: .error) }
            }
            enum CodingKeys: String, CodingKey { case input, error }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let answer = Answer(input: input, frame: frame, error: frame == nil ? "not an address or func+off expression" : nil)
        let data = (try? encoder.encode(answer)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

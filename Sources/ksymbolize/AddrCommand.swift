import ArgumentParser
import FoundationEssentials
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

    @Option(
        name: .customLong("threads"),
        help: ArgumentHelp(
            "Threads for DWARF lookups (default: $KSYMBOLIZE_THREADS, else the number of CPUs, at most 8).",
            discussion: "Each thread opens the binary in its own libdwfl session and owns a share of its compilation units; answers keep the input order. 1: everything on one thread.",
            valueName: "n"))
    var threads: Int?

    @Flag(
        name: .customLong("return-address"),
        help: "Treat the inputs as return addresses: look up the call before them (default: exact instructions).")
    var returnAddress = false

    func run() throws {
        var options = try kernel.makeOptions()
        // Like addr2line and llvm-symbolizer: without an offset, addresses are link-time addresses.
        options.rawAddressesDefaultToLinkTime = true
        let symbolizer = Symbolizer(options: options)
        var saidLinkTime = false
        for message in symbolizer.takeDiagnostics() { Diagnostics.warn(message) }
        symbolizer.preload()
        // Inputs are not a log: no evidence to learn the kallsyms mode from.
        var context = ReportContext()
        context.kallsymsMode = symbolizer.options.kallsymsMode ?? .fixed
        context.kallsymsModeEvidence = symbolizer.options.kallsymsMode == nil ? "default for addr" : "--kallsyms-mode"
        context.kallsymsModeStrength = .given
        let output = OutputSink(fd: 1)
        let threads = try threadCount()
        var unresolved = 0
        func answer(_ batch: [String], firstNumber: Int) {
            // Parsed, then formatted, in chunks by as many threads (a batch read from a file holds thousands).
            let chunks = batch.count >= 4096 ? threads : 1
            let parsed = parallelMap(chunks, threads: chunks) { chunk in
                let range = (batch.count * chunk / chunks)..<(batch.count * (chunk + 1) / chunks)
                var trimmed: [String] = []
                var frames: [LogFrame] = []
                var positions: [Int] = []
                trimmed.reserveCapacity(range.count)
                frames.reserveCapacity(range.count)
                positions.reserveCapacity(range.count)
                for index in range {
                    let text = Self.trim(batch[index])
                    trimmed.append(text)
                    guard !text.isEmpty, let frame = parse(text, number: firstNumber + index) else { continue }
                    frames.append(frame)
                    positions.append(index)
                }
                return (trimmed, frames, positions)
            }
            var trimmed: [String] = []
            var frames: [LogFrame] = []
            var framePositions: [Int] = []
            for (texts, parts, positions) in parsed {
                trimmed += texts
                frames += parts
                framePositions += positions
            }
            let resolved = symbolizer.resolve(batch: frames, context: &context, threads: threads)
            if !saidLinkTime, let note = symbolizer.linkTimeAddressNote(for: resolved) {
                saidLinkTime = true
                Diagnostics.warn(note)
            }
            // Input position -> index in `resolved` (-1: not an address or expression).
            var answerIndex = [Int](repeating: -1, count: batch.count)
            for (index, position) in framePositions.enumerated() { answerIndex[position] = index }
            for (index, text) in trimmed.enumerated() where !text.isEmpty {
                let answer = answerIndex[index]
                if answer < 0 || resolved[answer].unresolved != nil { unresolved += 1 }
            }
            let texts = parallelMap(chunks, threads: chunks) { chunk in
                var out: [UInt8] = []
                let range = (batch.count * chunk / chunks)..<(batch.count * (chunk + 1) / chunks)
                out.reserveCapacity(range.count * 128)
                for index in range where !trimmed[index].isEmpty {
                    let answer = answerIndex[index]
                    switch format {
                    case .text:
                        if answer < 0 {
                            appendText(for: trimmed[index], nil, to: &out)
                        } else {
                            appendText(for: trimmed[index], resolved, answer, to: &out)
                        }
                    case .json: out.append(text: json(for: trimmed[index], answer < 0 ? nil : resolved[answer]))
                    }
                }
                return out
            }
            for text in texts { output.write(text) }
        }
        if inputs.isEmpty {
            var reader = LineReader(fd: 0)
            var number = 1
            while let batch = reader.nextTexts() {
                answer(batch, firstNumber: number)
                number += batch.count
            }
        } else {
            answer(inputs, firstNumber: 1)
        }
        // The process ends here: the OS frees the binaries' maps and tables
        // faster than tearing down every libdw structure one by one.
        _ = Unmanaged.passRetained(symbolizer)
        if unresolved > 0 { throw ExitCode(2) }
    }

    /// `--threads`, else `$KSYMBOLIZE_THREADS`, else the CPUs this process may use (at most 8).
    private func threadCount() throws -> Int {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            return threads
        }
        if let text = ProcessInfo.processInfo.environment["KSYMBOLIZE_THREADS"], let value = Int(text), value >= 1 {
            return value
        }
        return max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    }

    /// The input without surrounding white space: tabs, Unicode space separators (`Zs`) and the
    /// zero-width space, the characters of Foundation's `CharacterSet.whitespaces`.
    private static func trim(_ input: String) -> String {
        let utf8 = input.utf8
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 {
            return input
        }
        func isText(_ scalar: Unicode.Scalar) -> Bool {
            scalar != "\t" && scalar != "\u{200B}" && scalar.properties.generalCategory != .spaceSeparator
        }
        let scalars = input.unicodeScalars
        guard let first = scalars.firstIndex(where: isText), let last = scalars.lastIndex(where: isText) else { return "" }
        return String(scalars[first...last])
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

    private func appendText(for input: String, _ frame: ResolvedFrame?, to out: inout [UInt8]) {
        guard let frame else {
            out.append(text: input)
            out.append(text: ": ?? [not an address or func+off expression]\n")
            return
        }
        appendText(for: input, [frame], 0, to: &out)
    }

    /// The answer for `frames[index]`, read in place (no copy of the frame).
    private func appendText(for input: String, _ frames: [ResolvedFrame], _ index: Int, to out: inout [UInt8]) {
        out.append(text: input)
        out.append(UInt8(ascii: ":"))
        if let symbol = frames[index].symbol {
            out.append(UInt8(ascii: " "))
            out.append(text: symbol.name)
            out.append(text: "+0x")
            out.append(hex: symbol.offset)
            out.append(text: "/0x")
            out.append(hex: symbol.size)
            if let module = frames[index].module, module != "vmlinux" {
                out.append(text: " [")
                out.append(text: module)
                out.append(UInt8(ascii: "]"))
            }
        } else {
            out.append(text: " ??")
        }
        if let reason = frames[index].unresolved { out.append(text: " [unresolved: \(reason)]") }
        if let mismatch = frames[index].mismatch { out.append(text: " [\(mismatch)]") }
        for (level, location) in frames[index].locations.enumerated() {
            out.append(text: level == 0 ? "\n  " : "\n  (inlined by) ")
            out.append(text: location.function ?? "??")
            out.append(text: " at ")
            out.append(text: location.file ?? "??")
            out.append(UInt8(ascii: ":"))
            if let line = location.line { out.append(decimal: line) } else { out.append(UInt8(ascii: "?")) }
            if let column = location.column {
                out.append(UInt8(ascii: ":"))
                out.append(decimal: column)
            }
        }
        out.append(UInt8(ascii: "\n"))
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

extension [UInt8] {
    /// Appends `text`'s UTF-8 bytes.
    fileprivate mutating func append(text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends `value` in lower-case hex, without a prefix.
    fileprivate mutating func append(hex value: UInt64) {
        let digits = Swift.max(1, (64 - value.leadingZeroBitCount + 3) / 4)
        for digit in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(4 * digit)) & 0xf
            append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }

    /// Appends `value` in decimal.
    fileprivate mutating func append(decimal value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(contentsOf: digits[start...])
        }
    }
}

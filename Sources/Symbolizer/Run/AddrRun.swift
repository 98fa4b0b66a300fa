/// `ksymbolize addr`: addresses and `func+off` expressions answered in
/// batches (addr2line/faddr2line for kernels). Each batch is parsed,
/// resolved (DWARF spread over threads) and formatted in input order.
public final class AddrRun {
    /// Output formats of `addr`.
    public enum Format: String, Sendable, CaseIterable {
        case text
        /// One JSON object per input (JSON Lines).
        case json
    }

    public let symbolizer: Symbolizer
    private let format: Format
    private let returnAddresses: Bool
    private let threads: Int
    private let write: ([UInt8]) -> Void
    private let warn: (String) -> Void
    /// Inputs are not a log: no evidence to learn the kallsyms mode from.
    private var facts = KernelFacts()
    private var saidLinkTime = false
    /// Inputs that were not understood or could not be symbolized.
    public private(set) var unresolved = 0

    /// - Parameters:
    ///   - returnAddresses: look the inputs up as return addresses (at the call before them).
    ///   - threads: threads for DWARF lookups (each with its own libdwfl session).
    public init(
        symbolizer: Symbolizer, format: Format, returnAddresses: Bool, threads: Int, write: @escaping ([UInt8]) -> Void,
        warn: @escaping (String) -> Void
    ) {
        self.symbolizer = symbolizer
        self.format = format
        self.returnAddresses = returnAddresses
        self.threads = threads
        self.write = write
        self.warn = warn
        if let mode = symbolizer.options.kallsymsMode {
            facts.kallsymsMode = Estimate(mode, .given("--kallsyms-mode"))
        } else {
            facts.kallsymsMode = Estimate(.fixed, .given("default for addr"))
        }
        for message in symbolizer.takeDiagnostics() { warn(message) }
        symbolizer.preload()
    }

    /// Answers every line readable from `fd`, in batches of what has arrived.
    public func read(fd: Int32) {
        var reader = LineReader(fd: fd)
        var number = 1
        while let batch = reader.nextTexts() {
            answer(batch, firstNumber: number)
            number += batch.count
        }
    }

    /// Answers a batch of inputs (blank ones are skipped), in order.
    public func answer(_ batch: [String], firstNumber: Int) {
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
                let text = AddrInput.trim(batch[index])
                trimmed.append(text)
                guard !text.isEmpty,
                    let frame = AddrInput.frame(text, number: firstNumber + index, returnAddress: returnAddresses)
                else { continue }
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
        let resolved = symbolizer.resolve(batch: frames, facts: &facts, threads: threads)
        if !saidLinkTime, let note = symbolizer.linkTimeAddressNote(for: resolved) {
            saidLinkTime = true
            warn(note)
        }
        // Input position -> index in `resolved` (-1: not an address or expression).
        var answerIndex = [Int](repeating: -1, count: batch.count)
        for (index, position) in framePositions.enumerated() { answerIndex[position] = index }
        for (index, text) in trimmed.enumerated() where !text.isEmpty {
            let answer = answerIndex[index]
            if answer < 0 || resolved[answer].unresolved != nil { unresolved += 1 }
        }
        let format = self.format
        let texts = parallelMap(chunks, threads: chunks) { chunk in
            var out: [UInt8] = []
            let range = (batch.count * chunk / chunks)..<(batch.count * (chunk + 1) / chunks)
            out.reserveCapacity(range.count * 128)
            for index in range where !trimmed[index].isEmpty {
                let answer = answerIndex[index]
                switch format {
                case .text: AddrPrinter.appendText(for: trimmed[index], answer < 0 ? nil : (resolved, answer), to: &out)
                case .json: out.append(text: AddrPrinter.json(for: trimmed[index], answer < 0 ? nil : resolved[answer]))
                }
            }
            return out
        }
        for text in texts { write(text) }
    }
}

/// What `addr` takes as an input.
enum AddrInput {
    /// The input without surrounding white space: tabs, Unicode space separators (`Zs`) and the
    /// zero-width space, the characters of Foundation's `CharacterSet.whitespaces`.
    static func trim(_ input: String) -> String {
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

    /// A raw address (`0xffffffff81234567`, `bf80000e`) or what the kernel prints (`func+0x1/0x2 [mod]`).
    static func frame(_ input: String, number: Int, returnAddress: Bool) -> LogFrame? {
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
}

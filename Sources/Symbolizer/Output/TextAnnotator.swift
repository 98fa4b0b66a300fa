/// Annotates log lines in place, for people: the frame line keeps its text and
/// gets `file:line` at its end (where `decode_stacktrace.sh` puts it), and
/// each inlined caller gets an indented line below.
///
/// ```
/// [  12.3] RIP: 0010:crash_null_deref+0x5/0x20 [crashmod] crashmod/crashmod.c:41 (crash_read_value)
///                   (inlined by) crash_walk at crashmod/crashmod.c:49
///                   (inlined by) crash_null_deref at crashmod/crashmod.c:57
/// ```
public struct TextAnnotator: Sendable {
    public init() {}

    /// The bytes to write for `line`: the line itself, annotations for its
    /// frames, and the line's own terminator.
    ///
    /// A line that ends in `\r\n` keeps its bytes whole, `\r` included: its
    /// annotation goes on a line of its own below it, as its inlined callers do.
    public func render(_ line: LogLine, frames: [ResolvedFrame], machine: MachineNotes?) -> [UInt8] {
        var output: [UInt8] = []
        render(line, frames: frames, machine: machine, into: &output)
        return output
    }

    /// ``render(_:frames:machine:)`` appended to `output`: a line with nothing to add is copied once.
    public func render(_ line: LogLine, frames: [ResolvedFrame], machine: MachineNotes?, into output: inout [UInt8]) {
        guard frames.isEmpty, machine == nil else {
            output += annotated(line, frames: frames, machine: machine)
            return
        }
        output += line.bytes
        output += line.terminator
    }

    private func annotated(_ line: LogLine, frames: [ResolvedFrame], machine: MachineNotes?) -> [UInt8] {
        guard let machine else { return render(line, frames: frames) }
        var extras: [String] = []
        var line = line
        switch machine {
        case .registers(let named, inline: true):
            // After the line's own text, as a frame's file:line (below it when the line ends in \r).
            let tags = named.compactMap { register in MachineWording.registerTag(register).map { register.name + " " + $0 } }
            if !tags.isEmpty {
                let suffix = tags.joined(separator: " ")
                if line.terminator.first == UInt8(ascii: "\r") { extras = [suffix] } else { line.bytes += Array(("  " + suffix).utf8) }
            }
        case .registers(let named, inline: false):
            extras = named.map(MachineWording.registerLine)
        case .code(let listing, let note):
            extras = MachineWording.listingLines(listing, note: note)
        }
        var output = render(line, frames: frames)
        let indent = extras.isEmpty ? "" : spaces(line.prefixWidth + 4)
        for extra in extras {
            if line.terminator.isEmpty { output += Array("\n".utf8) }
            output += Array((indent + extra).utf8)
            if !line.terminator.isEmpty { output += line.terminator }
        }
        return output
    }

    public func render(_ line: LogLine, frames: [ResolvedFrame]) -> [UInt8] {
        guard !frames.isEmpty else { return line.bytes + line.terminator }
        // Made as bytes: every frame line of every log is annotated here.
        var output = line.bytes
        output.reserveCapacity(line.bytes.count + 160)
        let terminator = line.terminator
        let newline: [UInt8] = terminator.isEmpty ? [UInt8(ascii: "\n")] : terminator
        let carriageReturn = terminator.first == UInt8(ascii: "\r")

        let indentWidth = line.prefixWidth + 4
        // The last frame of a line is its main one (the caller in an ARM
        // backtrace line): its annotation goes at the end of the line. Other
        // frames of the same line get a line each below it.
        // A register line ("pc : […] lr : […]") leads with its PC.
        var extraLines: [[UInt8]] = []
        let mainIndex = frames.first?.frame.kind == .pc && frames.last?.frame.kind == .lr ? 0 : frames.count - 1
        let (suffix, mainInlines) = annotate(frames[mainIndex], standalone: false)
        if !suffix.isEmpty {
            if carriageReturn {
                extraLines.append(suffix)
            } else {
                output.append(UInt8(ascii: " "))
                output += suffix
            }
        }
        extraLines.append(contentsOf: mainInlines)
        for (index, frame) in frames.enumerated() where index != mainIndex {
            let (text, inlines) = annotate(frame, standalone: true)
            extraLines.append(text)
            extraLines.append(contentsOf: inlines.map { Self.inlineIndent + $0 })
        }
        func appendIndented(_ extra: [UInt8]) {
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indentWidth))
            output += extra
        }
        if carriageReturn {
            output += terminator
            for extra in extraLines {
                appendIndented(extra)
                output += terminator
            }
            return output
        }
        for extra in extraLines {
            output += newline
            appendIndented(extra)
        }
        output += terminator
        return output
    }

    private static let inlineIndent: [UInt8] = Array("    ".utf8)

    /// Words joined by single spaces, as bytes.
    private struct Words {
        var bytes: [UInt8] = []
        private var count = 0

        /// Starts the next word (a space before every word but the first).
        mutating func next() {
            if count > 0 { bytes.append(UInt8(ascii: " ")) }
            count += 1
        }

        mutating func add(_ word: String) {
            next()
            bytes += word.utf8
        }
    }

    /// The annotation of one frame and its inline lines. A `standalone`
    /// frame is written on a line of its own, so it names its address and function.
    private func annotate(_ frame: ResolvedFrame, standalone: Bool) -> ([UInt8], [[UInt8]]) {
        var parts = Words()
        parts.bytes.reserveCapacity(128)
        var extra: [[UInt8]] = []
        let printedName = frame.frame.symbol?.name
        if standalone {
            parts.add(frame.frame.kind == .lr ? "lr" : (frame.frame.kind == .pc ? "pc" : "ret"))
            parts.next()
            if let address = frame.address {
                parts.bytes += "0x".utf8
                appendHex(address, to: &parts.bytes)
            } else {
                parts.bytes += frame.frame.printed.utf8
            }
            parts.bytes.append(UInt8(ascii: ":"))
        }
        if let symbol = frame.symbol {
            /// `name+0xoff/0xsize`
            func label(into bytes: inout [UInt8]) {
                bytes += symbol.name.utf8
                bytes += "+0x".utf8
                appendHex(symbol.offset, to: &bytes)
                bytes += "/0x".utf8
                appendHex(symbol.size, to: &bytes)
            }
            if standalone || printedName == nil || frame.frame.symbol?.offset == nil {
                parts.next()
                label(into: &parts.bytes)
                if let module = frame.module, module != "vmlinux" {
                    parts.bytes += " [".utf8
                    parts.bytes += module.utf8
                    parts.bytes.append(UInt8(ascii: "]"))
                }
            } else if frame.callSiteInPreviousFunction && frame.kallsymsCorrection == nil {
                // A return address at the very start of the printed function:
                // the call was the last instruction of the function before it.
                parts.next()
                parts.bytes += "(called from ".utf8
                label(into: &parts.bytes)
                parts.bytes.append(UInt8(ascii: ")"))
            }
        }
        // A file:line the log printed itself is not printed again.
        let printedHere =
            frame.frame.printedLocation.map { printed in
                frame.locations.count == 1 && frame.locations[0].line == printed.line
            } ?? false
        if let first = frame.locations.first, !printedHere {
            if first.file != nil || first.line != nil {
                parts.next()
                first.appendFileAndLine(to: &parts.bytes)
            }
            if frame.locations.count > 1, let function = first.function {
                parts.next()
                parts.bytes.append(UInt8(ascii: "("))
                parts.bytes += function.utf8
                parts.bytes.append(UInt8(ascii: ")"))
            }
        }
        for location in frame.locations.dropFirst() {
            var line = Array("(inlined by) ".utf8)
            line += (location.function ?? "??").utf8
            line += " at ".utf8
            location.appendFileAndLine(to: &line)
            extra.append(line)
        }
        if let correction = frame.kallsymsCorrection {
            parts.add("[kallsyms printed this wrong (pre-5.0 Thumb-2 kernel); correct: \(Wording.correction(correction))]")
        }
        if let mismatch = frame.mismatch { parts.add("[\(mismatch)]") }
        // Without any --vmlinux, core-kernel frames are left as printed (one
        // warning on stderr says why) instead of repeating it on every line.
        if let unresolved = frame.unresolved, unresolved != .noVmlinux(nil) {
            parts.add("[unresolved: \(unresolved)]")
        }
        if let inferred = frame.inferred, frame.unresolved == nil { parts.add("[inferred: \(Wording.inference(inferred))]") }
        return (parts.bytes, extra)
    }
}

/// A key frame: the name that goes into the title, and the name as printed (for ALT titles).
struct ExtractedFrame: Equatable {
    var canonical: String
    var raw: String

    static let corrupted = ExtractedFrame(canonical: "corrupted", raw: "corrupted")
}

/// Runs a `StackSpec` over report text: syzbot's step machine.
enum StackExtraction {
    /// The key frames of `text` (one per stack part), and whether every one was found.
    /// When the main steps fail and the spec has fallback steps, the fallback's result is used.
    static func frames(_ spec: StackSpec, in text: String) -> (frames: [ExtractedFrame], ok: Bool) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = run(spec.steps, spec, lines)
        if first.ok || spec.fallbackSteps.isEmpty { return first }
        return run(spec.fallbackSteps, spec, lines)
    }

    private static func run(_ steps: [StackSpec.Step], _ spec: StackSpec, _ lines: [String])
        -> (frames: [ExtractedFrame], ok: Bool)
    {
        var position = 0
        var candidates: [String] = []
        var results: [ExtractedFrame] = []
        var ok = true
        var stacks = 0

        func take(_ match: TitleMatch) {
            for case let printed? in match.groups {
                let name = SymbolDemangler.demangle(printed)
                if !spec.skips(name) { candidates.append(name) }
            }
        }

        var step = 0
        while true {
            var isParse = false
            if step < steps.count, case .parse = steps[step] { isParse = true }
            if step == steps.count || (isParse && stacks > 0) {
                if let frame = choose(candidates, spec.extractor), !frame.canonical.isEmpty {
                    results.append(frame)
                } else {
                    results.append(.corrupted)
                    ok = false
                }
                candidates = []
            }
            if step == steps.count { break }
            switch steps[step] {
            case .parse:
                stacks += 1
                reading: while position < lines.count {
                    let line = lines[position]
                    position += 1
                    if LinuxStack.corruptedLine.matches(line) {
                        ok = false
                        break reading
                    }
                    if LinuxStack.anyStackStart.matches(line) { break reading }
                    if step + 1 < steps.count, case .match(let next) = steps[step + 1],
                        let match = next.firstMatch(in: line)
                    {
                        take(match)
                        step += 1
                        break reading
                    }
                    for frameLine in LinuxStack.frameLines {
                        if let match = frameLine.firstMatch(in: line) {
                            take(match)
                            break
                        }
                    }
                }
            case .match(let pattern):
                while position < lines.count {
                    let line = lines[position]
                    position += 1
                    if LinuxStack.corruptedLine.matches(line) {
                        ok = false
                        break
                    }
                    if let match = pattern.firstMatch(in: line) {
                        take(match)
                        break
                    }
                }
            }
            step += 1
        }
        return (results, ok)
    }

    /// The key frame among `candidates` (already without skipped names), or nil.
    static func choose(_ candidates: [String], _ extractor: StackSpec.Extractor) -> ExtractedFrame? {
        guard !candidates.isEmpty else { return nil }
        let stripped = candidates.map(LinuxStack.stripPrefix)
        switch extractor {
        case .first:
            return ExtractedFrame(canonical: stripped[0], raw: candidates[0])
        case .stall:
            return stall(stripped).map { ExtractedFrame(canonical: $0.name, raw: candidates[$0.index]) }
        case .hang:
            return hang(stripped).map { ExtractedFrame(canonical: $0.name, raw: candidates[$0.index]) }
        }
    }

    /// Stalls loop somewhere below their entry point: the frame just before the first
    /// dispatch anchor (`smp_call_function` itself when that is the anchor).
    static func stall(_ frames: [String]) -> (name: String, index: Int)? {
        var previous = (name: frames[0], index: 0)
        for (index, frame) in frames.enumerated() {
            if LinuxStack.stallAnchors.matches(frame) {
                if frame.contains("smp_call_function") { return ("smp_call_function", index) }
                return previous
            }
            previous = (frame, index)
        }
        return nil
    }

    /// Hung tasks wait at random places: group the `rtnl_lock` and `synchronize_*` waiters,
    /// otherwise the first frame that is not a wait primitive.
    static func hang(_ frames: [String]) -> (name: String, index: Int)? {
        for (index, frame) in frames.enumerated() {
            for anchor in LinuxStack.hangAnchors where frame.contains(anchor.frame) {
                return (anchor.replacement ?? frame, index)
            }
        }
        for (index, frame) in frames.enumerated()
        where !LinuxStack.hangWaiters.contains(where: { frame.contains($0) }) {
            return (frame, index)
        }
        return nil
    }
}

import Foundation
import Symbolizer
import Testing

@Suite("MAINTAINERS")
struct MaintainersTests {
    static let sample = """
        Some introduction text.
        \tF: not a field (indented, in the introduction)

        ALPHA DRIVER
        M:\tAnn Example <ann@example.org>
        R:\tBob Example <bob@example.org>
        L:\tlinux-alpha@example.org (moderated for non-subscribers)
        S:\tMaintained
        F:\tdrivers/alpha/
        X:\tdrivers/alpha/beta/
        N:\t[^a-z]alpha

        BETA DRIVER
        M:\tann@example.org
        L:\tclosed@example.org (subscribers-only)
        S:\tOdd Fixes
        F:\tdrivers/alpha/beta/*.c
        K:\t\\bbeta_frob\\b
        f:\tdrivers/beta/
        Z:\tunknown
        F:\tdrivers/[beta/
        M:\tnobody
        ORPHAN TITLE
        """

    @Test("parsing: entries, fields, and problems with line numbers")
    func parsing() {
        let file = MaintainersFile(text: Self.sample)
        #expect(file.subsystems.map(\.name) == ["ALPHA DRIVER", "BETA DRIVER", "f:\tdrivers/beta/"])
        let alpha = file.subsystems[0]
        #expect(alpha.line == 4 && alpha.status == "Maintained")
        #expect(
            alpha.maintainers == ["Ann Example <ann@example.org>"]
                && alpha.reviewers == ["Bob Example <bob@example.org>"])
        #expect(alpha.lists == [MailingList(field: "linux-alpha@example.org (moderated for non-subscribers)")])
        #expect(alpha.lists[0].moderated && !alpha.lists[0].subscribersOnly)
        #expect(file.problems.map(\.line) == [19, 20, 21, 22, 23])
        #expect(
            file.problems.first?.description.hasPrefix("MAINTAINERS:19: 'f:\tdrivers/beta/' is read as a title") == true
        )
    }

    @Test(
        "matching: F: directories and files, X:, N:, K:",
        arguments: [
            (
                "drivers/alpha/main.c", "",
                ["Ann Example <ann@example.org>", "Bob Example <bob@example.org>", "linux-alpha@example.org"]
            ),
            ("drivers/alpha/beta/x.c", "beta_frob();", ["ann@example.org"]),
            ("drivers/alpha/beta/sub/x.c", "", []),
            ("arch/x/betalpha.c", "", []),
            (
                "arch/x/-alpha.c", "",
                ["Ann Example <ann@example.org>", "Bob Example <bob@example.org>", "linux-alpha@example.org"]
            ),
            ("fs/frob.c", "call beta_frob(x)", ["ann@example.org"]),
            ("fs/frob.c", "call beta_frobnicate(x)", []),
        ] as [(String, String, [String])])
    func matching(path: String, contents: String, expected: [String]) {
        let file = MaintainersFile(text: Self.sample) { $0 == "drivers/alpha" }
        #expect(file.match(path: path, contents: Array(contents.utf8)).getMaintainerLines() == expected)
    }

    @Test(
        "addresses as get_maintainer.pl formats them",
        arguments: [
            ("Ann Example <ann@example.org>", "Ann Example <ann@example.org>"),
            ("\"Lee, Chun-Yi\" <jlee@suse.com>", "\"Lee, Chun-Yi\" <jlee@suse.com>"),
            ("Pan, Xinhui <Xinhui.Pan@amd.com>", "\"Pan, Xinhui\" <Xinhui.Pan@amd.com>"),
            ("John W. Linville <l@x.org>", "\"John W. Linville\" <l@x.org>"),
            ("Jérôme Pouiller <j@x.com>", "\"Jérôme Pouiller\" <j@x.com>"),
            ("Tom Talpey <tom@talpey.com> (RDMA, smbdirect)", "Tom Talpey <tom@talpey.com>"),
            ("nic_swsd@realtek.com", "nic_swsd@realtek.com"),
        ] as [(String, String)])
    func addresses(input: String, expected: String) {
        let (name, address) = EmailAddress.parse(input)
        #expect(EmailAddress.format(name: name, address: address) == expected)
    }

    @Test("Linux 6.1's MAINTAINERS parses, with two problems")
    func realFile() throws {
        let file = try KernelSource.tree().maintainersFile()
        // `L:\tMali DP Maintainers <malidp@foss.arm.com>`: get_maintainer.pl takes "Mali" for the list.
        #expect(file.problems.map(\.line) == [1606, 1628], "\(file.problems.prefix(10))")
        #expect(file.subsystems.count > 2500)
        #expect(file.subsystems.last?.name == "THE REST")
    }

    /// Files of the tree to compare: the corpus's guilty files, every Nth
    /// file of a sorted listing, a few chosen ones, a directory and a path
    /// that does not exist.
    static func sampleFiles(root: String, count: Int) throws -> [String] {
        var all = try Samples.run("/usr/bin/find", [root, "-type", "f"]).split(separator: "\n")
            .map { String($0.dropFirst(root.count + 1)) }.filter { $0 != ".complete" }
        all.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let step = max(1, all.count / count)
        let everyNth = stride(from: step / 2, to: all.count, by: step).map { all[$0] }
        let guilty = GuiltyCorpus.entries.map(\.file).filter { !$0.isEmpty }
        let chosen = [
            "MAINTAINERS", "net/ipv4", "drivers/net/", "include/linux/skbuff.h", "kernel/bpf/verifier.c",
            "Documentation/devicetree/bindings/net/qcom,ipa.yaml",
            "Documentation/devicetree/bindings/iio/adc/adi,ad7124.yaml",
            "arch/x86/kvm/x86.c", "drivers/gpu/drm/i915/i915_drv.h", "no/such/file.c", "fs/ext4/no-such-file.c",
        ]
        var seen = Set<String>()
        return (guilty + chosen + everyNth).filter { seen.insert($0).inserted }
    }

    /// What get_maintainer.pl said for one file.
    typealias Said = (out: String, err: String, status: Int32)

    /// Runs get_maintainer.pl once per file, two at a time (`meanwhile` runs
    /// while it does); its output, stderr and exit status by file.
    static func getMaintainer(root: String, files: [String], meanwhile: () -> Void) throws -> [String: Said] {
        let out = NSTemporaryDirectory() + "ksymbolize-get-maintainer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xargs")
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.arguments = [
            "-0", "-n", "2", "-P", "2", "sh", "-c",
            #"perl scripts/get_maintainer.pl --no-git --no-rolestats -f "$2" > "$0/$1.out" 2> "$0/$1.err"; echo $? > "$0/$1.rc""#,
            out,
        ]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        var arguments = Data()
        for (index, file) in files.enumerated() { arguments.append(Data("\(index)\0\(file)\0".utf8)) }
        input.fileHandleForWriting.write(arguments)
        try input.fileHandleForWriting.close()
        meanwhile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SampleError("xargs perl get_maintainer.pl: \(process.terminationStatus)")
        }
        var result: [String: (String, String, Int32)] = [:]
        for (index, file) in files.enumerated() {
            let read = { (suffix: String) in
                String(
                    decoding: FileManager.default.contents(atPath: "\(out)/\(index).\(suffix)") ?? Data(), as: UTF8.self
                )
            }
            result[file] = (
                read("out"), read("err"), Int32(read("rc").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            )
        }
        return result
    }

    /// Whether `expected` is what get_maintainer.pl can print for `match`:
    /// entries of equal depth in any order (it orders them by Perl's hash order).
    static func agrees(_ match: MaintainersMatch, mailmap: Mailmap, with expected: [String]) -> Bool {
        if match.getMaintainerLines(mailmap: mailmap) == expected { return true }
        let ranked = match.entries.filter { $0.reason.depth != nil }
        let keywords = match.entries.filter { $0.reason.depth == nil }
        var groups: [[MaintainersMatch.Entry]] = []
        for entry in ranked {
            if let last = groups.last?.last, last.reason.depth == entry.reason.depth {
                groups[groups.count - 1].append(entry)
            } else {
                groups.append([entry])
            }
        }
        var orders: [[MaintainersMatch.Entry]] = [[]]
        for group in groups {
            let permuted = permutations(group)
            guard orders.count * permuted.count <= 5040 else { return false }
            orders = orders.flatMap { prefix in permuted.map { prefix + $0 } }
        }
        return orders.contains { order in
            var candidate = match
            candidate.entries = order + keywords
            return candidate.getMaintainerLines(mailmap: mailmap) == expected
        }
    }

    static func permutations<T>(_ items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index in
            var rest = items
            let item = rest.remove(at: index)
            return permutations(rest).map { [item] + $0 }
        }
    }

    @Test("the same people and lists as get_maintainer.pl, on Linux 6.1")
    func sameAsGetMaintainer() throws {
        let clock = ContinuousClock()
        let tree = try KernelSource.tree()
        let parsing = clock.now
        let file = try tree.maintainersFile()
        let mailmap = tree.mailmap()
        let parseTime = clock.now - parsing
        // KSYMBOLIZE_MAINTAINERS_SAMPLE=N compares every (files/N)th file instead (a longer check).
        let count = ProcessInfo.processInfo.environment["KSYMBOLIZE_MAINTAINERS_SAMPLE"].flatMap { Int($0) } ?? 200
        let files = try Self.sampleFiles(root: tree.root, count: count)
        let started = clock.now
        var answers: [String: Result<MaintainersMatch, SourceTreeError>] = [:]
        var slowest: (Duration, String) = (.zero, "")
        var swiftTime = Duration.zero
        let perl = try Self.getMaintainer(root: tree.root, files: files) {
            for path in files {
                let before = clock.now
                answers[path] = Result { () throws(SourceTreeError) in try tree.maintainers(for: path, in: file) }
                if clock.now - before > slowest.0 { slowest = (clock.now - before, path) }
            }
            swiftTime = clock.now - started
        }
        let perlTime = clock.now - started
        var compared = 0
        var (missing, withFileEmails, withKeywords) = (0, 0, 0)
        var reordered = 0
        for path in files {
            let expected = try #require(perl[path])
            let answer = try #require(answers[path])
            switch answer {
            case .failure: missing += 1
            case .success(let match):
                if !match.fileEmails.isEmpty { withFileEmails += 1 }
                if match.entries.contains(where: { $0.reason.depth == nil }) { withKeywords += 1 }
            }
            switch answer {
            case .failure(let error):
                #expect(
                    error == .noSuchFile(path) && expected.status != 0 && expected.err.contains("not found"),
                    "\(path): \(error); perl: \(expected)")
            case .success(let match):
                #expect(expected.status == 0, "\(path): perl failed: \(expected.err)")
                // An empty line is an answer too (`L: Mali DP Maintainers <…>` prints one).
                var lines = expected.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if lines.last == "" { lines.removeLast() }
                let same = match.getMaintainerLines(mailmap: mailmap) == lines
                if !same { reordered += 1 }
                #expect(
                    same || Self.agrees(match, mailmap: mailmap, with: lines),
                    "\(path): \(match.getMaintainerLines(mailmap: mailmap)) != \(lines)")
            }
            compared += 1
        }
        #expect(compared >= 200)
        print(
            "MaintainersTests: \(compared) paths compared with get_maintainer.pl (\(perlTime)): \(missing) not in the tree, \(withKeywords) with K: matches, \(withFileEmails) with addresses in the file; \(reordered) agreeing only up to its hash order; Swift answered in \(swiftTime) (slowest \(slowest)) while perl ran; MAINTAINERS read in \(parseTime)"
        )
    }
}

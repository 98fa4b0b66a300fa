import Foundation
import Symbolizer
import Testing

/// Triage as a tracker integration uses it: `ksymbolize --format json|markdown`
/// with `--kernel-source`/`--maintainers`, read back from the CLI's output.
@Suite("Triage through the CLI")
struct TriageTests {
    static func json(_ arguments: [String]) throws -> (object: [String: Any], stderr: String) {
        let result = try CLI.run(["--format", "json"] + arguments)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        return (object, result.stderr)
    }

    @Test("the 34 guilty logs: syzbot's guilty file, and get_maintainer.pl's people and lists for it")
    func guiltyLogs() throws {
        let tree = try KernelSource.tree()
        let entries = GuiltyCorpus.entries
        #expect(entries.count == 34)
        let answers = Locked([String: (file: String?, maintainers: [String]?, site: String?)]())
        let perl = try MaintainersTests.getMaintainer(
            root: tree.root, files: Array(Set(entries.map(\.file).filter { !$0.isEmpty })).sorted()
        ) {
            for entry in entries {
                let path = NSTemporaryDirectory() + "ksymbolize-guilty-\(entry.name)-\(UUID().uuidString).log"
                defer { try? FileManager.default.removeItem(atPath: path) }
                guard FileManager.default.createFile(atPath: path, contents: Data(entry.log)),
                    let (object, _) = try? Self.json(["--kernel-source", tree.root, path])
                else { continue }
                let crash = object["crash"] as? [String: Any]
                let site = (crash?["crash_site"] as? [String: Any])?["location"] as? [String: Any]
                answers.withLock {
                    $0[entry.name] = (
                        crash?["guilty_file"] as? String, crash?["maintainers"] as? [String], site?["function"] as? String
                    )
                }
            }
        }
        // The crash site is the frame of the function the title names, where a frame names it.
        let sites = [
            "1": "ip6_finish_output2", "29": "add_wait_queue", "39": "__aa_lookupn_ns", "45": "cm109_submit_buzz_toggle",
            "5": "__d_lookup_rcu", "13": "skb_pfmemalloc",
        ]
        for (name, function) in sites {
            #expect(answers.withLock { $0[name]?.site } == function, "\(name)")
        }
        let file = try tree.maintainersFile()
        var notInTree = 0
        for entry in entries {
            let answer = try #require(answers.withLock { $0[entry.name] }, "\(entry.name): no JSON")
            #expect(answer.file ?? "" == entry.file, "\(entry.name)")
            guard !entry.file.isEmpty else {
                #expect(answer.maintainers == nil)
                continue
            }
            let said = try #require(perl[entry.file])
            var lines = said.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            let maintainers = try #require(answer.maintainers, "\(entry.name): no maintainers")
            if said.status != 0 {
                // A file Linux 6.1 no longer has (the logs are older): get_maintainer.pl
                // stops ("file not found"); ksymbolize matches the path by the patterns alone.
                #expect(said.err.contains("not found"), "\(entry.file): \(said)")
                #expect(maintainers == file.match(path: entry.file).getMaintainerLines(mailmap: tree.mailmap()))
                notInTree += 1
                continue
            }
            // get_maintainer.pl orders subsystems of equal depth by Perl's hash order.
            #expect(
                maintainers == lines || Set(maintainers) == Set(lines) && maintainers.count == lines.count,
                "\(entry.name) \(entry.file): \(maintainers) != \(lines)")
        }
        #expect(notInTree < 5)
    }

    /// A tree with the sample module's source, `fs/read_write.c` of Linux
    /// 6.1 (what the Debian kernel's `vfs_write` frames name), and `mm` a
    /// symbolic link out of the tree.
    struct SmallTree {
        let base = NSTemporaryDirectory() + "ksymbolize-small-tree-\(UUID().uuidString)"
        var root: String { base + "/tree" }

        init(linux: String) throws {
            let manager = FileManager.default
            try manager.createDirectory(atPath: root + "/crashmod", withIntermediateDirectories: true)
            try manager.createDirectory(atPath: root + "/fs", withIntermediateDirectories: true)
            try manager.createDirectory(atPath: base + "/outside/mm", withIntermediateDirectories: true)
            try manager.copyItem(atPath: Samples.path("samples/crashmod/crashmod.c"), toPath: root + "/crashmod/crashmod.c")
            try manager.copyItem(atPath: linux + "/fs/read_write.c", toPath: root + "/fs/read_write.c")
            try manager.copyItem(atPath: linux + "/mm/memory.c", toPath: base + "/outside/mm/memory.c")
            try manager.createSymbolicLink(atPath: root + "/mm", withDestinationPath: base + "/outside/mm")
        }

        func remove() { try? FileManager.default.removeItem(atPath: base) }

        func lines(_ file: String) throws -> [String] {
            try String(contentsOfFile: root + "/" + file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
        }
    }

    static func x86Sample() throws -> (sample: Samples.Sample, vmlinux: String) {
        let sample = try #require(Samples.all.first { $0.directory == "x86_64" })
        return (sample, try #require(try sample.vmlinux()))
    }

    @Test("source lines: every frame's from the tree, the crash site's with two lines around it, reasons for the rest")
    func sourceLines() throws {
        let linux = try KernelSource.root.get()
        let tree = try SmallTree(linux: linux)
        defer { tree.remove() }
        let (sample, vmlinux) = try Self.x86Sample()
        let (object, _) = try Self.json([
            "--vmlinux", vmlinux, "--modules", sample.path, "--module-sections", sample.path + "/null.sections",
            "--kernel-source", tree.root, sample.path + "/null.log",
        ])
        let reports = try #require(object["reports"] as? [[String: Any]])
        let crash = try #require(object["crash"] as? [String: Any])
        var withLines = Set<String>()
        var reasons: [String: String] = [:]
        for frame in reports.flatMap({ $0["frames"] as? [[String: Any]] ?? [] }) {
            let location = (frame["locations"] as? [[String: Any]])?.first
            guard let file = location?["file"] as? String, let line = location?["line"] as? Int, line > 0 else {
                #expect(frame["source"] is NSNull, "\(frame)")
                continue
            }
            let source = try #require(frame["source"] as? [String: Any], "\(frame)")
            #expect(source["line"] as? Int == line)
            if let lines = source["lines"] as? [String] {
                #expect(source["first_line"] as? Int == line && lines.count == 1)
                #expect(lines == [try tree.lines(file)[line - 1]], "\(file):\(line)")
                withLines.insert(file)
            } else {
                reasons[file] = try #require(source["unavailable"] as? String)
            }
        }
        #expect(withLines == ["crashmod/crashmod.c", "fs/read_write.c"])
        // Files the tree lacks, and the link out of it (never opened).
        let missing = try #require(reasons.first { $0.key.hasPrefix("fs/") }, "\(reasons)")
        #expect(missing.value.contains("not in the kernel source tree"))
        if let outside = reasons["mm/memory.c"] { #expect(outside.contains("symbolic link"), "\(outside)") }
        #expect(reasons.keys.contains { $0.hasPrefix("mm/") })

        let site = try #require(crash["crash_site"] as? [String: Any])
        let location = try #require(site["location"] as? [String: Any])
        #expect(location["function"] as? String == "crash_read_value")
        let line = try #require(location["line"] as? Int)
        let source = try #require(site["source"] as? [String: Any])
        #expect(source["first_line"] as? Int == line - 2)
        #expect(source["lines"] as? [String] == Array(try tree.lines("crashmod/crashmod.c")[(line - 3)...(line + 1)]))
        #expect((site["inlined_into"] as? [[String: Any]])?.first?["function"] as? String == "crash_walk")
    }

    @Test("without a tree or MAINTAINERS: the guilty file, no maintainers, no source")
    func withoutSources() throws {
        let (sample, vmlinux) = try Self.x86Sample()
        let (object, _) = try Self.json([
            "--vmlinux", vmlinux, "--modules", sample.path, "--module-sections", sample.path + "/null.sections",
            sample.path + "/null.log",
        ])
        let crash = try #require(object["crash"] as? [String: Any])
        #expect(crash["guilty_file"] as? String == "crashmod/crashmod.c")
        #expect(crash["maintainers"] is NSNull && crash["subsystems"] is NSNull)
        let site = try #require(crash["crash_site"] as? [String: Any])
        #expect(site["source"] is NSNull)
        let frames = (object["reports"] as? [[String: Any]] ?? []).flatMap { $0["frames"] as? [[String: Any]] ?? [] }
        #expect(!frames.isEmpty && frames.allSatisfy { $0["source"] is NSNull })
    }

    @Test("a MAINTAINERS line that does not parse: its line number on stderr, the rest of the file used")
    func badMaintainers() throws {
        let directory = NSTemporaryDirectory() + "ksymbolize-maintainers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let maintainers = directory + "/MAINTAINERS"
        try """
        CRASHMOD TEST MODULE
        M:\tAda Lovelace <ada@example.org>
        L:\tcrash@example.org
        S:\tMaintained
        F:\tcrashmod/
        Z:	an unknown field
        m: lowercase <not-a-field@example.org>

        THE REST
        M:\tLinus Torvalds <torvalds@linux-foundation.org>
        L:\tlinux-kernel@vger.kernel.org
        S:\tBuried alive in reporters
        F:\t*
        F:\t*/

        """.write(toFile: maintainers, atomically: true, encoding: .utf8)
        let (sample, vmlinux) = try Self.x86Sample()
        let (object, stderr) = try Self.json([
            "--vmlinux", vmlinux, "--modules", sample.path, "--module-sections", sample.path + "/null.sections",
            "--maintainers", maintainers, sample.path + "/null.log",
        ])
        #expect(
            stderr.contains("MAINTAINERS:6: unknown field 'Z:' (and 2 more such lines); the rest of the file is used"),
            "\(stderr)")
        let crash = try #require(object["crash"] as? [String: Any])
        #expect(
            crash["maintainers"] as? [String]
                == ["Ada Lovelace <ada@example.org>", "crash@example.org", "linux-kernel@vger.kernel.org"])
        let subsystems = try #require(crash["subsystems"] as? [[String: Any]])
        #expect(subsystems.map { $0["name"] as? String } == ["CRASHMOD TEST MODULE", "THE REST"])
        #expect(subsystems.first?["status"] as? String == "Maintained")

        let missing = try CLI.run(["--maintainers", directory + "/none", "-"], stdin: "")
        #expect(missing.status == 1 && missing.stderr.contains("cannot read MAINTAINERS file"), "\(missing)")
        let badTree = try CLI.run(["--kernel-source", directory + "/none", "-"], stdin: "")
        #expect(badTree.status == 1 && badTree.stderr.contains("no such directory"), "\(badTree)")
    }

    @Test("markdown leads with the verdict and renders on cmark-gfm: heading, table, code blocks, details")
    func markdownRenders() throws {
        let linux = try KernelSource.root.get()
        let tree = try SmallTree(linux: linux)
        defer { tree.remove() }
        let (sample, vmlinux) = try Self.x86Sample()
        let result = try CLI.run([
            "--format", "markdown", "--vmlinux", vmlinux, "--modules", sample.path, "--module-sections",
            sample.path + "/null.sections", "--kernel-source", tree.root, "--maintainers", linux + "/MAINTAINERS",
            sample.path + "/null.log",
        ])
        let markdown = result.stdout
        #expect(markdown.hasPrefix("## BUG: unable to handle kernel NULL pointer dereference in crash\\_null\\_deref\n"))
        let path = NSTemporaryDirectory() + "ksymbolize-markdown-\(UUID().uuidString).md"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try markdown.write(toFile: path, atomically: true, encoding: .utf8)
        let html = try Samples.run("/usr/bin/cmark-gfm", ["--unsafe", "-e", "table", path])
        #expect(html.hasPrefix("<h2>BUG: unable to handle kernel NULL pointer dereference in crash_null_deref</h2>"))
        #expect(html.contains("<th>kind</th>\n<th>null-pointer</th>"))
        for row in ["kernel", "arch", "signature", "guilty file", "maintainers", "lists"] {
            #expect(html.contains("<td>\(row)</td>"), "\(row)")
        }
        #expect(html.contains("<td><code>crashmod/crashmod.c</code></td>"))
        #expect(html.contains("linux-kernel@vger.kernel.org"))
        // The crash site's snippet, its marked line escaped for HTML.
        #expect(html.contains("<pre><code class=\"language-c\">"))
        #expect(html.contains("&gt; 42 | \treturn READ_ONCE(node-&gt;value);"), "\(html.prefix(3000))")
        // The stack: one line per frame, inline callers indented, reporting frames left out.
        let stack = try #require(html.components(separatedBy: "<pre><code class=\"language-text\">").dropFirst().first)
        let stackLines = stack.components(separatedBy: "</code></pre>")[0].split(separator: "\n")
        #expect(stackLines.first?.hasPrefix("crash_read_value ") == true, "\(stackLines)")
        #expect(stackLines.dropFirst().first?.hasPrefix("  inlined into crash_walk ") == true)
        #expect(!stackLines.contains { $0.hasPrefix("entry_SYSCALL_64") || $0.hasPrefix("do_syscall_64") })
        // The whole report, collapsed, with a code block inside.
        #expect(html.contains("<details><summary>Full report (log lines"))
        let details = try #require(html.components(separatedBy: "<details>").dropFirst().first)
        #expect(details.contains("<pre><code class=\"language-text\">") && details.contains("</details>"))
        #expect(details.contains("RIP: 0010:crash_null_deref.isra.0+0xf/0x20 [crashmod]"))
    }
}

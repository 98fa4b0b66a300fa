import Foundation
import Symbolizer
import Testing

/// Debian's linux-source-6.1 tree, unpacked once into the cache by
/// `scripts/kernel-source.sh` (`scripts/run-tests.sh` passes its path in
/// `KSYMBOLIZE_KERNEL_SOURCE`). A test that needs it fails when it cannot be had.
enum KernelSource {
    static let root: Result<String, SampleError> = {
        if let given = ProcessInfo.processInfo.environment["KSYMBOLIZE_KERNEL_SOURCE"], !given.isEmpty {
            return .success(given)
        }
        do {
            let output = try Samples.run("/bin/bash", [Samples.path("scripts/kernel-source.sh")])
            return .success(output.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch let error as SampleError {
            return .failure(SampleError("no Linux 6.1 source tree (scripts/kernel-source.sh): \(error)"))
        } catch {
            return .failure(SampleError("no Linux 6.1 source tree (scripts/kernel-source.sh): \(error)"))
        }
    }()

    static func tree() throws -> KernelSourceTree { try KernelSourceTree(root: try root.get()) }
}

/// A temporary tree: `fs/a.c` (10 lines), `fs/empty.c`, `fs/crlf.c`, a
/// directory `fs/dir`, links inside (`fs/inside.c` → `a.c`) and out of it
/// (`fs/outside.c` → a file next to the tree, `fs/escape` → `/etc`), and a
/// file next to the tree that must never be read.
struct TemporaryTree {
    let base: String
    var root: String { base + "/tree" }

    init() throws {
        base = NSTemporaryDirectory() + "ksymbolize-tree-\(UUID().uuidString)"
        let manager = FileManager.default
        try manager.createDirectory(atPath: base + "/tree/fs/dir", withIntermediateDirectories: true)
        let lines = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
        try lines.write(toFile: root + "/fs/a.c", atomically: true, encoding: .utf8)
        try "".write(toFile: root + "/fs/empty.c", atomically: true, encoding: .utf8)
        try "one\r\ntwo\r\n".write(toFile: root + "/fs/crlf.c", atomically: true, encoding: .utf8)
        try "secret\n".write(toFile: base + "/secret.c", atomically: true, encoding: .utf8)
        try manager.createSymbolicLink(atPath: root + "/fs/inside.c", withDestinationPath: "a.c")
        try manager.createSymbolicLink(atPath: root + "/fs/outside.c", withDestinationPath: "../../secret.c")
        try manager.createSymbolicLink(atPath: root + "/fs/escape", withDestinationPath: "/etc")
        try manager.createSymbolicLink(atPath: root + "/fs/dangling.c", withDestinationPath: "nowhere.c")
    }

    func remove() { try? FileManager.default.removeItem(atPath: base) }
}

@Suite("Kernel source tree")
struct SourceTreeTests {
    enum Expected: Sendable {
        case snippet(first: Int, lines: [String])
        case outside
        case missing
        case notAFile
        case pastEnd
    }

    @Test(
        "snippets and refusals",
        arguments: [
            ("fs/a.c", 5, 2, Expected.snippet(first: 3, lines: ["line 3", "line 4", "line 5", "line 6", "line 7"])),
            ("fs/a.c", 1, 2, .snippet(first: 1, lines: ["line 1", "line 2", "line 3"])),
            ("fs/a.c", 10, 2, .snippet(first: 8, lines: ["line 8", "line 9", "line 10"])),
            ("fs/a.c", 4, 0, .snippet(first: 4, lines: ["line 4"])),
            ("./fs//a.c", 4, 0, .snippet(first: 4, lines: ["line 4"])),
            ("debian/build/build_amd64_none_amd64/fs/a.c", 2, 0, .snippet(first: 2, lines: ["line 2"])),
            ("/build/reproducible-path/linux-6.1.176/fs/a.c", 2, 0, .snippet(first: 2, lines: ["line 2"])),
            ("fs/inside.c", 9, 1, .snippet(first: 8, lines: ["line 8", "line 9", "line 10"])),
            ("fs/crlf.c", 2, 5, .snippet(first: 1, lines: ["one", "two"])),
            ("fs/a.c", 11, 2, .pastEnd),
            ("fs/a.c", 0, 2, .pastEnd),
            ("fs/empty.c", 1, 2, .pastEnd),
            ("fs/none.c", 1, 2, .missing),
            ("fs/dangling.c", 1, 2, .missing),
            ("fs/dir", 1, 2, .notAFile),
            ("", 1, 2, .missing),
            ("/etc/passwd", 1, 2, .outside),
            ("../secret.c", 1, 2, .outside),
            ("fs/../../secret.c", 1, 2, .outside),
            ("fs/../a.c", 1, 2, .outside),
            ("fs/outside.c", 1, 2, .outside),
            ("fs/escape/passwd", 1, 2, .outside),
            ("fs/escape/no-such-file", 1, 2, .missing),
        ] as [(String, Int, Int, Expected)])
    func snippets(file: String, line: Int, context: Int, expected: Expected) throws {
        let temporary = try TemporaryTree()
        defer { temporary.remove() }
        let tree = try KernelSourceTree(root: temporary.root)
        let result = Result { () throws(SourceTreeError) in try tree.snippet(file: file, line: line, context: context) }
        switch (expected, result) {
        case (.snippet(let first, let lines), .success(let snippet)):
            #expect(snippet.firstLine == first && snippet.lines == lines && snippet.line == line)
        case (.outside, .failure(.outsideTree)), (.missing, .failure(.noSuchFile)), (.notAFile, .failure(.notAFile)),
            (.pastEnd, .failure(.lineOutOfRange)):
            break
        default:
            Issue.record("\(file):\(line): \(result), expected \(expected)")
        }
    }

    @Test("the tree's own root must be a directory")
    func badRoot() throws {
        let temporary = try TemporaryTree()
        defer { temporary.remove() }
        #expect(throws: SourceTreeError.self) { try KernelSourceTree(root: temporary.root + "/fs/a.c") }
        #expect(throws: SourceTreeError.self) { try KernelSourceTree(root: temporary.base + "/no-such-dir") }
        // A root reached through a link is its real path; files inside it are inside.
        try FileManager.default.createSymbolicLink(atPath: temporary.base + "/link", withDestinationPath: "tree")
        let tree = try KernelSourceTree(root: temporary.base + "/link")
        #expect(try tree.snippet(file: "fs/a.c", line: 1, context: 0).lines == ["line 1"])
    }

    @Test("numbered lines mark the one asked for")
    func numbered() {
        let snippet = SourceSnippet(file: "fs/a.c", line: 10, firstLine: 9, lines: ["a", "b", "c"])
        #expect(snippet.numbered == ["   9 | a", "> 10 | b", "  11 | c"])
    }

    @Test("a real file of Linux 6.1")
    func realFile() throws {
        let tree = try KernelSource.tree()
        let snippet = try tree.snippet(file: "debian/build/build_amd64_none_amd64/kernel/panic.c", line: 1, context: 1)
        #expect(snippet.file == "kernel/panic.c")
        #expect(snippet.lines.first == "// SPDX-License-Identifier: GPL-2.0-only")
        #expect(throws: SourceTreeError.self) { try tree.snippet(file: "kernel/panic.c", line: 100_000) }
    }
}

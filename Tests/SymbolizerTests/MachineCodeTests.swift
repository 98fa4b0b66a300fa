import Foundation
import Testing

/// `Code:` lines and register dumps through the command line, on every real
/// sample: the faulting instruction disassembled and checked against
/// llvm-objdump on the module itself, the log's bytes checked against the
/// binary's, and the registers named by the variables DWARF puts in them.
struct MachineCodeTests {
    /// The JSON document of one capture, as a tracker reads it.
    static func json(_ sample: Samples.Sample, _ name: String, modules: String? = nil, log: String? = nil) throws
        -> [String: Any]
    {
        var arguments = [
            "--format", "json", "--modules", modules ?? sample.path, "--module-sections", sample.path + "/\(name).sections",
        ]
        if sample.directory.hasPrefix("arm-thumb2") {
            let which = sample.directory.hasSuffix("fixed") ? "fixed" : "prefix"
            arguments += ["--vmlinux", Samples.cache + "/samples/arm-thumb2-\(which)-vmlinux"]
        }
        arguments.append(log ?? sample.path + "/\(name).log")
        let result = try CLI.run(arguments)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    static func reports(_ document: [String: Any]) -> [[String: Any]] { document["reports"] as? [[String: Any]] ?? [] }

    /// `.text` (and friends) of crashmod in a capture: name → runtime address.
    static func sections(_ sample: Samples.Sample, _ name: String) throws -> [(String, UInt64)] {
        try String(contentsOfFile: sample.path + "/\(name).sections", encoding: .utf8).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":")
            guard parts.count == 2, let address = UInt64(parts[1].dropFirst(2), radix: 16) else { return nil }
            return (String(parts[0].split(separator: "/").last!), address)
        }
    }

    /// llvm-objdump's instruction at `offset` of `section` of a `.ko`: its mnemonic and operands.
    static func objdump(_ module: String, section: String, offset: UInt64) throws -> (String, String)? {
        let path = try #require(llvmObjdump, "llvm-objdump (llvm-14, installed by scripts/setup.sh --test)")
        let output = try Samples.run(path, [
            "-d", "--no-show-raw-insn", "-j", section, "--start-address=0x" + String(offset, radix: 16),
            "--stop-address=0x" + String(offset + 1, radix: 16), module,
        ])
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count >= 2, parts[0].hasSuffix(":"), UInt64(parts[0].dropLast(), radix: 16) == offset else { continue }
            // "lwz 10, 0(9)" (one field) or "movl" TAB "$66, (%rdi)".
            let words = parts[1].split(separator: " ", maxSplits: 1)
            let operands = (words.count > 1 ? [String(words[1])] : []) + parts.dropFirst(2)
            return (String(words[0]), operands.joined(separator: " "))
        }
        return nil
    }

    /// LLVM's objdump, as Debian's llvm-14 installs it (unversioned only with the `llvm` package).
    static let llvmObjdump = ["/usr/bin/llvm-objdump", "/usr/bin/llvm-objdump-14", "/usr/lib/llvm-14/bin/llvm-objdump"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Operands compared without blanks, `%`, and register-name spellings that only differ in form.
    static func normalized(_ operands: String) -> String {
        // Immediates in whatever base ("$0x42" and "$66" alike).
        let words = operands.lowercased().filter { $0 != " " && $0 != "%" }.split(separator: ",", omittingEmptySubsequences: false)
        return words.map { word in
            guard word.hasPrefix("$") || word.hasPrefix("#") else { return String(word) }
            let body = word.dropFirst()
            let value = body.hasPrefix("0x") ? Int(body.dropFirst(2), radix: 16) : Int(body)
            return value.map { "imm\($0)" } ?? String(word)
        }.joined(separator: ",")
    }

    static let oopsCases = Samples.allCases.filter { ["null", "first", "recurse", "work", "bug", "noreturn", "timer"].contains($0.name) }

    @Test("the faulting instruction of every sample oops is the one llvm-objdump finds at the PC in the module", arguments: oopsCases)
    func faultingInstructionMatchesObjdump(_ capture: SampleCase) throws {
        let document = try Self.json(capture.sample, capture.name)
        let crash = try #require(Self.reports(document).first { ($0["code"] as? [String: Any]) != nil && ($0["crash"] as? Bool) == true })
        let code = try #require(crash["code"] as? [String: Any])
        let instructions = try #require(code["instructions"] as? [[String: Any]])
        let faulting = try #require(instructions.first { $0["faulting"] as? Bool == true }, "no faulting instruction")
        let address = try #require(UInt64((faulting["address"] as! String).dropFirst(2), radix: 16))
        let text = faulting["text"] as! String
        if code["source"] as? String == "log" {
            #expect(code["matches_binary"] as? Bool == true, "\(capture): the log's bytes are the module's")
        }
        // The module section holding the PC, and llvm-objdump's instruction there.
        let placed = try Self.sections(capture.sample, capture.name).filter { $0.0.hasPrefix(".text") && $0.1 <= address }
        guard let section = placed.max(by: { $0.1 < $1.1 }) else { return }  // a fault in vmlinux
        let reference = try #require(
            try Self.objdump(capture.sample.path + "/crashmod.ko", section: section.0, offset: address - section.1),
            "llvm-objdump has no instruction at \(section.0)+0x\(String(address - section.1, radix: 16))")
        let mnemonic = String(text.split(separator: " ").first ?? "")
        // Capstone 4 has no s390 `mc` (the BUG trap): listed as data of the instruction's length.
        if reference.0 == "mc" {
            #expect(mnemonic == ".byte" && (faulting["bytes"] as? String)?.hasPrefix("af") == true, "\(capture): \(text)")
            return
        }
        // BUG() as data (`.word`/raw bytes in llvm-objdump): the trap instruction the kernel decodes.
        guard !reference.0.allSatisfy(\.isHexDigit), !reference.0.hasPrefix(".") else {
            #expect(["udf", "ud2", "trap", "break", "mc", "tw", "twi"].contains(mnemonic), "\(capture): \(text)")
            return
        }
        #expect(mnemonic == reference.0, "\(capture): \(text) vs llvm-objdump's \(reference.0) \(reference.1)")
        let set = code["instruction_set"] as? String ?? ""
        if ["x86_64", "i386", "arm", "thumb", "arm64"].contains(set) {
            let operands = String(text.dropFirst(mnemonic.count))
            #expect(Self.normalized(operands) == Self.normalized(reference.1), "\(capture): \(text) vs \(reference.0) \(reference.1)")
        }
    }

    /// The register that held the NULL `node` in each architecture's NULL dereference.
    static let nullRegisters: [(String, String, String)] = [
        ("x86_64", "RAX", "rax"), ("i386", "EDX", "edx"), ("arm64", "x1", "x1"), ("armhf", "r2", "r2"),
        ("arm-thumb2/fixed", "r2", "r2"), ("mips64el", "$2", "$v0"), ("ppc64el", "GPR09", "r9"),
    ]

    @Test("the NULL dereference names node in the register that held it, and the member read", arguments: nullRegisters)
    func nullPointerNamed(_ expected: (String, String, String)) throws {
        let sample = Samples.Sample(directory: expected.0)
        let crash = try #require(Self.reports(try Self.json(sample, "null")).first)
        let registers = try #require(crash["registers"] as? [[String: Any]])
        let register = try #require(registers.first { $0["name"] as? String == expected.1 }, "\(expected.1) in the dump")
        let variables = (register["variables"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(variables.contains("node"), "\(expected.0): \(expected.1) holds \(variables)")
        #expect(register["hint"] as? String == "NULL")
        let code = try #require(crash["code"] as? [String: Any])
        let faulting = try #require((code["instructions"] as? [[String: Any]])?.first { $0["faulting"] as? Bool == true })
        let access = try #require(faulting["access"] as? [String: Any], "\(expected.0): \(faulting["text"] ?? "")")
        #expect(access["register"] as? String == expected.2)
        let node = (access["variables"] as? [[String: Any]])?.first { $0["name"] as? String == "node" }
        #expect(node?["member"] as? String == "value")
        #expect(node?["struct"] as? String == "struct crash_node")
    }

    /// `samples/leaf/expected-registers.tsv`: per architecture, the register
    /// DWARF puts `o` in at the faulting PC and llvm-objdump's instruction there.
    static let leafExpectations: [[String]] = {
        let text = (try? String(contentsOfFile: Samples.path("samples/leaf/expected-registers.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t").map(String.init) }
    }()

    /// Hex numbers written in decimal, so that `0x28(%rdi)` and `40(%rdi)`, `#0x28` and `#40` compare equal.
    static func decimalized(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: "0x") {
            result += rest[..<range.lowerBound]
            let digits = rest[range.upperBound...].prefix { $0.isHexDigit }
            result += UInt64(digits, radix: 16).map(String.init) ?? "0x" + digits
            rest = rest[range.upperBound...].dropFirst(digits.count)
        }
        return (result + rest).filter { $0 != " " }
    }

    @Test("crash_null_leaf (real captures, no code bytes in the log): o named in its register, o->value, the binary's instruction", arguments: leafExpectations)
    func nullLeaf(_ expected: [String]) throws {
        let sample = Samples.Sample(directory: "leaf/" + expected[0])
        let document = try Self.json(sample, "leaf", modules: sample.path)
        let crash = try #require(Self.reports(document).first { $0["crash"] as? Bool == true })
        let code = try #require(crash["code"] as? [String: Any])
        #expect(code["source"] as? String == "binary")
        #expect((crash["code_note"] as? String ?? "").contains("the log printed no code"))
        let faulting = try #require((code["instructions"] as? [[String: Any]])?.first { $0["faulting"] as? Bool == true })
        #expect(Self.decimalized(faulting["text"] as? String ?? "") == Self.decimalized(expected[7]), "\(faulting["text"] ?? "") vs \(expected[7])")
        let access = try #require(faulting["access"] as? [String: Any])
        #expect(access["register"] as? String == expected[4])
        let pointer = (access["variables"] as? [[String: Any]])?.first { $0["name"] as? String == expected[3] }
        #expect(pointer?["member"] as? String == "value")
        #expect(pointer?["struct"] as? String == "struct crash_obj")
        let registers = try #require(crash["registers"] as? [[String: Any]])
        let held = registers.first { register in
            (register["variables"] as? [[String: Any]] ?? []).contains { $0["name"] as? String == expected[3] }
        }
        #expect(held?["hint"] as? String == "NULL", "the register holding \(expected[3]) is 0")
        #expect((held?["name"] as? String)?.lowercased() == expected[4], "\(held?["name"] ?? "none") holds \(expected[3])")
    }

    @Test("markdown: the crash site gives the faulting instruction and the registers that hold variables")
    func markdownCrashSite() throws {
        let sample = Samples.Sample(directory: "leaf/x86_64")
        let result = try CLI.run([
            "--format", "markdown", "--modules", sample.path, "--module-sections", sample.path + "/leaf.sections",
            sample.path + "/leaf.log",
        ])
        let site = try #require(result.stdout.range(of: "**Crash site:**"))
        let stack = try #require(result.stdout.range(of: "**Stack**"))
        let between = result.stdout[site.upperBound..<stack.lowerBound]
        #expect(between.contains("**Faulting instruction** (from the binary): `movl 0x28(%rdi), %eax` `[through rdi = 0x0 (NULL): o->value]`"))
        #expect(between.contains("**Registers:** "))
        #expect(between.contains("`RDI` = `0000000000000000` `[o, NULL]`"))
        #expect(between.contains("`RSI` = `0000000000000002` `[bias]`"))
    }

    /// An oops at `vfs_write+0x21` of Debian's own amd64 vmlinux (`movl 0x44(%rdi),%eax`,
    /// `file->f_mode` with `file == NULL`), its `Code:` bytes cut from that vmlinux
    /// with `__fentry__`'s call turned into the NOP a running kernel has there.
    static func vfsWriteOops(vmlinux: String, flip: Int? = nil) throws -> String {
        let sections = try Samples.run("/usr/bin/readelf", ["-SW", vmlinux])
        let text = try #require(sections.split(separator: "\n").first { $0.contains(" .text ") })
        let fields = text.split(separator: " ").map(String.init)
        let column = try #require(fields.firstIndex(of: ".text"))
        let textAddress = try #require(UInt64(fields[column + 2], radix: 16))
        let textOffset = try #require(UInt64(fields[column + 3], radix: 16))
        let tool = try #require(Self.llvmObjdump, "llvm-objdump (llvm-14, installed by scripts/setup.sh --test)")
        let symbols = try Samples.run("/bin/sh", ["-c", "\"$1\" -t \"$0\" | grep -w 'vfs_write$'", vmlinux, tool])
        let entry = try #require(UInt64(symbols.prefix(16), radix: 16))
        let pc = entry + 0x21
        let handle = try #require(FileHandle(forReadingAtPath: vmlinux))
        defer { try? handle.close() }
        try handle.seek(toOffset: textOffset + (pc - 42 - textAddress))
        var bytes = [UInt8](try #require(try handle.read(upToCount: 64)))
        bytes.replaceSubrange(9..<14, with: [0x0f, 0x1f, 0x44, 0x00, 0x00])  // the call to __fentry__, patched
        if let flip { bytes[42 + flip] ^= 0xff }
        let code = bytes.enumerated().map { $0.offset == 42 ? "<\(Self.hex2($0.element))>" : Self.hex2($0.element) }
        return """
            [  100.000100] BUG: kernel NULL pointer dereference, address: 0000000000000044
            [  100.000101] #PF: supervisor read access in kernel mode
            [  100.000102] Oops: 0000 [#1] PREEMPT SMP NOPTI
            [  100.000103] CPU: 0 PID: 90 Comm: sh Not tainted 6.1.0-50-amd64 #1  Debian 6.1.176-1
            [  100.000104] RIP: 0010:vfs_write+0x21/0x3e3
            [  100.000105] Code: \(code.joined(separator: " "))
            [  100.000106] RSP: 0018:ffffb4c1c05abe80 EFLAGS: 00010246
            [  100.000107] RAX: 0000000000000000 RBX: 0000000000000005 RCX: 0000000000000000
            [  100.000108] RDX: 0000000000000005 RSI: 000000002d2148f0 RDI: 0000000000000000

            """
    }

    static func hex2(_ byte: UInt8) -> String { byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }

    @Test("a fault in Debian's amd64 vmlinux: its bytes, its patched __fentry__ call, file->f_mode, the registers")
    func vmlinuxFault() throws {
        let vmlinux = try #require(try Samples.Sample(directory: "x86_64").vmlinux())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ksym-vfs-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for flip in [nil, 3] as [Int?] {
            let log = directory.appendingPathComponent("oops-\(flip ?? 0).log").path
            try Self.vfsWriteOops(vmlinux: vmlinux, flip: flip).write(toFile: log, atomically: true, encoding: .utf8)
            let result = try CLI.run(["--format", "json", "--vmlinux", vmlinux, log])
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let crash = try #require(Self.reports(document).first)
            let code = try #require(crash["code"] as? [String: Any])
            if let flip {
                #expect(code["matches_binary"] as? Bool == false)
                #expect(code["mismatch_offset"] as? Int == flip)
                let frames = crash["frames"] as? [[String: Any]] ?? []
                #expect(frames.contains { ($0["mismatch"] as? String ?? "").contains("Code: bytes differ from") }, "a mismatch proof on the frame")
                continue
            }
            #expect(code["matches_binary"] as? Bool == true)
            #expect((code["excused_bytes"] as? Int ?? 0) >= 5, "the NOP where the binary calls __fentry__ (vmlinux's __mcount_loc)")
            let instructions = try #require(code["instructions"] as? [[String: Any]])
            let faulting = try #require(instructions.first { $0["faulting"] as? Bool == true })
            #expect(faulting["symbol"] as? String == "vfs_write+0x21")
            #expect(Self.decimalized(faulting["text"] as? String ?? "") == Self.decimalized("movl 68(%rdi), %eax"))
            #expect(instructions.contains { $0["symbol"] as? String == "vfs_write+0x0" && $0["text"] as? String == "nopl (%rax, %rax)" })
            let access = try #require(faulting["access"] as? [String: Any])
            let file = (access["variables"] as? [[String: Any]])?.first { $0["name"] as? String == "file" }
            #expect(file?["member"] as? String == "f_mode")
            #expect(file?["struct"] as? String == "struct file")
            let registers = try #require(crash["registers"] as? [[String: Any]])
            let named = Dictionary(uniqueKeysWithValues: registers.map { register in
                (register["name"] as? String ?? "", (register["variables"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
            })
            #expect(named["RDI"] == ["file"])
            #expect(named["RSI"] == ["buf"])
            #expect(named["RDX"] == ["count"])
            #expect(named["RCX"] == ["pos"])
        }
    }

    @Test("text output: the disassembly under Code:, the variables after the register values")
    func textOutput() throws {
        let sample = Samples.Sample(directory: "x86_64")
        let result = try CLI.run([
            "--modules", sample.path, "--module-sections", sample.path + "/null.sections", sample.path + "/null.log",
        ])
        // "\r\n" is one Character: split on both line ends.
        let lines = result.stdout.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        let code = try #require(lines.firstIndex { $0.contains("] Code: ") })
        try #require(code + 1 < lines.count, "output ends at the Code: line")
        #expect(lines[code + 1].contains("Code (x86_64, from the log, same bytes as the binary"))
        #expect(lines.contains { $0.contains("=> ffffffffc05da05f: 8b 10") && $0.contains("movl (%rax), %edx") && $0.contains("node->value") })
        let registers = try #require(lines.firstIndex { $0.contains("] RAX: 0000000000000000 RBX:") })
        try #require(registers + 1 < lines.count)
        #expect(lines[registers + 1].trimmingCharacters(in: .whitespacesAndNewlines) == "RAX [node, NULL]")
    }

    @Test("a rebuilt module's bytes are told apart from the log's; the unchanged one's are not")
    func rebuiltModuleFlagged() throws {
        let sample = Samples.Sample(directory: "x86_64")
        let rebuilt = try #require(Self.reports(try Self.json(sample, "null", modules: sample.path + "/mismatch")).first)
        let code = try #require(rebuilt["code"] as? [String: Any])
        #expect(code["matches_binary"] as? Bool == false)
        #expect(code["mismatch_offset"] is Int)
        let same = try #require(Self.reports(try Self.json(sample, "null")).first?["code"] as? [String: Any])
        #expect(same["matches_binary"] as? Bool == true)
        #expect((same["excused_bytes"] as? Int ?? 0) > 0, "the ftrace nops and return thunks around the PC are patched")
    }

    @Test("no code bytes in the log: the binary's own, and why; a code line not understood passes through")
    func codeFromBinaryAndBadLines() throws {
        let sample = Samples.Sample(directory: "x86_64")
        let original = try String(contentsOfFile: sample.path + "/null.log", encoding: .utf8)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ksym-code-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let firstCode = try #require(original.range(of: "Code: cc cc 83 ef 01"))
        let lineEnd = try #require(original[firstCode.lowerBound...].firstIndex { $0 == "\r\n" || $0 == "\n" })
        for (name, replacement) in [
            ("unable", "Code: Unable to access opcode bytes at 0xffffffffc05da035."), ("garbled", "Code: 8b zz <10> qq"),
        ] {
            let log = directory.appendingPathComponent("\(name).log").path
            try (original[..<firstCode.lowerBound] + replacement + original[lineEnd...]).write(toFile: log, atomically: true, encoding: .utf8)
            let crash = try #require(Self.reports(try Self.json(sample, "null", log: log)).first)
            let note = crash["code_note"] as? String ?? ""
            let frames = crash["frames"] as? [[String: Any]] ?? []
            #expect(frames.contains { ($0["locations"] as? [Any])?.isEmpty == false }, "frames still symbolized")
            if name == "unable" {
                let code = try #require(crash["code"] as? [String: Any])
                #expect(code["source"] as? String == "binary")
                #expect(note.contains("Unable to access opcode bytes"))
                let faulting = (code["instructions"] as? [[String: Any]])?.first { $0["faulting"] as? Bool == true }
                #expect(faulting?["text"] as? String == "movl (%rax), %edx")
            } else {
                #expect(note.contains("not understood"), "\(note)")
                let text = try CLI.run(["--modules", sample.path, "--module-sections", sample.path + "/null.sections", log])
                #expect(text.stdout.contains("] " + replacement + "\r\n"), "the garbled line passes through unchanged")
            }
        }
    }
}

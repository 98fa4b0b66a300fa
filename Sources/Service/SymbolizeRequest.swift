import ArchFixups
import FoundationEssentials
import Symbolizer

/// One `POST /v1/symbolize`, read: the log, the options made of the server's
/// own and of the snapshots the request carries, and how to print.
///
/// Nothing in a request names a file: binaries come from the server's
/// options (and debuginfod); snapshots travel as text in the body.
struct SymbolizeRequest: Sendable {
    var log: [UInt8]
    var format: OutputFormat = .text
    var reportsOnly = false
    var options: SymbolizerOptions
    /// What the command line would have said on standard error about the inputs.
    var warnings: [String] = []

    /// A request that cannot be run as given (400), said for the client.
    struct Invalid: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// - Parameters:
    ///   - contentType: `text/plain`, `application/octet-stream` (or none): the body is the log alone;
    ///     `application/json`: a ``Document``.
    ///   - query: `format=text|json|markdown`, `reports_only=1`.
    ///   - base: the server's options, which the request's snapshots complete.
    init(body: [UInt8], contentType: String?, query: [(String, String)], base: SymbolizerOptions) throws(Invalid) {
        options = base
        // The crashed machine is never the server: its /proc and /sys say nothing about the log.
        options.live = .off
        for (name, value) in query {
            switch name {
            case "format":
                guard let format = OutputFormat(rawValue: value) else {
                    throw Invalid("invalid format \"\(value)\": expected text, json or markdown")
                }
                self.format = format
            case "reports_only":
                guard let flag = ["1": true, "true": true, "0": false, "false": false][value] else {
                    throw Invalid("invalid reports_only \"\(value)\": expected 1 or 0")
                }
                reportsOnly = flag
            default:
                throw Invalid("unknown query parameter \"\(name)\": expected format or reports_only")
            }
        }
        // On the bytes: asked of every request.
        let mediaType = String(
            decoding: (contentType ?? "text/plain").utf8.prefix { $0 != UInt8(ascii: ";") }
                .filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }, as: UTF8.self
        ).lowercased()
        switch mediaType {
        case "text/plain", "application/octet-stream", "":
            log = body
        case "application/json":
            let document = try Document(json: body)
            switch (document.log, document.logBase64) {
            case (let text?, nil): log = Array(text.utf8)
            case (nil, let encoded?): log = encoded.isEmpty ? [] : try Self.base64(encoded, field: "log_base64")
            case (nil, nil): throw Invalid("malformed JSON body: no \"log\" (or \"log_base64\")")
            case (_?, _?): throw Invalid("both \"log\" and \"log_base64\": send the log once")
            }
            try apply(document)
        default:
            throw Invalid("unsupported Content-Type \"\(contentType ?? "")\": expected text/plain (the log alone) or application/json")
        }
    }

    /// The snapshots and facts of a JSON request, as the command line's options would give them.
    private mutating func apply(_ document: Document) throws(Invalid) {
        if let release = document.release {
            guard ModuleName.isValidRelease(release) else {
                throw Invalid("invalid release \"\(release)\": expected a kernel release such as 6.1.0-50-amd64")
            }
            options.kernelRelease = release
        }
        if let text = document.moduleSections {
            var problems: [(line: Int, text: String)] = []
            options.moduleSections = ModuleSectionsSnapshot(text: text, problems: &problems)
            note(problems, in: "module_sections", expected: "/sys/module/MOD/sections/SECTION:0xADDR or MOD SECTION 0xADDR")
        }
        if let text = document.procModules {
            var problems: [(line: Int, text: String)] = []
            options.procModules = ProcModulesSnapshot(text: text, problems: &problems)
            note(problems, in: "proc_modules", expected: "a /proc/modules line: NAME SIZE REFS DEPS STATE 0xADDR")
        }
        if let text = document.kallsyms {
            var problems: [(line: Int, text: String)] = []
            options.kallsyms = KallsymsSnapshot(text: text, problems: &problems)
            note(problems, in: "kallsyms", expected: "a /proc/kallsyms line: ADDRESS TYPE NAME [MODULE]")
        }
        if let notes = document.kernelNotes {
            guard let id = ElfNotes.gnuBuildID(in: try Self.base64(notes, field: "kernel_notes")) else {
                throw Invalid("kernel_notes: no GNU build-id note in it (expected a copy of /sys/kernel/notes)")
            }
            options.buildIDs.vmlinux = ExpectedBuildID(id: id, source: "kernel_notes")
        }
        for (name, notes) in (document.moduleNotes ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard ModuleName.isValid(name) else { throw Invalid("module_notes: invalid module name \"\(name)\"") }
            if let id = ElfNotes.gnuBuildID(in: try Self.base64(notes, field: "module_notes.\(name)")) {
                options.buildIDs.setModule(name, ExpectedBuildID(id: id, source: "module_notes.\(name)"))
            } else {
                warnings.append("module_notes.\(name): no GNU build-id note in it")
            }
        }
        if let text = document.kaslrOffset {
            let digits = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : Substring(text)
            guard let offset = UInt64(digits, radix: 16) else { throw Invalid("invalid kaslr_offset \"\(text)\": expected hex such as 0x1e000000") }
            options.kaslrOffset = offset
        }
        if let name = document.arch {
            guard let architecture = Architecture(name: name) else {
                throw Invalid("invalid arch \"\(name)\": expected one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.architecture = architecture
        }
        if let mode = document.kallsymsMode {
            guard let kallsymsMode = KallsymsMode(rawValue: mode) else { throw Invalid("invalid kallsyms_mode \"\(mode)\": expected fixed or raw") }
            options.kallsymsMode = kallsymsMode
        }
    }

    private mutating func note(_ problems: [(line: Int, text: String)], in field: String, expected: String) {
        for problem in problems.prefix(5) { warnings.append("\(field):\(problem.line): ignored \"\(problem.text)\"; expected \(expected)") }
        if problems.count > 5 { warnings.append("\(field): \(problems.count - 5) more lines ignored") }
    }

    private static func base64(_ text: String, field: String) throws(Invalid) -> [UInt8] {
        // Line breaks (as base64(1) writes them) are allowed; nothing else.
        let compact = String(decoding: text.utf8.filter { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }, as: UTF8.self)
        guard let data = Data(base64Encoded: compact), !text.isEmpty else { throw Invalid("\(field): not base64") }
        return Array(data)
    }

    /// The JSON body: the log and the crashed machine's snapshots, every field but the log optional.
    struct Document {
        /// The log as text (a JSON string is Unicode: invalid bytes in a log cannot travel in it).
        var log: String?
        /// The log's bytes exactly, base64: what `log` cannot carry (a console capture with line noise).
        var logBase64: String?
        var moduleSections: String?
        var procModules: String?
        var kallsyms: String?
        /// `/sys/kernel/notes`, base64.
        var kernelNotes: String?
        /// `/sys/module/MOD/notes/.note.gnu.build-id` by module, base64.
        var moduleNotes: [String: String]?
        var release: String?
        var kaslrOffset: String?
        var arch: String?
        var kallsymsMode: String?

        enum Field: String, CaseIterable {
            case log, kallsyms, release, arch
            case logBase64 = "log_base64"
            case moduleSections = "module_sections", procModules = "proc_modules", kernelNotes = "kernel_notes"
            case moduleNotes = "module_notes", kaslrOffset = "kaslr_offset", kallsymsMode = "kallsyms_mode"
        }

        /// Reads the body; unknown fields are refused (a misspelt snapshot would be ignored silently),
        /// `null` is a field not given.
        init(json body: [UInt8]) throws(Invalid) {
            let members: [(key: String, value: FlatJSON.Value)]
            do {
                members = try FlatJSON.object(body)
            } catch {
                throw Invalid("malformed JSON body: \(error.message)")
            }
            var fields: [Field: FlatJSON.Value] = [:]
            for member in members {
                guard let field = Field(rawValue: member.key) else {
                    throw Invalid("unknown field \"\(member.key)\": expected \(Field.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                fields[field] = member.value
            }
            func text(_ field: Field) throws(Invalid) -> String? { try Self.text(fields[field], name: field.rawValue) }
            log = try text(.log)
            logBase64 = try text(.logBase64)
            moduleSections = try text(.moduleSections)
            procModules = try text(.procModules)
            kallsyms = try text(.kallsyms)
            kernelNotes = try text(.kernelNotes)
            release = try text(.release)
            kaslrOffset = try text(.kaslrOffset)
            arch = try text(.arch)
            kallsymsMode = try text(.kallsymsMode)
            switch fields[.moduleNotes] {
            case nil, .null?: moduleNotes = nil
            case .object(let notes)?:
                var byModule: [String: String] = [:]
                for (name, value) in notes {
                    if let note = try Self.text(value, name: "module_notes.\(name)") { byModule[name] = note }
                }
                moduleNotes = byModule
            case let other?: throw Invalid("malformed JSON body: \"module_notes\": expected an object of strings, found \(Self.kind(of: other))")
            }
        }

        /// A string field's text; `nil` when absent or `null`.
        private static func text(_ value: FlatJSON.Value?, name: String) throws(Invalid) -> String? {
            switch value {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case let other?: throw Invalid("malformed JSON body: \"\(name)\": expected a string, found \(kind(of: other))")
            }
        }

        private static func kind(of value: FlatJSON.Value) -> String {
            switch value {
            case .string: return "a string"
            case .object: return "an object"
            case .null: return "null"
            case .other(let kind): return kind
            }
        }
    }
}

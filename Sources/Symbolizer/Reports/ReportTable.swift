/// One kind of kernel report, recognised by the message that starts it.
///
/// The table is data: adding a format is adding a row.
public struct ReportFormat: Sendable {
    /// How the header is matched against a message.
    public enum Match: Sendable {
        /// The message starts with the text.
        case prefix(String)
        /// The message contains the text.
        case contains(String)
    }

    /// Short kind name used in JSON (`oops`, `bug`, `warning`, `kasan`, `panic`…).
    public var kind: String
    public var match: Match
    /// Whether the report's stack is found in this same message's report
    /// (all do; `false` marks headers that only add context to an open report).
    public var startsReport: Bool = true

    /// The header's UTF-8 bytes, and whether the message must start with them.
    var needle: (bytes: [UInt8], atStart: Bool) {
        switch match {
        case .prefix(let text): return (Array(text.utf8), true)
        case .contains(let text): return (Array(text.utf8), false)
        }
    }
}

/// The one table of kernel reports: which messages start a report and of
/// what kind (``rows``), and how each is titled — by the group of syzbot's
/// table (`pkg/report`, ported as `LinuxOopses`) whose header the message
/// contains, whose false positives also keep a message from starting a
/// report (userspace `WARNING:` lines, mount and sshd notices…). The report
/// list, the syzbot titles and the crash verdict all read it.
public enum ReportTable {
    /// Kind of the informational stack dumps (`dump_stack()`, allocation
    /// failures, fault injection) that start without a header of this table:
    /// context for a reader, not a crash.
    public static let stackDumpKind = "stack-dump"

    /// The known report headers, most specific first. Rows whose header is
    /// in a group of syzbot's table are titled by that group's rules; the
    /// others (architecture-specific oopses syzbot's table lacks) by their
    /// header and the first function of their frames.
    public static let rows: [ReportFormat] = [
        ReportFormat(kind: "kasan", match: .prefix("BUG: KASAN: ")),
        ReportFormat(kind: "kasan", match: .prefix("BUG: KASan: ")),
        ReportFormat(kind: "kfence", match: .prefix("BUG: KFENCE: ")),
        ReportFormat(kind: "kmsan", match: .prefix("BUG: KMSAN: ")),
        ReportFormat(kind: "kcsan", match: .prefix("BUG: KCSAN: ")),
        ReportFormat(kind: "ubsan", match: .prefix("UBSAN: ")),
        ReportFormat(kind: "soft-lockup", match: .contains("BUG: soft lockup")),
        ReportFormat(kind: "null-pointer", match: .prefix("BUG: kernel NULL pointer dereference")),
        ReportFormat(kind: "null-pointer", match: .prefix("BUG: Kernel NULL pointer dereference")),
        ReportFormat(kind: "paging-request", match: .prefix("BUG: unable to handle page fault")),
        ReportFormat(kind: "paging-request", match: .prefix("BUG: unable to handle kernel")),
        ReportFormat(kind: "bug", match: .prefix("kernel BUG at ")),
        ReportFormat(kind: "bug", match: .prefix("BUG: ")),
        ReportFormat(kind: "warning", match: .prefix("WARNING: ")),
        ReportFormat(kind: "warning", match: .prefix("------------[ cut here ]------------")),
        ReportFormat(kind: "lockdep", match: .prefix("WARNING: possible circular locking")),
        ReportFormat(kind: "lockdep", match: .prefix("WARNING: possible recursive locking")),
        ReportFormat(kind: "lockdep", match: .prefix("WARNING: inconsistent lock state")),
        ReportFormat(kind: "lockdep", match: .prefix("WARNING: possible irq lock inversion")),
        // Lockdep before 4.9: "[ INFO: possible circular locking dependency detected ]".
        ReportFormat(kind: "lockdep", match: .prefix("[ INFO: possible ")),
        ReportFormat(kind: "lockdep", match: .prefix("[ INFO: inconsistent lock state ]")),
        ReportFormat(kind: "lockdep", match: .prefix("[ INFO: suspicious RCU usage. ]")),
        ReportFormat(kind: "general-protection-fault", match: .prefix("general protection fault")),
        ReportFormat(kind: "divide-error", match: .prefix("divide error: ")),
        ReportFormat(kind: "invalid-opcode", match: .prefix("invalid opcode: ")),
        ReportFormat(kind: "double-fault", match: .prefix("double fault: ")),
        ReportFormat(kind: "paging-request", match: .contains(" Unable to handle kernel paging request at virtual address ")),
        ReportFormat(kind: "oops", match: .prefix("Oops: ")),
        ReportFormat(kind: "oops", match: .prefix("Oops - ")),
        ReportFormat(kind: "oops", match: .prefix("Oops[#")),
        ReportFormat(kind: "oops", match: .prefix("Unknown program exception: ")),
        // s390 program checks: "specification exception: 0006 ilc:2 [#1]SMP".
        ReportFormat(kind: "oops", match: .contains(" exception: 00")),
        ReportFormat(kind: "oops", match: .prefix("Internal error: ")),
        ReportFormat(kind: "oops", match: .prefix("Unable to handle kernel ")),
        ReportFormat(kind: "oops", match: .prefix("Unhandled fault: ")),
        ReportFormat(kind: "oops", match: .prefix("Alignment trap: ")),
        ReportFormat(kind: "bug", match: .prefix("Kernel BUG ")),
        ReportFormat(kind: "bug", match: .prefix("Kernel bug detected[#")),
        // MIPS die() messages: "Reserved instruction in kernel code[#1]:".
        ReportFormat(kind: "oops", match: .prefix("Reserved instruction in kernel code")),
        ReportFormat(kind: "oops", match: .prefix("Break instruction in kernel code")),
        ReportFormat(kind: "oops", match: .prefix("Unhandled kernel unaligned access")),
        ReportFormat(kind: "bug", match: .prefix("monitor event: ")),
        ReportFormat(kind: "hung-task", match: .prefix("INFO: task ")),
        ReportFormat(kind: "rcu-stall", match: .prefix("INFO: rcu_")),
        ReportFormat(kind: "rcu-stall", match: .prefix("rcu: INFO: rcu_")),
        ReportFormat(kind: "hard-lockup", match: .contains("Watchdog detected hard LOCKUP")),
        ReportFormat(kind: "panic", match: .prefix("Kernel panic - not syncing")),
    ]

    /// ``rows``' headers, in their order.
    private static let needles = rows.map(\.needle)
    /// For each first byte of a line, in table order, the rows that could match it: the
    /// prefixes starting with that byte and every row matched anywhere in the line.
    private static let candidatesByFirstByte: [[Int]] = (0..<256).map { byte in
        needles.indices.filter { !needles[$0].atStart || needles[$0].bytes.first == UInt8(byte) }
    }

    /// The format whose header `message` is, if any: `nil` also where the
    /// message is a false positive of the syzbot group that would title it.
    public static func format(of message: Substring) -> ReportFormat? {
        // Every line of a log is asked: the headers' bytes are made once and searched with memchr/memcmp.
        let index = ByteSearch.withBytes(message) { line -> Int? in
            guard let first = line.first else { return nil }
            return candidatesByFirstByte[Int(first)].first { index in
                let needle = needles[index]
                return needle.atStart
                    ? ByteSearch.hasBytes(needle.bytes, in: line, at: 0) : ByteSearch.firstOffset(of: needle.bytes, in: line) != nil
            }
        }
        guard let index else { return nil }
        let format = rows[index]
        if let group = titleGroup(of: message), group.isFalsePositive(String(message)) { return nil }
        return format
    }

    /// The group of syzbot's table that titles a report starting with `message`:
    /// the first (in syzbot's order) whose header the message contains.
    static func titleGroup(of message: Substring) -> OopsGroup? {
        LinuxOopses.groups.first { ByteSearch.contains(message, $0.header) }
    }

    /// Whether reports of `kind` are crashes a tracker files (every kind but
    /// the informational ``stackDumpKind``).
    public static func isCrash(kind: String) -> Bool { kind != stackDumpKind }

    /// The kind of a crash known only by its syzbot title (`possible deadlock
    /// in …`, `memory leak in …`, `unregister_netdevice: waiting for …`):
    /// the kind of the header the title starts like, else by its class.
    public static func kind(ofTitle title: String) -> String {
        if let format = format(of: title[...]) { return format.kind }
        let prefixes: [(String, String)] = [
            ("KASAN:", "kasan"), ("KFENCE:", "kfence"), ("KMSAN:", "kmsan"), ("KCSAN:", "kcsan"), ("UBSAN:", "ubsan"),
            ("possible deadlock", "lockdep"), ("inconsistent lock state", "lockdep"), ("memory leak", "memory-leak"),
            ("INFO: task hung", "hung-task"), ("INFO: rcu detected stall", "rcu-stall"), ("WARNING", "warning"),
            ("kernel panic", "panic"), ("panic:", "panic"),
        ]
        return prefixes.first { title.hasPrefix($0.0) }?.1 ?? "bug"
    }
}

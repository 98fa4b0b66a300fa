/// The files syzbot never blames for a crash, and the log lines whose files it
/// never reads: the one table ``GuiltyFile`` uses.
///
/// Each row is syzbot's (google/syzkaller `pkg/report/linux.go`,
/// `guiltyFileIgnores` and `guiltyLineIgnore`), written as a glob on the
/// kernel-tree-relative path (``KernelPath``): `*` stands for any characters,
/// `/` included, and the whole path must match. syzbot's regular expressions
/// are anchored at the start only, with `.` for any character; on paths of
/// `.c` and `.h` files (the only ones it reads) each row here matches the same
/// paths.
public struct GuiltyFileRule: Sendable, Hashable {
    /// Why a group of files is never to blame.
    public enum Group: String, Sendable, Hashable, CaseIterable {
        /// Generic headers and library helpers: inline helpers and data
        /// structures every subsystem calls; the caller misused them.
        case genericCode = "generic headers and helpers"
        /// KASAN, KMSAN and KCOV: the sanitizers' own code reports or records, it is not the bug.
        case sanitizers = "sanitizers and coverage"
        /// Slab and page allocators, vmalloc, percpu, the page cache and
        /// page-table walking: a fault there is a caller's bad pointer, size or
        /// double free.
        case memoryManagement = "allocator and memory-management internals"
        /// Lock implementations and lockdep, RCU: they detect misuse by their callers.
        case locking = "locking, lockdep and RCU internals"
        /// Traps, page faults, unwinders and stack dumping, printk, panic:
        /// how the report was printed, not where the bug is.
        case reporting = "reporting, trap and unwinding machinery"
        /// Entry code, scheduler, softirqs, kernel threads, timers and
        /// workqueues: they only run the callback that crashed.
        case executionContexts = "arch entry code and execution contexts"
        /// Networking core and procfs: generic paths every protocol and driver goes through.
        case genericPaths = "core paths of networking and procfs"
        /// Files whose warnings are almost always the calling driver's bug,
        /// and files that are not in the kernel tree.
        case callersFault = "caller's fault, or not in the tree"
    }

    /// Glob on the kernel-tree-relative path: `*` is any characters, `/` included.
    public var pattern: String
    public var group: Group

    public init(_ pattern: String, _ group: Group) {
        self.pattern = pattern
        self.group = group
    }

    /// Whether `path` (kernel-tree-relative) matches ``pattern`` whole.
    public func matches(_ path: String) -> Bool { Glob.matches(pattern: pattern, path) }
}

extension GuiltyFile {
    /// Files that are never blamed while a later frame names another (syzbot's `guiltyFileIgnores`).
    public static let ignoredFiles: [GuiltyFileRule] = [
        // Generic headers and helpers: every subsystem inlines and calls them.
        // syzbot's `.*\.h` is "has `.h` in it": headers, and atomisp's `ia_css_*.host.c` too.
        .init("*.h*", .genericCode),
        .init("lib/*", .genericCode),
        .init("virt/lib/*", .genericCode),
        .init("arch/*/lib/crc*", .genericCode),  // crashes there are caused by the calling code
        // Sanitizers report, they are not the bug.
        .init("mm/kasan/*", .sanitizers),
        .init("mm/kmsan/*", .sanitizers),
        .init("kernel/kcov.c", .sanitizers),
        // Allocators and mm internals: the caller passed the bad pointer or size.
        .init("mm/slab.c", .memoryManagement),
        .init("mm/slob.c", .memoryManagement),
        .init("mm/slub.c", .memoryManagement),
        .init("mm/slab_common.c", .memoryManagement),  // syzbot's `mm/sl.b.c` matches it too
        .init("mm/filemap.c", .memoryManagement),
        .init("mm/folio-compat.c", .memoryManagement),
        .init("mm/truncate.c", .memoryManagement),
        .init("mm/memory.c", .memoryManagement),
        .init("mm/percpu*", .memoryManagement),
        .init("mm/vmalloc.c", .memoryManagement),
        .init("mm/page_alloc.c", .memoryManagement),
        .init("mm/mempool.c", .memoryManagement),
        .init("mm/util.c", .memoryManagement),
        .init("arch/*/mm/physaddr.c", .memoryManagement),
        // Locking and RCU detect their callers' misuse.
        .init("kernel/locking/*", .locking),
        .init("kernel/rcu/*", .locking),
        // Reporting: traps, faults, unwinders, stack dumps, printk, panic.
        .init("arch/*/kernel/traps.c", .reporting),
        .init("arch/*/kernel/unwind*.c", .reporting),
        .init("arch/*/mm/fault.c", .reporting),
        .init("arch/*/kernel/stacktrace.c", .reporting),
        .init("kernel/stacktrace.c", .reporting),
        .init("kernel/panic.c", .reporting),
        .init("kernel/printk/printk*.c", .reporting),
        // Arch entry code and the contexts that only run the crashing callback.
        .init("arch/*/kernel/apic/apic.c", .executionContexts),
        .init("arch/*/kernel/apic/apic_common.c", .executionContexts),  // syzbot's `apic.c` matches it too
        .init("arch/arm64/kernel/entry*.c", .executionContexts),
        .init("arch/arm64/kernel/process.c", .executionContexts),
        .init("kernel/softirq.c", .executionContexts),
        .init("kernel/kthread.c", .executionContexts),
        .init("kernel/sched/*.c", .executionContexts),
        .init("kernel/time/timer.c", .executionContexts),
        .init("kernel/workqueue.c", .executionContexts),
        // Core paths every protocol, driver and proc file goes through.
        .init("net/core/dev.c", .genericPaths),
        .init("net/core/sock.c", .genericPaths),
        .init("net/core/skbuff.c", .genericPaths),
        .init("fs/proc/generic.c", .genericPaths),
        // A WARNING in urb.c is usually a driver's bug; Trusty is not in the kernel tree.
        .init("drivers/usb/core/urb.c", .callersFault),
        .init("trusty/*", .callersFault),
    ]

    /// The rule that keeps `path` (kernel-tree-relative) from being blamed, if any.
    public static func ignoreRule(for path: String) -> GuiltyFileRule? {
        ignoredFiles.first { $0.matches(path) }
    }

    /// Lines whose `file:line` is never read (syzbot's `guiltyLineIgnore`):
    /// where locks were taken and where interrupts were last switched, which
    /// lockdep and the sanitizers print next to the report, and KMSAN's
    /// register notes. Each is tested on the kernel message (prefixes removed).
    public static func isIgnoredLine(_ message: Substring) -> Bool {
        let text = message.drop { $0 == " " || $0 == "\t" }
        // `#0: ffff… (&lock){+.+.}, at: …` (lockdep's held locks).
        if text.first == "#" {
            let digits = text.dropFirst().prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, text.dropFirst(1 + digits.count).first == ":" { return true }
        }
        // `Register r12 information: …` (KMSAN).
        if message.hasPrefix("Register r") {
            let rest = message.dropFirst("Register r".count)
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, rest.dropFirst(digits.count).hasPrefix(" information") { return true }
        }
        // `…, at: …` with any blanks around `at:`.
        var search = message[...]
        while let comma = search.firstIndex(of: ",") {
            let after = search[search.index(after: comma)...]
            let blanks = after.prefix { $0.isWhitespace }
            if !blanks.isEmpty, after.dropFirst(blanks.count).hasPrefix("at:"),
                after.dropFirst(blanks.count + 3).first?.isWhitespace == true
            {
                return true
            }
            search = after
        }
        // `hardirqs last  enabled at (…)`, `softirqs last disabled at …`.
        for irqs in ["hardirqs", "softirqs"] {
            var rest = message[...]
            while let range = rest.firstRange(of: irqs) {
                let after = rest[range.upperBound...]
                let words = after.split(whereSeparator: { $0.isWhitespace }).prefix(2)
                if after.first?.isWhitespace == true, words.count == 2, words.first == "last",
                    words.last!.hasPrefix("enabled") || words.last!.hasPrefix("disabled")
                {
                    return true
                }
                rest = after
            }
        }
        return false
    }
}

/// Whole-string globs where `*` matches any run of characters, `/` included.
enum Glob {
    static func matches(pattern: String, _ text: String) -> Bool {
        let pattern = Array(pattern.utf8)
        let text = Array(text.utf8)
        var p = 0
        var t = 0
        var star: Int?
        var resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                p += 1
                resume = t
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}

/// A stable identity for "the same bug": a hash over the report's top
/// functions, so that the same crash on two builds of a kernel (other
/// offsets, other line numbers, other clone suffixes) gets the same
/// signature, and different crashes get different ones.
///
/// Rules:
/// 1. Take the reliable frames in order (`?` entries are left out).
/// 2. Expand each into its inline chain, innermost first (DWARF functions);
///    a frame without DWARF contributes the function the kernel printed.
/// 3. Drop compiler clone suffixes (`.constprop.N`, `.isra.N`, `.part.N`,
///    `.cold`, `.llvm.N`, `.lto_priv.N`…) and skip generic frames (stack
///    dumping, WARN/BUG machinery, exception entry; see ``genericFunctions``).
/// 4. Keep the first ``depth`` functions (no immediate repeats: deep recursion
///    counts once), join them with newlines, and hash with 64-bit FNV-1a.
///    The signature is the hash in 16 lower-case hex digits.
public enum ReportSignature {
    /// How many functions the signature covers.
    public static let depth = 5

    /// Functions that say how the report was printed, not where the bug is.
    public static let genericFunctions: Set<String> = [
        "dump_stack", "dump_stack_lvl", "show_stack", "show_regs", "__show_regs", "show_trace_log_lvl",
        "unwind_backtrace", "dump_backtrace", "dump_backtrace_entry", "c_backtrace", "arch_stack_walk", "stack_trace_save",
        "__warn", "warn_slowpath_fmt", "warn_slowpath_null", "report_bug", "handle_bug", "__report_bug", "bug_handler",
        "do_trap", "do_error_trap", "exc_invalid_op", "asm_exc_invalid_op", "asm_exc_page_fault", "exc_page_fault",
        "do_page_fault", "__do_page_fault", "page_fault_oops", "kernelmode_fixup_or_oops", "no_context",
        "__bad_area_nosemaphore", "bad_area_nosemaphore", "do_user_addr_fault", "die", "__die", "oops_end",
        "die_kernel_fault", "__do_kernel_fault", "do_DataAbort", "do_PrefetchAbort", "do_translation_fault",
        "do_bad_area", "do_sect_fault", "do_mem_abort", "el1_abort", "el1h_64_sync_handler", "el1h_64_sync",
        "el1_da", "el1_sync", "__dabt_svc", "__und_svc", "__pabt_svc", "__irq_svc", "do_undefinstr", "call_undef_hook",
        "panic", "nmi_panic", "kasan_report", "__kasan_report", "print_report", "kasan_check_range",
        "__asan_load1", "__asan_load2", "__asan_load4", "__asan_load8", "__asan_store1", "__asan_store2",
        "__asan_store4", "__asan_store8", "ubsan_epilogue", "lockdep_print_held_locks", "debug_show_all_locks",
        "ret_from_fork", "ret_from_fork_asm", "kernel_thread", "entry_SYSCALL_64_after_hwframe", "do_syscall_64",
        "ret_fast_syscall", "el0_svc", "el0t_64_sync", "el0t_64_sync_handler",
    ]

    /// The signature of a report's frames; `nil` when no frame names a function.
    public static func signature(of frames: [ResolvedFrame]) -> String? {
        let functions = topFunctions(of: frames)
        guard !functions.isEmpty else { return nil }
        return fnv1a(functions.joined(separator: "\n"))
    }

    /// The functions the signature is made of, in order.
    public static func topFunctions(of frames: [ResolvedFrame]) -> [String] {
        var result: [String] = []
        for frame in frames where frame.frame.reliable {
            let names: [String]
            if !frame.locations.isEmpty {
                names = frame.locations.compactMap(\.function)
            } else if let name = frame.symbol?.name ?? frame.frame.symbol?.name {
                names = [name]
            } else {
                names = []
            }
            for raw in names {
                let name = baseName(raw)
                if genericFunctions.contains(name) || name.isEmpty { continue }
                if result.last == name { continue }
                result.append(name)
                if result.count == depth { return result }
            }
        }
        return result
    }

    /// `crash_noreturn.constprop.0` → `crash_noreturn`; `foo.cold` → `foo`.
    public static func baseName(_ name: String) -> String {
        var parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count > 1, !parts[0].isEmpty else { return name }
        let cloneWords: Set<Substring> = ["constprop", "isra", "part", "cold", "llvm", "lto_priv", "clone", "specialized", "localalias"]
        while parts.count > 1 {
            let last = parts[parts.count - 1]
            if last.allSatisfy(\.isNumber) || cloneWords.contains(last) {
                parts.removeLast()
            } else {
                break
            }
        }
        return parts.joined(separator: ".")
    }

    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Functions that say how a report was printed, not where the bug is: stack
/// dumping, WARN/BUG and exception machinery, sanitizer reporting, syscall
/// and kernel-thread entry. One list for titles (the function a title names
/// is the first frame not in it) and signatures (``ReportSignature``).
public enum GenericFrames {
    public static let names: Set<String> = [
        "dump_stack", "dump_stack_lvl", "show_stack", "show_regs", "__show_regs", "show_trace_log_lvl",
        "unwind_backtrace", "dump_backtrace", "dump_backtrace_entry", "c_backtrace", "arch_stack_walk",
        "stack_trace_save", "__warn", "warn_slowpath_fmt", "warn_slowpath_null", "report_bug", "handle_bug",
        "__report_bug", "bug_handler", "__bug", "do_trap", "do_error_trap", "exc_invalid_op", "asm_exc_invalid_op",
        "asm_exc_page_fault", "exc_page_fault", "do_page_fault", "__do_page_fault", "page_fault_oops",
        "kernelmode_fixup_or_oops", "no_context", "__bad_area_nosemaphore", "bad_area_nosemaphore",
        "do_user_addr_fault", "die", "__die", "oops_end", "die_kernel_fault", "__do_kernel_fault", "do_DataAbort",
        "do_PrefetchAbort", "do_translation_fault", "do_bad_area", "do_sect_fault", "do_mem_abort", "el1_abort",
        "el1h_64_sync_handler", "el1h_64_sync", "el1_da", "el1_sync", "__dabt_svc", "__und_svc", "__pabt_svc",
        "__irq_svc", "do_undefinstr", "call_undef_hook", "panic", "nmi_panic", "kasan_report", "__kasan_report",
        "print_report", "kasan_check_range", "__asan_load1", "__asan_load2", "__asan_load4", "__asan_load8",
        "__asan_store1", "__asan_store2", "__asan_store4", "__asan_store8", "ubsan_epilogue",
        "lockdep_print_held_locks", "debug_show_all_locks", "ret_from_fork", "ret_from_fork_asm", "kernel_thread",
        "entry_SYSCALL_64_after_hwframe", "do_syscall_64", "ret_fast_syscall", "el0_svc", "el0t_64_sync",
        "el0t_64_sync_handler", "dump_backtrace_log_lvl", "warn_slowpath_common", "__dump_stack", "show_trace",
        "show_stack_log_lvl", "dump_stack_print_info", "warn_alloc", "warn_alloc_show_mem", "dump_header",
        "__report_bad_irq", "note_interrupt", "__warn_printk", "check_panic_on_warn", "print_address_description",
        "kasan_report_invalid_free", "__kasan_check_read", "__kasan_check_write", "show_stack_loglvl",
        "__might_sleep", "___might_sleep", "__might_resched", "__might_fault", "check_preemption_disabled",
        "debug_smp_processor_id", "__this_cpu_preempt_check",
    ]

    /// Whether `name` (clone suffixes and an ELFv1 leading dot allowed) is generic.
    public static func contains(_ name: String) -> Bool {
        let base = ReportSignature.baseName(name.hasPrefix(".") ? String(name.dropFirst()) : name)
        return names.contains(base)
    }
}

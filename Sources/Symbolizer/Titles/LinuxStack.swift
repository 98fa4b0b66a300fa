/// syzkaller's Linux stack parameters: what starts a stack trace, what a
/// frame line looks like, which functions never make a title, and the
/// syscall-entry prefixes removed from frame names.
enum LinuxStack {
    /// The trapping instruction's function: `RIP: 0010:f+…`, `EIP: f+…`, `IP: [<…>] f+…`,
    /// `NIP [c0…] f+…`, arm64 `pc : f+…`, riscv `epc : f+…`, arm `PC is at f+…`.
    /// The user-space and `(null)` alternatives match without capturing a function.
    static let ripPattern = #"(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:{{PC}} +){0,2}{{FUNC}}|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?{{PC}} +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\))"#
    static let rip = TitleRegex(ripPattern)
    /// The marker before a call trace (colon required).
    static let callTrace = TitleRegex(#"(?:Call (?:T|t)race:)|(?:Backtrace:)"#)
    /// First step of a WARNING: the RIP line, or powerpc's `--- interrupt: N at f`.
    static let warningTrap = TitleRegex("(?:" + ripPattern + "|--- interrupt: [0-9]+ at {{FUNC}})")

    /// The riscv register tail printed right before a stack dump with no marker of its own.
    static let riscvStackStart = #"status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}"#
    /// Lines that start a stack trace, in the order the corruption check tries them.
    static let stackStartPatterns = [
        #"Call (?:T|t)race"#,
        #"Allocated:"#,
        #"Allocated by task [0-9]+:"#,
        #"Freed:"#,
        #"Freed by task [0-9]+:"#,
        #"[^k] backtrace(?: \(crc [[:xdigit:]]*\))?:"#,  // not "stack backtrace:"
        #"Backtrace:"#,
        #"Uninit was stored to memory at"#,
        riscvStackStart,
    ]
    static let stackStarts = stackStartPatterns.map { TitleRegex($0) }
    /// Any stack-start marker.
    static let anyStackStart = TitleRegexSet(stackStartPatterns)

    /// Frame lines, tried in order: `[<pc>] [<pc>] func+…` style (x86, arm64, riscv, powerpc),
    /// and arm's `[<pc>] (func) from [<pc>] (caller+…)`, which names two frames.
    static let frameLines = [
        TitleRegex("^ *(?:{{PC}} ){0,2}{{FUNC}}"),
        TitleRegex(#"^ *{{PC}} \(([a-zA-Z0-9_.]+)\) from {{PC}} \({{FUNC}}"#),
    ]

    /// Fault-injection frames interleaved with the report: the stack cannot be trusted.
    static let corruptedLine = TitleRegex(#"^( \[\<?(?:0x)?[0-9a-f]+\>?\])? should_fail(slab)?(\.[a-z0-9.]+)?\+0x"#)

    /// Prefixes of syscall entry points; the one leaving the shortest name is removed.
    static let strippedPrefixes = [
        "SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "____sys_", "___sys_", "__sys_", "__se_",
        "__se_sys_", "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_",
    ]

    /// `name` with the syscall prefix removed that leaves it shortest (at most one).
    static func stripPrefix(_ name: String) -> String {
        var shortest = name
        for prefix in strippedPrefixes where name.hasPrefix(prefix) && name.count - prefix.count < shortest.count {
            shortest = String(name.dropFirst(prefix.count))
        }
        return shortest
    }

    /// Functions that never make a title: sanitizers, reporting, allocation, locking, string and list
    /// helpers, device teardown… Each is a pattern matched anywhere in the name.
    static let skippedFunctions = [
        "__sanitizer", "__asan", "kasan", "hwasan", "__msan", "kmsan", "kcsan_setup_watchpoint",
        "check_memory_region", "check_heap_object", "check_object", "read_word_at_a_time",
        "(read|write)_once_.*nocheck", "print_address_description", "panic", "invalid_op", "report_bug",
        "fixup_bug", "print_report", "print_usage_bug", "do_error", "invalid_op", "_trap$|do_trap", "show_stack",
        "dump_stack", "walk_stack", "dump_backtrace", "warn_slowpath", "warn_alloc", "warn_bogus", "__warn",
        "alloc_page", "k?v?(?:m|z|c)alloc", "krealloc", "kmem_cache", "allocate_slab",
        "__alloc_frozen_pages_noprof", "folio_(?:alloc|unlock)", "filemap_alloc_folio", "__filemap_get_folio",
        "find_or_create_page", "do_read_cache_folio", "read_cache_page", "pagecache_get_page",
        "grab_cache_page_write_begin", "slab_", "debug_object", "timer_is_static_object",
        "work_is_static_object", "__might_fault", "print_unlock", "imbalance_bug", "lockdep", "bh_enable",
        "bh_disable", "perf_trace", "lock_acquire", "lock_release", "lock_class", "mark_lock",
        "(reacquire|mark)_held_locks", "raw_spin_rq", "spin_lock", "spin_trylock", "spin_unlock", "read_lock",
        "read_trylock", "write_lock", "write_trylock", "read_unlock", "write_unlock", "^down$", "down_read",
        "down_write", "down_read_trylock", "down_write_trylock", "down_trylock", "up_read", "up_write",
        "^mutex_", "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
        "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)", "(set|clear|change|test)_bit",
        "__wake_up", "^refcount_", "^kref_", "ref_tracker", "seqprop_assert", "memcpy", "memcmp", "memset",
        "memchr", "memmove", "memdup", "strcmp", "strncmp", "strcpy", "strlcpy", "strncpy", "strscpy", "strlen",
        "strstr", "strnstr", "strnlen", "strchr", "strdup", "strndup", "copy_to_user", "copy_from_user",
        "copy_to_iter", "copy_from_iter", "copy_page_to_iter", "copy_page_from_iter", "copy_folio_to_iter",
        "^copyin$", "^copyout$", "put_user", "get_user", "might_fault", "might_sleep", "list_add", "list_del",
        "list_replace", "list_move", "list_splice", "^rb_", "^__rb_", "_indirect_thunk_", "string", "pointer",
        "snprintf", "scnprintf", "kasprintf", "kvasprintf", "printk", "va_format", "dev_info", "dev_notice",
        "dev_warn", "dev_err", "dev_alert", "dev_crit", "dev_emerg", "program_check_exception",
        "program_check_common", "del_timer", "flush_work", "__cancel_work_timer", "cancel_work_sync",
        "try_to_grab_pending", "flush_workqueue", "drain_workqueue", "destroy_workqueue", "queue_work",
        "finish_wait", "kthread_stop", "kobject_", "add_uevent_var", "get_device_parent", "device_add",
        "device_del", "device_unregister", "device_destroy", "device_release", "devres_release_all",
        "hwrng_unregister", "i2c_del_adapter", "__unregister_client", "device_for_each_child",
        "rollback_registered", "unregister_netdev", "sysfs_remove", "device_remove_file",
        "tty_unregister_device", "dummy_urb_enqueue", "usb_kill_urb", "usb_kill_anchored_urbs",
        "usb_control_msg", "usb_hcd_submit_urb", "usb_submit_urb", "^complete$", "wait_for_completion",
        "^kv?free$", "kfree_skb", "readb$", "readw$", "readl$", "readq$", "writeb$", "writew$", "writel$",
        "writeq$", "logic_in", "logic_out", "^crc[0-9]+", "crc_itu_t", "__might_resched", "assertfail", "^iput$",
        "^iput_final$", "^ihold$", "hex_dump_to_buffer", "print_hex_dump", "^klist_",
        "(trace|lockdep)_(hard|soft)irq", "^(un)?lock_page", "stack_trace_consume_entry", "arch_stack_walk",
        "stack_trace_save", "insert_work", "__queue_delayed_work", "queue_delayed_work_on", "ida_free",
        "do_(kernel|translation)_fault", "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?",
        "print_tainted", "xas_(?:start|load|find)", "find_lock_entries", "truncate_inode_pages_range",
        "__phys_addr", "__fortify_report", "cleanup_srcu_struct", "rhashtable_lookup",
        "extract_(user|iter)_to_sg", "drop_nlink", "^get_taint$", "^put_device$", "lock_timer_base",
        "__timer_delete_sync", "sk_stop_timer_sync", "__mod_timer", "fast_dput", "dput", "mark_buffer_dirty",
    ]

    /// `skippedFunctions`, compiled once for every format.
    static let skipped = TitleRegexSet(skippedFunctions)

    /// Where a stall's looping code was dispatched from: syscall, workqueue, softirq and timer
    /// entries, and the discriminating file, socket and ioctl operations.
    static let stallAnchors = TitleRegexSet([
        "process_one_work", "do_syscall_", "do_fast_syscall_", "sysenter_dispatch", "tracesys_phase2",
        "el0_svc_handler", "invoke_syscall", "ret_fast_syscall", "netif_receive_skb", "do_softirq",
        "call_timer_fn", "_run_timers", "run_timer_softirq", "hrtimer_run", "run_ksoftirqd",
        "smpboot_thread_fn", "^kthread$", "start_secondary", "cpu_startup_entry", "ret_from_fork",
        "vfs_write", "vfs_read", "vfs_iter_read", "vfs_iter_write", "do_iter_read", "do_iter_write",
        "call_read_iter", "call_write_iter", "new_sync_read", "new_sync_write", "vfs_ioctl", "ksys_ioctl",
        "compat_ioctl", "compat_sys_ioctl", "blkdev_driver_ioctl", "blkdev_ioctl", "^call_read_iter",
        "^call_write_iter", "do_iter_readv_writev", "^call_mmap", "mmap_region", "do_mmap", "do_dentry_open",
        "vfs_open", "^sock_sendmsg", "^sock_recvmsg", "^sock_release", "^__sock_release", "^setsockopt$",
        "kernel_setsockopt", "sock_common_setsockopt", "^listen$", "kernel_listen", "sk_common_release",
        "^sock_mmap", "^accept$", "kernel_accept", "^sock_do_ioctl", "^sock_ioctl", "^compat_sock_ioctl",
        "^nfnetlink_rcv_msg", "^rtnetlink_rcv_msg", "^netlink_dump", "^(sys_)?(socketpair|connect|ioctl)",
        "__do_fault", "do_page_fault", "^page_fault$", "__fput", "task_work_run", "exit_to_usermode",
        "smp_call_function", "tasklet_action", "tasklet_hi_action",
    ])

    /// Hung tasks: frames that identify the lock everyone waits for, and what they become.
    static let hangAnchors: [(frame: String, replacement: String?)] = [
        ("rtnl_lock", nil), ("synchronize_rcu", "synchronize_rcu"), ("synchronize_srcu", "synchronize_rcu"),
        ("synchronize_net", "synchronize_rcu"), ("synchronize_sched", "synchronize_rcu"),
    ]
    /// Hung tasks: frames that only wait and so never identify the hang.
    static let hangWaiters = [
        "sched", "_lock", "_slowlock", "down", "rwsem", "completion", "kthread", "wait", "synchronize",
        "context_switch", "__switch_to", "cancel_delayed_work", "rcu_barrier",
    ]
}

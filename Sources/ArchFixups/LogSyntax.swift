/// What a kernel log's own text says about the architecture that printed it.
///
/// Two strengths of evidence: a register dump line only one architecture
/// prints (``registerDump(_:)``), and weaker hints from the syntax or the
/// names of stack frames (``frameHint(printed:function:)``), for pastes
/// that carry a stack trace but no register dump.
public enum LogSyntax {
    /// The architecture whose register dump prints this message (prefixes
    /// already removed), if only one does.
    public static func registerDump(_ message: Substring) -> Architecture? {
        let trimmed = message.drop { $0 == " " }
        if trimmed.hasPrefix("RIP: ") || trimmed.hasPrefix("RIP  [<") { return .x86_64 }
        if trimmed.hasPrefix("EIP: ") || trimmed.hasPrefix("EIP is at ") { return .i386 }
        if trimmed.hasPrefix("PC is at ") || trimmed.hasPrefix("pc : [<") { return .arm }
        if trimmed.hasPrefix("pstate: ") || trimmed.hasPrefix("x29: ") { return .arm64 }
        if trimmed.hasPrefix("epc : ") || trimmed.hasPrefix("sepc: ")
            || (trimmed.hasPrefix("status: ") && trimmed.contains("badaddr:"))
        {
            return .riscv64
        }
        if trimmed.hasPrefix("epc   : ") || trimmed.hasPrefix("Cause : ") { return .mips }
        if trimmed.hasPrefix("NIP:  ") || trimmed.hasPrefix("NIP [") { return .powerpc64 }
        if trimmed.hasPrefix("Krnl PSW : ") || trimmed.hasPrefix("Krnl GPRS:") { return .s390x }
        return nil
    }

    /// Every architecture's exception entry points (``ArchFixup/exceptionEntries``):
    /// the stack entry after one is the interrupted instruction. All of
    /// them, for logs whose architecture is not known yet when their trace is read.
    public static let exceptionEntries: Set<String> = Architecture.allCases.reduce(into: Set<String>()) {
        $0.formUnion($1.fixups.exceptionEntries)
    }

    /// Function names that only one architecture's entry, exception and
    /// stack-dumping code has.
    static let functions: [String: Architecture] = [
        "entry_SYSCALL_64_after_hwframe": .x86_64, "do_syscall_64": .x86_64, "asm_exc_page_fault": .x86_64,
        "asm_sysvec_apic_timer_interrupt": .x86_64, "entry_SYSCALL_64": .x86_64,
        "do_int80_syscall_32": .i386, "entry_INT80_32": .i386, "do_fast_syscall_32": .i386,
        "entry_SYSENTER_32": .i386,
        "el0_svc": .arm64, "el0t_64_sync": .arm64, "el1h_64_sync": .arm64, "el1h_64_irq": .arm64, "el1_irq": .arm64,
        "el0_sync": .arm64, "el1_sync": .arm64, "do_el0_svc": .arm64,
        "__irq_svc": .arm, "ret_fast_syscall": .arm, "__dabt_svc": .arm, "__und_svc": .arm, "vector_swi": .arm,
        "__irq_usr": .arm,
        "system_call_exception": .powerpc64, "system_call_common": .powerpc64, "interrupt_return_srr": .powerpc64,
        "start_kernel_secondary": .powerpc64,
        "__do_syscall": .s390x, "io_int_handler": .s390x, "ext_int_handler": .s390x, "__s390x_sys_write": .s390x,
        "handle_exception": .riscv64, "ret_from_exception": .riscv64, "do_trap_ecall_u": .riscv64,
        "handle_sys": .mips, "syscall_common": .mips, "handle_int": .mips, "ret_from_irq": .mips,
    ]

    /// A weaker hint from one stack frame: the syntax it was printed in
    /// (`[<c0269b80>] (__wake_up_common) from …` is 32-bit ARM,
    /// ` ([<…>] func+…)` s390, `[c0000000…] [c0000000…] func+…` powerpc,
    /// ` func+0x1/0x2 (P)` arm64) or an architecture's own function name.
    ///
    /// - Parameters:
    ///   - printed: the frame as printed, prefixes removed.
    ///   - function: the function the kernel printed, if any.
    public static func frameHint(printed: String, function: String?) -> Architecture? {
        let text = printed.drop { $0 == " " }
        if text.contains(") from [<") || (text.hasPrefix("[<") && text.contains("] (")) { return .arm }
        if text.hasPrefix("([<") { return .s390x }
        if text.hasSuffix(" (P)") || text.hasSuffix(" (L)") { return .arm64 }
        if text.hasPrefix("["), !text.hasPrefix("[<"), let close = text.firstIndex(of: "]"),
            text[text.index(after: close)...].hasPrefix(" [")
        {
            // powerpc: "[stack pointer] [address] func+off/size"
            return text.distance(from: text.startIndex, to: close) > 12 ? .powerpc64 : .powerpc
        }
        if let function {
            let name = function.hasPrefix(".") ? String(function.dropFirst()) : function
            if let known = functions[name] { return known }
        }
        return nil
    }
}

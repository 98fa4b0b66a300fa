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
        // On the bytes (asked of every line); most messages are decided by their first byte.
        message.withUTF8Bytes { all in
            var blanks = 0
            while blanks < all.count, all[blanks] == UInt8(ascii: " ") { blanks += 1 }
            return registerDump(bytes: UnsafeBufferPointer(rebasing: all[blanks...]))
        }
    }

    private static func registerDump(bytes: UnsafeBufferPointer<UInt8>) -> Architecture? {
        guard let first = bytes.first else { return nil }
        /// How many hex digits follow `offset`.
        func hexDigits(from offset: Int) -> Int {
            var end = offset
            while end < bytes.count, isHexDigit(bytes[end]) { end += 1 }
            return max(0, end - offset)
        }
        switch first {
        case UInt8(ascii: "R"):
            if bytes.starts(with: "RIP: ") || bytes.starts(with: "RIP  [<") || bytes.starts(with: "RSP: ") || bytes.starts(with: "RAX: ") {
                return .x86_64
            }
        case UInt8(ascii: "E"):
            if bytes.starts(with: "EIP: ") || bytes.starts(with: "EIP is at ") { return .i386 }
        case UInt8(ascii: "P"):
            if bytes.starts(with: "PC is at ") { return .arm }
        case UInt8(ascii: "p"):
            if bytes.starts(with: "pc : [<") { return .arm }
            if bytes.starts(with: "pstate: ") { return .arm64 }
        case UInt8(ascii: "x"):
            if bytes.starts(with: "x29: ") { return .arm64 }
        case UInt8(ascii: "e"), UInt8(ascii: "s"):
            if bytes.starts(with: "epc : ") || bytes.starts(with: "sepc: ") {
                // "epc : c05d2f74 ra : …" (8 digits): a 32-bit kernel; "epc : func+off" says nothing of the width.
                let digits = hexDigits(from: 6)
                let next = 6 + digits < bytes.count ? bytes[6 + digits] : nil
                return digits == 8 && (next == UInt8(ascii: " ") || next == nil) ? .riscv32 : .riscv64
            }
            if bytes.starts(with: "status: "), bytes.contains("badaddr:") { return .riscv64 }
            if bytes.starts(with: "epc   : ") {
                // 16 digits: a 64-bit kernel.
                return hexDigits(from: 8) > 8 ? .mips64 : .mips
            }
        case UInt8(ascii: "N"):
            if bytes.starts(with: "NIP:  ") || bytes.starts(with: "NIP [") {
                // "NIP:  c048b9d0 LR: …", "NIP [c048b9d0] f+…" (8 digits): a 32-bit kernel.
                return hexDigits(from: bytes.starts(with: "NIP [") ? 5 : 6) == 8 ? .powerpc : .powerpc64
            }
        case UInt8(ascii: "M"):
            // "MSR:  8000000000009033 <SF,EE,ME,IR,DR,RI,LE>": the flags say 64-bit (SF) and little-endian (LE).
            if bytes.starts(with: "MSR:  "), let open = bytes.firstIndex(of: UInt8(ascii: "<")) {
                let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.count
                let flags = bytes[(open + 1)..<close].split(separator: UInt8(ascii: ","))
                func has(_ flag: StaticString) -> Bool {
                    flags.contains { word in flag.withUTF8Buffer { $0.elementsEqual(word) } }
                }
                return has("LE") ? .powerpc64le : has("SF") ? .powerpc64 : .powerpc
            }
        case UInt8(ascii: "K"):
            if bytes.starts(with: "Krnl PSW : ") || bytes.starts(with: "Krnl GPRS:") { return .s390x }
        default:
            break
        }
        return nil
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
    }

    /// How far past the trapping instruction the register dump's PC is, from
    /// a report header that says: s390's `monitor event: 0040 ilc:2 [#1]`
    /// (BUG and WARN are monitor calls; the PSW points after them, `ilc` is
    /// their length in bytes). `nil` for every other header (s390 program
    /// checks such as protection faults rewind the PSW to the instruction).
    public static func programCounterPastTrap(inHeader message: Substring) -> UInt64? {
        guard message.hasPrefix("monitor event: "), let ilc = message.firstRange(of: " ilc:") else { return nil }
        guard let digit = message[ilc.upperBound...].first, let length = digit.wholeNumberValue, length > 0 else {
            return nil
        }
        return UInt64(length)
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
        // x86-64 entry, interrupt and start-up code of older kernels (3.x, 4.x).
        "system_call_fastpath": .x86_64, "entry_SYSCALL_64_fastpath": .x86_64, "tracesys": .x86_64,
        "ret_from_intr": .x86_64, "apic_timer_interrupt": .x86_64, "smp_apic_timer_interrupt": .x86_64,
        "async_page_fault": .x86_64, "general_protection": .x86_64, "do_general_protection": .x86_64,
        "x86_64_start_kernel": .x86_64, "x86_64_start_reservations": .x86_64, "secondary_startup_64": .x86_64,
        "ia32_sysenter_target": .x86_64, "sysvec_apic_timer_interrupt": .x86_64, "asm_common_interrupt": .x86_64,
        "swapgs_restore_regs_and_return_to_usermode": .x86_64, "native_safe_halt": .x86_64,
        "sysenter_do_call": .i386, "sysenter_past_esp": .i386, "syscall_call": .i386, "resume_userspace": .i386,
        "do_int80_syscall_32": .i386, "entry_INT80_32": .i386, "do_fast_syscall_32": .i386,
        "entry_SYSENTER_32": .i386,
        "el0_svc": .arm64, "el0t_64_sync": .arm64, "el1h_64_sync": .arm64, "el1h_64_irq": .arm64, "el1_irq": .arm64,
        "el0_sync": .arm64, "el1_sync": .arm64, "do_el0_svc": .arm64, "el0_svc_naked": .arm64, "el1_da": .arm64,
        "el1_ia": .arm64, "el0_da": .arm64, "el0_irq": .arm64,
        "__irq_svc": .arm, "ret_fast_syscall": .arm, "__dabt_svc": .arm, "__und_svc": .arm, "vector_swi": .arm,
        "__irq_usr": .arm,
        "system_call_exception": .powerpc64, "system_call_common": .powerpc64, "interrupt_return_srr": .powerpc64,
        "start_kernel_secondary": .powerpc64,
        "__do_syscall": .s390x, "io_int_handler": .s390x, "ext_int_handler": .s390x, "__s390x_sys_write": .s390x,
        "handle_exception": .riscv64, "ret_from_exception": .riscv64, "do_trap_ecall_u": .riscv64,
        "handle_sys": .mips, "syscall_common": .mips, "handle_int": .mips, "ret_from_irq": .mips,
    ]

    static let syscallPrefixes: [(String, Architecture)] = [
        ("__x64_sys_", .x86_64), ("__arm64_sys_", .arm64), ("__s390x_sys_", .s390x), ("__riscv_sys_", .riscv64),
        ("__s390_sys_", .s390x),
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
            if let known = functions[name] { return widened(known, printed: text) }
            // The syscall wrappers carry the architecture in their names.
            for (prefix, architecture) in syscallPrefixes where name.hasPrefix(prefix) { return architecture }
        }
        return nil
    }

    /// The 64-bit variant of an architecture whose frame printed a 64-bit address (`[<ffffffff81efc190>]`).
    private static func widened(_ architecture: Architecture, printed: Substring) -> Architecture {
        guard printed.hasPrefix("[<"), let close = printed.firstIndex(of: ">"),
            printed.distance(from: printed.index(printed.startIndex, offsetBy: 2), to: close) > 8
        else { return architecture }
        switch architecture {
        // arm64 before 4.18 had ret_fast_syscall too.
        case .arm: return .arm64
        case .mips: return .mips64
        case .powerpc: return .powerpc64
        case .riscv32: return .riscv64
        default: return architecture
        }
    }
}

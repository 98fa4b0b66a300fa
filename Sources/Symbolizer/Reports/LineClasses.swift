import ArchFixups

/// What a message that carries no frame is to the report around it.
enum LineClasses {
    /// `Call Trace:`, `Call trace:`, `Backtrace:`, `Stack Trace:`.
    static func isTraceStart(_ message: Substring) -> Bool {
        // Every line is asked: the first byte rules most out.
        guard let first = message.utf8.first, first == UInt8(ascii: "C") || first == UInt8(ascii: "B") || first == UInt8(ascii: "S")
        else { return false }
        return message.hasPrefix("Call Trace:") || message.hasPrefix("Call trace:") || message.hasPrefix("Backtrace:")
            || message == "Backtrace: " || message.hasPrefix("Stack Trace:")
    }

    /// x86's `<IRQ>`/`<TASK>`… markers, ARM's `Exception stack(…)`, `---[ … ]---`.
    static func isContextMarker(_ message: Substring) -> Bool {
        guard let first = message.utf8.first, first == UInt8(ascii: "<") || first == UInt8(ascii: "E") || first == UInt8(ascii: "-")
        else { return false }
        switch first == UInt8(ascii: "<") ? message : "" {
        case "<IRQ>", "</IRQ>", "<TASK>", "</TASK>", "<NMI>", "</NMI>", "<SOFTIRQ>", "</SOFTIRQ>", "<#DF>", "</#DF>",
            "<EOI>":
            return true
        default:
            return message.hasPrefix("Exception stack(") || message.hasPrefix("---[ ")
                || (message.hasPrefix("--- interrupt: ") && !ByteSearch.contains(message, " at "))
        }
    }

    /// x86-64's `<TASK>`, `<IRQ>`, `<NMI>` stack markers (and their ends).
    static func isX86StackMarker(_ message: Substring) -> Bool {
        message.hasPrefix("<") && message.hasSuffix(">") && message.count <= 10 && !message.contains("EOI")
    }

    /// A SysRq dump (Show State, Show Blocked State…) starts: not part of the report before it.
    static func isSysrq(_ message: Substring) -> Bool {
        guard let first = message.utf8.first, first == UInt8(ascii: "s") || first == UInt8(ascii: "S") else { return false }
        return message.hasPrefix("sysrq: ") || message.hasPrefix("SysRq : ")
    }

    /// ARM's `Flags: nZCv  IRQs on  FIQs on  Mode USER_32  ISA ARM  Segment user`: the
    /// register dump is user space's.
    static func isUserModeFlags(_ message: Substring) -> Bool {
        message.hasPrefix("Flags: ") && (ByteSearch.contains(message, " Mode USER_32") || ByteSearch.contains(message, " Mode USR_32"))
    }

    /// Whether a line the parser did not take still looks like a stack frame
    /// (`func+0x1c/0x80`, `[<c0123456>]`): one more syntax to learn, said in the exit status.
    static func looksLikeFrame(_ message: Substring) -> Bool {
        if message.hasPrefix("[<") && !ByteSearch.contains(message, "(null)") { return true }
        guard let plus = ByteSearch.firstRange(of: "+0x", in: message) else { return false }
        return message[plus.upperBound...].contains("/0x")
    }

    /// Register dumps, code bytes and other lines that belong to a report.
    static func isReportDetail(_ message: Substring) -> Bool {
        // On the bytes: this is asked of every line of an open report.
        let (prefixed, registerPair) = message.withUTF8Bytes { bytes -> (Bool, Bool) in
            guard let first = bytes.first else { return (false, false) }
            if detailPrefixesByFirstByte[Int(first)].contains(where: { bytes.starts(with: $0) }) { return (true, false) }
            return (false, bytes.contains(UInt8(ascii: ":")) && startsWithRegisterPair(bytes))
        }
        if prefixed || registerPair { return true }
        // "[<          (null)>]           (null)": the end of an RCU stall's trace.
        return message.hasPrefix("[<") && ByteSearch.contains(message, "(null)")
    }

    /// "RAX: 0000…", "R10: …", "r10: bf000000  r9 : …", "ip : …", "fp : …": a short register
    /// name and a colon, then a hex digit. Read as the first two space-separated words and the
    /// rest of the line after the space that ends the second.
    private static func startsWithRegisterPair(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var fields: (Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0)
        var count = 0
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x20 {
                let word = index > start
                if word {
                    if count == 0 { fields.0 = start..<index } else { fields.1 = start..<index }
                    count += 1
                }
                index += 1
                start = index
                if word && count == 2 { break }
                continue
            }
            index += 1
        }
        if start < bytes.count {
            switch count {
            case 0: fields.0 = start..<bytes.count
            case 1: fields.1 = start..<bytes.count
            default: fields.2 = start..<bytes.count
            }
            count += 1
        }
        guard count > 0 else { return false }
        var keyLength = fields.0.count
        var keyEndsInColon = bytes[fields.0.upperBound - 1] == UInt8(ascii: ":")
        var valueIndex = 1
        if fields.0.count <= 3, count > 1, fields.1.count == 1, bytes[fields.1.lowerBound] == UInt8(ascii: ":") {
            keyLength += 1
            keyEndsInColon = true
            valueIndex = 2
        }
        guard keyEndsInColon, keyLength <= 5, valueIndex < count || count > 1 else { return false }
        let value = count > valueIndex ? (valueIndex == 1 ? fields.1 : fields.2) : (count == 2 ? fields.1 : fields.2)
        return !value.isEmpty && Cursor.hexValue(bytes[value.lowerBound]) != nil
    }

    /// ``detailPrefixes`` by their first byte.
    private static let detailPrefixesByFirstByte: [[StaticString]] = {
        var table = [[StaticString]](repeating: [], count: 256)
        for prefix in detailPrefixes { prefix.withUTF8Buffer { table[Int($0[0])].append(prefix) } }
        return table
    }()

    private static let detailPrefixes: [StaticString] = [
        "Code:", "Modules linked in:", "CPU:", "Hardware name:", "Workqueue:", "Process ", "Stack:", "Flags:",
        "Control:", "Table:", "DAC:", "pstate:", "Mem abort info:", "Data abort info:", "ESR =", "  ESR", "user pgtable:",
        "[0000", "#PF:", "PGD ", "Register ", "Internal error", "Dumping ftrace", "CR2:", "note:", "irq event stamp:",
        "hardirqs ", "softirqs ", "Kernel Offset:", "PHYS_OFFSET:", "CPU features:", "Memory limit:", "FS:", "CS:",
        "DR0:", "DR3:", "DR6:", "PKRU:", "sp :", "x2", "x1", "x0", "x9", "x8", "x7", "x6", "x5", "x4", "x3",
        "status:", "badaddr:", "cause:", "gp :", "t0 :", "s0 :", "a0 :", "a2 :", "a4 :", "a6 :", "s2 :", "s4 :",
        "s6 :", "s8 :", "s10:", "t3 :", "t5 :", "Krnl PSW", "Last Breaking-Event-Address:", "GPR", "MSR:", "CFAR:",
        "DAR:", "NIP:", "REGS:", "---- ", "Krnl GPRS:", "Krnl Code:", "Instruction dump:", "Stack : ", "Call Trace",
    ]
}

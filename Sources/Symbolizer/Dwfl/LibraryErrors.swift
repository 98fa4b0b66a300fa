internal import CLibdw

/// The last error of libelf, libdw and libdwfl as text. Their `*_errmsg(-1)`
/// return NULL when a call failed without recording an error (a corrupt file
/// can do that), so never force-unwrap them.
enum LibraryErrors {
    static var elf: String { text(elf_errmsg(-1)) }
    static var dwarf: String { text(dwarf_errmsg(-1)) }
    static var dwfl: String { text(dwfl_errmsg(-1)) }

    private static func text(_ message: UnsafePointer<CChar>?) -> String {
        message.map { String(cString: $0) } ?? "unknown error"
    }
}

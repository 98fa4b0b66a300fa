/// Paths of kernel source files made relative to the kernel tree, the way
/// kernel developers, syzbot and `MAINTAINERS` name them (`fs/ext4/inode.c`).
///
/// The rules, in order:
///
/// 1. ``SourcePath/normalize(_:compilationDirectory:)``, as every location
///    ksymbolize reads from DWARF already went through: `//`, `/./` and
///    `dir/..` are resolved, and an absolute path inside a directory named
///    like a kernel tree (`linux`, `linux-6.1.176`, `linux-source-6.1`,
///    `linux-headers-…`) is cut to what follows that directory.
/// 2. Debian's and Ubuntu's out-of-tree build directory,
///    `debian/build/DIR/` (`build_amd64_none_amd64`, `build-generic`), is
///    removed with everything before it: the kernel is built there with
///    `O=`, so files generated there (`include/generated/…`) and files a
///    tool printed relative to it have the tree's layout below it.
///    `debian/build/build_amd64_none_amd64/fs/ext4/inode.c` → `fs/ext4/inode.c`.
/// 3. Leading `..` components (a path relative to some other `O=` build
///    directory) are removed when a top-level directory of the kernel tree
///    follows them: `../../fs/ext4/inode.c` → `fs/ext4/inode.c`.
///
/// Anything else is kept as it is (`crashmod/crashmod.c` of an out-of-tree
/// module, `/usr/include/stdio.h`).
public enum KernelPath {
    /// The top-level directories of a kernel tree (rule 3).
    public static let topLevelDirectories: Set<Substring> = [
        "Documentation", "LICENSES", "arch", "block", "certs", "crypto", "drivers", "fs", "include", "init",
        "io_uring", "ipc", "kernel", "lib", "mm", "net", "rust", "samples", "scripts", "security", "sound",
        "tools", "usr", "virt",
    ]

    /// `path` relative to the kernel tree by the rules above.
    public static func normalize(_ path: String) -> String {
        let normalized = SourcePath.normalize(path)
        var components = normalized.split(separator: "/", omittingEmptySubsequences: true)
        // Rule 2: the last `debian/build/DIR/` with something below it.
        if components.count > 3 {
            var index = components.count - 4
            while index >= 0 {
                if components[index] == "debian" && components[index + 1] == "build" {
                    return components[(index + 3)...].joined(separator: "/")
                }
                index -= 1
            }
        }
        // Rule 3.
        if components.first == "..", let first = components.firstIndex(where: { $0 != ".." }),
            first < components.count - 1, topLevelDirectories.contains(components[first])
        {
            components.removeFirst(first)
            return components.joined(separator: "/")
        }
        return normalized
    }
}

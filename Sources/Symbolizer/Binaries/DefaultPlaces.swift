/// Where distributions install a kernel's binaries, for a release: used when
/// no `--vmlinux`/`--modules` was given and the release is known (`-r`, or
/// the log's `CPU: … Comm: … RELEASE #…` / `Linux version RELEASE` line).
enum DefaultPlaces {
    /// Module directories, searched in order: debug copies first.
    static func moduleDirectories(_ release: String) -> [String] {
        ["/usr/lib/debug/lib/modules/\(release)", "/lib/modules/\(release)"]
    }

    /// vmlinux files, tried in order.
    static func vmlinuxPaths(_ release: String) -> [String] {
        ["/usr/lib/debug/boot/vmlinux-\(release)", "/boot/vmlinux-\(release)", "/lib/modules/\(release)/build/vmlinux"]
    }
}

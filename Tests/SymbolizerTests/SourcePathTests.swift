import Symbolizer
import Testing

@Suite("Source paths")
struct SourcePathTests {
    @Test(
        "normalisation",
        arguments: [
            ("debian/build/build_amd64_none_amd64/./include/linux/list.h", "debian/build/build_amd64_none_amd64", "include/linux/list.h"),
            ("/root/k/usr/src/linux-headers-6.1.0-50-amd64/crashmod/crashmod.c", nil, "crashmod/crashmod.c"),
            ("/build/reproducible-path/linux-6.1.176/arch/x86/entry/entry_64.S", "/build/reproducible-path/linux-6.1.176/debian/build/build_amd64_none_amd64", "arch/x86/entry/entry_64.S"),
            ("a//b/./c/../d.c", nil, "a/b/d.c"),
            ("/home/dev/mymod/mymod.c", "/home/dev/mymod", "mymod.c"),
            ("/usr/include/stdio.h", "/tmp", "/usr/include/stdio.h"),
            ("./arch/arm/include/asm/irqflags.h", ".", "arch/arm/include/asm/irqflags.h"),
        ] as [(String, String?, String)])
    func normalize(path: String, compilationDirectory: String?, expected: String) {
        #expect(SourcePath.normalize(path, compilationDirectory: compilationDirectory) == expected)
    }

    /// Paths already normal are returned as they are without being split (a
    /// shortcut): the edge cases of what "already normal" means.
    @Test(
        "lexical normalisation",
        arguments: [
            ("include/linux/list.h", "include/linux/list.h"), ("/usr/src/x.c", "/usr/src/x.c"), ("/", "/"),
            ("", "."), (".", "."), ("..", ".."), ("...", "..."), (".hidden/x", ".hidden/x"), ("a/.b", "a/.b"),
            ("a//b", "a/b"), ("a/", "a"), ("//", "/"), ("./a", "a"), ("a/.", "a"), ("a/..", "."), ("../a", "../a"),
            ("/a/../..", "/"), ("/./a", "/a"), ("a/b/../../..", ".."), ("x/.../y", "x/.../y"),
        ] as [(String, String)])
    func lexical(path: String, expected: String) {
        #expect(SourcePath.lexicallyNormalized(path) == expected)
    }
}

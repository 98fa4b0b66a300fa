// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ksymbolize",
    products: [
        .executable(name: "ksymbolize", targets: ["ksymbolize"]),
        .library(name: "Symbolizer", targets: ["Symbolizer"]),
        .library(name: "ArchFixups", targets: ["ArchFixups"]),
        .library(name: "SymbolizerTestSupport", targets: ["SymbolizerTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .systemLibrary(
            name: "CLibdw",
            pkgConfig: "libdw",
            providers: [.apt(["libdw-dev", "libzstd-dev"])]
        ),
        // The disassembler of the code around a faulting instruction (Debian's capstone 4).
        .systemLibrary(
            name: "CCapstone",
            pkgConfig: "capstone",
            providers: [.apt(["libcapstone-dev"])]
        ),
        .target(name: "ArchFixups"),
        .target(
            name: "Symbolizer",
            dependencies: ["CLibdw", "CCapstone", "ArchFixups"]
        ),
        // The invariants every input must keep, for the tests and the fuzzers (Fuzz/).
        .target(name: "SymbolizerTestSupport", dependencies: ["Symbolizer"]),
        .executableTarget(
            name: "ksymbolize",
            dependencies: [
                "Symbolizer",
                "ArchFixups",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The Swift runtime linked in: a self-contained binary that starts ~5 ms faster.
            // -static-stdlib when compiling too, so that the objects name the static libraries
            // FoundationEssentials needs; lld, as gold warns about libc's mktemp, which the static
            // FoundationEssentials uses.
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld"], .when(platforms: [.linux]))],
            // `buildVersion`, from git (scripts/version.sh), for --version and the JSON `generator`.
            plugins: ["VersionPlugin"]
        ),
        .plugin(name: "VersionPlugin", capability: .buildTool()),
        .testTarget(name: "ArchFixupsTests", dependencies: ["ArchFixups"]),
        .testTarget(
            name: "SymbolizerTests",
            dependencies: ["Symbolizer", "ArchFixups", "SymbolizerTestSupport"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

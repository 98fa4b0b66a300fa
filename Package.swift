// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "ksymbolize",
    products: [
        .executable(name: "ksymbolize", targets: ["ksymbolize"]),
        .executable(name: "ksymbolize-serve", targets: ["ksymbolize-serve"]),
        .library(name: "Symbolizer", targets: ["Symbolizer"]),
        .library(name: "ArchFixups", targets: ["ArchFixups"]),
        .library(name: "SymbolizerTestSupport", targets: ["SymbolizerTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // ksymbolize serve (Sources/Service).
        // No package traits: Hummingbird's defaults bring in the whole Foundation and swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibdw",
            pkgConfig: "libdw",
            providers: [.apt(["libdw-dev", "libzstd-dev"])]
        ),
        // The disassembler of the code around a faulting instruction (Debian's capstone 4): its
        // header only, no pkg-config (which would link it): the library is loaded on first use.
        .systemLibrary(
            name: "CCapstone",
            providers: [.apt(["libcapstone-dev"])]
        ),
        .target(name: "ArchFixups"),
        .target(
            name: "Symbolizer",
            dependencies: ["CLibdw", "CCapstone", "ArchFixups"]
        ),
        // The invariants every input must keep, for the tests and the fuzzers (Fuzz/).
        .target(name: "SymbolizerTestSupport", dependencies: ["Symbolizer"]),
        // The command line's options (binaries, snapshots, triage, the service's limits), shared by
        // ksymbolize and ksymbolize-serve.
        .target(
            name: "CommandLineOptions",
            dependencies: ["Symbolizer", "ArchFixups", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // ksymbolize serve: the HTTP service over the library, its caches, limits and metrics.
        .target(
            name: "Service",
            dependencies: [
                "Symbolizer",
                "ArchFixups",
                "CommandLineOptions",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "ksymbolize",
            dependencies: [
                "Symbolizer",
                "CommandLineOptions",
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
        // What `ksymbolize serve` runs (execs, installed beside it): the service's NIO and
        // Hummingbird stay out of the command line's binary, whose start they would slow
        // (~2 ms more: the runtime scans every protocol conformance of the image).
        .executableTarget(
            name: "ksymbolize-serve",
            dependencies: ["Symbolizer", "CommandLineOptions", "Service", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld"], .when(platforms: [.linux]))],
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

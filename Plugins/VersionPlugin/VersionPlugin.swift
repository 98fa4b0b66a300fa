import Foundation
import PackagePlugin

/// Gives the target `buildVersion`, ksymbolize's version from git: on every
/// build, `scripts/version.sh --swift` writes `BuildVersion.swift`, rewritten
/// only when the version changed (so an unchanged version recompiles nothing).
///
/// git's state is no file the build could watch, so the command is made to
/// run on every build: one of its inputs, `last-run`, is rewritten by each
/// run, and llbuild runs a command again when an input changed since its last
/// run. (A prebuild command would not do: SwiftPM runs those only when it
/// plans the build again, not on every incremental build, swiftlang/swift-package-manager#5476.)
@main
struct VersionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let directory = context.pluginWorkDirectoryURL
        let output = directory.appending(path: "BuildVersion.swift")
        let lastRun = directory.appending(path: "last-run")
        let script = context.package.directoryURL.appending(path: "scripts/version.sh")
        // An input must exist before the first run.
        if !FileManager.default.fileExists(atPath: lastRun.path) {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data().write(to: lastRun)
        }
        return [
            .buildCommand(
                displayName: "ksymbolize version from git",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, "--swift", output.path, lastRun.path],
                inputFiles: [script, lastRun],
                outputFiles: [output])
        ]
    }
}

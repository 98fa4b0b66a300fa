import Foundation
import PackagePlugin

/// Gives the target `buildVersion`, ksymbolize's version from git: before
/// every build, `scripts/version.sh --swift` writes `BuildVersion.swift`
/// (rewritten only when the version changed, so an unchanged version
/// recompiles nothing). A prebuild command, because git's state is no file
/// the build system could watch.
@main
struct VersionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = context.package.directoryURL.appending(path: "scripts/version.sh")
        return [
            .prebuildCommand(
                displayName: "ksymbolize version from git",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, "--swift", output.appending(path: "BuildVersion.swift").path],
                outputFilesDirectory: output)
        ]
    }
}

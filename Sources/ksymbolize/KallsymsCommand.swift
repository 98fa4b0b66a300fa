import ArchFixups
import ArgumentParser
import CommandLineOptions
import Symbolizer

struct KallsymsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kallsyms",
        abstract: "Print what /proc/kallsyms shows for a module loaded at the given section addresses.",
        discussion: """
            Diff the output against the crashed machine's `grep '\\[MODULE\\]' /proc/kallsyms` \
            to see which kallsyms behaviour its kernel has: on Thumb-2, `fixed` kernels \
            (Linux ≥ 5.0) list functions at even addresses, `raw` (older) ones at odd addresses.
            """,
        version: buildVersion
    )

    @Argument(help: "The module (.ko).", completion: .file())
    var module: String

    @Option(
        name: .customLong("module-sections"),
        help: ArgumentHelp("The module's section addresses (`grep -r . /sys/module/*/sections/`).", valueName: "file"),
        completion: .file())
    var moduleSections: String

    @Option(name: .customLong("kallsyms-mode"), help: "fixed (Linux ≥ 5.0) or raw.")
    var kallsymsMode: KallsymsMode = .fixed

    @Option(name: .customLong("arch"), help: "The architecture, when the ELF file does not say.")
    var arch: Architecture?

    @Flag(name: .customLong("text-only"), help: "Only code symbols, as without CONFIG_KALLSYMS_ALL.")
    var textOnly = false

    func run() throws {
        var problems: [(line: Int, text: String)] = []
        let text: String
        do {
            text = try TextFile.read(moduleSections)
        } catch {
            throw ValidationError(error.description)
        }
        let snapshot = ModuleSectionsSnapshot(text: text, problems: &problems)
        let fileName = String(module.split(separator: "/").last ?? "")
        let name = ModuleName.ofFile(fileName) ?? fileName
        guard let sections = snapshot.sections(of: name) ?? (snapshot.modules.count == 1 ? snapshot.modules.first?.value : nil)
        else {
            throw FatalError("\(moduleSections) has no sections for module \(name)")
        }
        let listing: (entries: [KallsymsEntry], missingSections: [String], pointerSize: Int)
        do {
            listing = try KallsymsListing.entries(
                modulePath: module, sections: sections, architecture: arch,
                configuration: .init(includeData: !textOnly, mode: kallsymsMode))
        } catch {
            throw FatalError(error.description)
        }
        for section in listing.missingSections {
            Diagnostics.warn("no address for section \(section) in \(moduleSections): its symbols are left out")
        }
        OutputSink(fd: 1).write(listing.entries.map { $0.formatted(pointerSize: listing.pointerSize) + "\n" }.joined())
    }
}

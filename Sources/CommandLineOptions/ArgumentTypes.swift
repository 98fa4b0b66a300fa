import ArchFixups
import ArgumentParser
import Symbolizer

// Option values that are a fixed set: `--help` and shell completions list them.

extension Architecture: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension KallsymsMode: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}
extension AddrRun.Format: ExpressibleByArgument {}

/// A hex number as users type one: `0x1e000000` or `1e000000`.
public struct HexNumber: ExpressibleByArgument, Sendable {
    public var value: UInt64

    public init?(argument: String) {
        let digits = argument.hasPrefix("0x") || argument.hasPrefix("0X") ? String(argument.dropFirst(2)) : argument
        guard let value = UInt64(digits, radix: 16) else { return nil }
        self.value = value
    }
}

/// An error that ends the run with exit status 1 and a message on stderr.
public struct FatalError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum Diagnostics {
    /// Writes `ksymbolize: MESSAGE` to standard error.
    public static func warn(_ message: String) {
        OutputSink(fd: 2).write("ksymbolize: \(message)\n")
    }
}

extension StringProtocol {
    /// Without the leading and trailing characters that are in `set`.
    /// An ASCII `set` (every caller's) is trimmed on the bytes, as every line of a log is.
    func trimmingCharacters(in set: String) -> Substring {
        var result = Substring(self)
        guard set.utf8.allSatisfy({ $0 < 0x80 }) else {
            while let first = result.first, set.contains(first) { result.removeFirst() }
            while let last = result.last, set.contains(last) { result.removeLast() }
            return result
        }
        let bytes = result.utf8
        guard let first = bytes.firstIndex(where: { !set.utf8.contains($0) }),
            let last = bytes.lastIndex(where: { !set.utf8.contains($0) })
        else { return result[result.endIndex...] }
        result = result[first..<bytes.index(after: last)]
        return result
    }
}

extension String {
    /// Without leading and trailing blanks (spaces, tabs).
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}

extension RandomAccessCollection {
    /// The index of the first element for which `isAbove` is true, given
    /// that it is false for a prefix of the collection and true for the rest
    /// (`endIndex` when it is never true). With `isAbove = { $0.start > x }`
    /// on a collection sorted by `start`, the element before the result is
    /// the last one starting at or before `x`.
    func partitionPoint(where isAbove: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if isAbove(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, line breaks, other Unicode spaces).
    ///
    /// Pure Swift: Foundation's `trimmingCharacters(in:)` goes through `NSString` on Linux, which showed up
    /// in profiles of request handling.
    public var trimmingSpaces: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else {
            return ""
        }
        return String(self[first...last])
    }
}

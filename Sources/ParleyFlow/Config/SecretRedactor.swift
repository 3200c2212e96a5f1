import Foundation

/// Replaces secret values (credentials, values taken from the environment, tokens obtained during a
/// run) with `[redacted]`, in whichever form an output carries them.
///
/// Parley redacts values before it encodes them, so this mostly sees secrets as they are; but a value
/// can hold a secret already encoded — an agent echoing a JSON body, an error quoting a URL — and
/// the last pass over the bytes of a finished file sees encoded text. So each secret is matched
/// character by character, where every character may also appear JSON-escaped (`\"`, `\\`, `\n`,
/// `\u00e9`, `\/`), HTML- or XML-escaped (`&amp;`, `&quot;`, `&#39;`, `&#233;`, `&#xE9;`),
/// percent-encoded (`%22`, `+` for a space), escaped twice over (JSON inside JSON, HTML inside
/// JSON), or with a control character shown as a space or U+FFFD. Base64 forms are matched too: the
/// secret encoded whole, and the part of it that stays fixed inside any base64 text whatever comes
/// before it, as in an `Authorization: Basic` credential (`user:secret`) whose user is unknown.
public struct SecretRedactor: Sendable {
    /// What a secret is replaced with.
    public static let replacement = "[redacted]"

    /// One secret's ways of appearing each, longest secret first.
    let patterns: [Pattern]
    /// How many positions the scan moves at a time (1 to 7): one less than the fewest fixed first
    /// bytes of any form, so that any match has one of its first pairs at a position looked at.
    let stride: Int
    /// The forms a match can begin with, by the two bytes it begins with (`first << 8 | second`):
    /// an index into ``bucketStarts``, or ``noBucket``. One pass over a text then finds every
    /// secret, however many there are (a run can learn a token per user), trying only the few
    /// forms whose first bytes are there.
    private let prefixes: [UInt16]
    /// The same for the forms' pairs one to six bytes in (`offset << 16 | first << 8 | second`),
    /// looked up by the striding scan: an open-addressing table of the few pairs there are
    /// (``offsetKeys``, `UInt32.max` where empty), rather than two more tables of every pair.
    private let offsetKeys: [UInt32]
    private let offsetBuckets: [UInt16]
    /// Whether any form has a pair at any offset, by the pair (a bit each): most of a text's pairs
    /// are ruled out by this table alone, small enough to stay in the fastest cache.
    private let pairBits: [UInt64]
    /// Bucket `b` is `candidates[bucketStarts[b]..<bucketStarts[b + 1]]`.
    private let bucketStarts: [Int32]
    private let candidates: [Candidate]
    /// Forms one byte long (a one-character secret written as one byte), by that byte: rare.
    private let byFirstByte: [[Candidate]]
    private let startsAlone: [Bool]
    /// Whether any form begins with a byte: most of a transcript's bytes (indentation, quotes,
    /// punctuation) begin none, and are passed over with one look at this table.
    private let startsAny: [Bool]
    /// For a crowded bucket, an index into ``crowds``; -1 for the others. Secrets of one kind
    /// start alike (every JWT with `eyJhbGci`), so a run with a token per user has buckets of
    /// thousands of forms with the same first bytes: those are looked up by their first four.
    private let crowdOfBucket: [Int32]
    private let crowds: [Crowd]
    /// The four first bytes of every form that has four fixed ones, as bits of a filter
    /// (``headBit(_:)``): at a position whose bucket has only such forms, a text's four bytes
    /// missing from it rule the bucket out without trying a form. In ordinary text most two-byte
    /// pairs start some token's base64 form when a run holds a token per user; few four-byte
    /// runs do.
    private let headFilter: [UInt64]
    /// Whether a bucket has a form with fewer than four fixed first bytes (the filter cannot
    /// rule it out).
    private let bucketHasShortHead: [Bool]

    /// A crowded bucket's forms: those with four known first bytes by those bytes, the others (a
    /// shorter head) apart. Both lists keep the bucket's order.
    struct Crowd: Sendable {
        var byHead: [UInt32: [Candidate]]
        var short: [Candidate]

        /// Buckets with more forms than this are crowds.
        static let threshold = 16
    }

    /// One form of one pattern — character by character, or one of its literals — with its first
    /// bytes as far as they are fixed, to be compared before anything else.
    struct Candidate: Sendable {
        var pattern: Int32
        /// Which literal; -1 for the character-by-character form.
        var literal: Int16
        var headLength: UInt8
        /// The first `headLength` bytes (at most 4), little-endian.
        var head: UInt32

        init(pattern: Int, literal: Int?, head bytes: ArraySlice<UInt8>) {
            self.pattern = Int32(pattern)
            self.literal = Int16(literal ?? -1)
            let head = bytes.prefix(4)
            headLength = UInt8(head.count)
            self.head = head.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        }
    }

    /// A redactor for `secrets`; empty values are ignored.
    public init(secrets: Set<String>) {
        self.init(patterns: secrets.filter { !$0.isEmpty }.map(Pattern.init(secret:)))
    }

    /// `maximumStride`: at most how many positions the scan moves at a time (tests compare
    /// scans of every stride).
    init(patterns: [Pattern], maximumStride: Int = 7) {
        // Longest first, so a secret containing another is replaced whole.
        let sorted = patterns.sorted {
            $0.length > $1.length || ($0.length == $1.length && $0.secret < $1.secret)
        }
        var forms: [(pair: UInt16, candidate: Candidate, fixed: [UInt8])] = []
        var byFirstByte = [[Candidate]](repeating: [], count: 256)
        for (index, pattern) in sorted.enumerated() {
            for start in pattern.starts {
                let candidate = Candidate(pattern: index, literal: start.literal, head: start.head[...])
                if let pair = start.pair {
                    forms.append((pair, candidate, start.head))
                } else {
                    byFirstByte[Int(start.head[0])].append(candidate)
                }
            }
        }
        // A form one byte long is looked for at every position; otherwise a match has one of its
        // first `stride` pairs at a position the scan looks at.
        let shortestHead = forms.map(\.fixed.count).min() ?? Pattern.fixedBytes
        let stride =
            forms.isEmpty || byFirstByte.contains { !$0.isEmpty }
            ? 1 : max(1, min(maximumStride, Pattern.fixedBytes - 1, shortestHead - 1))
        var byPair: [UInt32: [Candidate]] = [:]
        for (pair, candidate, fixed) in forms {
            byPair[UInt32(pair), default: []].append(candidate)
            for offset in 1..<max(1, stride) {
                let key = UInt32(offset) << 16 | UInt32(fixed[offset]) << 8 | UInt32(fixed[offset + 1])
                byPair[key, default: []].append(candidate)
            }
        }
        // The rare overflow (more distinct starts than 65,535) shares the last bucket.
        var prefixes = [UInt16](repeating: Self.noBucket, count: patterns.isEmpty ? 0 : 1 << 16)
        var offsetTableSize = 16
        while offsetTableSize < 2 * byPair.count { offsetTableSize *= 2 }
        var offsetKeys = [UInt32](repeating: .max, count: stride > 1 ? offsetTableSize : 0)
        var offsetBuckets = [UInt16](repeating: Self.noBucket, count: offsetKeys.count)
        func setBucket(_ key: UInt32, _ bucket: Int) {
            guard key > 0xFFFF else {
                prefixes[Int(key)] = UInt16(bucket)
                return
            }
            var slot = Self.offsetSlot(key, size: offsetKeys.count)
            while offsetKeys[slot] != .max && offsetKeys[slot] != key { slot = (slot + 1) & (offsetKeys.count - 1) }
            offsetKeys[slot] = key
            offsetBuckets[slot] = UInt16(bucket)
        }
        var pairBits = [UInt64](repeating: 0, count: patterns.isEmpty ? 0 : 1 << 10)
        var bucketStarts: [Int32] = [0]
        var candidates: [Candidate] = []
        for (key, forms) in byPair.sorted(by: { $0.key < $1.key }) {
            pairBits[Int(key & 0xFFFF) >> 6] |= 1 << UInt64(key & 63)
            if bucketStarts.count - 1 < Int(Self.noBucket) - 1 || bucketStarts.count == 1 {
                setBucket(key, bucketStarts.count - 1)
                candidates += forms
                bucketStarts.append(Int32(candidates.count))
            } else {
                setBucket(key, bucketStarts.count - 2)
                candidates += forms
                bucketStarts[bucketStarts.count - 1] = Int32(candidates.count)
            }
        }
        var headFilter = [UInt64](repeating: 0, count: patterns.isEmpty ? 0 : Self.headFilterWords)
        var bucketHasShortHead = [Bool](repeating: false, count: max(0, bucketStarts.count - 1))
        for bucket in bucketHasShortHead.indices {
            for form in candidates[Int(bucketStarts[bucket])..<Int(bucketStarts[bucket + 1])] {
                if form.headLength == 4 {
                    let bit = Self.headBit(form.head)
                    headFilter[bit >> 6] |= 1 << UInt64(bit & 63)
                } else {
                    bucketHasShortHead[bucket] = true
                }
            }
        }
        var crowdOfBucket = [Int32](repeating: -1, count: max(0, bucketStarts.count - 1))
        var crowds: [Crowd] = []
        for bucket in crowdOfBucket.indices {
            let forms = candidates[Int(bucketStarts[bucket])..<Int(bucketStarts[bucket + 1])]
            guard forms.count > Crowd.threshold else { continue }
            var crowd = Crowd(byHead: [:], short: [])
            for form in forms {
                if form.headLength == 4 {
                    crowd.byHead[form.head, default: []].append(form)
                } else {
                    crowd.short.append(form)
                }
            }
            crowdOfBucket[bucket] = Int32(crowds.count)
            crowds.append(crowd)
        }
        self.patterns = sorted
        self.stride = stride
        self.prefixes = prefixes
        self.offsetKeys = offsetKeys
        self.offsetBuckets = offsetBuckets
        self.pairBits = pairBits
        self.bucketStarts = bucketStarts
        self.candidates = candidates
        self.crowdOfBucket = crowdOfBucket
        self.crowds = crowds
        self.headFilter = headFilter
        self.bucketHasShortHead = bucketHasShortHead
        self.byFirstByte = byFirstByte
        startsAlone = byFirstByte.map { !$0.isEmpty }
        var startsAny = startsAlone
        for key in byPair.keys where key >> 16 == 0 { startsAny[Int(key >> 8)] = true }
        self.startsAny = startsAny
    }

    private static let noBucket = UInt16.max

    /// Where the open-addressing table of `size` (a power of two) starts looking for `key`.
    @inline(__always)
    private static func offsetSlot(_ key: UInt32, size: Int) -> Int {
        Int((key &* 0x9E37_79B1) >> 8) & (size - 1)
    }

    /// The filter's size: 2^18 bits (32 KB), a few percent of false positives for the forms of a
    /// few thousand tokens.
    private static let headFilterBits = 18
    private static let headFilterWords = 1 << (headFilterBits - 6)

    /// Where four first bytes fall in the filter (multiplicative hashing).
    private static func headBit(_ head: UInt32) -> Int {
        Int((head &* 0x9E37_79B1) >> UInt32(32 - headFilterBits))
    }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { patterns.isEmpty }

    /// The redactor for these secrets and another redactor's.
    public func adding(_ other: SecretRedactor) -> SecretRedactor {
        let known = Set(patterns.map(\.secret))
        return SecretRedactor(patterns: patterns + other.patterns.filter { !known.contains($0.secret) })
    }

    public func redact(_ data: Data) -> [UInt8] { redact([UInt8](data)) }

    /// `bytes` with every secret, in any of its forms, replaced by ``replacement``. At each position
    /// the longest secret that matches there wins; the common case (nothing found) copies nothing.
    public func redact(_ bytes: [UInt8]) -> [UInt8] {
        guard !patterns.isEmpty, let found = firstMatch(in: bytes, from: 0) else { return bytes }
        return bytes.withUnsafeBufferPointer { redacted($0, from: found) }
    }

    /// Calls `body` with `bytes` redacted as ``redact(_:)-([UInt8])`` would: `bytes` themselves when
    /// they hold no secret (nearly always), else a redacted copy.
    public func withRedacted<R, E: Error>(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        guard !patterns.isEmpty, let found = firstMatch(in: bytes, from: 0) else { return try body(bytes) }
        return try redacted(bytes, from: found).withUnsafeBufferPointer { buffer throws(E) -> R in try body(buffer) }
    }

    /// `bytes` with every secret from `found` (the first) on replaced.
    private func redacted(_ bytes: UnsafeBufferPointer<UInt8>, from found: Range<Int>) -> [UInt8] {
        var found = found
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var copied = 0
        let replacement = Array(Self.replacement.utf8)
        while true {
            out += bytes[copied..<found.lowerBound]
            out += replacement
            copied = found.upperBound
            guard let next = firstMatch(in: bytes, from: copied) else { break }
            found = next
        }
        out += bytes[copied...]
        return out
    }

    public func redact(_ string: String) -> String {
        changes(string) ?? string
    }

    /// `string` redacted, or `nil` when it holds no secret (nearly always): a caller that keeps
    /// the text in place has nothing to write back.
    public func changes(_ string: String) -> String? {
        guard !patterns.isEmpty else { return nil }
        // Looked through in place: nearly every text has no secret, and needs no copy.
        let clean =
            string.utf8.withContiguousStorageIfAvailable { firstMatch(in: $0, from: 0) == nil }
            ?? !finds(in: Array(string.utf8))
        guard !clean else { return nil }
        return String(decoding: redact(Array(string.utf8)), as: UTF8.self)
    }

    /// Whether `text` holds any secret in any form.
    public func finds(in text: [UInt8]) -> Bool {
        firstMatch(in: text, from: 0) != nil
    }

    /// The first match at or after `start`, as the bytes it covers. The scan goes over every text
    /// Parley writes, so it reads the tables through unsafe buffers (no bounds checks, no reference
    /// counting), looks at only every second to seventh position where every form's first bytes
    /// allow it (a token's forms begin with eight fixed ones), and a form whose first
    /// bytes differ from the text's costs one comparison of two integers.
    private func firstMatch(in text: [UInt8], from start: Int) -> Range<Int>? {
        text.withUnsafeBufferPointer { firstMatch(in: $0, from: start) }
    }

    private func firstMatch(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int>? {
        prefixes.withUnsafeBufferPointer { prefixes -> Range<Int>? in
            bucketStarts.withUnsafeBufferPointer { bucketStarts -> Range<Int>? in
                candidates.withUnsafeBufferPointer { candidates -> Range<Int>? in
                    headFilter.withUnsafeBufferPointer { headFilter -> Range<Int>? in
                        let tables = Tables(
                            prefixes: prefixes, bucketStarts: bucketStarts, candidates: candidates,
                            headFilter: headFilter)
                        return stride == 1
                            ? firstMatchAtEveryPosition(in: text, from: start, tables)
                            : offsetKeys.withUnsafeBufferPointer { keys in
                                offsetBuckets.withUnsafeBufferPointer { buckets in
                                    firstMatchStriding(
                                        in: text, from: start, tables, offsetKeys: keys, offsetBuckets: buckets)
                                }
                            }
                    }
                }
            }
        }
    }

    /// The tables the scan reads, without bounds checks or reference counting.
    private struct Tables {
        let prefixes: UnsafeBufferPointer<UInt16>
        let bucketStarts: UnsafeBufferPointer<Int32>
        let candidates: UnsafeBufferPointer<Candidate>
        let headFilter: UnsafeBufferPointer<UInt64>
    }

    /// The scan when a form may have a single fixed byte: every position is looked at, first by
    /// whether its byte begins any form.
    private func firstMatchAtEveryPosition(
        in text: UnsafeBufferPointer<UInt8>, from start: Int, _ tables: Tables
    ) -> Range<Int>? {
        var position = start
        while position < text.count {
            let first = Int(text[position])
            guard startsAny[first] else {
                position += 1
                continue
            }
            if position + 1 < text.count {
                let bucket = Int(tables.prefixes[first << 8 | Int(text[position + 1])])
                if bucket != Int(Self.noBucket), let end = firstEnd(bucket, text, at: position, tables) {
                    return position..<end
                }
            }
            if startsAlone[first],
                let end = byFirstByte[first].withUnsafeBufferPointer({
                    firstEnd($0[...], text, at: position)
                })
            {
                return position..<end
            }
            position += 1
        }
        return nil
    }

    /// The scan when every form has at least `stride + 1` fixed first bytes: only every
    /// `stride`-th position's pair is looked up, as any of the first `stride` pairs of the forms
    /// (a match starting `offset` bytes before it). Matches are still found in the order they
    /// start: at each position looked at, those starting furthest back first.
    private func firstMatchStriding(
        in text: UnsafeBufferPointer<UInt8>, from start: Int, _ tables: Tables,
        offsetKeys: UnsafeBufferPointer<UInt32>, offsetBuckets: UnsafeBufferPointer<UInt16>
    ) -> Range<Int>? {
        pairBits.withUnsafeBufferPointer { pairBits -> Range<Int>? in
            var position = start
            while position + 1 < text.count {
                let pair = Int(text[position]) << 8 | Int(text[position + 1])
                if pairBits[pair >> 6] & (1 << UInt64(pair & 63)) != 0 {
                    var offset = min(stride - 1, position - start)
                    while offset >= 0 {
                        var bucket = Int(Self.noBucket)
                        if offset == 0 {
                            bucket = Int(tables.prefixes[pair])
                        } else {
                            let key = UInt32(offset << 16 | pair)
                            var slot = Self.offsetSlot(key, size: offsetKeys.count)
                            while offsetKeys[slot] != .max {
                                if offsetKeys[slot] == key {
                                    bucket = Int(offsetBuckets[slot])
                                    break
                                }
                                slot = (slot + 1) & (offsetKeys.count - 1)
                            }
                        }
                        if bucket != Int(Self.noBucket),
                            let end = firstEnd(bucket, text, at: position - offset, tables)
                        {
                            return (position - offset)..<end
                        }
                        offset -= 1
                    }
                }
                position += stride
            }
            return nil
        }
    }

    /// Where the first of bucket `bucket`'s forms that matches at `position` ends, if one does.
    @inline(__always)
    private func firstEnd(
        _ bucket: Int, _ text: UnsafeBufferPointer<UInt8>, at position: Int, _ tables: Tables
    ) -> Int? {
        if position + 4 <= text.count, !bucketHasShortHead[bucket] {
            let head = UInt32(
                littleEndian: UnsafeRawBufferPointer(text).loadUnaligned(fromByteOffset: position, as: UInt32.self))
            let bit = Self.headBit(head)
            if tables.headFilter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return nil }
        }
        let crowd = crowdOfBucket[bucket]
        if crowd >= 0 { return firstEnd(crowds[Int(crowd)], text, at: position) }
        let forms = tables.candidates[Int(tables.bucketStarts[bucket])..<Int(tables.bucketStarts[bucket + 1])]
        return firstEnd(forms, text, at: position)
    }

    /// The text's first four bytes at `position` (fewer near its end), little-endian, and how many.
    private static func head(_ text: UnsafeBufferPointer<UInt8>, at position: Int) -> (UInt32, Int) {
        let available = min(4, text.count - position)
        var head: UInt32 = 0
        for offset in 0..<available {
            head |= UInt32(text[position + offset]) << (8 * UInt32(offset))
        }
        return (head, available)
    }

    private func firstEnd(
        _ forms: Slice<UnsafeBufferPointer<Candidate>>, _ text: UnsafeBufferPointer<UInt8>, at position: Int
    ) -> Int? {
        let (head, available) = Self.head(text, at: position)
        for form in forms {
            if let end = self.end(of: form, head: head, available: available, text, at: position) { return end }
        }
        return nil
    }

    /// The same for a crowded bucket: only the forms whose four first bytes are the text's, and
    /// those with a shorter head, in the bucket's order (longest secret first).
    private func firstEnd(_ crowd: Crowd, _ text: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
        let (head, available) = Self.head(text, at: position)
        let exact = available == 4 ? crowd.byHead[head] ?? [] : []
        var (i, j) = (0, 0)
        while i < exact.count || j < crowd.short.count {
            let form: Candidate
            if j == crowd.short.count || (i < exact.count && exact[i].pattern <= crowd.short[j].pattern) {
                form = exact[i]
                i += 1
            } else {
                form = crowd.short[j]
                j += 1
            }
            if let end = self.end(of: form, head: head, available: available, text, at: position) { return end }
        }
        return nil
    }

    /// Where `form` ends if it matches at `position`.
    private func end(
        of form: Candidate, head: UInt32, available: Int, _ text: UnsafeBufferPointer<UInt8>, at position: Int
    ) -> Int? {
        guard Int(form.headLength) <= available else { return nil }
        let mask: UInt32 = form.headLength == 4 ? .max : (1 << (8 * UInt32(form.headLength))) - 1
        guard head & mask == form.head else { return nil }
        let pattern = patterns[Int(form.pattern)]
        if form.literal < 0 { return pattern.matchEnd(text, at: position) }
        let literal = pattern.literals[Int(form.literal)]
        return Pattern.has(literal, in: text, at: position) ? position + literal.count : nil
    }
}

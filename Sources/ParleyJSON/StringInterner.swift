import Foundation
import Synchronization

/// Keeps one copy of strings that recur from one document to the next — an event's type, an
/// agent's action types and state names, tool versions, member names — so that a parser given the
/// table allocates nothing for them, and the transcripts a thousand conversations hold share them.
///
/// A cache of fixed size: ``capacity`` slots in sets of two, a string living in the set its hash
/// picks, where a new string takes the place of the set's older one. Strings that occur once (ids)
/// cost what they cost without the table, and strings that recur stay. Strings of up to 15 UTF-8
/// bytes live inside the `String` value itself and are never kept, nor strings over ``maxLength``.
public final class StringInterner: Sendable {
    public static let maxLength = 256

    /// The number of strings the table holds at most (0: none, every string is returned as it is).
    public let capacity: Int
    /// The last set's index; `-1` when the table is off.
    private let lastSet: Int
    private let slots: Mutex<[String?]>
    /// Strings derived from bytes (``string(derivedFrom:make:)``), by those bytes: sets of two, as above.
    private let derived: Mutex<[(key: [UInt8], value: String?)?]>

    public init(capacity: Int = 4096) {
        var sets = 0
        if capacity > 0 {
            sets = 1
            while sets * 2 < capacity { sets <<= 1 }
        }
        self.capacity = sets * 2
        lastSet = sets - 1
        slots = Mutex([String?](repeating: nil, count: sets * 2))
        derived = Mutex(Array(repeating: nil, count: sets * 2))
    }

    /// `text`, or the equal string kept before.
    public func intern(_ text: String) -> String {
        let length = text.utf8.count
        guard lastSet >= 0, length > 15, length <= Self.maxLength else { return text }
        var contiguous = text
        return contiguous.withUTF8 { bytes in lookUp(bytes) { text } }
    }

    /// `text` interned, if there is one.
    public func intern(_ text: String?) -> String? {
        text.map(intern)
    }

    /// The string `bytes` (valid UTF-8) spell: the copy kept, or a new string, kept from now on.
    public func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard lastSet >= 0, bytes.count > 15, bytes.count <= Self.maxLength else {
            return String(decoding: bytes, as: UTF8.self)
        }
        return lookUp(bytes) { String(decoding: bytes, as: UTF8.self) }
    }

    /// What `make` derives from `bytes` (a step's detail from its payload), made once while the
    /// table keeps it: for values that cost more to make than bytes of their source cost to compare.
    /// Sources of under 8 or over 4 × ``maxLength`` bytes are not kept.
    public func string(
        derivedFrom bytes: UnsafeBufferPointer<UInt8>, make: (UnsafeBufferPointer<UInt8>) -> String?
    ) -> String? {
        guard lastSet >= 0, bytes.count >= 8, bytes.count <= 4 * Self.maxLength else { return make(bytes) }
        let first = (Self.hash(bytes) & lastSet) * 2
        let kept = derived.withLock { derived -> String?? in
            for slot in first...(first + 1) {
                if let entry = derived[slot], entry.key.withUnsafeBufferPointer({ sameBytes($0, bytes) }) {
                    return .some(entry.value)
                }
            }
            return nil
        }
        if let kept { return kept }
        let made = make(bytes)
        derived.withLock { derived in
            derived[first + 1] = derived[first]
            derived[first] = (Array(bytes), made)
        }
        return made
    }

    private func lookUp(_ bytes: UnsafeBufferPointer<UInt8>, make: () -> String) -> String {
        let first = (Self.hash(bytes) & lastSet) * 2
        return slots.withLock { slots in
            if let kept = slots[first], Self.spells(kept, bytes) { return kept }
            if let kept = slots[first + 1], Self.spells(kept, bytes) {
                slots.swapAt(first, first + 1)
                return kept
            }
            let made = make()
            slots[first + 1] = slots[first]
            slots[first] = made
            return made
        }
    }

    private static func spells(_ text: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.utf8.count == bytes.count else { return false }
        return text.utf8.withContiguousStorageIfAvailable { sameBytes($0, bytes) } ?? text.utf8.elementsEqual(bytes)
    }

    /// FNV-1a over eight bytes at a time, the last eight overlapping the words before, folded to the
    /// word; for strings of eight bytes or more (only those over 15 are looked up).
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let raw = UnsafeRawBufferPointer(bytes)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(raw.count)
        var offset = 0
        while offset + 8 <= raw.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01b3
            hash ^= hash >> 32
            offset += 8
        }
        if offset < raw.count {
            // The last eight bytes, overlapping the words before (only strings of 16 bytes and more
            // are looked up): the bytes left over in one step rather than one by one.
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}

/// Whether two runs of bytes are the same (`memcmp`: the generic `elementsEqual` goes byte by byte,
/// and showed in profiles of reply reading).
func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    guard let left = a.baseAddress, let right = b.baseAddress else { return true }
    return memcmp(left, right, a.count) == 0
}

import Foundation

/// A read-only set of keys looked up by raw bytes, so the per-row reference check (case_id and
/// staff_id of every contact) needs no String and no SipHash: Swift's Set<String> look-ups
/// were ~10% of ingest CPU. Built once per file from the keys in staging.
struct ByteKeySet {
    private var slots: [Int32]
    private var starts: [Int] = []
    private var arena: [UInt8] = []
    private let mask: Int

    init<Keys: Collection>(_ keys: Keys) where Keys.Element == String {
        var capacity = 16
        while capacity < keys.count * 2 { capacity <<= 1 }
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
        for key in keys {
            let start = arena.count
            arena.append(contentsOf: key.utf8)
            let entry = Int32(starts.count)
            starts.append(start)
            let hash = arena.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start...])) }
            var slot = hash & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
        starts.append(arena.count)
    }

    func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        var slot = Self.hash(key) & mask
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                starts.withUnsafeBufferPointer { starts in
                    while true {
                        let entry = Int(slots[slot])
                        if entry < 0 { return false }
                        let start = starts[entry]
                        let length = starts[entry + 1] - start
                        if length == key.count && (length == 0 || memcmp(arena.baseAddress! + start, key.baseAddress!, length) == 0) {
                            return true
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        Int(truncatingIfNeeded: DuplicateKeyFilter.hash(bytes))
    }
}

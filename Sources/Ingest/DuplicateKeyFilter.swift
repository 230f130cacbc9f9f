import Foundation

/// A fixed-size Bloom filter over row keys. It answers "certainly new" or "maybe seen": only the
/// few maybe-seen keys are checked exactly, in SQL, after COPY. Memory is 64 MiB whatever the
/// file size; a false "maybe" is rare and the exact check clears it.
final class DuplicateKeyFilter {
    private static let bitCount = 1 << 29 // 64 MiB
    /// Eight probes in one 512-bit block: for 10 million keys the expected number of false
    /// "maybe" answers is near zero, so a clean file needs no exact check at all.
    private static let probes = 8
    private let words: UnsafeMutablePointer<UInt64>
    /// Keys that may have been seen before (`|`-joined for composite keys).
    private(set) var candidates: Set<String> = []

    init() {
        // 2 MiB-aligned and marked for huge pages: random probes then miss the cache, not the TLB.
        var memory: UnsafeMutableRawPointer?
        let bytes = Self.bitCount / 8
        if posix_memalign(&memory, 2 << 20, bytes) != 0 || memory == nil {
            memory = calloc(bytes, 1)
        } else {
            _ = madvise(memory, bytes, 14 /* MADV_HUGEPAGE */)
            memset(memory!, 0, bytes)
        }
        words = memory!.assumingMemoryBound(to: UInt64.self)
    }

    deinit { free(words) }

    /// Records `key`; remembers it as a candidate when it may have been seen before.
    /// Blocked layout: all probes of a key fall in one 64-byte cache line, so a key costs one
    /// memory miss rather than one per probe.
    @inline(__always)
    func insert(_ key: UnsafeBufferPointer<UInt8>) {
        let hash = Self.hash(key)
        let second = Self.mix(hash ^ 0x9E37_79B9_7F4A_7C15)
        let block = Int(truncatingIfNeeded: second) & (Self.bitCount / 512 - 1)
        let base = words + block * 8
        var seen = true
        var bits = hash
        for probe in 0..<Self.probes {
            // Seven 9-bit probes from the first hash, the eighth from the second.
            if probe == 7 { bits = second >> 40 }
            let bit = Int(truncatingIfNeeded: bits & 511)
            bits >>= 9
            let mask: UInt64 = 1 << UInt64(bit & 63)
            let word = base[bit >> 6]
            if word & mask == 0 {
                seen = false
                base[bit >> 6] = word | mask
            }
        }
        if seen { candidates.insert(String(decoding: key, as: UTF8.self)) }
    }

    /// 64-bit FNV-1a with a final avalanche: keys are short, so this is cheap and well spread.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return mix(hash)
    }

    /// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash = hash &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }
}

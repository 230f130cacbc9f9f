import Foundation

/// A Bloom filter over row keys. It answers "certainly new" or "maybe seen": only the few
/// maybe-seen keys are checked exactly, in SQL, after COPY. Memory is at most 64 MiB whatever the
/// file size; a false "maybe" is rare and the exact check clears it.
final class DuplicateKeyFilter {
    /// At most 64 MiB: eight probes in one 512-bit block give, for 10 million keys, an expected
    /// number of false "maybe" answers near zero, so a clean file needs no exact check at all.
    private static let maximumBitCount = 1 << 29
    /// At least 64 KiB.
    private static let minimumBitCount = 1 << 19
    private static let probes = 8
    private let words: UnsafeMutablePointer<UInt64>
    private let blockMask: Int
    /// The size of the bit array: a power of two, at least 512 (one block).
    let bitCount: Int
    /// Keys that may have been seen before (`|`-joined for composite keys), while there are at
    /// most `candidateLimit` of them; past it `candidatesOverflowed` is set and no more are kept
    /// (a file re-sent whole in an incremental load has every key "maybe seen": holding them all
    /// would grow with the file).
    var candidates: Set<String> {
        probePending()
        return maybeSeen
    }
    var candidatesOverflowed: Bool {
        probePending()
        return overflowed
    }
    static let candidateLimit = 1 << 16
    private var maybeSeen: Set<String> = []
    private var overflowed = false
    /// The bit layout and hashing as saved (`StagedKeyFilterStore`): a saved filter of another
    /// layout would call keys it holds new. Change it whenever `hash`, `mix`, `probe` or `block` change.
    static let layoutVersion = 1

    /// Keys hashed but not yet probed, and their bytes (needed only if one was maybe seen).
    /// Probing a batch at once lets the processor keep several of the filter's cache misses in
    /// flight, instead of stalling on each row's in turn (the probe was ~19% of ingest CPU).
    private static let batchSize = 256
    private let pendingHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: batchSize)
    private var pendingCount = 0
    private var pendingKeys: [UInt8] = []
    private var pendingKeyEnds = [Int](repeating: 0, count: batchSize)
    /// Keeps the touching loads in `probePending` from being optimised away.
    private var touchSink: UInt64 = 0

    /// Sized from the file: a bit per byte of data (over 400 bits a key for a contacts row),
    /// within the limits above. Zeroing a fixed 64 MiB cost ~0.15 s of system time per file,
    /// which dominated the small files. `dataBytes` counts uncompressed bytes (an estimate for gzip).
    convenience init(dataBytes: Int) {
        var bitCount = Self.minimumBitCount
        while bitCount < dataBytes * 8 && bitCount < Self.maximumBitCount { bitCount <<= 1 }
        self.init(bitCount: bitCount)!
    }

    /// An empty filter of `bitCount` bits (a power of two from 512 to 2^29), to be filled by
    /// `insert` or from saved bits (`load`); nil for any other size.
    init?(bitCount: Int) {
        guard bitCount >= 512, bitCount <= Self.maximumBitCount, bitCount & (bitCount - 1) == 0 else { return nil }
        self.bitCount = bitCount
        blockMask = bitCount / 512 - 1
        // 2 MiB-aligned and marked for huge pages: random probes then miss the cache, not the TLB.
        var memory: UnsafeMutableRawPointer?
        let bytes = bitCount / 8
        if posix_memalign(&memory, 2 << 20, bytes) != 0 || memory == nil {
            memory = calloc(bytes, 1)
        } else {
            _ = madvise(memory, bytes, 14 /* MADV_HUGEPAGE */)
            memset(memory!, 0, bytes)
        }
        words = memory!.assumingMemoryBound(to: UInt64.self)
        pendingKeys.reserveCapacity(Self.batchSize * 32)
    }

    deinit {
        free(words)
        pendingHashes.deallocate()
    }

    /// The bit array's bytes from `byteOffset` (64-bit words, little-endian), for saving it.
    /// Keys inserted but not yet probed are probed first, so the bytes hold every key.
    func bytes(from byteOffset: Int, count: Int) -> UnsafeRawBufferPointer {
        probePending()
        precondition(byteOffset >= 0 && byteOffset + count <= bitCount / 8, "outside the filter")
        return UnsafeRawBufferPointer(start: UnsafeRawPointer(words) + byteOffset, count: count)
    }

    /// Sets bytes of the bit array from saved ones (as `bytes(from:count:)` gave them).
    func load(_ bytes: UnsafeRawBufferPointer, at byteOffset: Int) {
        precondition(byteOffset >= 0 && byteOffset + bytes.count <= bitCount / 8, "outside the filter")
        UnsafeMutableRawPointer(words).advanced(by: byteOffset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    }

    /// Records `key`; `candidates` will name it if it may have been seen before.
    @inline(__always)
    func insert(_ key: UnsafeBufferPointer<UInt8>) {
        pendingHashes[pendingCount] = Self.hash(key)
        pendingKeys.append(contentsOf: key)
        pendingKeyEnds[pendingCount] = pendingKeys.count
        pendingCount += 1
        if pendingCount == Self.batchSize { probePending() }
    }

    private func probePending() {
        // First touch every block with independent loads, which the processor overlaps; the
        // probes below then find their lines in cache.
        var touched: UInt64 = 0
        for index in 0..<pendingCount {
            touched &+= words[block(pendingHashes[index]) * 8]
        }
        touchSink = touched
        for index in 0..<pendingCount where probe(pendingHashes[index]) && !overflowed {
            let start = index == 0 ? 0 : pendingKeyEnds[index - 1]
            maybeSeen.insert(String(decoding: pendingKeys[start..<pendingKeyEnds[index]], as: UTF8.self))
            if maybeSeen.count > Self.candidateLimit {
                overflowed = true
                maybeSeen = []
            }
        }
        pendingCount = 0
        pendingKeys.removeAll(keepingCapacity: true)
    }

    /// Sets the key's bits; true when they were all set already (maybe seen).
    /// Blocked layout: all probes of a key fall in one 64-byte cache line, so a key costs one
    /// memory miss rather than one per probe.
    @inline(__always)
    private func probe(_ hash: UInt64) -> Bool {
        let second = Self.mix(hash ^ 0x9E37_79B9_7F4A_7C15)
        let base = words + block(hash) * 8
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
        return seen
    }

    /// The 512-bit block a key's probes fall in.
    @inline(__always)
    private func block(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: Self.mix(hash ^ 0x9E37_79B9_7F4A_7C15)) & blockMask
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

import ThroughcareCore

/// A seedable pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// The extract must be byte-identical for a given scale and seed on any machine and toolchain, so
/// the generator is our own rather than the standard library's: `SystemRandomNumberGenerator`
/// cannot be seeded, and the algorithms behind `Int.random(in:using:)` are not promised to stay
/// the same across Swift releases. For the same reason every draw helper below uses only integer
/// and basic IEEE-754 arithmetic — no `log`, `exp` or `cos`, whose last bits differ between C
/// libraries and could flip a comparison on another platform.
///
/// It deliberately does not conform to `RandomNumberGenerator`, so that nobody reaches for the
/// standard library's `random(in:using:)` or `shuffled(using:)` with it by accident.
struct SeededGenerator {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// An independent stream for one part of the extract (for example the contacts of case 17).
    /// Each part draws from its own stream so that changing how many numbers one part consumes
    /// never shifts the output of another part.
    init(seed: UInt64, stream: RandomStream, index: Int = 0) {
        var mixer = SplitMix64(state: seed ^ (stream.rawValue &* 0x9E37_79B9_7F4A_7C15))
        let base = mixer.next()
        self.init(seed: SplitMix64.finalize(base ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)))
    }

    mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Uniform in [0, 1), 53 bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in the closed range (Lemire's multiply-high; the bias for spans this small
    /// is below 2^-40 and irrelevant here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the full 64-bit range
        let high = next().multipliedFullWidth(by: span).high
        return range.lowerBound + Int(high)
    }

    /// Uniform double in [lower, upper).
    mutating func double(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    mutating func element<T>(of array: [T]) -> T {
        array[int(0...(array.count - 1))]
    }

    /// Index drawn with probability proportional to its weight.
    mutating func index(weights: [Double]) -> Int {
        var total = 0.0
        for w in weights { total += w }
        var target = unit() * total
        for (i, w) in weights.enumerated() {
            if target < w { return i }
            target -= w
        }
        return weights.count - 1
    }

    /// Roughly normal with the given centre and standard deviation (Irwin–Hall sum of four
    /// uniforms: bounded at ±3.46 sd, which suits random effects that must stay plausible).
    mutating func bell(center: Double, spread: Double) -> Double {
        let sum = unit() + unit() + unit() + unit()
        // Sum of 4 uniforms has mean 2 and variance 4/12.
        return center + spread * (sum - 2.0) * 1.7320508075688772
    }

    /// In-place Fisher–Yates shuffle.
    mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = int(0...i)
            if i != j { array.swapAt(i, j) }
        }
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

/// SplitMix64: spreads a seed over xoshiro's 256 bits of state, as xoshiro's authors recommend.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.finalize(state)
    }

    static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The independent random streams of one extract. Raw values are part of the output's identity:
/// renumbering them changes every extract for every seed.
enum RandomStream: UInt64 {
    case geography = 1
    case establishments = 2
    case population = 3
    case staff = 4
    case allocations = 5
    case contacts = 6
    case assessments = 7
    case releaseOutcomes = 8
}

/// A distribution of whole numbers given as weighted uniform ranges: a readable way to write the
/// skewed, heavy-tailed shapes of sentence lengths and delays without logarithms.
struct RangeMix: Sendable {
    let parts: [(weight: Double, range: ClosedRange<Int>)]

    init(_ parts: [(weight: Double, range: ClosedRange<Int>)]) {
        self.parts = parts
    }

    func draw(_ rng: inout SeededGenerator) -> Int {
        var total = 0.0
        for part in parts { total += part.weight }
        var target = rng.unit() * total
        for part in parts {
            if target < part.weight { return rng.int(part.range) }
            target -= part.weight
        }
        return rng.int(parts[parts.count - 1].range)
    }

    /// The mean of the distribution, used to turn a population target into a reception rate.
    var mean: Double {
        var total = 0.0
        var sum = 0.0
        for part in parts {
            total += part.weight
            sum += part.weight * Double(part.range.lowerBound + part.range.upperBound) / 2
        }
        return sum / total
    }

    var maximum: Int {
        parts.map(\.range.upperBound).max() ?? 0
    }
}

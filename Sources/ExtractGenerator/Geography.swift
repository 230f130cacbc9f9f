import ThroughcareCore

/// The twelve probation regions of England and Wales, each with the prison groups the generator
/// may place establishments in and the counties used to decorate establishment names.
///
/// Region names are the real ones (they are administrative areas the metrics are published for).
/// Establishment names are invented (see `PlaceNames`) so that synthetic results are never read
/// as a real prison's performance.
struct ProbationRegion: Sendable {
    let name: String
    let prisonGroups: [String]
    let counties: [String]
}

enum ProbationRegionCatalog {
    static let regions: [ProbationRegion] = [
        ProbationRegion(name: "North East",
                        prisonGroups: ["Tees and Wear", "Durham and Northumberland"],
                        counties: ["County Durham", "Northumberland", "Tyne and Wear", "Teesside"]),
        ProbationRegion(name: "North West",
                        prisonGroups: ["Cumbria and Lancashire", "Merseyside and Cheshire", "North West Long Term"],
                        counties: ["Lancashire", "Cumbria", "Merseyside", "Cheshire"]),
        ProbationRegion(name: "Yorkshire and the Humber",
                        prisonGroups: ["West Yorkshire", "South Yorkshire", "Humber and North Yorkshire"],
                        counties: ["West Yorkshire", "South Yorkshire", "North Yorkshire", "East Riding of Yorkshire"]),
        ProbationRegion(name: "Greater Manchester",
                        prisonGroups: ["Greater Manchester North", "Greater Manchester South"],
                        counties: ["Greater Manchester"]),
        ProbationRegion(name: "East Midlands",
                        prisonGroups: ["Nottinghamshire and Lincolnshire", "Leicestershire and Northamptonshire", "Derbyshire"],
                        counties: ["Nottinghamshire", "Lincolnshire", "Leicestershire", "Northamptonshire", "Derbyshire"]),
        ProbationRegion(name: "West Midlands",
                        prisonGroups: ["Birmingham and Black Country", "Staffordshire and Shropshire", "West Mercia"],
                        counties: ["West Midlands", "Staffordshire", "Shropshire", "Worcestershire"]),
        ProbationRegion(name: "East of England",
                        prisonGroups: ["Norfolk and Suffolk", "Bedfordshire, Cambridgeshire and Hertfordshire", "Essex"],
                        counties: ["Norfolk", "Suffolk", "Cambridgeshire", "Essex", "Bedfordshire"]),
        ProbationRegion(name: "London",
                        prisonGroups: ["London North", "London South"],
                        counties: ["Greater London"]),
        ProbationRegion(name: "Kent, Surrey and Sussex",
                        prisonGroups: ["Kent", "Surrey and Sussex", "Sheppey Cluster"],
                        counties: ["Kent", "Surrey", "East Sussex", "West Sussex"]),
        ProbationRegion(name: "South West",
                        prisonGroups: ["Avon and Somerset", "Devon and Cornwall", "Dorset and Wiltshire"],
                        counties: ["Somerset", "Devon", "Dorset", "Wiltshire", "Gloucestershire"]),
        ProbationRegion(name: "South Central",
                        prisonGroups: ["Hampshire and Isle of Wight", "Thames Valley"],
                        counties: ["Hampshire", "Isle of Wight", "Oxfordshire", "Buckinghamshire", "Berkshire"]),
        ProbationRegion(name: "Wales",
                        prisonGroups: ["South Wales", "North and Mid Wales"],
                        counties: ["Glamorgan", "Gwent", "Powys", "Wrexham"]),
    ]

    static func index(named name: String) -> Int {
        regions.firstIndex { $0.name == name }!
    }
}

/// Invented place names for establishments ("HMP Thornmoor"): two syllables from short lists,
/// drawn without repetition.
enum PlaceNames {
    static let heads = ["Ash", "Bram", "Cold", "Dun", "Elm", "Fen", "Gold", "Hart", "Iron", "Kings", "Lang", "Marl",
                        "North", "Oak", "Pen", "Red", "Stan", "Thorn", "Wey", "Whit", "Black", "Brock", "Carr",
                        "Hazel", "Lark", "Moss", "Rook", "Salt", "Sedge", "Wil"]
    static let tails = ["ford", "ley", "moor", "wood", "bridge", "field", "hurst", "ton", "dale", "by", "combe",
                        "gate", "hill", "stow", "brook", "haven", "mere", "wick"]

    /// Distinct two-syllable names.
    static var capacity: Int { heads.count * tails.count }

    /// A name not in `used`. Once every two-syllable name is taken (a scale factor's many
    /// prisons), names repeat with a number: "Thornmoor 2", then "Thornmoor 3" (the code keeps
    /// only the letters, and stays unique through `establishmentCode`).
    static func draw(_ rng: inout SeededGenerator, avoiding used: inout Set<String>) -> String {
        let round = used.count / capacity
        while true {
            var name = rng.element(of: heads) + rng.element(of: tails)
            if round > 0 { name += " \(round + 1)" }
            if used.insert(name).inserted { return name }
        }
    }
}

/// How big an extract is and where its establishments are.
struct ScaleProfile: Sendable {
    /// Establishment types per region, in catalog-name order of `regionNames`.
    struct RegionLayout: Sendable {
        let regionName: String
        let establishmentTypes: [EstablishmentType]
        let groupCount: Int
    }

    let layouts: [RegionLayout]
    /// Multiplies each establishment's typical population: small extracts hold small prisons.
    let populationFactor: Double
    /// Months of bulk contact history before the extract year.
    let contactHistoryMonths: Int

    /// The scale's profile with `scaleFactor` times its establishments: each region's list of
    /// establishment types repeated, in the same regions and groups, so cases, staff and contacts
    /// grow with it. A factor of 1 is the scale itself.
    static func profile(for scale: ExtractScale, scaleFactor: Int, rng: inout SeededGenerator) -> ScaleProfile {
        let base = profile(for: scale, rng: &rng)
        guard scaleFactor > 1 else { return base }
        let layouts = base.layouts.map { layout in
            RegionLayout(regionName: layout.regionName,
                         establishmentTypes: Array([[EstablishmentType]](repeating: layout.establishmentTypes, count: scaleFactor).joined()),
                         groupCount: layout.groupCount)
        }
        return ScaleProfile(layouts: layouts, populationFactor: base.populationFactor, contactHistoryMonths: base.contactHistoryMonths)
    }

    static func profile(for scale: ExtractScale, rng: inout SeededGenerator) -> ScaleProfile {
        switch scale {
        case .small:
            // Two regions of two prisons each, one group per region, so that every group and
            // region has more than one establishment (secondary suppression needs siblings).
            return ScaleProfile(layouts: [
                RegionLayout(regionName: "Kent, Surrey and Sussex", establishmentTypes: [.local, .training], groupCount: 1),
                RegionLayout(regionName: "South Central", establishmentTypes: [.local, .resettlement], groupCount: 1),
            ], populationFactor: 0.08, contactHistoryMonths: 0)
        case .region:
            return ScaleProfile(layouts: [
                RegionLayout(regionName: "Yorkshire and the Humber",
                             establishmentTypes: [.local, .local, .local, .training, .training, .training,
                                                  .highSecurity, .open, .womens, .yoi],
                             groupCount: 3),
            ], populationFactor: 0.8, contactHistoryMonths: 12)
        case .national:
            return nationalProfile(rng: &rng)
        }
    }

    /// 120 establishments over the 12 regions, each region with at least one local prison (where
    /// recalls land) and two or three prison groups.
    private static func nationalProfile(rng: inout SeededGenerator) -> ScaleProfile {
        let counts: [String: Int] = [
            "North East": 7, "North West": 12, "Yorkshire and the Humber": 13, "Greater Manchester": 6,
            "East Midlands": 13, "West Midlands": 12, "East of England": 12, "London": 8,
            "Kent, Surrey and Sussex": 12, "South West": 10, "South Central": 9, "Wales": 6,
        ]
        let typeCounts: [(EstablishmentType, Int)] = [
            (.local, 32), (.training, 44), (.resettlement, 9), (.open, 10), (.highSecurity, 5), (.womens, 12), (.yoi, 8),
        ]
        let regionNames = ProbationRegionCatalog.regions.map(\.name)
        // One local per region first, the rest of the deck shuffled over the remaining places.
        var deck: [EstablishmentType] = []
        for (type, count) in typeCounts {
            let reserved = type == .local ? regionNames.count : 0
            deck.append(contentsOf: repeatElement(type, count: count - reserved))
        }
        rng.shuffle(&deck)
        var layouts: [RegionLayout] = []
        var next = 0
        for name in regionNames {
            let count = counts[name]!
            var types: [EstablishmentType] = [.local]
            types.append(contentsOf: deck[next..<(next + count - 1)])
            next += count - 1
            let groups = count >= 9 ? 3 : 2
            layouts.append(RegionLayout(regionName: name, establishmentTypes: types, groupCount: groups))
        }
        return ScaleProfile(layouts: layouts, populationFactor: 0.76, contactHistoryMonths: 12)
    }
}

// The Codable types of a pipeline file. Each type decodes strictly (StrictDecoding): unknown keys,
// wrong types and bad values fail with the key path, which PipelineLoader turns into
// file:line:column. Field names are the file's keys, so the docs and the code say the same thing.

import PostgresClient
import ThroughcareCore

/// One review, as pipelines/NAME.yml declares it.
public struct PipelineDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var extract: ExtractSpec
    /// A URL or conninfo; nil means the usual connection rules (--database, DATABASE_URL, PG*, embedded).
    public var database: String?
    public var range: ReviewRange
    public var period: ReviewPeriod
    public var scopes: ScopeSelection
    /// Overrides of shared/spec/metrics.md's parameters by name (as_of included); the rest keep the spec's default.
    public var parameters: [String: String]
    public var publish: Bool
    public var quality: QualityThresholds
    public var sample: SampleSpec?
    public var exports: ExportSpec?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, extract, database, range, period, scopes, parameters, publish, quality, sample, exports
    }

    public init(name: String, extract: ExtractSpec, database: String? = nil, range: ReviewRange, period: ReviewPeriod = .month,
                scopes: ScopeSelection = .all, parameters: [String: String] = [:], publish: Bool = false,
                quality: QualityThresholds = QualityThresholds(), sample: SampleSpec? = nil, exports: ExportSpec? = nil) {
        self.name = name
        self.extract = extract
        self.database = database
        self.range = range
        self.period = period
        self.scopes = scopes
        self.parameters = parameters
        self.publish = publish
        self.quality = quality
        self.sample = sample
        self.exports = exports
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw PipelineIssue(container.codingPath + [CodingKeys.name],
                                "name must be letters, digits, - or _ (it names the export folder), e.g. name: quarterly-inspection")
        }
        extract = try container.decode(ExtractSpec.self, forKey: .extract)
        database = try container.decodeIfPresent(String.self, forKey: .database)
        // The file's text is stored on every run it makes (metrics.runs.pipeline_text, readable by
        // analysts) and printed by --dry-run: a password in it would be everywhere.
        if let database, ConnectionString.containsPassword(database) {
            throw PipelineIssue(container.codingPath + [CodingKeys.database],
                                "database must not hold a password (this file is stored with every run it makes): use a service, e.g. database: service=throughcare, with the password in a pgpass file (PGPASSFILE)")
        }
        range = try container.decode(ReviewRange.self, forKey: .range)
        period = try container.decodeChoice(ReviewPeriod.self, forKey: .period) ?? .month
        scopes = try container.decodeIfPresent(ScopeSelection.self, forKey: .scopes) ?? .all
        parameters = try container.decodeIfPresent(ParameterOverrides.self, forKey: .parameters)?.values ?? [:]
        publish = try container.decodeIfPresent(Bool.self, forKey: .publish) ?? false
        quality = try container.decodeIfPresent(QualityThresholds.self, forKey: .quality) ?? QualityThresholds()
        sample = try container.decodeIfPresent(SampleSpec.self, forKey: .sample)
        exports = try container.decodeIfPresent(ExportSpec.self, forKey: .exports)
    }

    /// The run parameters this review computes with (spec defaults, overlaid with the file's).
    public func runParameters() throws -> RunParameters {
        var overrides = parameters
        let asOf = overrides.removeValue(forKey: "as_of").flatMap(CivilDate.init)
        return try RunParameters(overrides: overrides, asOf: asOf)
    }
}

public enum ExtractMode: String, Codable, Sendable, CaseIterable {
    case full, incremental
}

public struct ExtractSpec: Codable, Sendable, Equatable {
    /// As written in the file; relative paths are resolved against the file's folder.
    public var directory: String
    public var mode: ExtractMode

    enum CodingKeys: String, CodingKey, CaseIterable { case directory, mode }

    public init(directory: String, mode: ExtractMode = .full) {
        self.directory = directory
        self.mode = mode
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        directory = try container.decode(String.self, forKey: .directory)
        mode = try container.decodeChoice(ExtractMode.self, forKey: .mode) ?? .full
    }
}

public struct ReviewRange: Codable, Sendable, Equatable {
    public var from: CivilDate
    /// Exclusive.
    public var to: CivilDate

    enum CodingKeys: String, CodingKey, CaseIterable { case from, to }

    public init(from: CivilDate, to: CivilDate) {
        self.from = from
        self.to = to
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        from = try container.decodeDate(forKey: .from)
        to = try container.decodeDate(forKey: .to)
        guard from < to else {
            throw PipelineIssue(container.codingPath + [CodingKeys.to],
                                "range.to (\(to)) must be after range.from (\(from)); to is exclusive: from 2024-01-01 to 2024-04-01 is Q1 2024")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from.description, forKey: .from)
        try container.encode(to.description, forKey: .to)
    }
}

/// The same three values as Aggregate's PeriodKind, kept here so the file format has its own Codable type.
public enum ReviewPeriod: String, Codable, Sendable, CaseIterable {
    case month, quarter, whole
}

/// A scope as metrics.md defines them: type and id (national's id is "national").
public struct Scope: Codable, Sendable, Equatable, CustomStringConvertible {
    public static let types = ["establishment", "prison_group", "probation_region", "release_region", "national"]
    public var type: String
    public var id: String

    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }

    /// `- probation_region: Wales` (one key: the scope type; its value: the id).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let keys = container.allKeys
        guard keys.count == 1, let key = keys.first else {
            throw PipelineIssue(container.codingPath,
                                "a scope is one TYPE: ID pair, e.g. probation_region: Wales or establishment: LEI")
        }
        guard Self.types.contains(key.stringValue) else {
            throw PipelineIssue(container.codingPath + [key], atKey: true,
                                "unknown scope type \"\(key.stringValue)\"; use one of \(Self.types.joined(separator: ", "))")
        }
        type = key.stringValue
        id = try container.decode(String.self, forKey: key).trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty else { throw PipelineIssue(container.codingPath + [key], "the scope's id is empty; e.g. \(type): LEI") }
        if type == "national" && id != "national" {
            throw PipelineIssue(container.codingPath + [key], "the national scope's id is national (national: national)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        try container.encode(id, forKey: AnyCodingKey(type))
    }

    public var description: String { "\(type): \(id)" }
}

/// `scopes: all`, or a list of scopes limiting what is computed and exported.
public enum ScopeSelection: Codable, Sendable, Equatable {
    case all
    case only([Scope])

    public init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            guard text == "all" else {
                throw PipelineIssue(decoder.codingPath, "scopes is all, or a list such as [probation_region: Wales, establishment: LEI] (got \"\(text)\")")
            }
            self = .all
            return
        }
        guard var list = try? decoder.unkeyedContainer() else {
            throw PipelineIssue(decoder.codingPath, "scopes is all, or a list such as [probation_region: Wales, establishment: LEI]")
        }
        var scopes: [Scope] = []
        while !list.isAtEnd { scopes.append(try list.decode(Scope.self)) }
        guard !scopes.isEmpty else { throw PipelineIssue(decoder.codingPath, "scopes is empty: write scopes: all to compute every scope") }
        self = .only(scopes)
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .all:
            var container = encoder.singleValueContainer()
            try container.encode("all")
        case let .only(scopes):
            var container = encoder.unkeyedContainer()
            for scope in scopes { try container.encode(scope) }
        }
    }

    public var scopes: [Scope]? {
        if case let .only(scopes) = self { return scopes }
        return nil
    }
}

/// `parameters:` — names from the spec's parameter table, values checked for their kind here so a
/// typo fails before ingest rather than minutes later inside the aggregate.
struct ParameterOverrides: Decodable {
    static let intervalNames: Set<String> = RunParameters.transformNames
    var values: [String: String] = [:]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let known = RunParameters.defaults.map(\.name) + ["as_of"]
        for key in container.allKeys {
            let name = key.stringValue
            guard known.contains(name) else {
                throw PipelineIssue(container.codingPath + [key], atKey: true,
                                    "unknown parameter \"\(name)\"\(closest(name, in: known).map { " (did you mean \($0)?)" } ?? ""); parameters are those of shared/spec/metrics.md: \(known.joined(separator: ", "))")
            }
            let value = try container.decode(String.self, forKey: key).trimmingCharacters(in: .whitespaces)
            if name == "as_of" {
                guard CivilDate(value) != nil else { throw PipelineIssue(container.codingPath + [key], "as_of is a date YYYY-MM-DD (got \"\(value)\")") }
            } else if Self.intervalNames.contains(name) {
                guard value.range(of: #"^(\d+ (years?|months?|weeks?|days?) ?)+$"#, options: .regularExpression) != nil else {
                    throw PipelineIssue(container.codingPath + [key], "\(name) is a PostgreSQL interval such as \"8 months 14 days\" (got \"\(value)\")")
                }
            } else {
                guard let number = Double(value), number >= 0 else {
                    throw PipelineIssue(container.codingPath + [key], "\(name) is a number of at least 0 (got \"\(value)\"), e.g. \(name): \(RunParameters.defaults.first { $0.name == name }!.value)")
                }
                if name.hasSuffix("_days") || name.hasSuffix("_contacts") || name == "min_publish_denominator" {
                    guard number == number.rounded() else { throw PipelineIssue(container.codingPath + [key], "\(name) is a whole number (got \(value))") }
                } else if name.hasPrefix("band_") {
                    guard number <= 1 else { throw PipelineIssue(container.codingPath + [key], "\(name) is a share between 0 and 1 (got \(value))") }
                }
            }
            values[name] = value
        }
    }
}

/// `quality:` — upper limits on the gate's measures (QualityGate.measures), each a share 0–1.
public struct QualityThresholds: Codable, Sendable, Equatable {
    public var maximums: [String: Double]

    public init(maximums: [String: Double] = [:]) { self.maximums = maximums }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        var maximums: [String: Double] = [:]
        for key in container.allKeys {
            let name = QualityGate.measureName(key.stringValue)
            guard QualityGate.measures.contains(where: { $0.name == name }) else {
                throw PipelineIssue(container.codingPath + [key], atKey: true,
                                    "unknown quality threshold \"\(key.stringValue)\"; use one of \(QualityGate.measures.map(\.name).joined(separator: ", "))")
            }
            let value = try container.decode(Double.self, forKey: key)
            guard (0...1).contains(value) else {
                throw PipelineIssue(container.codingPath + [key], "\(name) is a share between 0 and 1, e.g. 0.02 for 2% (got \(value))")
            }
            maximums[name] = value
        }
        self.maximums = maximums
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for (name, value) in maximums.sorted(by: { $0.key < $1.key }) { try container.encode(value, forKey: AnyCodingKey(name)) }
    }
}

public enum SamplePopulation: String, Codable, Sendable, CaseIterable {
    case released, in_custody
}

public struct SampleSpec: Codable, Sendable, Equatable {
    public var size: Int
    public var seed: String
    public var population: SamplePopulation
    public var scope: Scope?

    enum CodingKeys: String, CodingKey, CaseIterable { case size, seed, population, scope }

    public init(size: Int, seed: String, population: SamplePopulation = .released, scope: Scope? = nil) {
        self.size = size
        self.seed = seed
        self.population = population
        self.scope = scope
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        size = try container.decode(Int.self, forKey: .size)
        guard size > 0 else { throw PipelineIssue(container.codingPath + [CodingKeys.size], "sample.size is the number of cases to draw, at least 1 (got \(size))") }
        seed = try container.decode(String.self, forKey: .seed)
        guard !seed.isEmpty else { throw PipelineIssue(container.codingPath + [CodingKeys.seed], "sample.seed is any text, e.g. seed: q3-2024; the same seed draws the same sample") }
        population = try container.decodeChoice(SamplePopulation.self, forKey: .population) ?? .released
        scope = try container.decodeIfPresent(Scope.self, forKey: .scope)
    }
}

public enum ExportOutput: String, Codable, Sendable, CaseIterable {
    /// rates.csv, volumes.csv and the HTML report (Export stage).
    case report
    /// case_metrics.csv too (case-level evidence: not for publication).
    case cases
    /// One page per sampled case, an index grid and its CSV (CaseFileWriter).
    case casefiles
}

public struct ExportSpec: Codable, Sendable, Equatable {
    /// As written; relative paths are resolved against the pipeline file's folder.
    public var directory: String
    public var outputs: [ExportOutput]

    enum CodingKeys: String, CodingKey, CaseIterable { case directory, outputs }

    public init(directory: String, outputs: [ExportOutput] = [.report]) {
        self.directory = directory
        self.outputs = outputs
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        directory = try container.decodeIfPresent(String.self, forKey: .directory) ?? "notebooks-export"
        if container.contains(.outputs) {
            var list = try container.nestedUnkeyedContainer(forKey: .outputs)
            var outputs: [ExportOutput] = []
            while !list.isAtEnd {
                let path = list.codingPath + [AnyCodingKey(index: list.currentIndex)]
                let text = try list.decode(String.self)
                guard let output = ExportOutput(rawValue: text) else {
                    throw PipelineIssue(path, "unknown export output \"\(text)\"; use any of \(ExportOutput.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                outputs.append(output)
            }
            self.outputs = outputs
        } else {
            outputs = [.report]
        }
    }
}

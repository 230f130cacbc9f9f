// The quality gate (`throughcare check`, and the check step of a pipeline run): the contract's
// tests over core, then the pipeline's thresholds (or --max name=value) over the gate's measures.
// The SQL that computes both lives in sql/200_quality/296_quality_gate.sql, read in order through
// quality.gate_findings (297_gate_findings.sql); this file decides what passes. An official run
// refuses to publish when the gate fails, unless forced with a reason.

import PostgresClient
import ThroughcareCore

/// One line of the gate's findings table.
public struct QualityFinding: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case contract, threshold }
    public var kind: Kind
    /// unique / not_null / accepted_values / relationships, or the measure's name.
    public var name: String
    /// The relation.column tested, or the file a per-file measure is about.
    public var subject: String?
    /// Rows failing a contract test, or the measure's numerator.
    public var count: Int64
    /// The measure's denominator (nil for contract tests).
    public var outOf: Int64?
    /// The measure's share (nil for contract tests, or when the denominator is 0).
    public var value: Double?
    /// The threshold compared with (nil when the measure has none: reported, not judged).
    public var maximum: Double?
    public var passed: Bool
    public var description: String
}

public struct QualityGateReport: Sendable, Encodable {
    public var findings: [QualityFinding]

    enum CodingKeys: String, CodingKey { case passed, findings }

    public init(findings: [QualityFinding]) { self.findings = findings }

    /// {"passed": bool, "findings": [...]}: the shape stored in metrics.runs.quality_gate.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(passed, forKey: .passed)
        try container.encode(findings, forKey: .findings)
    }
    public var passed: Bool { findings.allSatisfy(\.passed) }
    public var failures: [QualityFinding] { findings.filter { !$0.passed } }

    /// One line per failure, for messages and the run's record.
    public var failureSummary: String {
        failures.map { finding in
            switch finding.kind {
            case .contract: return "\(finding.name) \(finding.subject ?? ""): \(finding.count) row(s)"
            case .threshold:
                let value = finding.value.map { String(format: "%.4f", $0) } ?? "?"
                return "\(finding.name)\(finding.subject.map { " (\($0))" } ?? "") = \(value) > \(finding.maximum.map { String(format: "%.4f", $0) } ?? "?")"
            }
        }.joined(separator: "; ")
    }
}

public struct QualityGate {
    /// The measures a threshold can name, as quality.gate_measures() computes them.
    public static let measures: [(name: String, description: String)] = [
        ("reject_rate_per_file", "share of a loaded file's rows that ingest rejected (judged per file)"),
        ("contacts_outside_custody_share", "share of contacts dated before sentence start or after release"),
        ("released_without_outcome_share", "share of released cases with no release outcome"),
        ("custody_without_pom_share", "share of cases in custody on the as-of date with no POM"),
    ]

    /// Accepts `quality.NAME` as well as `NAME`: the measures are what the quality.* views count.
    public static func measureName(_ text: String) -> String {
        text.hasPrefix("quality.") ? String(text.dropFirst("quality.".count)) : text
    }

    /// Parses `--max name=value` pairs.
    public static func parseMaximums(_ pairs: [String]) throws -> [String: Double] {
        var maximums: [String: Double] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let known = measures.map(\.name)
            guard parts.count == 2, let value = Double(parts[1]), (0...1).contains(value) else {
                throw ThroughcareError.invalidInput("--max takes NAME=SHARE with a share between 0 and 1, e.g. --max reject_rate_per_file=0.02 (got \"\(pair)\")")
            }
            let name = measureName(parts[0])
            guard known.contains(name) else {
                throw ThroughcareError.invalidInput("unknown quality measure \"\(parts[0])\"; use one of \(known.joined(separator: ", "))")
            }
            maximums[name] = value
        }
        return maximums
    }

    /// relation.column → accepted codes, from the one place the contract's vocabulary is written.
    static var acceptedCodes: [String: [String]] {
        [
            "core.establishments.establishment_type": ContractCodes.establishmentTypes,
            "core.establishments.operator": ContractCodes.operators,
            "core.staff.role": ContractCodes.staffRoles,
            "core.cases.sentence_type": ContractCodes.sentenceTypes,
            "core.cases.tier": ContractCodes.tiers,
            "core.cases.rosh": ContractCodes.rosh,
            "core.allocations.role": ContractCodes.allocationRoles,
            "core.allocations.staff_role": ContractCodes.staffRoles,
            "core.contacts.contact_type": ContractCodes.contactTypes,
            "core.contacts.channel": ContractCodes.channels,
            "core.contacts.outcome": ContractCodes.outcomes,
            "core.assessments.kind": ContractCodes.assessmentKinds,
            "core.release_outcomes.accommodation": ContractCodes.accommodation,
        ]
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Runs the tests and compares the measures with `maximums` (measure name → largest share allowed).
    public func evaluate(maximums: [String: Double]) throws -> QualityGateReport {
        // A core built by an older throughcare lacks the function: say what to run, not "does not exist".
        guard try connection.call("pg_catalog.to_regprocedure", "quality.gate_findings(jsonb)").scalar(String?.self) != nil else {
            throw PostgresError(kind: .server, sqlState: PostgresError.notReadySQLState,
                                message: "the quality gate needs a core model built by this version of throughcare",
                                hint: "Run throughcare transform (or throughcare run) first.")
        }
        let codes = RunParameters.jsonObjectOfLists(Self.acceptedCodes)
        var findings: [QualityFinding] = []
        for row in try connection.call("quality.gate_findings", PostgresJSON(codes)).rows {
            let name = try row["name", as: String?.self] ?? ""
            let subject = try row["subject", as: String?.self]
            let count = try row["numerator", as: Int64?.self] ?? 0
            let description = try row["description", as: String?.self] ?? ""
            if try row["kind", as: String.self] == QualityFinding.Kind.contract.rawValue {
                findings.append(QualityFinding(kind: .contract, name: name, subject: subject, count: count, outOf: nil, value: nil,
                                               maximum: 0, passed: count == 0, description: description))
            } else {
                let value = try row["value", as: Double?.self]
                let maximum = maximums[name]
                let passed = maximum.map { limit in (value ?? 0) <= limit } ?? true
                findings.append(QualityFinding(kind: .threshold, name: name, subject: subject, count: count,
                                               outOf: try row["denominator", as: Int64?.self], value: value, maximum: maximum,
                                               passed: passed, description: description))
            }
        }
        return QualityGateReport(findings: findings)
    }
}

extension RunParameters {
    /// A JSON object of string lists (for binding the contract's codes).
    static func jsonObjectOfLists(_ lists: [String: [String]]) -> String {
        let body = lists.sorted { $0.key < $1.key }.map { key, values in
            "\(jsonString(key)): [" + values.map(jsonString).joined(separator: ", ") + "]"
        }
        return "{" + body.joined(separator: ", ") + "}"
    }
}

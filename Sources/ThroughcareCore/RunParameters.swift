/// The named thresholds of the metric definitions (shared/spec/metrics.md, "Parameters"), with
/// the spec's defaults. Every run records the values it used; a pipeline or the command line
/// may override any of them by name.
public struct RunParameters: Sendable, Equatable {
    /// Spec defaults, in the spec's order. Intervals are PostgreSQL interval literals.
    public static let defaults: [(name: String, value: String)] = [
        ("com_only_below", "10 months"),
        ("handover_determinate", "8 months 14 days"),
        ("handover_parole", "12 months"),
        ("handover_indeterminate", "12 months"),
        ("keywork_min_window_days", "28"),
        ("keywork_max_gap_days", "14"),
        ("pom_min_window_days", "42"),
        ("pom_max_gap_days", "42"),
        ("sentence_plan_min_days", "56"),
        ("prerelease_window_days", "84"),
        ("prerelease_min_contacts", "3"),
        ("liaison_before_handover_days", "56"),
        ("liaison_after_handover_days", "28"),
        ("recall_window_days", "28"),
        ("band_outstanding", "0.80"),
        ("band_good", "0.65"),
        ("band_requires_improvement", "0.50"),
        ("min_publish_denominator", "10"),
        // 1 means no rounding (metrics.md: "default 1, i.e. none")
        ("round_counts_to", "1"),
    ]

    /// Parameters the transform stage uses (the OMiC handover rules).
    public static let transformNames: Set<String> = ["com_only_below", "handover_determinate", "handover_parole", "handover_indeterminate"]

    public private(set) var values: [String: String]
    /// Explicit as-of date (YYYY-MM-DD); nil means the latest contact date in the data.
    public var asOf: CivilDate?

    public init(overrides: [String: String] = [:], asOf: CivilDate? = nil) throws {
        var values = Dictionary(uniqueKeysWithValues: Self.defaults.map { ($0.name, $0.value) })
        for (name, value) in overrides {
            guard values[name] != nil else {
                let known = Self.defaults.map(\.name).joined(separator: ", ")
                throw ThroughcareError.invalidInput("unknown run parameter \"\(name)\"; known parameters: \(known)")
            }
            values[name] = value
        }
        self.values = values
        self.asOf = asOf
    }

    /// Name/value pairs in the spec's order.
    public var ordered: [(name: String, value: String)] {
        Self.defaults.map { ($0.name, values[$0.name]!) }
    }

    /// The parameters as a JSON object (plain decimal numbers unquoted), for the run's lineage
    /// record; the SQL side checks each value's type and names the parameter when one is wrong.
    public var json: String { Self.jsonObject(ordered) }

    /// Name/value pairs as a JSON object, plain decimal numbers unquoted.
    public static func jsonObject(_ pairs: [(name: String, value: String)]) -> String {
        let body = pairs.map { name, value in
            "\(jsonString(name)): " + (isPlainNumber(value) ? value : jsonString(value))
        }
        return "{" + body.joined(separator: ", ") + "}"
    }

    /// `-?digits[.digits]`: a JSON number as a person writes one (no `nan`, `inf` or hex).
    static func isPlainNumber(_ text: String) -> Bool {
        var characters = Substring(text)
        if characters.first == "-" { characters = characters.dropFirst() }
        let parts = characters.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber) else { return false }
        if parts.count == 2 { return !parts[1].isEmpty && parts[1].allSatisfy { $0.isASCII && $0.isNumber } }
        return true
    }

    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

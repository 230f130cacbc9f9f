// What `throughcare run PIPELINE.yml --dry-run` prints: the stages a run would perform with the
// values it would use, resolved (paths, parameters with the spec's defaults), and no work done.

import Foundation
import ThroughcareCore

public enum PipelinePlan {
    public static func describe(_ pipeline: LoadedPipeline, options: PipelineRunOptions = PipelineRunOptions()) throws -> [String] {
        let definition = pipeline.definition
        let parameters = try definition.runParameters()
        let overridden = Set(definition.parameters.keys)
        let extract: String = (options.extractDirectory ?? pipeline.extractDirectory).path
        let handover: String = RunParameters.transformNames.sorted().map { name -> String in "\(name)=\(parameters.values[name]!)" }.joined(separator: ", ")
        let thresholds: String = definition.quality.maximums.isEmpty ? "none"
            : definition.quality.maximums.sorted { $0.key < $1.key }.map { pair -> String in "\(pair.key) <= \(pair.value)" }.joined(separator: ", ")
        let gateEffect: String = definition.publish ? " (a failure stops publication unless --force \"reason\")" : " (reported; exploratory runs continue)"
        let kind: String = definition.publish ? "official (publishes)" : "exploratory (not published)"
        let scopes: String = definition.scopes.scopes.map { list -> String in list.map(\.description).joined(separator: ", ") } ?? "all"
        var lines: [String] = []
        lines.append("pipeline \(definition.name) (\(pipeline.path), sha256 \(pipeline.sha256.prefix(12))…)")
        lines.append("  1. ingest     \(extract) (\(definition.extract.mode.rawValue); unchanged files skipped)")
        lines.append("  2. transform  core model and quality views (handover: \(handover))")
        lines.append("  3. check      contract tests; thresholds: \(thresholds)\(gateEffect)")
        lines.append("  4. aggregate  [\(definition.range.from), \(definition.range.to)) by \(definition.period.rawValue), \(kind), scopes: \(scopes)")
        if let sample = definition.sample {
            lines.append("  5. sample     \(sample.size) \(sample.population.rawValue) case(s), seed \(sample.seed)" + (sample.scope.map { ", \($0)" } ?? ", national"))
        } else {
            lines.append("  5. sample     none")
        }
        if let exports = definition.exports, let directory = options.exportDirectory ?? pipeline.exportDirectory {
            lines.append("  6. export     \(exports.outputs.map(\.rawValue).joined(separator: ", ")) to \(directory.appendingPathComponent(definition.name).path)")
        } else {
            lines.append("  6. export     none")
        }
        let values: String = parameters.ordered.map { pair -> String in
            "\(pair.name)=\(pair.value)" + (overridden.contains(pair.name) ? " (pipeline)" : "")
        }.joined(separator: ", ")
        let asOf: String = parameters.asOf.map { "as_of=\($0) (pipeline)" } ?? "as_of=latest contact date"
        lines.append("  parameters: \(values), \(asOf)")
        if let database = definition.database { lines.append("  database: \(database)") }
        return lines
    }
}

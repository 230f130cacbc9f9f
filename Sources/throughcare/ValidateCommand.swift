import ArgumentParser
import Pipeline

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files without running them (errors as FILE:LINE:COLUMN: message; exit 64 on the first bad file).")

    @Argument(help: "Pipeline files (pipelines/*.yml).")
    var files: [String]

    func run() throws {
        for file in files {
            let pipeline = try PipelineLoader.load(path: file)
            Console.print("\(file): ok (\(pipeline.definition.name), sha256 \(pipeline.sha256))")
        }
    }
}

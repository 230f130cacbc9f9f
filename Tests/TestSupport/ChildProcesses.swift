import Foundation
import LocalPostgres

/// The CLI built by `swift build` (make test builds it before the tests run).
public func throughcareBinary() -> URL {
    repositoryRoot().appendingPathComponent(".build/debug/throughcare")
}

/// Starts a child (so a test can SIGKILL it); output to `output` (or /dev/null); our environment
/// plus `environment`. Reap it with `ChildProcess.wait(for:)`.
public func spawnProcess(_ argv: [String], environment: [String: String] = [:], output: String = "/dev/null") throws -> pid_t {
    try ChildProcess.spawn(argv, environment: mergedEnvironment(environment), outputPath: output)
}

/// Runs a child to the end; returns its exit status and what it printed (stdout and stderr together).
public func runProcess(_ argv: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("tc-child-\(UUID().uuidString).log").path
    defer { unlink(outputPath) }
    let status = try ChildProcess.run(argv, environment: mergedEnvironment(environment), outputPath: outputPath)
    return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
}

private func mergedEnvironment(_ extra: [String: String]) -> [String: String] {
    var merged = ProcessInfo.processInfo.environment
    for (key, value) in extra { merged[key] = value }
    return merged
}

/// A copy of a fixture directory in a fresh temporary folder, to change for one test.
public func copyOfDirectory(_ path: String) throws -> URL {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tc-fixture-\(UUID().uuidString)")
    try FileManager.default.copyItem(atPath: path, toPath: copy.path)
    return copy
}

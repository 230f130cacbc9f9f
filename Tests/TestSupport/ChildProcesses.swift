import Foundation

/// The CLI built by `swift build` (make test builds it before the tests run).
public func throughcareBinary() -> URL {
    repositoryRoot().appendingPathComponent(".build/debug/throughcare")
}

/// Starts a child with posix_spawn (so a test can SIGKILL it and reap it itself); its stdout and
/// stderr go to `output` (or /dev/null), its environment is ours plus `environment`.
public func spawnProcess(_ argv: [String], environment: [String: String] = [:], output: String = "/dev/null") throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var merged = ProcessInfo.processInfo.environment
    for (key, value) in environment { merged[key] = value }
    let arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    let variables: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (arguments + variables).forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, argv[0], &actions, nil, arguments, variables)
    guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
    return pid
}

/// Runs a child to the end; returns its exit status and what it printed (stdout and stderr together).
public func runProcess(_ argv: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("tc-child-\(UUID().uuidString).log").path
    defer { unlink(outputPath) }
    let pid = try spawnProcess(argv, environment: environment, output: outputPath)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, output)
}

/// A copy of a fixture directory in a fresh temporary folder, to change for one test.
public func copyOfDirectory(_ path: String) throws -> URL {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tc-fixture-\(UUID().uuidString)")
    try FileManager.default.copyItem(atPath: path, toPath: copy.path)
    return copy
}

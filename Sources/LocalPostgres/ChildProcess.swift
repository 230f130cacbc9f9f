import Foundation

/// Runs programs with posix_spawn and waitpid. Foundation's Process reaps its children from a
/// run-loop source, which never fires inside some hosts (XCTest on Linux), and `pg_ctl start`
/// leaves a daemon holding the inherited output: a file, never a pipe, avoids both.
public enum ChildProcess {
    /// Open descriptors above stderr (glibc's addclosefrom_np is not visible to Swift).
    static func inheritableDescriptors() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }.filter { $0 > 2 && fcntl($0, F_GETFD) != -1 }
    }

    /// Runs a program to completion; returns its exit status (128 + signal when killed).
    public static func run(_ argv: [String], environment: [String: String], outputPath: String) throws -> Int32 {
        try wait(for: try spawn(argv, environment: environment, outputPath: outputPath), command: argv)
    }

    /// Starts a program (stdin /dev/null, stdout and stderr to `outputPath`) and returns its pid,
    /// for a caller that may signal it before reaping it with `wait(for:)`.
    public static func spawn(_ argv: [String], environment: [String: String], outputPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours is inherited: `pg_ctl start` leaves a server running for days, and
        // it would keep every descriptor open — a caller's `flock` on a shared build lock stayed
        // held until `throughcare db stop` (seen with `flock … make demo`).
        for descriptor in inheritableDescriptors() { posix_spawn_file_actions_addclose(&actions, descriptor) }

        // Start in "/": our working directory may be one `postgres` cannot enter (/root is 0700).
        let command = ["/bin/sh", "-c", "cd / && exec \"$0\" \"$@\""] + argv
        let arguments: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, arguments, variables)
        guard spawned == 0 else {
            throw LocalPostgresError.commandFailed(command: argv.joined(separator: " "), status: spawned,
                                                   output: "could not start: \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// Reaps a child started by `spawn`; returns its exit status (128 + signal when killed).
    public static func wait(for pid: pid_t, command: [String] = []) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw LocalPostgresError.commandFailed(command: command.joined(separator: " "), status: errno, output: "waitpid failed")
            }
        }
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }
}

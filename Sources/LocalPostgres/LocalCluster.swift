// LocalPostgres: the embedded default database. It creates, starts and stops a private
// PostgreSQL cluster with the Debian binaries (/usr/lib/postgresql/*/bin), listening on a free
// loopback port and a private socket directory. As root it runs the server as the `postgres`
// system user, because initdb refuses root. It knows nothing of Throughcare's schemas.

import Foundation

public enum LocalPostgresError: Error, CustomStringConvertible {
    case binariesNotFound
    case commandFailed(command: String, status: Int32, output: String)
    case notRunning(String)
    case noFreePort

    public var description: String {
        switch self {
        case .binariesNotFound:
            return "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin. Install them with: apt-get install -y postgresql"
        case let .commandFailed(command, status, output):
            return "\(command) failed (exit \(status)):\n\(output)"
        case let .notRunning(name):
            return "the local cluster \(name) is not running; start it with: throughcare db start"
        case .noFreePort:
            return "no free loopback port found for PostgreSQL"
        }
    }
}

/// Where a cluster lives and how to reach it. Saved as `cluster.json` beside the data directory.
public struct ClusterInfo: Codable, Sendable {
    public var name: String
    public var port: Int
    public var socketDirectory: String
    public var user: String
    public var database: String
    public var passwordFile: String
    public var passFile: String

    /// A libpq connection string with the password, for the program's own use. Never print it.
    public func conninfo(database: String? = nil) throws -> String {
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return "host=127.0.0.1 port=\(port) dbname=\(database ?? self.database) user=\(user) password=\(password) application_name=throughcare"
    }

    /// A URL without the password: libpq finds it in the pgpass file (`PGPASSFILE`).
    public var publicURL: String {
        "postgresql://\(user)@127.0.0.1:\(port)/\(database)"
    }

    /// A `psql` command line a person can paste; the password stays in the pgpass file.
    public var psqlCommand: String {
        "PGPASSFILE=\(passFile) psql \"\(publicURL)\""
    }
}

/// A PostgreSQL cluster under `baseDirectory`, owned by the `postgres` user when we are root.
public final class LocalCluster: Sendable {
    public let name: String
    public let baseDirectory: URL
    let binDirectory: URL
    let runAsPostgres: Bool

    var dataDirectory: URL { baseDirectory.appendingPathComponent("data") }
    var socketDirectory: URL { baseDirectory.appendingPathComponent("socket") }
    var logFile: URL { baseDirectory.appendingPathComponent("server.log") }
    var infoFile: URL { baseDirectory.appendingPathComponent("cluster.json") }
    var passwordFile: URL { baseDirectory.appendingPathComponent("password") }
    var passFile: URL { baseDirectory.appendingPathComponent("pgpass") }

    /// The default home of named clusters: outside /root (mode 0700, which `postgres` cannot enter).
    public static var defaultRoot: URL {
        let root = ProcessInfo.processInfo.environment["THROUGHCARE_PG_ROOT"] ?? "/var/tmp/throughcare-\(getuid())"
        return URL(fileURLWithPath: root)
    }

    public init(name: String, root: URL = LocalCluster.defaultRoot) throws {
        self.name = name
        self.baseDirectory = root.appendingPathComponent(name)
        self.binDirectory = try Self.findBinaries()
        self.runAsPostgres = getuid() == 0
    }

    /// A throwaway cluster for a test run: a unique name, removed by `destroy()`.
    public static func throwaway(prefix: String = "test") throws -> LocalCluster {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return try LocalCluster(name: "\(prefix)-\(getpid())-\(suffix)")
    }

    static func findBinaries() throws -> URL {
        let fileManager = FileManager.default
        let parent = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? fileManager.contentsOfDirectory(atPath: parent.path)) ?? []
        let sorted = versions.compactMap { Int($0) }.sorted(by: >)
        for version in sorted {
            let bin = parent.appendingPathComponent("\(version)/bin")
            if fileManager.isExecutableFile(atPath: bin.appendingPathComponent("pg_ctl").path),
               fileManager.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) {
                return bin
            }
        }
        throw LocalPostgresError.binariesNotFound
    }

    public var isInitialised: Bool {
        FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path)
    }

    public func info() throws -> ClusterInfo {
        let data = try Data(contentsOf: infoFile)
        return try JSONDecoder().decode(ClusterInfo.self, from: data)
    }

    /// Initialises the cluster if needed, starts it if it is not running, and returns how to reach it.
    @discardableResult
    public func start() throws -> ClusterInfo {
        if !isInitialised { try initialise() }
        var info = try self.info()
        if try isRunning() { return info }
        info.port = try Self.freeLoopbackPort()
        try save(info)
        try writePassFile(info)
        let options = "-c listen_addresses=127.0.0.1 -p \(info.port) -k \(socketDirectory.path)"
        try run(binary: "pg_ctl", ["-D", dataDirectory.path, "-l", logFile.path, "-o", options, "-w", "-t", "60", "start"], asServerUser: true)
        try createDatabaseIfMissing(info)
        return info
    }

    /// Stops the server (fast shutdown: open sessions are disconnected) and waits for it.
    public func stop() throws {
        guard isInitialised, try isRunning() else { return }
        try run(binary: "pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"], asServerUser: true)
    }

    /// Stops the server and removes every file of the cluster.
    public func destroy() throws {
        try stop()
        try? FileManager.default.removeItem(at: baseDirectory)
    }

    public func isRunning() throws -> Bool {
        guard isInitialised else { return false }
        let status = try run(binary: "pg_ctl", ["-D", dataDirectory.path, "status"], asServerUser: true, allowFailure: true)
        return status.status == 0
    }

    /// The server's postmaster PID while running (first line of postmaster.pid).
    public func serverPID() -> Int32? {
        let pidFile = dataDirectory.appendingPathComponent("postmaster.pid")
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
              let line = text.split(separator: "\n").first else { return nil }
        return Int32(line.trimmingCharacters(in: .whitespaces))
    }

    private func initialise() throws {
        let fileManager = FileManager.default
        try? fileManager.removeItem(at: baseDirectory)
        try fileManager.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        let password = Self.randomPassword()
        // The password file the client reads stays private to us; initdb gets its own copy.
        try write(password + "\n", to: passwordFile, mode: 0o600)
        let initPasswordFile = baseDirectory.appendingPathComponent("initdb-password")
        try write(password + "\n", to: initPasswordFile, mode: 0o600)
        if runAsPostgres {
            try chownToPostgres(baseDirectory)
            try chownToPostgres(socketDirectory)
            try chownToPostgres(initPasswordFile)
        }
        chmod(baseDirectory.path, 0o700)
        defer { try? fileManager.removeItem(at: initPasswordFile) }
        try run(binary: "initdb", [
            "-D", dataDirectory.path, "-U", "throughcare", "--pwfile", initPasswordFile.path,
            "-A", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8", "--no-instructions",
        ], asServerUser: true)
        let info = ClusterInfo(
            name: name, port: 0, socketDirectory: socketDirectory.path, user: "throughcare",
            database: "throughcare", passwordFile: passwordFile.path, passFile: passFile.path
        )
        try save(info)
    }

    private func createDatabaseIfMissing(_ info: ClusterInfo) throws {
        let environment = ["PGPASSFILE": passFile.path]
        let exists = try run(binary: "psql", [
            "-h", "127.0.0.1", "-p", "\(info.port)", "-U", info.user, "-d", "postgres", "-tAc",
            "select 1 from pg_database where datname = 'throughcare'",
        ], environment: environment)
        if exists.output.trimmingCharacters(in: .whitespacesAndNewlines) != "1" {
            try run(binary: "createdb", ["-h", "127.0.0.1", "-p", "\(info.port)", "-U", info.user, info.database], environment: environment)
        }
    }

    private func save(_ info: ClusterInfo) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(info).write(to: infoFile)
    }

    private func writePassFile(_ info: ClusterInfo) throws {
        let password = try String(contentsOf: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try write("127.0.0.1:\(info.port):*:\(info.user):\(password)\n", to: passFile, mode: 0o600)
    }

    private func write(_ text: String, to url: URL, mode: mode_t) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: Int(mode)])
        try Data(text.utf8).write(to: url)
        chmod(url.path, mode)
    }

    private func chownToPostgres(_ url: URL) throws {
        guard let user = getpwnam("postgres") else {
            throw LocalPostgresError.commandFailed(command: "getpwnam(postgres)", status: -1,
                                                   output: "no 'postgres' system user: apt-get install -y postgresql creates it")
        }
        guard chown(url.path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw LocalPostgresError.commandFailed(command: "chown postgres \(url.path)", status: errno, output: String(cString: strerror(errno)))
        }
    }

    @discardableResult
    private func run(binary: String, _ arguments: [String], asServerUser: Bool = false, environment: [String: String] = [:], allowFailure: Bool = false) throws -> (status: Int32, output: String) {
        let executable = binDirectory.appendingPathComponent(binary).path
        let argv = (asServerUser && runAsPostgres)
            ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments
            : [executable] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        env["LC_ALL"] = "C.UTF-8"
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-pg-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let status = try ChildProcess.run(argv, environment: env, outputPath: outputFile.path)
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        if status != 0 && !allowFailure {
            var detail = output
            if binary == "pg_ctl", let log = try? String(contentsOf: logFile, encoding: .utf8) {
                detail += "\n--- server log ---\n" + log.split(separator: "\n").suffix(20).joined(separator: "\n")
            }
            throw LocalPostgresError.commandFailed(command: ([binary] + arguments).joined(separator: " "), status: status, output: detail)
        }
        return (status, output)
    }

    static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LocalPostgresError.noFreePort }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw LocalPostgresError.noFreePort }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw LocalPostgresError.noFreePort }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

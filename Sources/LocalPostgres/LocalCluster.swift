// LocalPostgres: the embedded default database. It creates, starts and stops a private
// PostgreSQL cluster with the Debian binaries (/usr/lib/postgresql/*/bin), listening on a free
// loopback port and a private socket directory. As root it runs the server as the `postgres`
// system user, because initdb refuses root. It knows nothing of Throughcare's schemas.
// Safety (docs/security.md): the root is private (lstat-checked, never a symlink), every
// cluster folder carries a marker written when we created it, and only marked folders are
// ever removed; the pipeline's role is not the superuser (ClusterRoles.swift).

import Foundation

public enum LocalPostgresError: Error, CustomStringConvertible {
    case binariesNotFound
    case commandFailed(command: String, status: Int32, output: String)
    case notRunning(String)
    case noFreePort
    /// A folder failed the ownership, mode or symlink checks; the message says which and how to fix it.
    case unsafeFolder(String)
    /// A folder where a cluster would go that we did not create (no marker): never wiped.
    case notCreatedByThroughcare(String)
    /// A cluster made before the superuser / owner split: its pipeline role is the superuser.
    case legacyCluster(String)
    case invalidName(String)

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
        case let .unsafeFolder(message):
            return message
        case let .notCreatedByThroughcare(path):
            return "refusing to use or remove \(path): throughcare did not create it (no \(ClusterFolder.markerName) marker). Move it away, or remove it yourself if it is a cluster you no longer need"
        case let .legacyCluster(name):
            return "the local cluster \(name) was created by an older throughcare whose pipeline role is the superuser; dump what you need (pg_dump), stop it, remove its folder by hand and start again to recreate it safely"
        case let .invalidName(name):
            return "invalid cluster name \"\(name)\": use letters, digits, '-', '_' and '.', not starting with '.'"
        }
    }
}

/// A PostgreSQL cluster under `baseDirectory`, owned by the `postgres` user when we are root.
public final class LocalCluster: Sendable {
    public let name: String
    /// The folder holding every named cluster (`defaultRoot` unless given).
    public let root: URL
    public let baseDirectory: URL
    let binDirectory: URL
    let runAsPostgres: Bool

    var dataDirectory: URL { baseDirectory.appendingPathComponent("data") }
    var socketDirectory: URL { baseDirectory.appendingPathComponent("socket") }
    var logFile: URL { baseDirectory.appendingPathComponent("server.log") }
    var infoFile: URL { baseDirectory.appendingPathComponent("cluster.json") }
    var passwordFile: URL { baseDirectory.appendingPathComponent("password") }
    var passFile: URL { baseDirectory.appendingPathComponent("pgpass") }
    var adminPasswordFile: URL { baseDirectory.appendingPathComponent("admin-password") }
    var adminPassFile: URL { baseDirectory.appendingPathComponent("admin-pgpass") }
    var markerFile: URL { baseDirectory.appendingPathComponent(ClusterFolder.markerName) }

    /// The default home of named clusters, private to the user and under no world-writable
    /// directory: `THROUGHCARE_PG_ROOT`; as root `/var/lib/throughcare` (root-owned, 0711 so the
    /// `postgres` server user can pass through to its own 0700 cluster folder, but not list);
    /// otherwise `$XDG_DATA_HOME/throughcare` or `~/.local/share/throughcare` (0700).
    public static var defaultRoot: URL {
        let environment = ProcessInfo.processInfo.environment
        if let root = environment["THROUGHCARE_PG_ROOT"], !root.isEmpty { return URL(fileURLWithPath: root) }
        if getuid() == 0 { return URL(fileURLWithPath: "/var/lib/throughcare") }
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return URL(fileURLWithPath: data).appendingPathComponent("throughcare")
        }
        var home = environment["HOME"] ?? ""
        if !home.hasPrefix("/"), let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir {
            home = String(cString: directory)
        }
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/throughcare")
    }

    /// Mode of the root we create: see `defaultRoot`.
    var rootMode: mode_t { runAsPostgres ? 0o711 : 0o700 }

    public init(name: String, root: URL = LocalCluster.defaultRoot) throws {
        // The name becomes a path component of folders we create and may remove.
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !name.isEmpty, !name.hasPrefix("."), name.allSatisfy({ allowed.contains($0) }) else {
            throw LocalPostgresError.invalidName(name)
        }
        self.name = name
        self.root = root.standardizedFileURL
        self.baseDirectory = self.root.appendingPathComponent(name)
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

    /// True when the cluster folder carries the marker we write when creating it: only such
    /// folders are ever wiped or removed (e.g. by a sweeper of stale test clusters).
    public var isCreatedByThroughcare: Bool {
        guard case .directory = (try? ClusterFolder.kind(baseDirectory))?.0 else { return false }
        return ClusterFolder.hasMarker(baseDirectory)
    }

    /// The uid that must own the cluster folder: the server's user (`postgres` when we are root).
    func folderOwner() throws -> uid_t {
        runAsPostgres ? try postgresUser().uid : getuid()
    }

    /// Creates the root if missing, then refuses it unless it is a real directory owned by us,
    /// writable by no one else, in a parent others cannot rename it out of.
    func prepareRoot() throws {
        let fileManager = FileManager.default
        if case .missing = try ClusterFolder.kind(root).0 {
            try fileManager.createDirectory(at: root.deletingLastPathComponent(), withIntermediateDirectories: true)
            if mkdir(root.path, rootMode) != 0 && errno != EEXIST {
                throw LocalPostgresError.unsafeFolder("cannot create \(root.path): \(String(cString: strerror(errno)))")
            }
            if case .directory = try ClusterFolder.kind(root).0 { chmod(root.path, rootMode) }   // umask aside
        }
        try ClusterFolder.checkParent(of: root)
        try ClusterFolder.check(root, owner: getuid(), forbidden: S_IWGRP | S_IWOTH, what: "the cluster root")
    }

    /// Refuses an existing cluster folder that is a link, someone else's, or open to others.
    func checkClusterFolder() throws {
        try ClusterFolder.check(baseDirectory, owner: try folderOwner(), forbidden: 0o077, what: "the cluster folder")
    }

    /// Initialises the cluster if needed, starts it if it is not running, and returns how to reach it.
    @discardableResult
    public func start() throws -> ClusterInfo {
        try prepareRoot()
        if case .missing = try ClusterFolder.kind(baseDirectory).0 {} else {
            try checkClusterFolder()
        }
        if !isInitialised { try initialise() }
        var info = try self.info()
        guard info.adminUser != nil else { throw LocalPostgresError.legacyCluster(name) }
        if try isRunning() { return info }
        // Keep the port of the last start when it is still free, so psql, notebooks, dbt profiles
        // and `throughcare db env` exports written yesterday still connect today.
        if info.port == 0 || !Self.loopbackPortIsFree(info.port) {
            info.port = try Self.freeLoopbackPort()
        }
        try save(info)
        try writePassFiles(info)
        let options = "-c listen_addresses=127.0.0.1 -p \(info.port) -k \(socketDirectory.path)"
        try run(binary: "pg_ctl", ["-D", dataDirectory.path, "-l", logFile.path, "-o", options, "-w", "-t", "60", "start"], asServerUser: true)
        try setUpRolesAndDatabase(info)
        return info
    }

    /// Stops the server (fast shutdown: open sessions are disconnected) and waits for it.
    public func stop() throws {
        guard isInitialised, try isRunning() else { return }
        try run(binary: "pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"], asServerUser: true)
    }

    /// Stops the server and removes every file of the cluster, only if we created the folder
    /// (marker) and it passes the folder checks; symlinks inside are removed, never followed.
    public func destroy() throws {
        if case .missing = try ClusterFolder.kind(baseDirectory).0 { return }
        try checkClusterFolder()
        guard ClusterFolder.hasMarker(baseDirectory) else {
            throw LocalPostgresError.notCreatedByThroughcare(baseDirectory.path)
        }
        try stop()
        try ClusterFolder.removeTree(baseDirectory)
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

    /// Makes the cluster folder afresh. A folder already there is wiped only if it is ours
    /// (a half-made cluster: marker but no data/PG_VERSION); anything else is refused.
    private func initialise() throws {
        let fileManager = FileManager.default
        if case .missing = try ClusterFolder.kind(baseDirectory).0 {} else {
            try checkClusterFolder()
            guard ClusterFolder.hasMarker(baseDirectory) else {
                throw LocalPostgresError.notCreatedByThroughcare(baseDirectory.path)
            }
            try ClusterFolder.removeTree(baseDirectory)
        }
        // mkdir fails if something appeared meanwhile: we only mark what we made ourselves.
        guard mkdir(baseDirectory.path, 0o700) == 0 else {
            throw LocalPostgresError.unsafeFolder("cannot create \(baseDirectory.path): \(String(cString: strerror(errno)))")
        }
        chmod(baseDirectory.path, 0o700)
        try write("created by throughcare for the local cluster \(name)\n", to: markerFile, mode: 0o644)
        try fileManager.createDirectory(at: socketDirectory, withIntermediateDirectories: false)
        let password = Self.randomPassword()
        let adminPassword = Self.randomPassword()
        // The password files the client reads stay private to us; initdb gets its own copy.
        try write(password + "\n", to: passwordFile, mode: 0o600)
        try write(adminPassword + "\n", to: adminPasswordFile, mode: 0o600)
        let initPasswordFile = baseDirectory.appendingPathComponent("initdb-password")
        try write(adminPassword + "\n", to: initPasswordFile, mode: 0o600)
        if runAsPostgres {
            try chownToPostgres(baseDirectory)
            try chownToPostgres(socketDirectory)
            try chownToPostgres(initPasswordFile)
        }
        defer { unlink(initPasswordFile.path) }
        // Collation "C": identifiers are compared and sorted as bytes, which lets PostgreSQL use
        // its fast paths (abbreviated keys, memcmp) in every sort, index build and window of the
        // warehouse. C.UTF-8 (glibc >= 2.35) already orders by code point, which in UTF-8 is byte
        // order, so no result or listing changes order; character classes stay C.UTF-8
        // (docs/performance.md).
        try run(binary: "initdb", [
            "-D", dataDirectory.path, "-U", ClusterRoles.admin, "--pwfile", initPasswordFile.path,
            "-A", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8", "--lc-collate", "C", "--no-instructions",
        ], asServerUser: true)
        let info = ClusterInfo(
            name: name, port: 0, socketDirectory: socketDirectory.path, user: ClusterRoles.owner,
            database: ClusterRoles.database, passwordFile: passwordFile.path, passFile: passFile.path,
            adminUser: ClusterRoles.admin, adminPasswordFile: adminPasswordFile.path, adminPassFile: adminPassFile.path
        )
        try save(info)
    }

    /// As the superuser: the pipeline's role, the reader groups and the database (ClusterRoles).
    private func setUpRolesAndDatabase(_ info: ClusterInfo) throws {
        let password = try String(contentsOf: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let script = baseDirectory.appendingPathComponent("setup-roles.sql")
        try write(ClusterRoles.setupScript, to: script, mode: 0o600)
        defer { unlink(script.path) }
        try run(binary: "psql", [
            "-X", "-q", "-h", "127.0.0.1", "-p", "\(info.port)", "-U", info.adminUser ?? ClusterRoles.admin, "-d", "postgres", "-f", script.path,
        ], environment: ["PGPASSFILE": adminPassFile.path, ClusterRoles.passwordVariable: password])
    }

    private func save(_ info: ClusterInfo) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(info).write(to: infoFile)
    }

    /// One pgpass file per role, so a person's psql (PGPASSFILE=pgpass) logs in as the pipeline's role.
    private func writePassFiles(_ info: ClusterInfo) throws {
        let password = try String(contentsOf: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try write("127.0.0.1:\(info.port):*:\(info.user):\(password)\n", to: passFile, mode: 0o600)
        let adminPassword = try String(contentsOf: adminPasswordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try write("127.0.0.1:\(info.port):*:\(info.adminUser ?? ClusterRoles.admin):\(adminPassword)\n", to: adminPassFile, mode: 0o600)
    }

    private func write(_ text: String, to url: URL, mode: mode_t) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: Int(mode)])
        try Data(text.utf8).write(to: url)
        chmod(url.path, mode)
    }

    private func postgresUser() throws -> (uid: uid_t, gid: gid_t) {
        guard let user = getpwnam("postgres") else {
            throw LocalPostgresError.commandFailed(command: "getpwnam(postgres)", status: -1,
                                                   output: "no 'postgres' system user: apt-get install -y postgresql creates it")
        }
        return (user.pointee.pw_uid, user.pointee.pw_gid)
    }

    private func chownToPostgres(_ url: URL) throws {
        let user = try postgresUser()
        guard chown(url.path, user.uid, user.gid) == 0 else {
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

    /// True when nothing listens on 127.0.0.1:port (binding it succeeds).
    static func loopbackPortIsFree(_ port: Int) -> Bool {
        (try? bindLoopback(port: port)) != nil
    }

    static func freeLoopbackPort() throws -> Int {
        try bindLoopback(port: 0)
    }

    /// Binds 127.0.0.1:port (0: any) and returns the port bound; the socket is closed at once.
    static func bindLoopback(port: Int) throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LocalPostgresError.noFreePort }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
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

// Test support: every test gets a fresh database in a throwaway PostgreSQL cluster that this
// test process starts on first use and stops when it exits (or in DATABASE_URL's server).

import Foundation
import LocalPostgres
import PostgresClient

public final class TestCluster: @unchecked Sendable {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cluster: LocalCluster?
    nonisolated(unsafe) private static var baseConninfo: String?
    nonisolated(unsafe) private static var adminBaseConninfo: String?

    /// A connection string for the server tests use, starting a throwaway cluster if needed.
    public static func serverConninfo() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let baseConninfo { return baseConninfo }
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            baseConninfo = url
            return url
        }
        removeClustersOfDeadTestProcesses()
        let created = try LocalCluster.throwaway(prefix: "test")
        let info = try created.start()
        cluster = created
        atexit {
            try? TestCluster.stopThrowaway()
        }
        // Tests run as the pipeline's role (not a superuser), as the tool does.
        baseConninfo = try info.conninfo(database: "postgres")
        adminBaseConninfo = try info.adminConninfo(database: "postgres")
        return baseConninfo!
    }

    /// The superuser of the throwaway cluster, for the rare test that needs one; nil when the
    /// tests run against DATABASE_URL's server, whose superuser we do not know.
    public static func adminConninfo(database: String = "postgres") throws -> String? {
        _ = try serverConninfo()
        lock.lock()
        defer { lock.unlock() }
        return try adminBaseConninfo.map { try ConnectionString.replacingDatabase(in: $0, with: database) }
    }

    /// A test process killed before its atexit handler ran leaves its cluster behind
    /// (`test-<pid>-<id>`): stop and remove those whose process is gone, and only folders we
    /// created (marker); anything else named like one is left alone.
    public static func removeClustersOfDeadTestProcesses(root: URL = LocalCluster.defaultRoot) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in names where name.hasPrefix("test-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[1]), kill(pid, 0) != 0, errno == ESRCH else { continue }
            guard let cluster = try? LocalCluster(name: name, root: root), cluster.isCreatedByThroughcare else { continue }
            try? cluster.destroy()
        }
    }

    static func stopThrowaway() throws {
        try cluster?.destroy()
        cluster = nil
    }
}

/// A fresh, empty database for one test.
public struct TestDatabase {
    public let name: String
    public let conninfo: String

    public init() throws {
        let server = try TestCluster.serverConninfo()
        name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try PostgresConnection(server)
        try admin.execute(script: "create database \(identifier: name)")
        conninfo = try ConnectionString.replacingDatabase(in: server, with: name)
    }

    public func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo)
    }

    /// Drops the database (open connections must be closed first).
    public func drop() {
        guard let server = try? TestCluster.serverConninfo(), let admin = try? PostgresConnection(server) else { return }
        _ = try? admin.execute(script: "drop database if exists \(identifier: name) with (force)")
    }
}

/// The repository root, for fixtures and sql/.
public func repositoryRoot(_ file: String = #filePath) -> URL {
    var url = URL(fileURLWithPath: file)
    while url.path != "/" {
        url = url.deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}

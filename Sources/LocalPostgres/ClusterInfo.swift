import Foundation

/// Where a cluster lives and how to reach it. Saved as `cluster.json` beside the data directory.
/// `user` is the pipeline's role (`throughcare`: owns the database, not a superuser); the
/// superuser (`adminUser`) only creates the cluster, its roles and its database. Clusters made
/// before the split have no admin fields (see `LocalPostgresError.legacyCluster`).
public struct ClusterInfo: Codable, Sendable {
    public var name: String
    public var port: Int
    public var socketDirectory: String
    public var user: String
    public var database: String
    public var passwordFile: String
    public var passFile: String
    public var adminUser: String?
    public var adminPasswordFile: String?
    public var adminPassFile: String?

    /// A libpq connection string as the pipeline's role, with the password, for the program's
    /// own use. Never print it.
    public func conninfo(database: String? = nil) throws -> String {
        try Self.conninfo(port: port, database: database ?? self.database, user: user, passwordFile: passwordFile)
    }

    /// The same as the superuser, for the rare job that needs one (setting up roles; a test that
    /// must act on other roles' sessions). Never print it.
    public func adminConninfo(database: String? = nil) throws -> String {
        guard let adminUser, let adminPasswordFile else {
            throw LocalPostgresError.legacyCluster(name)
        }
        return try Self.conninfo(port: port, database: database ?? self.database, user: adminUser, passwordFile: adminPasswordFile)
    }

    static func conninfo(port: Int, database: String, user: String, passwordFile: String) throws -> String {
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return "host=127.0.0.1 port=\(port) dbname=\(database) user=\(user) password=\(password) application_name=throughcare"
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

/// The roles of an embedded cluster, set up by its superuser each time the cluster starts
/// (idempotent, so a cluster whose roles were dropped gets them back):
/// - `throughcare_admin`: the bootstrap superuser (initdb); used only here and by `adminConninfo`.
/// - `throughcare`: the pipeline's LOGIN role, NOT a superuser. CREATEDB so tests can make
///   throwaway databases; owner of the `throughcare` database, hence of the schemas it creates.
/// - `throughcare_reader`, `throughcare_public`: NOLOGIN groups read by people (grants in
///   sql/030_access/030_roles_and_grants.sql, which runs as `throughcare` and cannot create
///   roles). `throughcare` is a member, so it can `set role`.
enum ClusterRoles {
    static let admin = "throughcare_admin"
    static let owner = "throughcare"
    static let database = "throughcare"
    /// The environment variable psql reads the owner's password from (never on a command line).
    static let passwordVariable = "THROUGHCARE_OWNER_PASSWORD"

    /// A psql script (run with ON_ERROR_STOP). The password arrives through `\getenv` and is
    /// quoted by psql (`:'owner_password'`), so it is never part of the script text or argv.
    static let setupScript = """
        \\set ON_ERROR_STOP on
        \\getenv owner_password \(passwordVariable)
        select not exists (select from pg_roles where rolname = '\(owner)') as create_owner \\gset
        \\if :create_owner
        create role \(owner) with login nosuperuser nocreaterole createdb password :'owner_password';
        \\endif
        alter role \(owner) with login nosuperuser nocreaterole createdb;
        select not exists (select from pg_roles where rolname = 'throughcare_reader') as create_reader \\gset
        \\if :create_reader
        create role throughcare_reader nologin;
        \\endif
        select not exists (select from pg_roles where rolname = 'throughcare_public') as create_public \\gset
        \\if :create_public
        create role throughcare_public nologin;
        \\endif
        comment on role throughcare_reader is 'Analysts: read core, quality, metrics and published (not staging or ingest).';
        comment on role throughcare_public is 'Public: read the published schema only.';
        comment on role \(owner) is 'The pipeline: owns the throughcare database; not a superuser.';
        grant throughcare_reader, throughcare_public to \(owner);
        select not exists (select from pg_database where datname = '\(database)') as create_database \\gset
        \\if :create_database
        create database \(database) owner \(owner);
        \\endif
        alter database \(database) owner to \(owner);

        """
}

import PostgresClient
import ThroughcareCore

/// A calendar day travels as a PostgreSQL `date`, so statements compare and add to it without
/// casts. ISO text both ways: the server's DateStyle output for `date` starts with `YYYY-MM-DD`.
extension CivilDate: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    public static var postgresType: PostgresDataType { .date }
    public static var postgresArrayType: PostgresDataType { .dateArray }
    public var postgresText: String { description }

    public init(postgresText: String) throws {
        guard let day = CivilDate(postgresText) else {
            throw PostgresDecodingFailure("\"\(postgresText)\" is not a date in ISO form (YYYY-MM-DD)")
        }
        self = day
    }
}

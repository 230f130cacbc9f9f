import Foundation
import PostgresClient
import ThroughcareCore

/// Loads one contract file in one transaction: header checks, streaming validation and COPY,
/// duplicate keys (first occurrence wins), the reject-rate guard, the full/incremental merge,
/// the rejects and the file's ledger row. If anything fails, the transaction rolls back and the
/// database is as it was before the file.
struct FileLoader {
    let connection: PostgresConnection
    let batchID: Int64
    let options: IngestOptions
    let progress: IngestProgress?

    /// Rejected-row count that makes the whole file fail.
    struct TooManyRejects: Error, CustomStringConvertible {
        let description: String
    }

    /// Loads the file; `sha256` is computed while streaming when the caller did not need it first.
    func load(_ file: ExtractFile, sha256 knownDigest: String?) throws -> FileReport {
        let started = Date()
        let schema = EntitySchema.forEntity(file.entity)
        var report = FileReport(file: file.name, status: .loaded, bytes: file.bytes)
        let source = try file.openSource()
        let digest = StreamingSHA256()
        if knownDigest == nil { source.digest = digest }
        let reader = CSVRecordReader(source: source)
        let header: [String]
        do {
            try reader.skipByteOrderMark()
            guard try reader.next() else {
                throw IngestFileError(file: file.name, line: 1, message: "the file is empty: expected a header row naming the columns")
            }
            header = try readHeader(reader, schema: schema, file: file.name, warnings: &report.warnings)
        } catch var error as IngestFileError {
            error.file = file.name
            throw error
        }
        let references = try ReferenceIndex.load(for: file.entity, batchID: batchID, connection: connection)
        let validator = RowValidator(schema: schema, header: header, references: references, batchID: batchID)
        let spool = try RejectSpool(batchID: batchID, file: file.name)
        let columns = schema.columns.map(\.name) + ["batch_id", "line_number"]
        let entity = file.entity.rawValue
        let incremental = options.mode == .incremental
        // An incremental load starts from the filter of the keys already staged, as the previous
        // load saved it: a key it calls new is then in neither staging nor earlier in the file.
        // A full load replaces staging and starts empty. Either way the filter ends holding every
        // staged key, and is saved.
        let filters = StagedKeyFilterStore(connection: connection)
        let stagedKeys = incremental ? try filters.load(entity: entity) : nil
        let keys = stagedKeys ?? DuplicateKeyFilter(dataBytes: file.isGzip ? file.bytes * 10 : file.bytes)
        // The COPY target ingest.load_target names: the staging table, or this transaction's incoming.
        let target = incremental ? ["pg_temp", "incoming"] : ["staging", entity]
        // Binary COPY where every column has a binary form; rows it cannot carry exactly wait in
        // `textRows` and follow as text (see BinaryCopyFormat).
        let binary = schema.supportsBinaryCopy
        let localOffsets = binary && schema.hasTimestamps
            ? try LondonDayOffsets.load(years: LondonDayOffsets.defaultYears(), connection: connection) : nil
        let textRows = binary ? try SpoolFile(file: file.name) : nil

        try connection.transaction {
            try connection.call("ingest.begin_file_load", entity, incremental)
            var rowsRead = 0
            do {
                try connection.copyIn(into: target, columns: columns, format: binary ? .binary : .text) { stream in
                    if binary { try stream.write(BinaryCopyFormat.header) }
                    while try reader.next() {
                        rowsRead += 1
                        if let rejection = validator.validate(reader) {
                            try spool.add(line: reader.lineNumber, column: rejection.column, key: validator.keyValue(reader: reader),
                                          reason: rejection.reason, raw: reader.rawRecord)
                        } else {
                            validator.withKeyBytes(keys.insert)
                            if let textRows {
                                let sent = try stream.withBuffer {
                                    validator.encodeBinaryRow(lineNumber: reader.lineNumber, localOffsets: localOffsets, into: &$0)
                                }
                                if !sent { try textRows.appendLine { validator.encodeCopyLine(lineNumber: reader.lineNumber, into: &$0) } }
                            } else {
                                try stream.withBuffer { validator.encodeCopyLine(lineNumber: reader.lineNumber, into: &$0) }
                            }
                        }
                        if rowsRead & 0x3FFF == 0 {
                            progress?.fileProgress(rows: rowsRead, storedBytes: source.storedBytesRead)
                        }
                    }
                    if binary { try stream.write(BinaryCopyFormat.trailer) }
                }
                report.rowsSentAsText = textRows?.lineCount ?? 0
                if let textRows, textRows.lineCount > 0 {
                    try connection.copyIn(into: target, columns: columns) { stream in
                        try textRows.replay { try stream.write($0) }
                    }
                }
            } catch var error as IngestFileError {
                error.file = file.name
                throw error
            }
            progress?.fileProgress(rows: rowsRead, storedBytes: source.storedBytesRead)
            report.rowsRead = rowsRead

            if keys.candidatesOverflowed || !keys.candidates.isEmpty {
                try rejectDuplicates(schema: schema, file: file, candidates: keys.candidatesOverflowed ? nil : keys.candidates, spool: spool)
            }

            report.rowsRejected = spool.count
            report.rowsLoaded = rowsRead - spool.count
            if rowsRead > 0, Double(spool.count) / Double(rowsRead) > options.maxRejectRate {
                let share = Double(spool.count) / Double(rowsRead) * 100
                let locations = try spool.sampleLocations(limit: 3).joined(separator: ", ")
                throw TooManyRejects(description: "\(spool.count) of \(rowsRead) rows rejected (\(String(format: "%.1f", share))%), more than max_reject_rate \(String(format: "%g", options.maxRejectRate * 100))%: this looks like a wrong file, so none of it was loaded. First rejected: \(locations). To see every reason, fix those rows or load with a higher --max-reject-rate (reasons go to ingest.rejects)")
            }

            if incremental {
                // Which keys to look for among the staged rows: with the staged keys' filter, only
                // the candidates (pg_temp.duplicate_candidates, which rejectDuplicates filled), and
                // none when there are none. Past a quarter of the file's rows (an old filter of a
                // small load, saturated by the keys added since), a hash of every key costs no more.
                let lookUp: IncomingKeyLookUp = stagedKeys == nil || keys.candidatesOverflowed || keys.candidates.count > report.rowsLoaded / 4
                    ? .everyKey : keys.candidates.isEmpty ? .none : .candidateKeys
                report.keysLookedUp = lookUp == .everyKey ? report.rowsLoaded : keys.candidates.count
                report.rowsReplaced = try connection.call("ingest.merge_incoming", entity, schema.keyColumns, columns,
                                                          lookUp.rawValue).scalar(Int.self)
            }
            if !incremental || stagedKeys != nil {
                try filters.save(keys, entity: entity, batchID: batchID)
            } else {
                // without the staged keys' filter this load cannot make one: later loads look up every key
                try filters.clear(entity: entity)
            }

            if spool.count > 0 {
                try connection.copyIn(into: ["ingest", "rejects"], columns: ["batch_id", "file", "line_number", "column_name", "key_value", "reason", "raw_line"]) { stream in
                    try spool.replay { try stream.write($0) }
                }
            }
            report.seconds = Date().timeIntervalSince(started)
            // The reader stopped at the end of the data, so every stored byte went through the digest.
            let sha256 = knownDigest ?? digest.finish()
            report.sha256 = sha256
            try connection.call("ingest.record_loaded_file", batchID, file.name, entity, sha256, file.bytes,
                                report.rowsRead, report.rowsLoaded, report.rowsRejected, report.rowsReplaced.map(Int64.init), report.seconds,
                                report.warnings.isEmpty ? nil : report.warnings.joined(separator: "; "))
            try connection.call("ingest.analyze_staging", entity, Int64(report.rowsLoaded))
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Header names are matched trimmed and in any case. A missing column fails the file (an
    /// optional column may be absent: its values are empty); unknown columns only warn.
    /// Messages name contract columns only; any other header cell is given by position, never
    /// quoted: a file that is not the extract (a wrong path, a secret) must not leak its text.
    private func readHeader(_ reader: CSVRecordReader, schema: EntitySchema, file: String, warnings: inout [String]) throws -> [String] {
        if let problem = FieldValidation.encodingProblem(reader.rawRecord) {
            throw IngestFileError(file: file, line: 1, message: "header: \(problem)")
        }
        let names = (0..<reader.fields.count).map {
            String(decoding: FieldValidation.trimmed(reader.field($0)), as: UTF8.self).lowercased()
        }
        let known = Set(schema.columns.map(\.name))
        var firstPosition: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if let first = firstPosition[name] {
                let what = known.contains(name) ? "column \"\(name)\"" : "a name that is not a contract column"
                throw IngestFileError(file: file, line: 1, message: "columns \(first + 1) and \(index + 1) of the header both have \(what)")
            }
            firstPosition[name] = index
        }
        let seen = Set(names)
        let extraPositions = names.indices.filter { !known.contains(names[$0]) }.map { $0 + 1 }
        let missing = schema.columns.filter { $0.required && !seen.contains($0.name) }.map(\.name)
        if !missing.isEmpty {
            let found = names.filter { known.contains($0) }
            let foundText = found.isEmpty ? "no contract columns" : "contract columns \(found.joined(separator: ", "))"
            throw IngestFileError(file: file, line: 1, message: "missing required column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) in the header (found \(foundText)\(extraPositions.isEmpty ? "" : "; \(Self.notContractColumns(extraPositions))"))")
        }
        let absentOptional = schema.columns.filter { !$0.required && !seen.contains($0.name) }.map(\.name)
        if !absentOptional.isEmpty {
            warnings.append("optional column\(absentOptional.count > 1 ? "s" : "") \(absentOptional.joined(separator: ", ")) absent: treated as empty")
        }
        if !extraPositions.isEmpty {
            warnings.append("\(Self.notContractColumns(extraPositions)): ignored")
        }
        return names
    }

    /// "header column 3 is not a contract column", "header columns 3, 9 are not contract columns" (at most ten
    /// positions, then a count).
    private static func notContractColumns(_ positions: [Int]) -> String {
        if positions.count == 1 { return "header column \(positions[0]) is not a contract column" }
        let shown = positions.prefix(10).map(String.init).joined(separator: ", ")
        return "header columns \(shown)\(positions.count > 10 ? " and \(positions.count - 10) more" : "") are not contract columns"
    }

    /// A key seen twice in the file: the first occurrence stays, later ones become rejects.
    /// The Bloom filter named the keys that may repeat; the exact check runs in SQL over just
    /// those keys (ingest.reject_duplicates), so client memory does not grow with the file.
    /// `candidates` nil (more than the filter keeps): the check runs over every key of the file.
    private func rejectDuplicates(schema: EntitySchema, file: ExtractFile, candidates: Set<String>?, spool: RejectSpool) throws {
        if let candidates {
            try connection.call("ingest.prepare_duplicate_candidates")
            try connection.copyIn(into: ["pg_temp", "duplicate_candidates"], columns: ["key_value"]) { stream in
                var line: [UInt8] = []
                for key in candidates {
                    line.removeAll(keepingCapacity: true)
                    RejectSpool.appendCopyText(key, to: &line)
                    line.append(0x0A)
                    try stream.write(line)
                }
            }
        }
        let removed = try connection.call("ingest.reject_duplicates", file.entity.rawValue, options.mode == .incremental,
                                          schema.keyColumns, candidates == nil).rows
        guard !removed.isEmpty else { return }
        var wanted: [Int: (first: Int, key: [String])] = [:]
        for row in removed {
            wanted[try row["duplicate_line", as: Int.self]] = (try row["first_line", as: Int.self], try row["key_values", as: [String].self])
        }
        // Re-read the file for the raw text of the refused lines (duplicates are rare).
        let reader = CSVRecordReader(source: try file.openSource())
        try reader.skipByteOrderMark()
        var remaining = wanted.count
        while remaining > 0, try reader.next() {
            guard let duplicate = wanted[reader.lineNumber] else { continue }
            let keyNames = schema.keyColumns.joined(separator: ", ")
            try spool.add(line: reader.lineNumber, column: schema.keyColumns.count == 1 ? schema.keyColumns[0] : nil,
                          key: duplicate.key.joined(separator: "|"),
                          reason: "duplicate \(keyNames) \(duplicate.key.joined(separator: ", ")): first seen at line \(duplicate.first), which was kept",
                          raw: reader.rawRecord)
            remaining -= 1
        }
    }
}


import PostgresClient

/// The loader's filter of an entity's keys, kept in the database between loads
/// (ingest.staged_key_filters) so that an incremental load knows which of its keys cannot be in
/// staging without looking. Finding the staged rows a month of contacts replaces meant probing
/// every one of 9 million staged keys (1.5–2.6 s of a 12–14 s month); a national full load's
/// filter (64 MiB) rules out nearly every new key, and the probe then runs for the few it could
/// not rule out, or not at all (docs/ingest.md, "Incremental loads").
///
/// The filter only ever gains keys, so it is a superset of the staged keys for as long as every
/// load saves it: each load saves its own, in its own transaction, and one is used only when the
/// entity's latest load saved it (`ingest.staged_key_filter_bit_count`).
struct StagedKeyFilterStore {
    let connection: PostgresConnection

    /// The saved filter covering the entity's staging table as it stands, or nil (none saved, or
    /// a later load did not save one): then every key is looked up.
    func load(entity: String) throws -> DuplicateKeyFilter? {
        // the saved bytes are the words as this machine lays them out
        guard 1.littleEndian == 1,
              let bitCount = try connection.call("ingest.staged_key_filter_bit_count", entity,
                                                 Int32(DuplicateKeyFilter.layoutVersion)).scalar(Int?.self),
              let filter = DuplicateKeyFilter(bitCount: bitCount) else { return nil }
        let chunkBytes = try self.chunkBytes()
        var reader = ChunkReader(filter: filter, chunkBytes: chunkBytes)
        try connection.copyOut(select: .call("ingest.staged_key_filter_bits", [entity]), format: .binary) { reader.read($0) }
        return reader.complete ? filter : nil
    }

    /// Replaces the entity's saved filter with `filter`, which now holds every staged key.
    func save(_ filter: DuplicateKeyFilter, entity: String, batchID: Int64) throws {
        try clear(entity: entity)
        // the bytes are the words as this machine lays them out, which `load` reads only on a
        // little-endian machine: on another, save none (every later key is looked up)
        guard 1.littleEndian == 1 else { return }
        let chunkBytes = try self.chunkBytes()
        let entityBytes = Array(entity.utf8)
        try connection.copyIn(into: ["ingest", "staged_key_filters"], columns: ["entity", "chunk", "batch_id", "bit_count", "layout", "bits"],
                              format: .binary) { stream in
            try stream.write(BinaryCopyFormat.header)
            for (chunk, offset) in stride(from: 0, to: filter.bitCount / 8, by: chunkBytes).enumerated() {
                let bits = filter.bytes(from: offset, count: min(chunkBytes, filter.bitCount / 8 - offset))
                var fields: [UInt8] = []
                fields.appendBigEndian(Int16(6))
                fields.appendBigEndian(Int32(entityBytes.count))
                fields.append(contentsOf: entityBytes)
                fields.appendBigEndian(Int32(4))
                fields.appendBigEndian(Int32(chunk))
                fields.appendBigEndian(Int32(8))
                fields.appendBigEndian(batchID)
                fields.appendBigEndian(Int32(8))
                fields.appendBigEndian(Int64(filter.bitCount))
                fields.appendBigEndian(Int32(4))
                fields.appendBigEndian(Int32(DuplicateKeyFilter.layoutVersion))
                fields.appendBigEndian(Int32(bits.count))
                try stream.write(fields)
                try stream.write(UnsafeBufferPointer(start: bits.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bits.count))
            }
            try stream.write(BinaryCopyFormat.trailer)
        }
    }

    /// Removes the entity's saved filter: a load that could not make one leaves none behind.
    func clear(entity: String) throws {
        try connection.call("ingest.clear_staged_key_filter", entity)
    }

    private func chunkBytes() throws -> Int {
        try connection.call("ingest.staged_key_filter_chunk_bytes").scalar(Int.self)
    }

    /// Reads `COPY (select chunk, bits …) TO STDOUT (FORMAT binary)` into the filter, a message
    /// at a time, holding at most a chunk and a message besides. Anything out of place (a chunk
    /// missing, out of order or of the wrong size) leaves it incomplete.
    struct ChunkReader {
        let filter: DuplicateKeyFilter
        let chunkBytes: Int
        private var pending: [UInt8] = []
        private var headerRead = false
        private var nextChunk = 0
        private var ended = false
        private var broken = false

        init(filter: DuplicateKeyFilter, chunkBytes: Int) {
            self.filter = filter
            self.chunkBytes = chunkBytes
        }

        var complete: Bool { ended && !broken && nextChunk * chunkBytes >= filter.bitCount / 8 }

        mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard !broken else { return }
            pending.append(contentsOf: bytes)
            var offset = 0
            if !headerRead {
                // signature (11), flags (4), header extension length (4) and extension
                guard pending.count >= 19 else { return }
                let extensionLength = Int(integer(Int32.self, at: 15))
                guard pending.starts(with: BinaryCopyFormat.header.prefix(11)), extensionLength >= 0 else { broken = true; return }
                guard pending.count >= 19 + extensionLength else { return }
                offset = 19 + extensionLength
                headerRead = true
            }
            while !ended, pending.count - offset >= 2 {
                let fields = integer(Int16.self, at: offset)
                if fields == -1 {
                    ended = true
                    offset += 2
                    break
                }
                // two fields: chunk (int4) and bits (bytea)
                guard fields == 2 else { broken = true; return }
                guard pending.count - offset >= 14 else { break }
                let length = Int(integer(Int32.self, at: offset + 10))
                guard integer(Int32.self, at: offset + 2) == 4, Int(integer(Int32.self, at: offset + 6)) == nextChunk,
                      length == min(chunkBytes, filter.bitCount / 8 - nextChunk * chunkBytes) else { broken = true; return }
                guard pending.count - offset >= 14 + length else { break }
                pending.withUnsafeBytes { filter.load(UnsafeRawBufferPointer(rebasing: $0[(offset + 14)..<(offset + 14 + length)]), at: nextChunk * chunkBytes) }
                nextChunk += 1
                offset += 14 + length
            }
            pending.removeFirst(offset)
        }

        private func integer<Value: FixedWidthInteger>(_ type: Value.Type, at offset: Int) -> Value {
            var value = Value.zero
            for index in offset..<(offset + MemoryLayout<Value>.size) { value = value << 8 | Value(truncatingIfNeeded: pending[index]) }
            return value
        }
    }
}

private extension Array where Element == UInt8 {
    mutating func appendBigEndian<Value: FixedWidthInteger>(_ value: Value) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}

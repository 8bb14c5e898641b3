#pragma once
// The session file format: schema creation and the check that refuses corrupt or foreign files.
// The table layout is documented column by column in flow_store_schema.cpp; names shared with the
// filter compiler are fixed by /work/store-contract.md (engine/query targets them).
#include <cstdint>

#include "engine/core/result.h"
#include "engine/store/sqlite_db.h"

namespace ps::engine {

// PRAGMA application_id of every session file: "PXSC" (so `file(1)` and we can tell it apart).
inline constexpr int32_t kSessionApplicationId = 0x50585343;
// PRAGMA user_version: bumped on any incompatible schema change.
inline constexpr int32_t kSessionSchemaVersion = 2;  // 2: body_data + bodies view, extensions, no fts_indexed

// Sets the connection pragmas the store relies on (WAL, synchronous=NORMAL, foreign keys off).
Result<void> configureWriter(SqliteDb& db);
// Creates every table and index of an empty database and stamps application_id / user_version.
Result<void> createSchema(SqliteDb& db);
// Full text of files written before the body index was split out (one flows_fts over url, headers
// and both bodies, with positions) and after (flows_fts + flows_body_fts; flow_store_schema.cpp).
enum class FullTextLayout { Split, Combined };
Result<FullTextLayout> fullTextLayout(SqliteDb& db);
// Makes a connection run compiled filters (engine/query/full_text_sql.h) whatever the layout: a
// Combined file gets an empty temp.flows_body_fts (its flows_fts already covers the bodies).
// Returns the file's layout.
Result<FullTextLayout> prepareForFilters(SqliteDb& db);
// Refuses a file that is not SQLite, is damaged, or is SQLite without our id, version and tables.
// `path` is only used in the message.
Result<void> checkSchema(SqliteDb& db, const std::string& path);

}  // namespace ps::engine

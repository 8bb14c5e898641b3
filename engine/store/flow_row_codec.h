#pragma once
// Conversions between Flow fields and their column forms, shared by the writer and the readers so
// both sides agree byte for byte (the FTS5 'delete' of an updated flow depends on it).
#include <string>
#include <vector>

#include "engine/core/flow.h"

namespace ps::engine {

// JSON array of [name, value] pairs, order/case/duplicates kept. Bytes that are not UTF-8
// (obs-text, RFC 9110 5.5) are replaced by U+FFFD: JSON text must be Unicode.
std::string headersToJson(const Headers& headers);
Headers headersFromJson(const std::string& json);
// "Name: value\n" lines of a stored JSON array (what the FTS `headers` column indexes).
std::string headerLinesFromJson(const std::string& json);

// ' tag1 tag2 ' (contract: space padded, '  ' when none) and back.
std::string tagsToColumn(const std::vector<std::string>& tags);
std::vector<std::string> tagsFromColumn(const std::string& column);

const char* modeToColumn(ProxyMode mode);
ProxyMode modeFromColumn(const std::string& column);
const char* kindToColumn(FlowKind kind);
FlowKind kindFromColumn(const std::string& column);
ErrorKind errorKindFromColumn(const std::string& column);

std::string versionToColumn(int major, int minor);
void versionFromColumn(const std::string& column, int& major, int& minor);

// Request path split at '?': {"/a", "b=c"}.
std::pair<std::string, std::string> splitPathQuery(const std::string& pathAndQuery);

}  // namespace ps::engine

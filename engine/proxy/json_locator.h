#pragma once
// Finding where a value sits in JSON text, so a configuration error can name its line and column.
// nlohmann-json keeps no source positions; this re-scans the (already valid) text along an
// RFC 6901 JSON pointer. Only used on the error path.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ps::engine {

struct TextPosition {
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes
};

// Line and column of a byte offset (0-based) in text.
TextPosition positionAt(std::string_view text, size_t offset);

// Byte offset of the value the pointer names ("" = the root), or nullopt when the text does not hold
// it. For a missing member of an existing object, the object's offset is returned (the closest
// place to point at).
std::optional<size_t> locateJsonPointer(std::string_view text, std::string_view pointer);

// One reference token escaped for a pointer ("~" → "~0", "/" → "~1", RFC 6901 section 3).
std::string escapePointerToken(std::string_view token);

}  // namespace ps::engine

#include "engine/store/flow_row_codec.h"

#include <nlohmann/json.hpp>

#include <sstream>

namespace ps::engine {

std::string headersToJson(const Headers& headers) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& field : headers) array.push_back({field.name, field.value});
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Headers headersFromJson(const std::string& json) {
  Headers headers;
  if (json.empty()) return headers;
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_array()) return headers;
  for (const auto& pair : parsed) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
      headers.add(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return headers;
}

std::string headerLinesFromJson(const std::string& json) {
  std::string out;
  for (const auto& field : headersFromJson(json)) {
    out += field.name;
    out += ": ";
    out += field.value;
    out += '\n';
  }
  return out;
}

std::string tagsToColumn(const std::vector<std::string>& tags) {
  std::string out = " ";
  for (const auto& tag : tags) {
    out += tag;
    out += ' ';
  }
  if (tags.empty()) out += ' ';
  return out;
}

std::vector<std::string> tagsFromColumn(const std::string& column) {
  std::vector<std::string> tags;
  std::istringstream in(column);
  std::string tag;
  while (in >> tag) tags.push_back(tag);
  return tags;
}

const char* modeToColumn(ProxyMode mode) { return mode == ProxyMode::Reverse ? "reverse" : "forward"; }
ProxyMode modeFromColumn(const std::string& column) {
  return column == "reverse" ? ProxyMode::Reverse : ProxyMode::Forward;
}

const char* kindToColumn(FlowKind kind) {
  switch (kind) {
    case FlowKind::Http: return "http";
    case FlowKind::Tunnel: return "tunnel";
    case FlowKind::WebSocket: return "websocket";
  }
  return "http";
}

FlowKind kindFromColumn(const std::string& column) {
  if (column == "tunnel") return FlowKind::Tunnel;
  if (column == "websocket") return FlowKind::WebSocket;
  return FlowKind::Http;
}

ErrorKind errorKindFromColumn(const std::string& column) {
  for (int k = static_cast<int>(ErrorKind::None); k <= static_cast<int>(ErrorKind::Internal); ++k) {
    if (column == toString(static_cast<ErrorKind>(k))) return static_cast<ErrorKind>(k);
  }
  return ErrorKind::Internal;
}

std::string versionToColumn(int major, int minor) { return std::to_string(major) + "." + std::to_string(minor); }

void versionFromColumn(const std::string& column, int& major, int& minor) {
  auto dot = column.find('.');
  if (column.empty()) return;
  major = std::atoi(column.substr(0, dot).c_str());
  minor = dot == std::string::npos ? 0 : std::atoi(column.substr(dot + 1).c_str());
}

std::pair<std::string, std::string> splitPathQuery(const std::string& pathAndQuery) {
  auto q = pathAndQuery.find('?');
  if (q == std::string::npos) return {pathAndQuery, ""};
  return {pathAndQuery.substr(0, q), pathAndQuery.substr(q + 1)};
}

}  // namespace ps::engine

#include "engine/har/har_import.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/har/har_entry.h"

namespace ps::engine::har {

Result<std::vector<Flow>> importHar(std::string_view text) {
  Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    // Parse again with exceptions only to report where it broke (byte offset).
    try {
      Json again = Json::parse(text.begin(), text.end());
      (void)again;
    } catch (const Json::parse_error& e) {
      return Error{"not JSON: byte " + std::to_string(e.byte) + ": " + e.what()};
    }
    return Error{"not JSON"};
  }
  if (!doc.is_object()) return Error{"(root): expected an object"};
  auto log = doc.find("log");
  if (log == doc.end()) return Error{"log: missing"};
  if (!log->is_object()) return Error{"log: expected an object"};
  auto entries = log->find("entries");
  if (entries == log->end()) return Error{"log.entries: missing"};
  if (!entries->is_array()) return Error{"log.entries: expected an array"};
  std::vector<Flow> flows;
  flows.reserve(entries->size());
  for (size_t i = 0; i < entries->size(); ++i) {
    auto flow = flowFromEntry((*entries)[i], "log.entries[" + std::to_string(i) + "]", i + 1);
    if (!flow) return flow.error();
    flows.push_back(std::move(flow).value());
  }
  return flows;
}

Result<std::vector<Flow>> importHarFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path + ": " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  auto flows = importHar(text.str());
  if (!flows) return Error{path + ": " + flows.error().message};
  return flows;
}

}  // namespace ps::engine::har

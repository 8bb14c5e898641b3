#include "engine/har/har_export.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/har/har_entry.h"
#include "engine/har/har_text.h"

namespace ps::engine::har {

namespace {
constexpr const char* kPageId = "page_1";

// Invalid UTF-8 (obs-text in a header, a raw byte in a URL) becomes U+FFFD rather than failing the
// export; bodies never hit this because they are base64 when they are not text.
std::string dumpJson(const Json& j, int indent) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }

// Re-indents a dumped value so it nests at the given depth inside the hand-written envelope
// (dumped JSON has no raw newlines inside strings, so every '\n' is a line break).
std::string nest(const std::string& text, const std::string& prefix) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out;
}
}  // namespace

HarWriter::HarWriter(std::ostream& out, HarExportOptions options) : m_out(out), m_options(std::move(options)) {
  Json creator = {{"name", m_options.creatorName}, {"version", m_options.creatorVersion}};
  if (m_options.pretty) {
    m_out << "{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"creator\": " << nest(dumpJson(creator, 2), "    ")
          << ",\n    \"entries\": [";
  } else {
    m_out << "{\"log\":{\"version\":\"1.2\",\"creator\":" << dumpJson(creator, -1) << ",\"entries\":[";
  }
}

HarWriter::~HarWriter() {
  if (!m_finished) finish();
}

void HarWriter::add(const Flow& flow) {
  if (m_finished) return;
  if (m_count == 0 || (flow.timing.start > 0 && flow.timing.start < m_firstStart)) m_firstStart = flow.timing.start;
  const Json entry = entryFromFlow(flow, m_options.pageTitle.empty() ? std::string() : std::string(kPageId));
  if (m_options.pretty) {
    m_out << (m_count == 0 ? "\n      " : ",\n      ") << nest(dumpJson(entry, 2), "      ");
  } else {
    m_out << (m_count == 0 ? "\n" : ",\n") << dumpJson(entry, -1);
  }
  ++m_count;
}

bool HarWriter::finish() {
  if (m_finished) return static_cast<bool>(m_out);
  m_finished = true;
  // pages comes after entries so that its startedDateTime (the earliest entry) is known without
  // buffering; member order carries no meaning in JSON (RFC 8259 4).
  Json pages = Json::array();
  if (!m_options.pageTitle.empty()) {
    pages.push_back({{"startedDateTime", formatIso8601(m_firstStart)},
                     {"id", kPageId},
                     {"title", m_options.pageTitle},
                     {"pageTimings", {{"onContentLoad", -1}, {"onLoad", -1}}}});
  }
  if (m_options.pretty) {
    m_out << (m_count == 0 ? "]" : "\n    ]") << ",\n    \"pages\": " << nest(dumpJson(pages, 2), "    ") << "\n  }\n}\n";
  } else {
    m_out << "\n],\"pages\":" << dumpJson(pages, -1) << "}}\n";
  }
  m_out.flush();
  return static_cast<bool>(m_out);
}

std::string exportHar(const std::vector<Flow>& flows, const HarExportOptions& options) {
  std::ostringstream out;
  {
    HarWriter writer(out, options);
    for (const Flow& f : flows) writer.add(f);
    writer.finish();
  }
  return std::move(out).str();
}

Result<size_t> exportHarFile(const std::string& path, const std::function<bool(Flow&)>& next, const HarExportOptions& options) {
  const std::string part = path + ".part";
  size_t count = 0;
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    if (!out) return Error{"cannot write " + part + ": " + std::strerror(errno)};
    HarWriter writer(out, options);
    Flow flow;
    while (next(flow)) {
      writer.add(flow);
      flow = Flow{};
    }
    count = writer.count();
    if (!writer.finish()) {
      std::error_code ignored;
      std::filesystem::remove(part, ignored);
      return Error{"writing " + part + " failed (disk full?)"};
    }
  }
  std::error_code ec;
  std::filesystem::rename(part, path, ec);
  if (ec) return Error{"cannot rename " + part + " to " + path + ": " + ec.message()};
  return count;
}

}  // namespace ps::engine::har

// `proxyscope har export|import`, `proxyscope session info`, and the CLI's filter parsing.
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "app/tool_commands.h"
#include "engine/har/har_export.h"
#include "engine/har/har_import.h"
#include "engine/store/flow_reader.h"
#include "engine/store/flow_store.h"

namespace ps::app {

using engine::Error;
using engine::Result;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "proxyscope: %s\n", message.c_str());
  return 1;
}

std::string isoTime(int64_t micros) {
  if (micros <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(micros / 1000 % 1000));
  return text;
}

}  // namespace

Result<engine::Filter> parseFilterForCli(const std::string& text) {
  auto parsed = engine::parseFilter(text);
  if (parsed.ok()) return *parsed.filter;
  const auto& e = parsed.error;
  size_t position = std::min(e.position, text.size());
  std::string message = "filter: " + e.message + " at column " + std::to_string(position + 1) + "\n  " + text +
                        "\n  " + std::string(position, ' ') + std::string(std::max<size_t>(e.length, 1), '^');
  return Error{message};
}

Result<size_t> exportSessionToHar(const std::string& sessionPath, const std::string& outPath,
                                  const engine::Filter& filter) {
  auto reader = engine::FlowReader::open(sessionPath);
  if (!reader) return reader.error();
  // Ids first, then one flow at a time: a session of any size exports in constant memory per flow.
  auto ids = (*reader)->ids(filter.toSql());
  if (!ids) return Error{sessionPath + ": " + ids.error().message};
  size_t next = 0;
  std::string loadError;
  engine::har::HarExportOptions options;
  options.creatorVersion = PROXYSCOPE_VERSION;
  auto written = engine::har::exportHarFile(
      outPath,
      [&](engine::Flow& flow) {
        while (next < ids->size()) {
          auto loaded = (*reader)->loadFlow((*ids)[next++]);
          if (loaded) {
            flow = std::move(*loaded);
            return true;
          }
          // A flow removed by retention between the two reads is skipped; anything else is reported.
          loadError = loaded.error().message;
        }
        return false;
      },
      options);
  if (!written) return written.error();
  if (*written != ids->size() && !loadError.empty()) return Error{sessionPath + ": " + loadError};
  return *written;
}

int runHarCommand(const Options& options, const std::vector<std::string>& args) {
  auto usage = [] {
    std::fputs("proxyscope: usage: proxyscope har export SESSION OUT [--filter EXPR] | har import HAR SESSION\n", stderr);
    return 2;
  };
  std::vector<std::string> positional;
  std::string filterText = options.filter;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--filter" && i + 1 < args.size()) {
      filterText = args[++i];
    } else if (args[i].starts_with("--filter=")) {
      filterText = args[i].substr(9);
    } else if (args[i].starts_with("-") && args[i] != "-") {
      return usage();
    } else {
      positional.push_back(args[i]);
    }
  }
  if (args.empty() || positional.size() != 2) return usage();

  if (args[0] == "export") {
    auto filter = parseFilterForCli(filterText);
    if (!filter) {
      std::fprintf(stderr, "proxyscope: %s\n", filter.error().message.c_str());
      return 2;
    }
    auto written = exportSessionToHar(positional[0], positional[1], *filter);
    if (!written) return fail(written.error().message);
    std::printf("exported %zu flows to %s\n", *written, positional[1].c_str());
    return 0;
  }
  if (args[0] == "import") {
    auto flows = engine::har::importHarFile(positional[0]);
    if (!flows) return fail(flows.error().message);
    engine::StoreOptions storeOptions;
    storeOptions.mode = engine::OpenMode::CreateOrAppend;
    auto store = engine::FlowStore::open(positional[1], storeOptions);
    if (!store) return fail(positional[1] + ": " + store.error().message);
    // Imported ids (HAR _flowId or 1..n) are renumbered after the session's flows: writes are upserts
    // by id and must never replace a stored flow.
    uint64_t id = (*store)->nextFlowId();
    for (auto& flow : *flows) flow.id = id++;
    if (auto inserted = (*store)->insert(*flows); !inserted) return fail(positional[1] + ": " + inserted.error().message);
    std::printf("imported %zu flows into %s\n", flows->size(), positional[1].c_str());
    return 0;
  }
  return usage();
}

int runSessionCommand(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "info") {
    std::fputs("proxyscope: usage: proxyscope session info SESSION\n", stderr);
    return 2;
  }
  auto reader = engine::FlowReader::open(args[1]);
  if (!reader) return fail(reader.error().message);
  auto count = (*reader)->count();
  if (!count) return fail(args[1] + ": " + count.error().message);
  engine::FlowPageRequest request;
  request.sort = engine::FlowSortColumn::Start;
  request.limit = 1;
  auto first = (*reader)->page(request);
  request.descending = true;
  auto last = (*reader)->page(request);
  if (!first || !last) return fail(args[1] + ": cannot read the flows");
  std::error_code ec;
  auto bytes = std::filesystem::file_size(args[1], ec);
  std::printf("session %s\nflows: %lld\nfirst: %s\nlast: %s\nfile size: %llu bytes\n", args[1].c_str(),
              static_cast<long long>(*count), first->empty() ? "-" : isoTime(first->front().startUs).c_str(),
              last->empty() ? "-" : isoTime(last->front().startUs).c_str(),
              static_cast<unsigned long long>(ec ? 0 : bytes));
  return 0;
}

}  // namespace ps::app

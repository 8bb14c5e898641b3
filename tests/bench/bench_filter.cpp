// Filter language benchmark: parse time, in-memory evaluation rate (the live table evaluates the
// filter per row) and, for reference, the compiled SQL on an in-memory contract database.
// Prints figures; asserts nothing about time (STYLE.md).
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engine/query/filter.h"
#include "tests/support/contract_db.h"

using namespace ps::engine;
using Clock = std::chrono::steady_clock;

namespace {

std::string gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Synthetic flows shaped like browsing traffic: 1 KiB JSON/HTML bodies, one in eight gzip-encoded.
std::vector<Flow> makeFlows(size_t n) {
  const char* hosts[] = {"api.example.com",  "www.example.org",    "cdn.example.net",
                         "auth.example.com", "metrics.example.io", "localhost"};
  const int statuses[] = {200, 200, 200, 204, 301, 304, 404, 500, 200, 201};
  std::vector<Flow> flows;
  flows.reserve(n);
  std::mt19937 gen(12345);
  auto rnd = [&] { return static_cast<uint32_t>(gen()); };
  for (size_t i = 0; i < n; ++i) {
    Flow f;
    f.id = i + 1;
    f.clientAddress = "127.0.0.1:" + std::to_string(40000 + i % 20000);
    f.request.method = (rnd() % 5 == 0) ? "POST" : "GET";
    f.request.scheme = (rnd() % 3 == 0) ? "http" : "https";
    f.request.host = hosts[rnd() % 6];
    f.request.port = f.request.scheme == "https" ? 443 : 80;
    f.request.path = "/v1/items/" + std::to_string(rnd() % 100000) + "?page=" + std::to_string(rnd() % 10);
    f.request.headers = {{"Host", f.request.host},
                         {"User-Agent", "Mozilla/5.0"},
                         {"Accept", "*/*"},
                         {"X-Request-Id", "req-" + std::to_string(rnd())}};
    f.timing.start = 1'700'000'000'000'000 + static_cast<int64_t>(i) * 1000;
    f.timing.end = f.timing.start + static_cast<int64_t>(rnd() % 2'000'000);
    auto& res = f.response.emplace();
    res.status = statuses[rnd() % 10];
    const bool json = rnd() % 2 == 0;
    std::string body = json ? "{\"items\":[" : "<html><body>";
    while (body.size() < 1024)
      body += json ? "{\"id\":" + std::to_string(rnd() % 1000) + ",\"name\":\"widget\"}," : "<p>lorem ipsum dolor</p>";
    if (i % 97 == 0) body += "needle";
    res.headers = {{"Content-Type", json ? "application/json" : "text/html; charset=utf-8"},
                   {"Cache-Control", "max-age=60"}};
    if (i % 8 == 0) {
      res.headers.add("Content-Encoding", "gzip");
      body = gzip(body);
    }
    res.body.size = body.size();
    res.body.captured = std::move(body);
    if (rnd() % 50 == 0) f.error = FlowError{ErrorKind::UpstreamTimeout, "timeout"};
    flows.push_back(std::move(f));
  }
  return flows;
}

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
  const char* filters[] = {
      "host:api",
      "status:>=400",
      "host:api.example.com status:4xx -is:error",
      "type:json size:>1k",
      "method:post or (status:5xx and duration:>1s)",
      "header:x-request-id=~^req-1",
      "path:~^/v1/items/1[0-9]+$",
      "needle",
      "body:needle",
  };
  std::printf("bench_filter: %zu synthetic flows (1 KiB bodies, 1/8 gzip)\n", n);
  const auto flows = makeFlows(n);

  std::printf("\n%-48s %12s %14s %10s\n", "filter", "parse (us)", "memory (fl/s)", "matches");
  std::vector<Filter> parsed;
  for (const char* text : filters) {
    constexpr int kParses = 20000;
    auto t0 = Clock::now();
    for (int i = 0; i < kParses; ++i) {
      auto r = parseFilter(text);
      if (!r.ok()) {
        std::printf("parse error in %s: %s\n", text, r.error.message.c_str());
        return 1;
      }
    }
    const double parseUs = secondsSince(t0) / kParses * 1e6;
    Filter f = *parseFilter(text).filter;
    t0 = Clock::now();
    size_t hits = 0;
    for (const auto& flow : flows) hits += f.matches(flow) ? 1 : 0;
    const double rate = static_cast<double>(flows.size()) / secondsSince(t0);
    std::printf("%-48s %12.2f %14.0f %10zu\n", text, parseUs, rate, hits);
    parsed.push_back(std::move(f));
  }

  const size_t sqlRows = std::min<size_t>(n, 100000);
  std::printf("\nSQL on an in-memory contract database of %zu flows (with FTS5):\n", sqlRows);
  ps::test::ContractDb db;
  auto t0 = Clock::now();
  db.exec("BEGIN");
  for (size_t i = 0; i < sqlRows; ++i) db.insert(flows[i]);
  db.exec("COMMIT");
  std::printf("  insert %.0f flows/s (test writer, not FlowStore)\n", static_cast<double>(sqlRows) / secondsSince(t0));
  std::printf("%-48s %12s %10s %s\n", "filter", "count (ms)", "matches", "same as memory");
  int differences = 0;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const SqlFilter sql = parsed[i].toSql();
    t0 = Clock::now();
    const int64_t count = db.count(sql);
    const double ms = secondsSince(t0) * 1e3;
    int64_t memory = 0;
    for (size_t k = 0; k < sqlRows; ++k) memory += parsed[i].matches(flows[k]) ? 1 : 0;
    differences += memory != count;
    std::printf("%-48s %12.1f %10lld %s\n", filters[i], ms, static_cast<long long>(count),
                memory == count ? "yes" : "NO");
  }
  return differences == 0 ? 0 : 1;
}

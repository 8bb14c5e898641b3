// libFuzzer target for Http1Parser. Input: [flags][split seed][bytes...]. The bytes are parsed
// once whole and once in pseudo-random pieces, the way a connection feeds them. Besides "never
// crash" (ASan/UBSan), it checks the parser's contract and traps when it is broken:
//   * feed() never consumes more than given, and nothing after an error or an upgrade;
//   * Body events point into the buffer just fed;
//   * the split run yields the same events, body bytes, trailers and verdict as the whole run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/http/http1_parser.h"

using ps::engine::http::Http1Parser;
using ps::engine::http::ParserLimits;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Outcome {
  std::string trace;
  bool error = false;
  int status = 0;
  bool operator==(const Outcome&) const = default;
};

void appendHead(std::string& t, const Http1Parser& p, Http1Parser::Kind kind) {
  const ps::engine::Headers* h;
  if (kind == Http1Parser::Kind::Request) {
    t += "H:" + p.request().method + " " + p.request().target + "\n";
    h = &p.request().headers;
  } else {
    t += "H:" + std::to_string(p.response().status) + " " + p.response().reason + "\n";
    h = &p.response().headers;
  }
  for (const auto& f : *h) t += f.name + ":" + f.value + "\n";
}

Outcome run(std::string_view input, Http1Parser::Kind kind, std::string_view method, bool eof, bool smallLimits,
            bool refuseUpgrades, uint32_t seed) {
  ParserLimits limits;
  if (smallLimits) limits = ParserLimits{64, 512, 12};
  Http1Parser p(kind, limits);
  p.expectResponseTo(method);
  Outcome out;
  std::string buf;
  size_t pos = 0;
  while (pos < input.size()) {
    size_t n = input.size() - pos;
    if (seed != 0) {
      seed = seed * 1103515245u + 12345u;
      n = std::min<size_t>(n, 1 + (seed >> 16) % 24);
    }
    buf.append(input.substr(pos, n));
    pos += n;
    for (;;) {
      const size_t used = p.feed(buf);
      check(used <= buf.size());
      for (const auto& e : p.events()) {
        switch (e.type) {
          case Http1Parser::Event::Type::Head:
            appendHead(out.trace, p, kind);
            break;
          case Http1Parser::Event::Type::Body:
            check(e.data.data() >= buf.data() && e.data.data() + e.data.size() <= buf.data() + buf.size());
            out.trace.append(e.data);  // merged: piece boundaries depend on the split
            break;
          case Http1Parser::Event::Type::Complete:
            out.trace += "\nC";
            for (const auto& f : p.trailers()) out.trace += f.name + ":" + f.value + "\n";
            break;
        }
      }
      buf.erase(0, used);
      if (p.hasError()) {
        check(p.feed("GET / HTTP/1.1\r\n\r\n") == 0);
        break;
      }
      if (used == 0 && p.events().empty()) {
        if (!refuseUpgrades || !p.upgrade() || p.inMessage() || buf.empty()) break;
        p.continueAfterUpgrade();  // as if the peer had refused the upgrade
        out.trace += "\nU";
      }
    }
    if (p.hasError()) break;
  }
  if (eof && !p.hasError()) {
    p.feedEof();
    for (const auto& e : p.events()) check(e.type == Http1Parser::Event::Type::Complete);
    if (!p.events().empty()) out.trace += "\nC";
  }
  out.error = p.hasError();
  if (out.error) {
    out.status = p.error().status;
    check(!p.error().reason.empty());
  } else if (p.upgrade() && !p.inMessage()) {
    out.trace += "\nT" + buf;  // what is left belongs to the tunnel
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const uint32_t seed = data[1] | 1u;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  const auto kind = (flags & 1) ? Http1Parser::Kind::Response : Http1Parser::Kind::Request;
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "CONNECT", "POST"};
  const std::string_view method = kMethods[(flags >> 1) & 3];
  const bool eof = (flags & 8) != 0;
  const bool small = (flags & 16) != 0;
  const bool refuse = (flags & 32) != 0;

  const Outcome whole = run(input, kind, method, eof, small, refuse, 0);
  const Outcome split = run(input, kind, method, eof, small, refuse, seed);
  // Which rejection comes first may depend on the split when a limit (414/431) and a syntax error
  // are both in reach: limits are checked as pieces arrive. Both must still be rejections.
  const bool limitRace = whole.error && split.error &&
                         (whole.status == 414 || whole.status == 431 || split.status == 414 || split.status == 431);
  if (limitRace) {
    check(whole.trace == split.trace);
  } else {
    check(whole == split);
  }
  return 0;
}

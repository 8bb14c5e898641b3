#include "engine/policy/compression_policy.h"

#include <algorithm>
#include <cstdlib>

namespace ps::engine {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::string negotiateCoding(std::string_view acceptEncoding, const std::vector<std::string>& offered) {
  // q of each named coding; "*" covers every coding not named.
  double star = -1;
  std::vector<std::pair<std::string, double>> named;
  while (!acceptEncoding.empty()) {
    size_t comma = acceptEncoding.find(',');
    std::string_view item = trim(acceptEncoding.substr(0, comma));
    acceptEncoding.remove_prefix(comma == std::string_view::npos ? acceptEncoding.size() : comma + 1);
    if (item.empty()) continue;
    double q = 1.0;
    size_t semi = item.find(';');
    std::string_view coding = trim(item.substr(0, semi));
    if (semi != std::string_view::npos) {
      std::string_view param = trim(item.substr(semi + 1));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        q = std::strtod(std::string(param.substr(2)).c_str(), nullptr);
      }
    }
    if (coding == "*") {
      star = q;
    } else {
      named.emplace_back(std::string(coding), q);
    }
  }
  std::string best;
  double bestQ = 0;
  for (const auto& candidate : offered) {
    double q = star >= 0 ? star : 0;
    for (const auto& [name, value] : named) {
      if (iequals(name, candidate) || (candidate == "gzip" && iequals(name, "x-gzip"))) q = value;
    }
    if (q > bestQ) {
      bestQ = q;
      best = candidate;
    }
  }
  return best;
}

bool isTextualContentType(std::string_view ct) {
  std::string lower(ct.substr(0, ct.find(';')));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  lower = std::string(trim(lower));
  if (lower.rfind("text/", 0) == 0) return true;
  for (const char* t : {"application/json", "application/javascript", "application/xml", "application/xhtml+xml",
                        "image/svg+xml", "application/x-www-form-urlencoded", "application/manifest+json",
                        "application/wasm"}) {
    if (lower == t) return true;
  }
  return lower.size() > 5 && (lower.ends_with("+json") || lower.ends_with("+xml"));
}

CompressionCheck compressionEligible(const Response& response, uint64_t knownLength, uint64_t minBytes) {
  if (response.status == 204 || response.status == 304 || response.status == 206 || response.status < 200) {
    return {false, "status " + std::to_string(response.status) + " has no compressible body"};
  }
  if (auto ce = response.headers.get("Content-Encoding"); ce && !iequals(*ce, "identity")) {
    return {false, "already encoded (" + std::string(*ce) + ")"};
  }
  if (response.headers.hasToken("Cache-Control", "no-transform")) return {false, "Cache-Control: no-transform"};
  auto ct = response.headers.get("Content-Type");
  if (!ct || !isTextualContentType(*ct)) return {false, "not a textual type"};
  if (knownLength != 0 && knownLength < minBytes) {
    return {false, "smaller than " + std::to_string(minBytes) + " bytes"};
  }
  return {true, "compressible"};
}

}  // namespace ps::engine

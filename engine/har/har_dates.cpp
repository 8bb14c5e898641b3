// ISO 8601 (HAR 1.2 startedDateTime, cookie expires) and HTTP dates (RFC 9110 5.6.7, RFC 6265 5.1.1).
#include <array>
#include <cstdio>

#include "engine/har/har_text.h"

namespace ps::engine::har {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's civil-days algorithm).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

bool readDigits(std::string_view s, size_t& pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

}  // namespace

std::string formatIso8601(int64_t micros) {
  int64_t ms = micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000);
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  auto msPart = static_cast<int>(ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  auto daySecs = static_cast<int>(secs - days * 86400);
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civilFromDays(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d, daySecs / 3600,
                daySecs / 60 % 60, daySecs % 60, msPart);
  return buf;
}

std::optional<int64_t> parseIso8601(std::string_view s) {
  size_t p = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!readDigits(s, p, 4, y) || p >= s.size() || s[p++] != '-' || !readDigits(s, p, 2, mo) || p >= s.size() ||
      s[p++] != '-' || !readDigits(s, p, 2, d))
    return std::nullopt;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return std::nullopt;
  ++p;
  if (!readDigits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !readDigits(s, p, 2, mi)) return std::nullopt;
  if (p < s.size() && s[p] == ':') {
    ++p;
    if (!readDigits(s, p, 2, sec)) return std::nullopt;
  }
  int64_t frac = 0;
  if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
    ++p;
    int digits = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (digits < 6) {
        frac = frac * 10 + (s[p] - '0');
        ++digits;
      }
      ++p;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) frac *= 10;
  }
  int64_t offsetSecs = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p++] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!readDigits(s, p, 2, oh)) return std::nullopt;
    if (p < s.size() && s[p] == ':') ++p;
    if (p < s.size() && !readDigits(s, p, 2, om)) return std::nullopt;
    offsetSecs = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;  // HAR requires a zone; a local time is ambiguous
  }
  if (p != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  int64_t secs = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec - offsetSecs;
  return secs * 1000000 + frac;
}

std::optional<int64_t> parseHttpDate(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT": skip the weekday, then read
  // day, month name, year and time, with ' ' or '-' between the date parts.
  size_t comma = s.find(',');
  if (comma != std::string_view::npos) s.remove_prefix(comma + 1);
  s = trimSpaces(s);
  static constexpr std::array<std::string_view, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                            "jul", "aug", "sep", "oct", "nov", "dec"};
  size_t p = 0;
  int day = 0;
  if (!readDigits(s, p, 2, day) && !readDigits(s, p, 1, day)) return std::nullopt;
  if (p >= s.size() || (s[p] != ' ' && s[p] != '-')) return std::nullopt;
  ++p;
  if (p + 3 > s.size()) return std::nullopt;
  std::string mon = toLower(s.substr(p, 3));
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == mon) month = i + 1;
  }
  if (month == 0) return std::nullopt;
  p += 3;
  if (p >= s.size() || (s[p] != ' ' && s[p] != '-')) return std::nullopt;
  ++p;
  int year = 0;
  size_t yStart = p;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9') year = year * 10 + (s[p++] - '0');
  if (p - yStart == 2) year += year < 70 ? 2000 : 1900;  // RFC 6265 5.1.1 two-digit years
  else if (p - yStart != 4) return std::nullopt;
  if (p >= s.size() || s[p++] != ' ') return std::nullopt;
  int h = 0, mi = 0, sec = 0;
  if (!readDigits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !readDigits(s, p, 2, mi) || p >= s.size() ||
      s[p++] != ':' || !readDigits(s, p, 2, sec))
    return std::nullopt;
  if (day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return (daysFromCivil(year, month, static_cast<unsigned>(day)) * 86400 + h * 3600 + mi * 60 + sec) * 1000000;
}

}  // namespace ps::engine::har

#include "engine/core/headers.h"

#include <algorithm>

namespace ps::engine {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

void Headers::set(std::string_view name, std::string value) {
  auto first = std::find_if(m_fields.begin(), m_fields.end(), [&](const HeaderField& f) { return iequals(f.name, name); });
  if (first == m_fields.end()) {
    m_fields.push_back({std::string(name), std::move(value)});
    return;
  }
  first->value = std::move(value);
  auto rest = std::remove_if(first + 1, m_fields.end(), [&](const HeaderField& f) { return iequals(f.name, name); });
  m_fields.erase(rest, m_fields.end());
}

size_t Headers::remove(std::string_view name) {
  auto it = std::remove_if(m_fields.begin(), m_fields.end(), [&](const HeaderField& f) { return iequals(f.name, name); });
  size_t n = static_cast<size_t>(m_fields.end() - it);
  m_fields.erase(it, m_fields.end());
  return n;
}

bool Headers::has(std::string_view name) const {
  return std::any_of(m_fields.begin(), m_fields.end(), [&](const HeaderField& f) { return iequals(f.name, name); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& f : m_fields) {
    if (iequals(f.name, name)) return std::string_view(f.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::getAll(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : m_fields) {
    if (iequals(f.name, name)) out.emplace_back(f.value);
  }
  return out;
}

bool Headers::hasToken(std::string_view name, std::string_view token) const {
  for (const auto& f : m_fields) {
    if (!iequals(f.name, name)) continue;
    std::string_view v = f.value;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view item = trim(v.substr(0, comma));
      if (iequals(item, token)) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

}  // namespace ps::engine

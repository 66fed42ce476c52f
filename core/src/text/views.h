// Conversions between the C boundary's (pointer, length) views and C++ strings.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sso/sso.h"

namespace sso {

inline std::string_view View(sso_str s) { return s.data ? std::string_view(s.data, s.len) : ""; }
inline std::string String(sso_str s) { return std::string(View(s)); }
// A view of a string the transaction (or engine) keeps.
inline sso_str Str(const std::string &s) { return {s.data(), s.size()}; }

inline std::vector<std::string> Strings(const sso_str *items, size_t count) {
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(String(items[i]));
  return out;
}

inline std::map<std::string, std::string> StringMap(const sso_attribute *items, size_t count) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < count; ++i) out[String(items[i].name)] = String(items[i].value);
  return out;
}

}  // namespace sso

#include "text/encoding.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>

#include "text/base64_blocks.h"

namespace sso {
namespace {

// The value of each URL-safe base64 character, -1 for every other byte.
constexpr std::array<int8_t, 256> kBase64UrlValues = [] {
  std::array<int8_t, 256> values{};
  values.fill(-1);
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return values;
}();

// The standard alphabet's values; the space, tab, CR and LF that may be anywhere in it, the
// padding character, and -1 for every other byte.
constexpr int8_t kSpace = -2, kPad = -3;
constexpr std::array<int8_t, 256> kBase64Values = [] {
  std::array<int8_t, 256> values{};
  values.fill(-1);
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  for (char c : {' ', '\t', '\r', '\n'}) values[static_cast<unsigned char>(c)] = kSpace;
  values['='] = kPad;
  return values;
}();

// An alphabet's values shifted to each place of a group of four (18, 12, 6, 0 bits); every
// byte that is not of the alphabet sets the top bit instead, so one test refuses a group.
constexpr uint32_t kNotInGroup = 0x80000000u;
using GroupTable = std::array<uint32_t, 256>;
constexpr std::array<GroupTable, 4> PlacesOf(const std::array<int8_t, 256> &values) {
  std::array<GroupTable, 4> places{};
  for (int place = 0; place < 4; ++place)
    for (int c = 0; c < 256; ++c) {
      int v = values[static_cast<size_t>(c)];
      places[static_cast<size_t>(place)][static_cast<size_t>(c)] =
          v < 0 ? kNotInGroup : static_cast<uint32_t>(v) << (18 - 6 * place);
    }
  return places;
}
constexpr std::array<GroupTable, 4> kBase64Places = PlacesOf(kBase64Values);
constexpr std::array<GroupTable, 4> kBase64UrlPlaces = PlacesOf(kBase64UrlValues);

int Base64UrlValue(char c) { return kBase64UrlValues[static_cast<unsigned char>(c)]; }

}  // namespace

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out;
  if (!Base64DecodeTo(text, out)) return std::nullopt;
  return out;
}

bool Base64DecodeTo(std::string_view text, std::string &out) {
  if (text.empty() || text.size() > static_cast<size_t>(INT32_MAX)) return false;
  out.resize(text.size() / 4 * 3);  // fills only what it adds to the length
  auto *at = reinterpret_cast<unsigned char *>(out.data());
  const auto *in = reinterpret_cast<const unsigned char *>(text.data());
  const auto *end = in + text.size();
  uint32_t group = 0;  // the characters of the group being read, 6 bits each
  int in_group = 0, padding = 0;
  while (in < end) {
    // Most of the text: whole groups of four characters of the alphabet.
    if (in_group == 0 && padding == 0) {
      size_t taken =
          DecodeBase64Blocks(in, static_cast<size_t>(end - in), at, Base64Alphabet::kStandard);
      in += taken;
      at += taken / 4 * 3;
      for (; end - in >= 4; in += 4) {
        uint32_t v = kBase64Places[0][in[0]] | kBase64Places[1][in[1]] | kBase64Places[2][in[2]] |
                     kBase64Places[3][in[3]];
        if (v & kNotInGroup) break;
        at[0] = static_cast<unsigned char>(v >> 16);
        at[1] = static_cast<unsigned char>(v >> 8);
        at[2] = static_cast<unsigned char>(v);
        at += 3;
      }
      if (in == end) break;
    }
    // The rest one character at a time: white space, padding, a group split by them.
    int v = kBase64Values[*in++];
    if (v >= 0) {
      if (padding) return false;  // data after the padding
    } else if (v == kSpace) {
      continue;
    } else if (v == kPad) {
      if (++padding > 2) return false;
      v = 0;
    } else {
      return false;
    }
    group = group << 6 | static_cast<uint32_t>(v);
    if (++in_group < 4) continue;
    at[0] = static_cast<unsigned char>(group >> 16);
    at[1] = static_cast<unsigned char>(group >> 8);
    at[2] = static_cast<unsigned char>(group);
    at += 3;
    group = 0;
    in_group = 0;
  }
  if (in_group != 0) return false;  // not whole groups of four
  out.resize(static_cast<size_t>(at - reinterpret_cast<unsigned char *>(out.data())) -
             static_cast<size_t>(padding));
  return true;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                          reinterpret_cast<const unsigned char *>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  // 4 characters carry 3 bytes; a tail of 2 or 3 characters carries 1 or 2 bytes, and 1
  // character (6 bits) cannot end a canonical encoding.
  size_t tail = text.size() % 4;
  if (tail == 1) return std::nullopt;
  std::string out(text.size() / 4 * 3 + (tail ? tail - 1 : 0), '\0');
  const auto *group = reinterpret_cast<const unsigned char *>(text.data());
  auto *bytes = reinterpret_cast<unsigned char *>(out.data());
  size_t in = DecodeBase64Blocks(group, text.size(), bytes, Base64Alphabet::kUrl);
  size_t at = in / 4 * 3;
  group += in;
  for (; in + 4 <= text.size(); in += 4, group += 4, at += 3) {
    uint32_t v = kBase64UrlPlaces[0][group[0]] | kBase64UrlPlaces[1][group[1]] |
                 kBase64UrlPlaces[2][group[2]] | kBase64UrlPlaces[3][group[3]];
    if (v & kNotInGroup) return std::nullopt;
    bytes[at] = static_cast<unsigned char>(v >> 16);
    bytes[at + 1] = static_cast<unsigned char>(v >> 8);
    bytes[at + 2] = static_cast<unsigned char>(v);
  }
  if (tail == 0) return out;
  int a = Base64UrlValue(text[in]), b = Base64UrlValue(text[in + 1]);
  int c = tail == 3 ? Base64UrlValue(text[in + 2]) : 0;
  if ((a | b | c) < 0) return std::nullopt;
  uint32_t v = static_cast<uint32_t>(a << 18 | b << 12 | c << 6);
  // the bits past the last whole byte must be zero (non-canonical otherwise)
  if (v & (tail == 2 ? 0xffffu : 0xffu)) return std::nullopt;
  out[at++] = static_cast<char>(v >> 16);
  if (tail == 3) out[at++] = static_cast<char>(v >> 8);
  return out;
}

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace sso

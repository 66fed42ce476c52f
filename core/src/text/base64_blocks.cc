#include "text/base64_blocks.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SSO_BASE64_AVX2 1
#endif

namespace sso {

#ifdef SSO_BASE64_AVX2
namespace {

#define SSO_AVX2 __attribute__((target("avx2")))

// 0xff in each byte of `c` from `low` to `high`. Signed compares: a byte above 0x7f is
// negative, below every range.
SSO_AVX2 inline __m256i InRange(__m256i c, char low, char high) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(static_cast<char>(low - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(high + 1)), c));
}

// `by` in each byte where `mask` is set, 0 elsewhere.
SSO_AVX2 inline __m256i Where(__m256i mask, int by) {
  return _mm256_and_si256(mask, _mm256_set1_epi8(static_cast<char>(by)));
}

// One block: the 32 characters' 6-bit values, or false when one is not of the alphabet.
SSO_AVX2 inline bool Values(__m256i c, Base64Alphabet alphabet, __m256i &values) {
  const char c62 = alphabet == Base64Alphabet::kUrl ? '-' : '+';
  const char c63 = alphabet == Base64Alphabet::kUrl ? '_' : '/';
  const __m256i upper = InRange(c, 'A', 'Z');
  const __m256i lower = InRange(c, 'a', 'z');
  const __m256i digit = InRange(c, '0', '9');
  const __m256i is62 = _mm256_cmpeq_epi8(c, _mm256_set1_epi8(c62));
  const __m256i is63 = _mm256_cmpeq_epi8(c, _mm256_set1_epi8(c63));
  const __m256i valid = _mm256_or_si256(_mm256_or_si256(upper, lower),
                                        _mm256_or_si256(digit, _mm256_or_si256(is62, is63)));
  if (_mm256_movemask_epi8(valid) != -1) return false;
  // what to add to each character for its value (byte arithmetic wraps)
  const __m256i add = _mm256_or_si256(
      _mm256_or_si256(Where(upper, -'A'), Where(lower, 26 - 'a')),
      _mm256_or_si256(Where(digit, 52 - '0'),
                      _mm256_or_si256(Where(is62, 62 - c62), Where(is63, 63 - c63))));
  values = _mm256_add_epi8(c, add);
  return true;
}

SSO_AVX2 size_t DecodeAvx2(const unsigned char *in, size_t length, unsigned char *out,
                           Base64Alphabet alphabet) {
  size_t done = 0;
  for (; length - done >= 32; done += 32, out += 24) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(in + done));
    __m256i v;
    if (!Values(c, alphabet, v)) break;
    // in each group of four values a b c d: a*64+b and c*64+d (16 bits each), then
    // (a*64+b)*4096 + c*64+d: the group's 24 bits, in a 32-bit lane, lowest byte first
    const __m256i pairs = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
    const __m256i groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    // the three bytes of each lane, highest first, packed at the start of each 128-bit half
    const __m256i bytes = _mm256_shuffle_epi8(
        groups, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2, 1, 0, 6,
                                 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1));
    // the halves' 12 bytes each, side by side
    const __m256i packed =
        _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(out), _mm256_castsi256_si128(packed));
    _mm_storel_epi64(reinterpret_cast<__m128i *>(out + 16), _mm256_extracti128_si256(packed, 1));
  }
  return done;
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

}  // namespace
#endif

size_t DecodeBase64Blocks(const unsigned char *in, size_t length, unsigned char *out,
                          Base64Alphabet alphabet) {
#ifdef SSO_BASE64_AVX2
  if (length >= 32 && HasAvx2()) return DecodeAvx2(in, length, out, alphabet);
#endif
  (void)in;
  (void)length;
  (void)out;
  (void)alphabet;
  return 0;
}

}  // namespace sso

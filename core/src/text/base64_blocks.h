// Base64 decoding 32 characters at a time with AVX2, for the long runs of alphabet
// characters that make up almost all of a SAML response or a JWT. The decoders in
// encoding.cc call it where a group of four starts, and do the rest (white space, padding,
// the tail, any byte not of the alphabet) themselves.
#pragma once

#include <cstddef>

namespace sso {

enum class Base64Alphabet { kStandard, kUrl };

// Decodes blocks of 32 characters from `in` (at most `length` of them) into 24 bytes each
// at `out`, as long as every character of a block is of `alphabet`; returns how many
// characters it took (a multiple of 32, 0 without AVX2). `out` has room for 3/4 of `length`.
size_t DecodeBase64Blocks(const unsigned char *in, size_t length, unsigned char *out,
                          Base64Alphabet alphabet);

}  // namespace sso

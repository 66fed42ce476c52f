#include "oidc/logout_token.h"

#include <algorithm>

namespace sso::oidc {
namespace {

constexpr const char *kBackChannelLogoutEvent =
    "http://schemas.openid.net/event/backchannel-logout";

sso_status CheckTimes(const ClaimSet &claims, const LogoutTokenRules &rules,
                      int64_t &replay_until_ms) {
  auto iat = NumericDateMs(claims, "iat");
  if (!iat || *iat > rules.now_ms + rules.clock_skew_ms) return SSO_JWT_ISSUED_IN_FUTURE;
  if (*iat < rules.now_ms - rules.clock_skew_ms - kLogoutTokenWindowMs)
    return SSO_LOGOUT_TOKEN_STALE;
  replay_until_ms = *iat + rules.clock_skew_ms + kLogoutTokenWindowMs;
  // exp is required only by the final spec: older providers send none
  if (claims.Has("exp")) {
    auto exp = NumericDateMs(claims, "exp");
    if (!exp || rules.now_ms - rules.clock_skew_ms >= *exp) return SSO_JWT_EXPIRED;
    replay_until_ms = std::max(replay_until_ms, *exp + rules.clock_skew_ms);
  }
  return SSO_OK;
}

// The events claim names the back-channel logout event, whose value is a JSON object.
bool IsLogoutEvent(const ClaimSet &claims) {
  return claims.MemberKind("events", kBackChannelLogoutEvent) == ClaimSet::Kind::kObject;
}

}  // namespace

sso_status VerifyLogoutToken(std::string_view token, Algorithm alg, const std::vector<Jwk> &keys,
                             const LogoutTokenRules &rules, LogoutToken &out) {
  Jwt jwt;
  if (sso_status s = ParseJwt(token, jwt); s != SSO_OK) return s;
  if (jwt.algorithm != AlgorithmName(alg)) return SSO_JWT_ALG_NOT_ALLOWED;
  const Jwk *key = nullptr;
  if (sso_status s = SelectKey(keys, jwt.key_id, alg, key); s != SSO_OK) return s;
  if (sso_status s = VerifySignature(jwt, alg, *key); s != SSO_OK) return s;

  const ClaimSet &c = jwt.claims;
  if (sso_status s = CheckIssuerAndAudience(c, rules.issuer, rules.client_id); s != SSO_OK)
    return s;
  if (sso_status s = CheckTimes(c, rules, out.replay_until_ms); s != SSO_OK) return s;
  if (!IsLogoutEvent(c)) return SSO_LOGOUT_TOKEN_NOT_A_LOGOUT;
  // an ID token replayed here would carry one
  if (c.Has("nonce")) return SSO_LOGOUT_TOKEN_HAS_NONCE;
  out.jti = c.String("jti").value_or("");
  if (out.jti.empty()) return SSO_LOGOUT_TOKEN_NO_JTI;
  out.subject = c.String("sub").value_or("");
  out.sid = c.String("sid").value_or("");
  if (out.subject.empty() && out.sid.empty()) return SSO_LOGOUT_TOKEN_NO_SUBJECT;
  return SSO_OK;
}

}  // namespace sso::oidc

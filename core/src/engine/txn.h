// Transaction: the per-request state behind an sso_txn handle.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/step_output.h"
#include "provision/lock.h"
#include "provision/policy.h"
#include "session/cache.h"
#include "session/record.h"

struct sso_txn {
  explicit sso_txn(sso_engine &e) : engine(e) {}

  enum class State { kIdle, kAwaitingSession, kDecided, kAwaitingRevokeMembers };

  sso_engine &engine;
  State state = State::kIdle;

  // Request facts kept between gate_begin and gate_resume.
  bool browser_navigation = false;
  bool had_cookie = false;
  bool login_url_request = false;  // the request is for the login URL itself
  std::string return_to;
  std::string session_key;
  std::string session_digest;
  std::string session_cookie;  // only to key the cache entry; never logged
  uint64_t cache_generation = 0;

  sso::StepOutput output;  // behind the views handed out in sso_step / plans
  std::string revoke_index_key;

  // Login flows (SAML): where we are and what we carry between store round trips.
  enum class Flow {
    kNone,
    kLoginStore,
    kAcsRelay,
    kAcsReplay,
    kOidcDiscovery,
    kOidcStore,
    kOidcState,
    kOidcToken,
    kOidcConsume,
    kOidcJwks,
    kOidcUserinfo,
    kProvisionLock,
    kProvisionWait,
    kProvisionHook,
    kProvisionSession
  };
  Flow flow = Flow::kNone;
  std::string flow_provider;
  std::string flow_request_id;
  std::string flow_return_to;
  std::string flow_saml_response;
  std::vector<uint8_t> flow_random;
  sso::Identity flow_identity;  // validated, waiting for the replay check
  // OIDC: the provider's documents this login started with (a refresh never changes them)
  std::shared_ptr<const sso::oidc::Discovery> flow_discovery;
  std::shared_ptr<const sso::oidc::JwkSet> flow_jwks;
  bool flow_in_callback = false;  // discovery fetched for a callback, not for a new login
  // OIDC callback
  std::string flow_state_key;  // spent only by the login it completes
  std::string flow_code_verifier;
  std::string flow_code;
  std::optional<std::string> flow_iss;
  std::string flow_nonce;
  std::string flow_binding;  // the browser's binding cookie value (secret)
  std::string flow_binding_name;
  std::string flow_binding_clear;
  std::string flow_id_token;
  std::string flow_access_token;  // only for the userinfo call
  std::string flow_claims;        // the verified ID token's claims (JSON), until userinfo
  bool flow_jwks_refreshed = false;
  std::vector<uint8_t> flow_session_random;
  // Provisioning (either protocol), from a validated identity to a session
  std::string request_id;
  std::string prov_protocol;
  int64_t prov_started_ms = 0;
  std::string prov_account_key, prov_lock_token;
  sso::LockKeys prov_lock;
  std::string prov_fresh_key;    // the Idempotency-Key should this login start an attempt
  std::string prov_attempt_key;  // the attempt's key, once the lock is ours
  bool prov_attempt_new = false;
  sso::PolicyOutcome prov_policy;
  std::optional<std::string> prov_known_user;
  std::vector<uint8_t> prov_random;  // the new session's id, until it is planned

  // The identity of a valid session (after SSO_STEP_ALLOW), possibly shared with the cache.
  std::shared_ptr<const sso::ValidSession> session;
};

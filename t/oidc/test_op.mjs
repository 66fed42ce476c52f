// An OpenID provider written for the tests (Node's standard library only): discovery, an
// authorization endpoint that approves at once, a token endpoint that checks the client
// and PKCE, and a JWKS. The test steers it through POST /control and reads what it saw
// from GET /stats, so that each misbehaviour of a real provider can be staged on purpose.
//
//   node test_op.mjs --port 8443 [--tls-cert cert.pem --tls-key key.pem] [--host 127.0.0.1]
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const host = args.host || '127.0.0.1';
const port = Number(args.port);
const tls = Boolean(args['tls-cert']);
const issuer = args.issuer || `${tls ? 'https' : 'http'}://${host}:${port}`;

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function newKey(alg) {
  const kid = crypto.randomBytes(6).toString('hex');
  const pair =
    alg === 'ES256'
      ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? crypto.generateKeyPairSync('ed25519')
        : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg };
  return { kid, alg, privateKey: pair.privateKey, jwk };
}

function sign(key, header, claims) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const data = Buffer.from(input);
  let sig;
  if (key.alg === 'RS256') sig = crypto.sign('sha256', data, key.privateKey);
  else if (key.alg === 'PS256')
    sig = crypto.sign('sha256', data, {
      key: key.privateKey,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
  else if (key.alg === 'ES256')
    sig = crypto.sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  else sig = crypto.sign(null, data, key.privateKey);
  return `${input}.${b64url(sig)}`;
}

// A key nobody holds the private half of: RSA with public exponent 1. Since s^1 mod n = s,
// the "signature" of a token is just the EMSA-PKCS1-v1_5 encoding of its SHA-256 digest
// (RFC 8017 9.2), which anyone can compute. A verifier that takes this key from a JWKS
// accepts tokens anyone can mint.
const hostileKey = (() => {
  const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { n } = publicKey.export({ format: 'jwk' });
  return { kid: 'hostile-e1', jwk: { kty: 'RSA', kid: 'hostile-e1', use: 'sig', alg: 'RS256', n, e: 'AQ' } };
})();

function signWithExponentOne(header, claims) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const digest = crypto.createHash('sha256').update(input).digest();
  const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), digest]);
  const k = Buffer.from(hostileKey.jwk.n, 'base64url').length;
  const em = Buffer.concat([
    Buffer.from([0x00, 0x01]), Buffer.alloc(k - digestInfo.length - 3, 0xff), Buffer.from([0x00]), digestInfo,
  ]);
  return `${input}.${b64url(em)}`;
}

// What the test can change; reset by POST /control {"reset": true}.
function defaults() {
  return {
    client_id: 'nginx-app',
    client_secret: 'test-secret-1',
    token_auth: 'client_secret_basic', // or client_secret_post, private_key_jwt
    client_public_key: null, // PEM, for private_key_jwt
    user: { sub: 'alice-123', email: 'alice@corp.example', email_verified: true, name: 'Alice Doe', groups: ['engineering'] },
    iss_param: 'right', // right | wrong | omit
    authz_error: null, // e.g. "access_denied"
    token_status: 200,
    token_delay_ms: 0,
    discovery_status: 200, // e.g. 503: the provider is down
    id_token: {}, // claim overrides: {"iss": ..., "aud": ..., "exp_offset": -600, "nonce": ...}
    tamper: null, // "signature" | "alg_none" | "unknown_kid"
    hostile_key: false, // publish hostileKey next to ours and sign ID tokens "with" it
    advertise_iss_param: true,
    userinfo: {}, // overrides of the userinfo answer, e.g. {"sub": "someone-else"}
    choose: null, // the demo: a list of users to pick from on a page instead of `user`
    sid: false, // true: every login is a session of its own at the OP, named by a sid claim
  };
}

let behaviour = defaults();
let keys = [newKey(args.alg || 'RS256')];
const codes = new Map();
const stats = { discovery: 0, authorize: 0, token: 0, jwks: 0, userinfo: 0, token_auth: [], last_token_form: null,
  sids: [], id_tokens: [], end_session: [] };

// A Back-Channel Logout 1.0 logout token, as a provider sends it when a session ends; `o`
// names the session (sid, sub) and can break any claim (for the negative tests).
function logoutToken(o) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: o.iss ?? issuer,
    aud: o.aud ?? behaviour.client_id,
    iat: now + (o.iat_offset ?? 0),
    exp: now + (o.exp_offset ?? 120),
    jti: o.jti ?? crypto.randomBytes(12).toString('hex'),
    events: o.events ?? { 'http://schemas.openid.net/event/backchannel-logout': {} },
    ...(o.sub ? { sub: o.sub } : {}),
    ...(o.sid ? { sid: o.sid } : {}),
    ...(o.nonce ? { nonce: o.nonce } : {}),
  };
  const key = keys[0];
  let jwt = sign(key, { alg: key.alg, typ: 'logout+jwt', kid: key.kid }, claims);
  if (o.tamper) jwt = jwt.slice(0, -2) + (jwt.at(-2) === 'A' ? 'B' : 'A') + jwt.at(-1);
  return jwt;
}
const accessTokens = new Set();

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString()));
  });
}

const seenJti = new Set();

// private_key_jwt: the assertion must be signed by the client's registered key, name the
// client as iss and sub and our token endpoint as aud, be unexpired, and be used once.
function assertionOk(form) {
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return false;
  const parts = (form.get('client_assertion') || '').split('.');
  if (parts.length !== 3) return false;
  const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  const key = crypto.createPublicKey(behaviour.client_public_key);
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const sig = Buffer.from(parts[2], 'base64url');
  const ok =
    header.alg === 'ES256'
      ? crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
      : header.alg === 'RS256' && crypto.verify('sha256', data, key, sig);
  const now = Date.now() / 1000;
  stats.last_assertion = { header, claims, signature_ok: ok };
  if (!ok || claims.iss !== behaviour.client_id || claims.sub !== behaviour.client_id ||
      claims.aud !== `${issuer}/token` || !(claims.exp > now) || seenJti.has(claims.jti)) return false;
  seenJti.add(claims.jti);
  return true;
}

function clientOk(req, form) {
  const { client_id, client_secret, token_auth } = behaviour;
  if (token_auth === 'private_key_jwt') return !req.headers.authorization && assertionOk(form);
  if (token_auth === 'client_secret_basic') {
    const auth = req.headers.authorization || '';
    if (!auth.startsWith('Basic ')) return false;
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    return decodeURIComponent(id) === client_id && decodeURIComponent(secret) === client_secret;
  }
  return form.get('client_id') === client_id && form.get('client_secret') === client_secret;
}

function idToken(grant) {
  const now = Math.floor(Date.now() / 1000);
  const o = behaviour.id_token;
  const claims = {
    iss: o.iss ?? issuer,
    aud: o.aud ?? behaviour.client_id,
    sub: grant.user.sub,
    nonce: o.nonce ?? grant.nonce,
    iat: now + (o.iat_offset ?? 0),
    exp: now + (o.exp_offset ?? 300),
    email: grant.user.email,
    email_verified: grant.user.email_verified,
    name: grant.user.name,
    groups: grant.user.groups,
    ...(grant.sid ? { sid: grant.sid } : {}),
  };
  const key = keys[0];
  if (behaviour.tamper === 'alg_none') {
    return `${b64url(JSON.stringify({ alg: 'none', kid: key.kid }))}.${b64url(JSON.stringify(claims))}.`;
  }
  if (behaviour.hostile_key) return signWithExponentOne({ alg: 'RS256', typ: 'JWT', kid: hostileKey.kid }, claims);
  const kid = behaviour.tamper === 'unknown_kid' ? 'not-a-published-kid' : key.kid;
  let jwt = sign(key, { alg: key.alg, typ: 'JWT', kid }, claims);
  if (behaviour.tamper === 'signature') {
    const last = jwt.at(-2) === 'A' ? 'B' : 'A';
    jwt = jwt.slice(0, -2) + last + jwt.at(-1);
  }
  return jwt;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The demo's sign-in page: one button per person, each the same authorization request with
// as=<index> (set, not appended: a second as= would be ignored).
function chooser(res, url, people) {
  const choices = people
    .map((u, i) => {
      const link = new URL(url);
      link.searchParams.set('as', String(i));
      const notes = [u.email_verified ? 'email verified' : 'email not verified',
        `groups: ${(u.groups || []).join(', ') || 'none'}`];
      return `<li><a class="person" href="${esc(link.pathname + link.search)}">` +
        `<strong>${esc(u.name)}</strong><span>${esc(u.email)}</span>` +
        `<small>${esc(notes.join(' · '))}</small></a></li>`;
    })
    .join('');
  const page = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Sign in: the demo's identity provider</title><style>` +
    `body{font-family:system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111827}` +
    `main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.75rem;` +
    `box-shadow:0 1px 3px rgba(0,0,0,.15)}h1{font-size:1.4rem;margin-top:0}` +
    `ul{list-style:none;padding:0}li{margin:.75rem 0}` +
    `a.person{display:flex;flex-direction:column;padding:.9rem 1rem;border:1px solid #9ca3af;` +
    `border-radius:.5rem;color:inherit;text-decoration:none}` +
    `a.person:hover,a.person:focus{border-color:#1d4ed8;outline:2px solid #1d4ed8}` +
    `a.person span{color:#374151}a.person small{color:#4b5563;margin-top:.25rem}` +
    `</style></head><body><main><h1>Who are you?</h1>` +
    `<p>This is the demo's identity provider. Pick a person to sign in as; ` +
    `you are then sent back to the app.</p><ul>${choices}</ul></main></body></html>`;
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
    'Cache-Control': 'no-store',
  });
  return res.end(page);
}

async function handle(req, res) {
  const url = new URL(req.url, issuer);
  const path = url.pathname;

  if (path === '/.well-known/openid-configuration') {
    stats.discovery++;
    if (behaviour.discovery_status !== 200) return send(res, behaviour.discovery_status, { error: 'down' });
    return send(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      userinfo_endpoint: `${issuer}/userinfo`,
      end_session_endpoint: `${issuer}/end-session`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [keys[0].alg],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: behaviour.advertise_iss_param,
    });
  }

  if (path === '/authorize') {
    stats.authorize++;
    const q = url.searchParams;
    const back = new URL(q.get('redirect_uri'));
    if (q.get('client_id') !== behaviour.client_id || q.get('response_type') !== 'code' ||
        q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !q.get('nonce')) {
      return send(res, 400, 'bad authorization request');
    }
    let user = behaviour.user;
    if (Array.isArray(behaviour.choose)) {
      // the demo: a person picks who they are; nobody is signed in without a choice
      const pick = q.has('as') && /^\d+$/.test(q.get('as')) ? behaviour.choose[Number(q.get('as'))] : null;
      if (!pick) return chooser(res, url, behaviour.choose);
      user = pick;
    }
    back.searchParams.set('state', q.get('state'));
    if (behaviour.authz_error) {
      back.searchParams.set('error', behaviour.authz_error);
    } else {
      const code = crypto.randomBytes(24).toString('base64url');
      const sid = behaviour.sid ? crypto.randomBytes(8).toString('hex') : undefined;
      if (sid) stats.sids.push(sid);
      codes.set(code, {
        nonce: q.get('nonce'),
        challenge: q.get('code_challenge'),
        redirect_uri: q.get('redirect_uri'),
        user, // who signed in: fixed when the code is issued
        sid,
      });
      back.searchParams.set('code', code);
    }
    if (behaviour.iss_param === 'right') back.searchParams.set('iss', issuer);
    if (behaviour.iss_param === 'wrong') back.searchParams.set('iss', 'https://evil.example');
    res.writeHead(302, { Location: back.toString(), 'Content-Length': 0 });
    return res.end();
  }

  if (path === '/token' && req.method === 'POST') {
    stats.token++;
    const form = new URLSearchParams(await readBody(req));
    stats.token_auth.push(req.headers.authorization ? 'basic'
      : form.get('client_secret') ? 'post' : form.get('client_assertion') ? 'private_key_jwt' : 'none');
    stats.last_token_form = [...form.keys()].sort();
    if (behaviour.token_delay_ms) await new Promise((r) => setTimeout(r, behaviour.token_delay_ms));
    if (behaviour.token_status !== 200) return send(res, behaviour.token_status, { error: 'server_error' });
    if (!clientOk(req, form)) return send(res, 401, { error: 'invalid_client' });
    const grant = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    if (!grant || form.get('grant_type') !== 'authorization_code' ||
        form.get('redirect_uri') !== grant.redirect_uri) {
      return send(res, 400, { error: 'invalid_grant' });
    }
    const challenge = b64url(crypto.createHash('sha256').update(form.get('code_verifier') || '').digest());
    if (challenge !== grant.challenge) return send(res, 400, { error: 'invalid_grant', error_description: 'PKCE' });
    const accessToken = crypto.randomBytes(16).toString('hex');
    accessTokens.add(accessToken);
    const token = idToken(grant);
    stats.id_tokens.push(token);
    return send(res, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 300,
      id_token: token,
    });
  }

  if (path === '/userinfo') {
    stats.userinfo++;
    const auth = req.headers.authorization || '';
    if (!auth.startsWith('Bearer ') || !accessTokens.has(auth.slice(7))) {
      return send(res, 401, { error: 'invalid_token' });
    }
    return send(res, 200, { sub: behaviour.user.sub, department: 'R&D', ...behaviour.userinfo });
  }

  if (path === '/jwks') {
    stats.jwks++;
    return send(res, 200, { keys: [...keys.map((k) => k.jwk), ...(behaviour.hostile_key ? [hostileKey.jwk] : [])] });
  }

  if (path === '/control' && req.method === 'POST') {
    const change = JSON.parse((await readBody(req)) || '{}');
    if (change.reset) behaviour = defaults();
    if (change.rotate) keys = [newKey(change.rotate), ...(change.keep_old ? keys : [])];
    for (const [k, v] of Object.entries(change)) if (k in behaviour) behaviour[k] = v;
    return send(res, 200, { kid: keys[0].kid });
  }

  // RP-Initiated Logout: records what the RP sent, then back to its post-logout URL
  if (path === '/end-session') {
    const q = Object.fromEntries(url.searchParams);
    stats.end_session.push(q);
    if (!q.post_logout_redirect_uri) return send(res, 200, 'signed out');
    const back = new URL(q.post_logout_redirect_uri);
    if (q.state) back.searchParams.set('state', q.state);
    res.writeHead(302, { Location: back.toString(), 'Content-Length': 0 });
    return res.end();
  }

  if (path === '/logout-token' && req.method === 'POST') {
    return send(res, 200, { token: logoutToken(JSON.parse((await readBody(req)) || '{}')) });
  }

  if (path === '/stats') return send(res, 200, stats);

  return send(res, 404, 'not found');
}

const listener = (req, res) => handle(req, res).catch((e) => send(res, 500, String(e)));
const server = tls
  ? https.createServer({ cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) }, listener)
  : http.createServer(listener);
server.listen(port, host, () => console.log(`test OP at ${issuer}`));

// A legacy app's provisioning hook, written for the tests as an app developer would from the
// README's spec (Node's standard library only): it checks the HMAC signature, keeps a user
// table in memory, creates, links (only when told it may), updates, denies or holds for
// approval, answers a repeated Idempotency-Key with the answer it gave that key, and reports
// what it did at GET /stats. POST /control stages misbehaviour: a delay between look-up and
// insert, a forced status, a connection that dies after the headers, two answers on one
// connection. Events after the fact ({"event":"logout"}: sessions ended; SCIM's "deprovision"
// and "reactivate") are checked the same way and kept in stats.events. SCIM's "provision"
// (an account before the first login) is answered like a login: the account of that person
// if the app has one (linked to the same issuer, or by email where linking is allowed), else a
// new one; a later login that carries its user_id is that account.
//
//   node test_hook.mjs --port P --secret-file F
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const secret = fs.readFileSync(args['secret-file'], 'utf8').split(/\r?\n/)[0];

let users = []; // { id, email, links: ["issuer\nsubject"], roles }
let nextId = 1000;
let behaviour = {};
let answers = new Map(); // Idempotency-Key -> [status, body] it was answered with
const fresh = () => ({
  calls: 0, creations: 0, replays: 0, bad_signatures: 0, requests: [], outcomes: [], events: [],
  keys_by_subject: {}, // subject -> the distinct Idempotency-Keys its calls carried
});
const stats = fresh();

function verified(req, body) {
  const header = req.headers['x-sso-signature'] || '';
  const m = header.match(/^t=(\d+),v1=([0-9a-f]{64})$/);
  if (!m) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const want = crypto.createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return crypto.timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

// The answer, or (as staged) a broken delivery of it: the account exists either way.
function deliver(res, status, body) {
  const text = JSON.stringify(body);
  const head = `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\n`;
  const whole = `${head}Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
  if (behaviour.break_after_headers) {
    // dies mid-answer: the headers promise a body that never comes
    res.socket.write(`${head}Content-Length: ${Buffer.byteLength(text) + 100}\r\n\r\n{"us`);
    return res.socket.destroy();
  }
  if (behaviour.answer_twice) return res.socket.end(whole + whole.replace(`${status} X`, '500 X'));
  return send(res, status, body);
}

// Look up, then (like an app that queries its database and then inserts) act after a pause:
// two concurrent calls for one person both see "no account". Only the proxy's single-flight
// keeps that from making two accounts.
async function decide(login) {
  const key = `${login.issuer}\n${login.subject}`;
  const pause = () => new Promise((r) => setTimeout(r, behaviour.delay_ms || 0));
  if ((behaviour.deny_emails || []).includes(login.email)) return [403, { reason: 'blocked by the app' }];
  if ((behaviour.pending_emails || []).includes(login.email)) return [202, { status: 'pending' }];

  // the account this person was given before (a provisioned one, at its first login)
  const given = login.user_id != null && users.find((u) => String(u.id) === String(login.user_id));
  if (given) {
    if (!given.links.includes(key)) given.links.push(key);
    given.email = login.email;
    return [200, { user_id: String(given.id), roles: login.roles, outcome: 'updated' }];
  }
  let user = users.find((u) => u.links.includes(key));
  const byEmail = users.find((u) => u.email.toLowerCase() === login.email.toLowerCase());
  await pause();
  if (user) {
    user.email = login.email;
    return [200, { user_id: String(user.id), roles: login.roles, outcome: 'updated' }];
  }
  user = byEmail;
  if (user) {
    if (login.link !== 'verified_email') return [409, { reason: 'account exists' }];
    user.links.push(key);
    return [200, { user_id: String(user.id), roles: login.roles, outcome: 'linked' }];
  }
  if (!login.create) return [403, { reason: 'self sign-up is closed' }];
  user = { id: nextId++, email: login.email, links: [key] };
  users.push(user);
  stats.creations++;
  return [201, { user_id: String(user.id), roles: login.roles }];
}

// SCIM's "provision": the person's account before any login (no subject yet).
function provision(event) {
  const email = (event.email || '').toLowerCase();
  const sameEmail = (u) => email !== '' && u.email.toLowerCase() === email;
  const sameIssuer = (u) => u.links.some((l) => l.startsWith(`${event.issuer}\n`));
  let user = users.find((u) => u.scim_id === event.scim.id || (sameEmail(u) && sameIssuer(u)));
  if (user) {
    user.scim_id = event.scim.id;
    return [200, { user_id: String(user.id), outcome: 'updated' }];
  }
  user = users.find(sameEmail);
  if (user) {
    if (event.link !== 'verified_email') return [409, { reason: 'account exists' }];
    user.scim_id = event.scim.id;
    return [200, { user_id: String(user.id), outcome: 'linked' }];
  }
  if (!event.create) return [403, { reason: 'self sign-up is closed' }];
  user = { id: nextId++, email: event.email, links: [], scim_id: event.scim.id };
  users.push(user);
  stats.creations++;
  return [201, { user_id: String(user.id) }];
}

http
  .createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(parts).toString();
      const url = new URL(req.url, 'http://hook');
      if (url.pathname === '/stats') return send(res, 200, { ...stats, users });
      if (url.pathname === '/control') {
        const change = JSON.parse(body || '{}');
        if (change.reset) {
          users = [];
          behaviour = {};
          answers = new Map();
          Object.assign(stats, fresh());
        }
        if (change.seed_users) users.push(...change.seed_users.map((u) => ({ links: [], ...u })));
        Object.assign(behaviour, change.behaviour || {});
        return send(res, 200, { ok: true });
      }
      if (url.pathname !== '/provision' || req.method !== 'POST') return send(res, 404, {});
      stats.calls++;
      if (!verified(req, body)) {
        stats.bad_signatures++;
        return send(res, 401, { reason: 'bad signature' });
      }
      const login = JSON.parse(body);
      if (login.event === 'provision') {
        stats.events.push({ ...login, idempotency_key: req.headers['idempotency-key'] });
        if (behaviour.provision_status) return send(res, behaviour.provision_status, {});
        const key = req.headers['idempotency-key'];
        if (key && answers.has(key)) {
          stats.replays++;
          return send(res, ...answers.get(key));
        }
        const answer = provision(login);
        if (key) answers.set(key, answer);
        return send(res, ...answer);
      }
      if (login.event !== 'login') {
        stats.events.push(login);
        if (behaviour.event_delay_ms) await new Promise((r) => setTimeout(r, behaviour.event_delay_ms));
        return send(res, behaviour.event_status || 200, {});
      }
      const key = req.headers['idempotency-key'];
      stats.requests.push({ idempotency_key: key, body: login });
      if (stats.requests.length > 50) stats.requests.shift();
      const seen = (stats.keys_by_subject[login.subject] ||= []);
      if (!seen.includes(key)) seen.push(key);
      if (behaviour.force_status) {
        if (behaviour.delay_ms) await new Promise((r) => setTimeout(r, behaviour.delay_ms));
        stats.outcomes.push(behaviour.force_status);
        return send(res, behaviour.force_status, behaviour.force_body || { error: 'staged' });
      }
      // As the README asks: the same key gets the same answer, not a second account. (Like
      // many apps, it remembers the answer when it is done: a call still under way with the
      // same key is not seen; the proxy's lock keeps calls of one person from overlapping.)
      let status, answer;
      if (key && answers.has(key)) {
        [status, answer] = answers.get(key);
        stats.replays++;
      } else {
        [status, answer] = await decide(login);
        if (key) answers.set(key, [status, answer]);
      }
      stats.outcomes.push(status);
      return deliver(res, status, answer);
    });
  })
  .listen(Number(args.port), '127.0.0.1', () => console.log(`hook on ${args.port}`));

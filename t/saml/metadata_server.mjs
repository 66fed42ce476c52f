// The metadata URL of t/saml-metadata-url.t: an HTTPS server whose answer the test steers
// through <dir>/mode.json, read at every request:
//   {"mode": "serve", "file": "/path"}              200 with the file
//   {"mode": "status", "status": 500}               that status, a short body
//   {"mode": "slow", "file": "/path", "delay_ms": N} the file after N ms
//   {"mode": "drop", "file": "/path"}               headers and half the body, then a reset
// Every request is appended to <dir>/requests.log ("<ms since epoch> <mode>").
import fs from 'node:fs';
import https from 'node:https';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, v, i, a) => (i % 2 ? pairs : [...pairs, [a[i].replace(/^--/, ''), a[i + 1]]]), []));
const dir = args.dir;

const server = https.createServer(
  { cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) },
  (req, res) => {
    let m;
    try {
      m = JSON.parse(fs.readFileSync(`${dir}/mode.json`, 'utf8'));
    } catch {
      m = { mode: 'status', status: 503 };
    }
    fs.appendFileSync(`${dir}/requests.log`, `${Date.now()} ${m.mode}\n`);
    const body = m.file ? fs.readFileSync(m.file) : Buffer.from('error\n');
    const headers = { 'Content-Type': 'application/samlmetadata+xml', 'Content-Length': body.length };
    if (m.mode === 'status') {
      res.writeHead(m.status, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
      res.end(body);
    } else if (m.mode === 'slow') {
      setTimeout(() => { res.writeHead(200, headers); res.end(body); }, m.delay_ms);
    } else if (m.mode === 'drop') {
      res.writeHead(200, headers);
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => req.socket.destroy(), 50));
    } else {
      res.writeHead(200, headers);
      res.end(body);
    }
  });
server.listen(Number(args.port), '127.0.0.1');

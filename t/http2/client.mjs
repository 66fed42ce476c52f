// An HTTP/2 client for the tests (Node's standard library only): runs the requests given as
// JSON one after the other on ONE connection (TLS with ALPN "h2", as browsers do), and prints
// a JSON array with each answer. A request with "cancel_after_ms" is reset (RST_STREAM,
// CANCEL) after that long, as a browser does with a tab closed mid-login, and the next
// request goes on the same connection. Header values given as arrays are sent as separate
// fields (cookie "crumbs", RFC 9113 8.2.3).
//
//   node client.mjs '{"url":"https://127.0.0.1:PORT","requests":[{"method":"GET","path":"/"}]}'
import http2 from 'node:http2';

const spec = JSON.parse(process.argv[2]);
const session = http2.connect(spec.url, { rejectUnauthorized: false });
session.on('error', (e) => {
  console.log(JSON.stringify({ error: String(e) }));
  process.exit(1);
});

function run(req) {
  const started = Date.now();
  return new Promise((done) => {
    const resolve = (answer) => done({ ...answer, ms: Date.now() - started });
    const headers = { ':method': req.method || 'GET', ':path': req.path };
    for (const [name, value] of Object.entries(req.headers || {})) headers[name] = value;
    const stream = session.request(headers, { endStream: !req.body });
    const answer = { status: 0, headers: {}, body: '' };
    stream.on('response', (h) => {
      answer.status = h[':status'];
      for (const [name, value] of Object.entries(h)) if (!name.startsWith(':')) answer.headers[name] = value;
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => (answer.body += chunk));
    stream.on('end', () => resolve(answer));
    stream.on('close', () => resolve({ ...answer, reset: stream.rstCode || 0 }));
    stream.on('error', (e) => resolve({ ...answer, error: String(e) }));
    if (req.body) {
      // in pieces, so a large body spans many DATA frames and flow-control windows
      const body = Buffer.from(req.body);
      let at = 0;
      const more = () => {
        while (at < body.length) {
          const piece = body.subarray(at, at + 16384);
          at += piece.length;
          if (!stream.write(piece)) return stream.once('drain', more);
        }
        stream.end();
      };
      more();
    }
    if (req.cancel_after_ms)
      setTimeout(() => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        resolve({ cancelled: true });
      }, req.cancel_after_ms);
  });
}

const answers = [];
for (const req of spec.requests) {
  answers.push(await run(req));
  if (req.pause_ms) await new Promise((r) => setTimeout(r, req.pause_ms));
}
answers.push({ alpn: session.alpnProtocol });
session.close();
console.log(JSON.stringify(answers));

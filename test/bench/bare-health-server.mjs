// The baseline of the start-up bench: a bare node:http server that answers `{}` on every path,
// started the same way as the appliance (node, a port from CARDKIOSK_PORT).
import { createServer } from 'node:http';

const body = '{}';
createServer((_req, res) => {
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}).listen(Number(process.env.CARDKIOSK_PORT), process.env.CARDKIOSK_HOST ?? '127.0.0.1');

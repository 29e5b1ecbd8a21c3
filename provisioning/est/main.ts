/**
 * `tsx provisioning/est/main.ts`: the EST server on its own, on https://127.0.0.1:8444
 * (EST_PORT, EST_HOST), with the central admin workspace in ./central-admin (CENTRAL_ADMIN_DIR).
 */
import { startEstServer } from './est-https-server.js';

const { url, app } = await startEstServer({
  dir: process.env.CENTRAL_ADMIN_DIR ?? 'central-admin',
  host: process.env.EST_HOST ?? '127.0.0.1',
  port: Number(process.env.EST_PORT ?? 8444),
  logger: true,
});
process.stdout.write(`EST server on ${url}/.well-known/est\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

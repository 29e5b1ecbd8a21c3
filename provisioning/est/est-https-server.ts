/**
 * The EST server on its own HTTPS listener, for tests and demos until it is registered in the
 * central test server (provisioning/est/main.ts, `cardkiosk-admin central serve`). A server
 * certificate from the central CA; asks for client certificates (for re-enrollment) without
 * requiring them (a first enrollment has none).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { CentralAdminWorkspace } from '../central-admin/central-admin-workspace.js';
import { estServer } from './est-server.js';

export async function startEstServer(options: {
  dir: string;
  host?: string;
  port?: number;
  deviceCertificateValidityDays?: number;
  clock?: () => Date;
  logger?: boolean;
}): Promise<{ app: FastifyInstance; url: string; workspace: CentralAdminWorkspace }> {
  const workspace = await CentralAdminWorkspace.open(options.dir);
  const host = options.host ?? '127.0.0.1';
  const tls = await workspace.ca.issueServerCertificate({
    dns: ['localhost'],
    ip: host === '0.0.0.0' ? ['127.0.0.1'] : [host],
  });
  const app = Fastify({
    logger: options.logger ?? false,
    https: {
      key: tls.keyPem,
      cert: tls.certPem,
      ca: workspace.ca.certificatePem,
      requestCert: true,
      rejectUnauthorized: false,
    },
  });
  await app.register(estServer, {
    ca: workspace.ca,
    enrollments: workspace.enrollments,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.deviceCertificateValidityDays
      ? { deviceCertificateValidityDays: options.deviceCertificateValidityDays }
      : {}),
  });
  await app.listen({ host, port: options.port ?? 8444 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { app, url: `https://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, workspace };
}

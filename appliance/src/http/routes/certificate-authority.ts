/** The device CA's public face: its CRL (the URL in every card certificate) and its chain. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppServices } from '../app-services.js';

export const certificateAuthorityRoutes: FastifyPluginAsyncTypebox<{
  services: AppServices;
}> = async (app, { services }) => {
  app.get(
    '/ca/crl',
    {
      schema: {
        tags: ['certificate authority'],
        summary: 'The current CRL, DER (application/pkix-crl)',
        response: { 503: Type.Ref('Error') },
      },
    },
    async (_request, reply) => {
      const der = await services.cards.crlDer();
      return reply
        .type('application/pkix-crl')
        .header('cache-control', 'no-cache')
        .send(Buffer.from(der));
    },
  );

  app.get(
    '/ca/crl/delta',
    {
      schema: {
        tags: ['certificate authority'],
        summary:
          'The current delta CRL, DER: changes (new holds and revocations, removeFromCRL for released holds) since its base CRL',
        response: { 503: Type.Ref('Error') },
      },
    },
    async (_request, reply) => {
      const der = await services.cards.deltaCrlDer();
      return reply
        .type('application/pkix-crl')
        .header('cache-control', 'no-cache')
        .send(Buffer.from(der));
    },
  );

  app.get(
    '/ca/chain.pem',
    {
      schema: {
        tags: ['certificate authority'],
        summary: 'The issuing CA certificate and its issuers, PEM',
        response: { 503: Type.Ref('Error') },
      },
    },
    async (_request, reply) =>
      reply.type('application/pem-certificate-chain').send(await services.cards.chainPem()),
  );
};

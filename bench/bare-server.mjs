/* global process, console */
/**
 * The HTTP limit: a bare fastify (the same fastify Proofline uses) in its own process, with
 * a trivial POST, batch POST and GET that parse nothing beyond what fastify parses (the POSTs'
 * JSON bodies) and reply with a fixed body as long as Proofline's receipt / compact batch
 * answer / proof bundle, so the bytes on the wire are the same as Proofline's.
 *
 *   node bench/bare-server.mjs '{"port":8081,"postReplyBytes":1100,"batchReplyBytes":1500000,
 *                                "getReplyBytes":1900}'
 */
import Fastify from 'fastify';

const o = JSON.parse(process.argv[2]);
const filler = (n) => JSON.stringify({ ok: true, pad: 'x'.repeat(Math.max(0, n - 22)) });
const postReply = filler(o.postReplyBytes ?? 1000);
const batchReply = filler(o.batchReplyBytes ?? 1000);
const getReply = filler(o.getReplyBytes ?? 1000);

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.post('/bare', async (request, reply) => {
  if (typeof request.body !== 'object') throw new Error('no body');
  reply.code(201).type('application/json');
  return postReply;
});
app.post('/bare/batch', async (request, reply) => {
  if (!Array.isArray(request.body?.records)) throw new Error('no records');
  // As Proofline answers the bench's batches: the compact answer's media type.
  reply.code(201).type('application/vnd.proofline.batch.v2+json');
  return batchReply;
});
app.get('/bare/:id', async (_request, reply) => {
  reply.type('application/json');
  return getReply;
});
await app.listen({ port: o.port, host: '127.0.0.1' });
console.log(`bare fastify listening on ${o.port}`);
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

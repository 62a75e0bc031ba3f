// The worker thread of parseOffThread (off-thread.ts): parses the manifest texts it is sent, answers once on the
// port it is given, exits.

import { parentPort } from 'node:worker_threads';
import { loadFakeValues, mayGenerate } from './generate-fake.ts';
import { type OffThreadReply, type OffThreadRequest, postReply, toTransfer } from './off-thread.ts';
import { parseManifest } from './parse-manifest.ts';

parentPort?.once('message', async (request: OffThreadRequest) => {
  let reply: OffThreadReply;
  try {
    if (request.sources.some((source) => mayGenerate(source.text))) await loadFakeValues();
    reply = toTransfer(parseManifest(request.sources, { env: request.env }));
  } catch (error) {
    reply = { ok: false, error };
  }
  postReply(request.reply, reply);
  // Nothing else to do: with the port closed the thread exits, and its heap goes before the answer is read.
  request.reply.close();
});

/** Servers and INFO fields for the replication tests. */
import type { TestContext } from 'node:test';
import type { ServerProcess } from './servers.js';
import { RespClient, type Reply } from './resp-client.js';
import { waitUntil } from './util.js';

/** Waits for a server process, connects a client, and stops both when the test ends. */
export async function started(t: TestContext, p: Promise<ServerProcess>): Promise<{ srv: ServerProcess; c: RespClient }> {
  const srv = await p;
  const c = await RespClient.connect(srv.port);
  t.after(async () => {
    c.close();
    await srv.stop();
  });
  return { srv, c };
}

/** One field of an INFO section ('' when absent). */
export async function field(c: RespClient, section: string, name: string): Promise<string> {
  const text = String(await c.call('INFO', section));
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(text);
  return m === null ? '' : m[1].trim();
}

/** Every key of the given dbs with its type, content (sets sorted) and whether it has a TTL, one JSON line a key. */
export async function dataOf(c: RespClient, dbs: readonly number[]): Promise<string> {
  const lines: string[] = [];
  for (const db of dbs) {
    await c.call('SELECT', String(db));
    const keys = ((await c.call('KEYS', '*')) as string[]).sort();
    for (const k of keys) {
      const type = String(await c.call('TYPE', k));
      let v: Reply;
      if (type === 'string') v = await c.call('GET', k);
      else if (type === 'list') v = await c.call('LRANGE', k, '0', '-1');
      else if (type === 'set') v = ((await c.call('SMEMBERS', k)) as string[]).sort();
      else if (type === 'hash') v = await c.call('HGETALL', k);
      else v = await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES');
      const ttl = Number(await c.call('PTTL', k));
      lines.push(JSON.stringify([db, k, type, v, ttl > 0 ? 'ttl' : ttl]));
    }
  }
  await c.call('SELECT', '0');
  return lines.join('\n');
}

/** Waits until `replica` holds what `primary` holds in `dbs`. */
export async function sameData(primary: RespClient, replica: RespClient, dbs: readonly number[]): Promise<void> {
  const want = await dataOf(primary, dbs);
  await waitUntil(async () => (await dataOf(replica, dbs)) === want, 5000, `dbs ${dbs.join(',')} replicated`);
}


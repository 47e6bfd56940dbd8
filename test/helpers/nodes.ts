/** Servers and INFO fields for the replication tests. */
import type { TestContext } from 'node:test';
import type { ServerProcess } from './servers.js';
import { RespClient } from './resp-client.js';

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

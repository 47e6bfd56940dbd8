/**
 * The per-command cost of Concord's own code, without sockets: the request parser, dispatch,
 * the handler and the reply writer, run in process on pipelined batches like redis-benchmark's
 * -P 16. Prints ns per command for a few commands. Usage: node dist/bench/hot-path.js
 */
import { Socket } from 'node:net';
import { Client } from '../src/server/client.js';
import { execute } from '../src/server/dispatch.js';
import { ConcordServer } from '../src/server/server.js';
import { createLogger } from '../src/util/log.js';

const BATCH = 16;
const KEYS = 100_000;
const COMMANDS = 2_000_000;

function encode(argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
}

async function main(): Promise<void> {
  const server = new ConcordServer({ logger: createLogger('warning', '', true) });
  server.config.applyDirective('save', [''], true);
  server.config.applyDirective('port', ['0'], true);
  server.config.applyDirective('dir', ['/tmp/concord-hot-path'], true);
  await server.start();
  const socket = new Socket();
  const client = new Client(1, socket, { bulkBytesMax: 512 * 1024 * 1024, multibulkLenMax: 1 << 22 }, Date.now(), false);
  const key = (i: number): string => `key:${String(i).padStart(12, '0')}`;
  const rows: Array<[string, (i: number) => string[]]> = [
    ['SET', (i) => ['SET', key(i), 'xxx']],
    ['GET', (i) => ['GET', key(i)]],
    ['INCR', (i) => ['INCR', `counter:${i}`]],
    ['HSET', (i) => ['HSET', `myhash`, `element:${i}`, 'xxx']],
    ['LPUSH', () => ['LPUSH', 'mylist', 'xxx']],
    ['SADD', (i) => ['SADD', 'myset', `element:${i}`]],
    ['ZADD', (i) => ['ZADD', 'myzset', String(i), `element:${i}`]],
    // redis-benchmark's mset row: 10 keys per command.
    ['MSET', (i) => ['MSET', ...Array.from({ length: 10 }, (_, j) => [key((i + j * 7919) % KEYS), 'xxx']).flat()]],
  ];
  for (const [name, make] of rows) {
    // Pre-encoded batches with random keys, as redis-benchmark -r sends them.
    const batches: Buffer[] = [];
    for (let b = 0; b < 1000; b++) {
      let text = '';
      for (let j = 0; j < BATCH; j++) text += encode(make(Math.floor(Math.random() * KEYS)));
      batches.push(Buffer.from(text, 'latin1'));
    }
    const run = (n: number): number => {
      const start = performance.now();
      const commands: string[][] = [];
      for (let done = 0, b = 0; done < n; done += BATCH, b++) {
        commands.length = 0;
        client.parser.feed(batches[b % batches.length], commands);
        server.beginBatch();
        for (const argv of commands) execute(server, client, argv);
        server.out.take();
      }
      return ((performance.now() - start) * 1e6) / n;
    };
    run(COMMANDS / 4);
    console.log(`${name.padEnd(6)} ${run(COMMANDS).toFixed(0).padStart(5)} ns/command`);
  }
  await server.close();
}

void main();

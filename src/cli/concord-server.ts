#!/usr/bin/env -S node --max-semi-space-size=32 --initial-old-space-size=64
/** `concord-server`: starts a node from redis-server style flags and/or a config file. */
import { writeFileSync, rmSync } from 'node:fs';
import { ConfigError, findParam } from '../server/config.js';
import { ConcordServer } from '../server/server.js';
import { REDIS_COMPAT_VERSION, VERSION } from '../server/version.js';
import { createLogger } from '../util/log.js';
import { ArgsError, parseCommandLine, USAGE } from './args.js';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof ArgsError) {
      process.stderr.write(`concord-server: ${err.message}\n\n${USAGE}`);
      return 1;
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`Concord server v=${VERSION} redis_compat=${REDIS_COMPAT_VERSION} node=${process.versions.node}\n`);
    return 0;
  }
  const logger = createLogger();
  const server = new ConcordServer({
    logger,
    onShutdown: () => process.exit(0),
  });
  server.configFile = parsed.configFile ?? '';
  for (const d of parsed.directives) {
    const param = findParam(d.name);
    if (param === undefined) {
      process.stderr.write(`concord-server: unknown option '${d.name}' (${d.source})\n`);
      return 1;
    }
    try {
      server.config.applyDirective(d.name, d.args, true);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`concord-server: bad value for '${d.name}' (${d.source}): ${err.message}\n`);
      return 1;
    }
    if (param.compatOnly) logger.log('verbose', `'${d.name}' is accepted for redis.conf compatibility and has no effect in Concord`);
  }
  logger.file = server.config.getString('logfile');
  if (server.config.getBool('daemonize')) logger.log('warning', 'daemonize yes is ignored: run Concord under a supervisor (systemd, docker) instead');
  try {
    await server.start();
  } catch (err) {
    logger.log('warning', `Could not start: ${(err as Error).message}`);
    return 1;
  }
  const pidfile = server.config.getString('pidfile');
  if (pidfile !== '') writeFileSync(pidfile, `${process.pid}\n`);
  const stop = (signal: string): void => {
    logger.log('warning', `Received ${signal} scheduling shutdown...`);
    // As SHUTDOWN with no argument: a final snapshot when save points are configured.
    if (!server.persistence.shutdown(null)) return;
    void server.close().then(() => {
      if (pidfile !== '') rmSync(pidfile, { force: true });
      logger.log('warning', 'Concord is now ready to exit, bye bye...');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`concord-server: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

/** INFO, with Redis's sections and field names (clients and libraries parse them). */
import os from 'node:os';
import type { ConcordServer } from '../server/server.js';
import { REDIS_COMPAT_VERSION, VERSION } from '../server/version.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

const DEFAULT_SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace',
];
const ALL_SECTIONS = [...DEFAULT_SECTIONS.slice(0, -3), 'commandstats', ...DEFAULT_SECTIONS.slice(-3)];

export function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

type Fields = Array<[string, string | number]>;

function serverSection(s: ConcordServer, now: number): Fields {
  const uptime = Math.floor((now - s.startedAtMs) / 1000);
  const hz = s.config.getInt('hz');
  return [
    ['redis_version', REDIS_COMPAT_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', '0'],
    ['redis_mode', 'standalone'],
    ['concord_version', VERSION],
    ['os', `${os.type()} ${os.release()} ${os.arch()}`],
    ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'epoll'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', s.runId],
    ['tcp_port', s.port],
    ['server_time_usec', now * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', Math.floor(now / 1000) & 0xffffff],
    ['executable', process.argv[1] ?? ''],
    ['config_file', s.configFile],
    ['io_threads_active', 0],
  ];
}

function clientsSection(s: ConcordServer): Fields {
  let maxIn = 0;
  let maxOut = 0;
  for (const c of s.clients.values()) {
    maxIn = Math.max(maxIn, c.parser.pendingBytes);
    maxOut = Math.max(maxOut, c.outputBytes);
  }
  return [
    ['connected_clients', s.clients.size],
    ['cluster_connections', 0],
    ['maxclients', s.config.getInt('maxclients')],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', s.blocking.blockedClients],
    ['tracking_clients', 0],
    ['clients_in_timeout_table', 0],
  ];
}

function memorySection(s: ConcordServer): Fields {
  const mem = process.memoryUsage();
  const used = mem.heapUsed + mem.external;
  const peak = Math.max(s.peakMemoryBytes, used);
  const maxmemory = s.config.getInt('maxmemory');
  const total = os.totalmem();
  return [
    ['used_memory', used],
    ['used_memory_human', humanBytes(used)],
    ['used_memory_rss', mem.rss],
    ['used_memory_rss_human', humanBytes(mem.rss)],
    ['used_memory_peak', peak],
    ['used_memory_peak_human', humanBytes(peak)],
    ['used_memory_peak_perc', `${((used / peak) * 100).toFixed(2)}%`],
    ['used_memory_overhead', 0],
    ['used_memory_startup', 0],
    ['used_memory_dataset', used],
    ['used_memory_dataset_perc', '100.00%'],
    ['total_system_memory', total],
    ['total_system_memory_human', humanBytes(total)],
    ['used_memory_lua', 0],
    ['used_memory_scripts', 0],
    ['maxmemory', maxmemory],
    ['maxmemory_human', humanBytes(maxmemory)],
    ['maxmemory_policy', s.config.getString('maxmemory-policy')],
    ['mem_fragmentation_ratio', (mem.rss / Math.max(1, used)).toFixed(2)],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['lazyfree_pending_objects', 0],
  ];
}

function persistenceSection(s: ConcordServer): Fields {
  return s.persistence.infoFields();
}

function statsSection(s: ConcordServer): Fields {
  const st = s.stats;
  const ks = s.keyspace.stats;
  return [
    ['total_connections_received', st.connectionsReceived],
    ['total_commands_processed', st.commandsProcessed],
    ['instantaneous_ops_per_sec', st.instantaneousOps],
    ['total_net_input_bytes', st.netInputBytes],
    ['total_net_output_bytes', st.netOutputBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', s.replication.primary.outputBytes],
    ['rejected_connections', st.rejectedConnections],
    ['sync_full', s.replication.primary.syncFull],
    ['sync_partial_ok', s.replication.primary.syncPartialOk],
    ['sync_partial_err', s.replication.primary.syncPartialErr],
    ['expired_keys', ks.expiredKeys],
    ['evicted_keys', 0],
    ['evicted_clients', 0],
    ['keyspace_hits', ks.hits],
    ['keyspace_misses', ks.misses],
    ['pubsub_channels', s.pubsub.channelCount],
    ['pubsub_patterns', s.pubsub.patternCount],
    ['pubsubshard_channels', s.pubsub.shardChannelCount],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['total_error_replies', st.errorReplies],
    ['client_query_buffer_limit_disconnections', st.clientQueryBufferLimitDisconnections],
    ['client_output_buffer_limit_disconnections', st.clientOutputBufferLimitDisconnections],
  ];
}

function replicationSection(s: ConcordServer): Fields {
  const now = s.clock.now();
  if (s.follower !== null) return [['role', 'slave'], ...s.follower.infoFields(now), ...s.replication.primary.infoFields(now)];
  return [['role', 'master'], ...s.replication.primary.infoFields(now)];
}

function cpuSection(): Fields {
  const u = process.resourceUsage();
  const sys = (u.systemCPUTime / 1e6).toFixed(6);
  const user = (u.userCPUTime / 1e6).toFixed(6);
  return [
    ['used_cpu_sys', sys],
    ['used_cpu_user', user],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', sys],
    ['used_cpu_user_main_thread', user],
  ];
}

function keyspaceSection(s: ConcordServer, now: number): Fields {
  const out: Fields = [];
  for (const db of s.keyspace.dbs) {
    if (db.size === 0) continue;
    let ttlSum = 0;
    let ttlCount = 0;
    // A sample is enough for avg_ttl, as Redis estimates it too.
    for (const at of db.expires.values()) {
      if (at > now) {
        ttlSum += at - now;
        ttlCount++;
      }
      if (ttlCount >= 128) break;
    }
    const avg = ttlCount === 0 ? 0 : Math.floor(ttlSum / ttlCount);
    out.push([`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${avg}`]);
  }
  return out;
}

function commandstatsSection(s: ConcordServer): Fields {
  const out: Fields = [];
  for (const [name, st] of s.stats.commands) {
    if (st.calls === 0 && st.rejectedCalls === 0 && st.failedCalls === 0) continue;
    const per = st.calls === 0 ? 0 : st.usec / st.calls;
    out.push([`cmdstat_${name}`, `calls=${st.calls},usec=${st.usec},usec_per_call=${per.toFixed(2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`]);
  }
  return out;
}

function errorstatsSection(s: ConcordServer): Fields {
  return [...s.stats.errors].map(([code, n]) => [`errorstat_${code}`, `count=${n}`]);
}

const TITLES: Record<string, string> = {
  server: 'Server', clients: 'Clients', memory: 'Memory', persistence: 'Persistence', stats: 'Stats',
  replication: 'Replication', cpu: 'CPU', modules: 'Modules', errorstats: 'Errorstats', cluster: 'Cluster',
  keyspace: 'Keyspace', commandstats: 'Commandstats',
};

export function infoText(s: ConcordServer, now: number, requested: readonly string[]): string {
  let sections: string[];
  const lower = requested.map((r) => r.toLowerCase());
  if (lower.length === 0 || lower.includes('default')) sections = DEFAULT_SECTIONS;
  else if (lower.includes('all') || lower.includes('everything')) sections = ALL_SECTIONS;
  else sections = ALL_SECTIONS.filter((name) => lower.includes(name));
  const parts: string[] = [];
  for (const name of sections) {
    let fields: Fields;
    switch (name) {
      case 'server': fields = serverSection(s, now); break;
      case 'clients': fields = clientsSection(s); break;
      case 'memory': fields = memorySection(s); break;
      case 'persistence': fields = persistenceSection(s); break;
      case 'stats': fields = statsSection(s); break;
      case 'replication': fields = replicationSection(s); break;
      case 'cpu': fields = cpuSection(); break;
      case 'cluster': fields = [['cluster_enabled', 0]]; break;
      case 'keyspace': fields = keyspaceSection(s, now); break;
      case 'commandstats': fields = commandstatsSection(s); break;
      case 'errorstats': fields = errorstatsSection(s); break;
      default: fields = [];
    }
    parts.push(`# ${TITLES[name]}\r\n${fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`);
  }
  return parts.join('\r\n');
}

function info(ctx: Ctx, argv: string[]): void {
  ctx.out.verbatim(infoText(ctx.server, ctx.now, argv.slice(1)));
}

export const infoCommands: CommandSpec[] = [
  cmd('info', -1, ['loading', 'stale'], [0, 0, 0], ['slow', 'dangerous'],
    { group: 'server', since: '1.0.0', summary: 'Returns information and statistics about the server.', complexity: 'O(1)', syntax: '[section [section ...]]' }, info),
];

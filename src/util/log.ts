/** Log lines in Redis's format (`pid:role dd Mon yyyy hh:mm:ss.mmm <level> message`). */
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';
const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#', nothing: '' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface Logger {
  level: LogLevel;
  /** Empty: standard output. */
  file: string;
  /** Silences everything (embedded use in tests). */
  quiet: boolean;
  log(level: LogLevel, message: string): void;
}

export function createLogger(level: LogLevel = 'notice', file = '', quiet = false): Logger {
  return {
    level,
    file,
    quiet,
    log(lvl: LogLevel, message: string): void {
      if (this.quiet || RANK[lvl] < RANK[this.level]) return;
      const d = new Date();
      const p2 = (n: number) => String(n).padStart(2, '0');
      const stamp = `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
      const line = `${process.pid}:M ${stamp} ${MARK[lvl]} ${message}\n`;
      if (this.file === '') process.stdout.write(line);
      else appendFileSync(this.file, line);
    },
  };
}

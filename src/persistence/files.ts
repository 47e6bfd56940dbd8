/** Small file helpers shared by the persistence code. */
import { statSync, unlinkSync } from 'node:fs';

/** Removes a file if it exists (history files, stale temp files). */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}

/** A file's size in bytes, 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

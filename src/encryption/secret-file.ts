/**
 * Secrets of the embedded default (the keyring, the Web UI's codec token) kept in the data
 * directory: created once, readable by their owner only, and written whole or not at all,
 * since a half-written keyring would lose every run sealed with it.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The file's text; when it does not exist, `create()`'s, written first. Two processes racing get the same secret. */
export function readOrCreateSecret(file: string, create: () => string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  writeSecret(file, create(), 'wx');
  return fs.readFileSync(file, 'utf8');
}

/** Replaces the file (mode 0600) via a temporary file and a rename. `wx`: keep an existing file instead. */
export function writeSecret(file: string, text: string, mode: 'w' | 'wx' = 'w'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  if (mode === 'wx') {
    try {
      fs.linkSync(tmp, file); // fails if another process created it first: theirs wins
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.unlinkSync(tmp);
    }
    return;
  }
  fs.renameSync(tmp, file);
}

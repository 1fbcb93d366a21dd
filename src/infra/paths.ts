import path from 'node:path';

/** Project root (holds package.json), whether running from src/ via jest or from dist/. */
export const PROJECT_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

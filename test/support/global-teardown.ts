import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__durableAgentsTest as
    | { server: { shutdown(): Promise<void> }; database: { stop(): Promise<void> }; dir: string }
    | undefined;
  if (!state) return;
  await state.server.shutdown();
  await state.database.stop();
  fs.rmSync(state.dir, { recursive: true, force: true });
}

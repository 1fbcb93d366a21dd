/**
 * `durable-agents codec-server`: the codec routes alone, for a Web UI (or `temporal
 * --codec-endpoint`) in front of a cluster of one's own. It needs the keys and its token,
 * not Temporal or Postgres.
 */
import type { Config } from '../infra/config';
import { ConfigError } from '../infra/config';
import { serviceApp } from '../service/app';
import { codecRouteOptions } from '../service/codec-settings';
import { listen } from '../service/listen';
import { keyringFromConfig } from '../encryption/data-converter';

type Out = (line: string) => void;

export async function codecServerCommand(config: Config, out: Out): Promise<number> {
  const keyring = keyringFromConfig(config);
  if (!keyring) throw new ConfigError('DURABLE_AGENTS_ENCRYPTION=off: payloads are not encrypted, so there is nothing for a codec server to decode');
  const routes = codecRouteOptions(config, keyring);
  const server = await listen(serviceApp({ codec: routes }), config.DURABLE_AGENTS_PORT, config.DURABLE_AGENTS_HOST);
  out(`codec server: ${server.url}/codec   (keys: ${[...keyring.keys.keys()].join(', ')}; current ${keyring.current})`);
  out(`Web UI origins allowed: ${routes.uiOrigins.join(', ')}`);
  out('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => resolve());
  });
  await server.close();
  return 0;
}

/** Temporal connection settings shared by the client and the worker. */
import fs from 'node:fs';
import type { Config } from './config';

export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer } | boolean;
}

export function temporalConnectionOptions(config: Config, address = config.TEMPORAL_ADDRESS ?? `localhost:${config.TEMPORAL_PORT}`): TemporalConnectionOptions {
  const read = (p: string, name: string): Buffer => {
    try {
      return fs.readFileSync(p);
    } catch {
      throw new Error(`${name}=${p} cannot be read`);
    }
  };
  const mtls = config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
    ? { crt: read(config.TEMPORAL_TLS_CERT_PATH, 'TEMPORAL_TLS_CERT_PATH'), key: read(config.TEMPORAL_TLS_KEY_PATH, 'TEMPORAL_TLS_KEY_PATH') }
    : undefined;
  const ca = config.TEMPORAL_TLS_CA_PATH ? read(config.TEMPORAL_TLS_CA_PATH, 'TEMPORAL_TLS_CA_PATH') : undefined;
  const tls = mtls || ca ? { ...(mtls ? { clientCertPair: mtls } : {}), ...(ca ? { serverRootCACertificate: ca } : {}) } : config.TEMPORAL_API_KEY ? true : undefined;
  return { address, ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}), ...(tls ? { tls } : {}) };
}

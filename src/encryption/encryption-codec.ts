/**
 * Seals every payload the SDK writes to Temporal (workflow and activity inputs and results,
 * update arguments, queries, memo, summaries, encoded failures) with AES-256-GCM: a fresh
 * 12-byte IV per payload, the key id in the payload's metadata, and the namespace bound as
 * associated data, so a payload copied into another namespace does not open.
 *
 * A payload this keyring cannot open is not an exception here: it becomes an
 * `binary/undecryptable` payload that names the key id, and the payload converter turns
 * it into a failure where the SDK reads it (see payload-converter.ts). A worker that threw
 * from the codec would fail the workflow task over and over instead.
 */
import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Keyring } from './keyring';
import { ENCODING_ENCRYPTED, ENCODING_UNDECRYPTABLE, META_KEY_ID, META_REASON } from './payload-metadata';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keyring: Keyring,
    private readonly namespace: string,
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keyring.current;
    const key = this.keyring.keys.get(id)!;
    return payloads.map((p) => {
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv(CIPHER, key, iv);
      cipher.setAAD(this.aad(id));
      const sealed = Buffer.concat([cipher.update(temporal.api.common.v1.Payload.encode(p).finish()), cipher.final()]);
      return {
        metadata: { encoding: encoder.encode(ENCODING_ENCRYPTED), [META_KEY_ID]: encoder.encode(id) },
        data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (metadataText(p, 'encoding') === ENCODING_ENCRYPTED ? this.open(p) : p));
  }

  private open(p: Payload): Payload {
    const id = metadataText(p, META_KEY_ID) ?? '';
    const key = this.keyring.keys.get(id);
    if (!key) return undecryptable(p, id, 'missing-key');
    const data = Buffer.from(p.data ?? new Uint8Array());
    try {
      const decipher = crypto.createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
      decipher.setAAD(this.aad(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    } catch {
      // A wrong namespace, a changed byte or a truncated payload: GCM's tag does not match.
      return undecryptable(p, id, 'not-authentic');
    }
  }

  private aad(keyId: string): Buffer {
    return Buffer.from(`durable-agents/v1\0${this.namespace}\0${keyId}`);
  }
}

function metadataText(p: Payload, key: string): string | undefined {
  const v = p.metadata?.[key];
  return v ? decoder.decode(v) : undefined;
}

function undecryptable(p: Payload, keyId: string, reason: 'missing-key' | 'not-authentic'): Payload {
  return {
    metadata: { encoding: encoder.encode(ENCODING_UNDECRYPTABLE), [META_KEY_ID]: encoder.encode(keyId), [META_REASON]: encoder.encode(reason) },
    data: p.data ?? new Uint8Array(),
  };
}

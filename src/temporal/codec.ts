/**
 * Temporal payload encryption: an AES-256-GCM PayloadCodec used by the worker and every client, so
 * workflow inputs and activity results (failures, file contents of fixes) are stored by the Temporal
 * server — or Temporal Cloud — only as ciphertext. Each encrypted payload names its key id in the
 * metadata; rotation = add a new key, make it current, keep the old ones for decoding.
 *
 * Keys come from TEMPORAL_PAYLOAD_KEYS (JSON: {"<key id>": "<base64 of 32 bytes>", …}, e.g. from a
 * secrets manager) and TEMPORAL_PAYLOAD_KEY_ID (the key new payloads use; default: the last listed).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const te = new TextEncoder();
const td = new TextDecoder();

/** The key ring of the codec: every key that may decode, and the id of the one that encodes. */
export interface PayloadKeys {
  keys: Map<string, Buffer>;
  currentKeyId: string;
}

/** Parses TEMPORAL_PAYLOAD_KEYS / TEMPORAL_PAYLOAD_KEY_ID; throws naming the variable on bad input. */
export function parsePayloadKeys(json: string, currentKeyId?: string): PayloadKeys {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('TEMPORAL_PAYLOAD_KEYS: expected a JSON object {"<key id>": "<base64 of 32 bytes>"}');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('TEMPORAL_PAYLOAD_KEYS: expected a JSON object {"<key id>": "<base64 of 32 bytes>"}');
  const keys = new Map<string, Buffer>();
  for (const [id, v] of Object.entries(raw as Record<string, unknown>)) {
    const key = typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
    if (!/^[\w.-]{1,64}$/.test(id))
      throw new Error(`TEMPORAL_PAYLOAD_KEYS: invalid key id ${JSON.stringify(id)}`);
    if (key.length !== 32)
      throw new Error(`TEMPORAL_PAYLOAD_KEYS: key "${id}" must be 32 bytes, base64-encoded (AES-256)`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new Error('TEMPORAL_PAYLOAD_KEYS: no key given');
  const current = currentKeyId || [...keys.keys()].at(-1)!;
  if (!keys.has(current))
    throw new Error(`TEMPORAL_PAYLOAD_KEY_ID: "${current}" is not a key id of TEMPORAL_PAYLOAD_KEYS`);
  return { keys, currentKeyId: current };
}

/** AES-256-GCM codec: the whole serialised payload (metadata + data) is encrypted. */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly ring: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const key = this.ring.keys.get(this.ring.currentKeyId)!;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(this.ring.currentKeyId));
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return {
        metadata: {
          encoding: te.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: te.encode(this.ring.currentKeyId),
        },
        data: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const enc = p.metadata?.encoding ? td.decode(p.metadata.encoding) : '';
      if (enc !== ENCRYPTED_ENCODING) return p; // written before encryption was enabled
      const id = p.metadata?.[KEY_ID_METADATA] ? td.decode(p.metadata[KEY_ID_METADATA]) : '';
      const key = this.ring.keys.get(id);
      if (!key)
        throw new Error(`payload encrypted with unknown key id "${id}" (add it to TEMPORAL_PAYLOAD_KEYS)`);
      const data = Buffer.from(p.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/** The data converter for workers and clients: encrypted when keys are configured, else the default. */
export function dataConverterFor(c: {
  TEMPORAL_PAYLOAD_KEYS?: string;
  TEMPORAL_PAYLOAD_KEY_ID?: string;
}): { payloadCodecs: PayloadCodec[] } | undefined {
  if (!c.TEMPORAL_PAYLOAD_KEYS) return undefined;
  return {
    payloadCodecs: [
      new AesGcmPayloadCodec(parsePayloadKeys(c.TEMPORAL_PAYLOAD_KEYS, c.TEMPORAL_PAYLOAD_KEY_ID)),
    ],
  };
}

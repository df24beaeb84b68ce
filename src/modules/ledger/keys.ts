import { sign as nodeSign } from 'node:crypto';
import type { Db } from '../../db.ts';
import { logKeys } from '../../../db/schema/index.ts';
import { keyId, verifierKey } from '../../domain/ledger/note.ts';
import type { Keyring } from '../../keys.ts';

/** The deployment's log signer: a key name, the raw public key, and a signing callback. */
export interface LogSigner {
  name: string;
  publicKey: Uint8Array;
  vkey: string;
  keyIdHex: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

const signers = new WeakMap<Keyring, LogSigner>();

/** Key names identify the log operator: `<public host>/linli`. */
export function logSigner(keys: Keyring, publicUrl: string): LogSigner {
  const cached = signers.get(keys);
  if (cached && cached.name === `${new URL(publicUrl).host}/linli`) return cached;
  const made = makeSigner(keys, publicUrl);
  signers.set(keys, made);
  return made;
}

function makeSigner(keys: Keyring, publicUrl: string): LogSigner {
  const name = `${new URL(publicUrl).host}/linli`;
  const jwk = keys.publicKey.export({ format: 'jwk' }) as { x: string };
  const publicKey = new Uint8Array(Buffer.from(jwk.x, 'base64url'));
  return {
    name,
    publicKey,
    vkey: verifierKey(name, publicKey),
    keyIdHex: Buffer.from(keyId(name, publicKey)).toString('hex'),
    sign: async (message) => new Uint8Array(nodeSign(null, message, keys.privateKey)),
  };
}

/**
 * Records the signer's verifier key once. A new key (rotation) adds a row; old rows stay so that
 * every checkpoint ever signed can still be verified, and the table is the rotation log.
 */
export async function registerLogKey(db: Db, signer: LogSigner): Promise<void> {
  await db.insert(logKeys).values({ keyId: signer.keyIdHex, name: signer.name, vkey: signer.vkey }).onConflictDoNothing();
}

export async function allVerifierKeys(db: Db): Promise<string[]> {
  return (await db.select({ vkey: logKeys.vkey }).from(logKeys).orderBy(logKeys.createdAt)).map((r) => r.vkey);
}

import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The deployment's secrets: the Ed25519 key that signs tokens (and, later, ledger checkpoints) and
 * the pepper for keyed hashes of phone and certificate numbers. All nodes of one deployment must
 * share them (env), a single node may keep them in files under LINLI_DATA_DIR/keys.
 */
export class Keyring {
  constructor(
    readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
    private readonly pepper: Uint8Array,
  ) {}

  /** HMAC-SHA256 of a personal number; `kind` separates domains so a phone hash never equals a certificate hash. */
  hash(kind: 'phone' | 'certificate' | 'proxy-holder' | 'opt-out' | 'staff' | 'rate-limit', value: string): string {
    return bytesToHex(hmac(sha256, this.pepper, utf8ToBytes(`${kind}:${value}`)));
  }

  /** AES-256-GCM with a key derived from the pepper: for phone numbers the sender must be able to use. */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): string | null {
    try {
      const raw = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey(), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  private sealKey(): Buffer {
    return Buffer.from(hkdfSync('sha256', this.pepper, new Uint8Array(0), 'linli phone seal v1', 32));
  }

  static generate(): Keyring {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return new Keyring(privateKey, publicKey, randomBytes(32));
  }
}

/** SHA-256 hex of a code or file; used where no secret is needed (codes are high-entropy). */
export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

/** Loads keys from env values, else from files in `dataDir/keys`, creating them on first start. */
export function loadKeyring(opts: { dataDir: string; signingKey?: string; secret?: string }): Keyring {
  const dir = path.join(opts.dataDir, 'keys');
  let privateKey: KeyObject;
  if (opts.signingKey) {
    privateKey = createPrivateKey({ key: Buffer.from(opts.signingKey, 'base64'), format: 'der', type: 'pkcs8' });
  } else {
    const file = path.join(dir, 'signing-ed25519.pem');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const { privateKey: fresh } = generateKeyPairSync('ed25519');
      writeFileSync(file, fresh.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    }
    privateKey = createPrivateKey(readFileSync(file));
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('LINLI_SIGNING_KEY must be an Ed25519 key');
  let pepper: Uint8Array;
  if (opts.secret) {
    pepper = utf8ToBytes(opts.secret);
  } else {
    const file = path.join(dir, 'secret');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    pepper = utf8ToBytes(readFileSync(file, 'utf8').trim());
  }
  return new Keyring(privateKey, createPublicKey(privateKey), pepper);
}

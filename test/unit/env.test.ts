import { describe, expect, it } from 'vitest';
import { ConfigError, readEnv } from '../../src/env.ts';

describe('configuration', () => {
  it('has sensible defaults', () => {
    const env = readEnv({});
    expect(env).toMatchObject({ PORT: 3000, LINLI_DATA_DIR: './data', publicUrl: 'http://localhost:3000' });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('takes a PostgreSQL URL and a public URL without trailing slash', () => {
    const env = readEnv({ DATABASE_URL: 'postgres://u@h:5432/db', LINLI_PUBLIC_URL: 'https://vote.example.cn/', PORT: '8080' });
    expect(env.DATABASE_URL).toBe('postgres://u@h:5432/db');
    expect(env.publicUrl).toBe('https://vote.example.cn');
    expect(env.PORT).toBe(8080);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LINLI_PUBLIC_URL: 'not a url' }, 'LINLI_PUBLIC_URL'],
    [{ LINLI_LOG_LEVEL: 'loud' }, 'LINLI_LOG_LEVEL'],
    [{ LINLI_SECRET: 'short' }, 'LINLI_SECRET'],
    [{ LINLI_TRUST_PROXY: 'true' }, 'LINLI_TRUST_PROXY'],
    [{ LINLI_TRUST_PROXY: '11' }, 'LINLI_TRUST_PROXY'],
    [{ LINLI_TRUST_PROXY: '10.0.0.1, proxy.local' }, 'LINLI_TRUST_PROXY'],
  ])('fails fast on %o naming the variable', (source, name) => {
    expect(() => readEnv(source)).toThrow(ConfigError);
    expect(() => readEnv(source)).toThrow(new RegExp(`${name}: `));
  });

  it('treats empty strings as unset', () => {
    expect(readEnv({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('reads LINLI_TRUST_PROXY as off, a count of hops, or a list of proxy addresses', () => {
    expect(readEnv({}).trustProxy).toEqual({ kind: 'none' });
    expect(readEnv({ LINLI_TRUST_PROXY: '0' }).trustProxy).toEqual({ kind: 'none' });
    expect(readEnv({ LINLI_TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(readEnv({ LINLI_TRUST_PROXY: '10.0.0.7, ::1' }).trustProxy).toEqual({ kind: 'addresses', addresses: ['10.0.0.7', '::1'] });
  });
});

import { and, eq } from 'drizzle-orm';
import { persons } from '../../db/schema/index.ts';
import type { Db } from '../../src/db.ts';
import { bindPerson } from '../../src/modules/auth/service.ts';
import { makeUser, type TestContext } from './app.ts';

/** Factory: an owner account bound to register person `ref` of an estate. */
export async function bindOwner(ctx: TestContext, estateId: string, ref: string, via: 'invite' | 'phone' | 'certificate' = 'phone') {
  const user = await makeUser(ctx, { name: `owner ${ref}`, roles: [{ estateId, role: 'owner' }] });
  const [person] = await ctx.db.select({ id: persons.id }).from(persons).where(and(eq(persons.estateId, estateId), eq(persons.ref, ref)));
  if (!person) throw new Error(`no person ${ref}`);
  // The service's own binding path, so running votes list the new credential as in production.
  await ctx.db.transaction((tx) => bindPerson(tx as unknown as Db, ctx.deps.keys, { personId: person.id, userId: user.id, via, now: ctx.deps.now?.() ?? new Date() }));
  return user;
}

/** A fixed clock the test moves by hand. */
export function clock(ctx: TestContext, start: string) {
  let t = new Date(start).getTime();
  ctx.deps.now = () => new Date(t);
  return {
    set(iso: string) {
      t = new Date(iso).getTime();
    },
    get now() {
      return new Date(t);
    },
  };
}

export const PAINT_MATTER = {
  title: '外墙涂料颜色 Exterior paint colour',
  category: '7',
  kind: 'options',
  options: [
    { key: 'A', name: '暖米色 Warm beige', colorHex: '#D8C3A5', colorCode: 'NCS S 1015-Y20R' },
    { key: 'B', name: '浅灰 Light grey', colorHex: '#BFC5C9', colorCode: 'NCS S 2002-B' },
    { key: 'C', name: '砖红 Brick red', colorHex: '#A4493D', colorCode: 'NCS S 4040-Y80R' },
  ],
};

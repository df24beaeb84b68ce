import { and, eq } from 'drizzle-orm';
import { persons } from '../../db/schema/index.ts';
import { makeUser, type TestContext } from './app.ts';

/** Factory: an owner account bound to register person `ref` of an estate. */
export async function bindOwner(ctx: TestContext, estateId: string, ref: string) {
  const user = await makeUser(ctx, { name: `owner ${ref}`, roles: [{ estateId, role: 'owner' }] });
  const updated = await ctx.db.update(persons).set({ userId: user.id }).where(and(eq(persons.estateId, estateId), eq(persons.ref, ref))).returning({ id: persons.id });
  if (!updated.length) throw new Error(`no person ${ref}`);
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

import type { Db, DbKind } from '../db.ts';
import type { Env } from '../env.ts';
import type { Keyring } from '../keys.ts';
import type { Logger } from '../logger.ts';
import type { Sender } from '../sender.ts';
import type { EstateRole } from '../modules/auth/roles.ts';
import type { DomainEvents } from '../realtime/events.ts';

/** Everything a request handler may use, injected once into createApp. */
export interface Deps {
  db: Db;
  dbKind: DbKind;
  env: Env;
  keys: Keyring;
  sender: Sender;
  logger: Logger;
  now?: () => Date;
  /** After-commit announcements (realtime pushes); optional in tests. */
  events?: DomainEvents;
}

export interface Principal {
  userId: string;
  isAdmin: boolean;
  jti: string;
  /** Filled lazily by the guard for the estate of the route. */
  roles?: EstateRole[];
}

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: Deps;
    principal: Principal | null;
  };
};

/**
 * Socket.IO event maps shared by the server and the web client (`noun:verb` names). Acks are shaped
 * like HTTP answers: `{ ok: true, data }` or `{ ok: false, error: { code, message, messageZh } }`.
 */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; messageZh?: string } };

export interface TurnoutPush {
  voteId: string;
  phase: string;
  turnout: {
    total: { parties: number; areaCents: number } | null;
    matters: {
      matter: string;
      parties: number;
      areaCents: number;
      buildings: { building: string; parties: number; areaCents: number; totalParties: number; totalAreaCents: number }[];
    }[];
  };
}

/** What every participant of a council session sees (names resolved; presence across nodes). */
export interface SessionPush {
  sessionId: string;
  title: string;
  status: string;
  state: import('../domain/deliberation/session.ts').SessionState;
  people: Record<string, string>;
  presence: { present: string[]; membersPresent: number; members: number; quorum: boolean };
  me?: { userId: string; role: 'chair' | 'member' | 'observer' };
  /** Server time, so clients run timers against the server's clock. */
  serverTime: string;
}

export interface ServerToClientEvents {
  /** The whole state of a council session, after every change. */
  'session:state': (push: SessionPush) => void;
  /** Aggregate turnout of a vote, coalesced to about once a second. Never yes/no before close. */
  'vote:turnout': (push: TurnoutPush) => void;
}

export interface ClientToServerEvents {
  'session:join': (payload: { estateId: string; sessionId: string }, ack: (res: Ack<SessionPush>) => void) => void;
  'session:leave': (payload: { sessionId: string }, ack?: (res: Ack<null>) => void) => void;
  'session:act': (payload: { sessionId: string; action: import('../domain/deliberation/session.ts').Action }, ack: (res: Ack<SessionPush>) => void) => void;
  'vote:watch': (payload: { estateId: string; voteId: string }, ack: (res: Ack<TurnoutPush>) => void) => void;
  'vote:unwatch': (payload: { voteId: string }, ack?: (res: Ack<null>) => void) => void;
}

export interface SocketData {
  userId: string;
  isAdmin: boolean;
  /** The token's session id (its `jti`). */
  jti?: string;
  /** Sessions this socket joined: sessionId → estateId. */
  sessions?: Record<string, string>;
}

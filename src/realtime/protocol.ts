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

export interface ServerToClientEvents {
  /** Aggregate turnout of a vote, coalesced to about once a second. Never yes/no before close. */
  'vote:turnout': (push: TurnoutPush) => void;
}

export interface ClientToServerEvents {
  'vote:watch': (payload: { estateId: string; voteId: string }, ack: (res: Ack<TurnoutPush>) => void) => void;
  'vote:unwatch': (payload: { voteId: string }, ack?: (res: Ack<null>) => void) => void;
}

export interface SocketData {
  userId: string;
  isAdmin: boolean;
}

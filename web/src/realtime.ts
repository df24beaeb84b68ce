import { io, type Socket } from 'socket.io-client';
import type { Action } from '../../src/domain/deliberation/session.ts';
import type { ClientToServerEvents, ServerToClientEvents, SessionPush, TurnoutPush } from '../../src/realtime/protocol.ts';
import { api, ApiError } from './api.ts';
import { bearer } from './session.ts';
import { voteBase, type Turnout } from './votes.ts';

export type LiveStatus = 'connecting' | 'live' | 'polling';

const POLL_MS = 15_000;
/** If the socket has not joined the vote's room by then, start polling meanwhile. */
const CONNECT_GRACE_MS = 6_000;

/**
 * Follows a vote's turnout: Socket.IO pushes (`vote:watch`, then `vote:turnout` about once a second
 * after a change), with polling of the HTTP endpoint every 15 s whenever the socket is not live.
 * Returns a function that stops everything.
 */
export function watchTurnout(
  estateId: string,
  voteId: string,
  onTurnout: (turnout: Turnout, phase: string | null) => void,
  onStatus: (status: LiveStatus) => void = () => {},
): () => void {
  let stopped = false;
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let live = false;

  async function poll() {
    try {
      const t = await api<Turnout>('GET', `${voteBase(estateId, voteId)}/turnout`);
      if (!stopped) onTurnout(t, null);
    } catch {
      /* keep the last figures; the next poll tries again */
    }
  }

  function startPolling() {
    if (stopped || pollTimer) return;
    onStatus('polling');
    pollTimer = setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  // Figures at once from HTTP, whatever the socket does.
  poll();
  onStatus('connecting');

  let socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  try {
    socket = io({ auth: { token: bearer() ?? '' }, transports: ['websocket', 'polling'], reconnectionDelayMax: 10_000 });
  } catch {
    startPolling();
  }
  const grace = setTimeout(() => {
    if (!live) startPolling();
  }, CONNECT_GRACE_MS);

  const apply = (push: TurnoutPush) => {
    if (stopped || push.voteId !== voteId) return;
    onTurnout(push.turnout as Turnout, push.phase);
  };

  socket?.on('connect', () => {
    socket?.emit('vote:watch', { estateId, voteId }, (res) => {
      if (stopped) return;
      if (res.ok) {
        live = true;
        stopPolling();
        onStatus('live');
        apply(res.data);
      } else {
        startPolling();
      }
    });
  });
  socket?.on('vote:turnout', apply);
  socket?.on('disconnect', () => {
    live = false;
    startPolling();
  });
  socket?.on('connect_error', () => {
    live = false;
    startPolling();
  });

  return () => {
    stopped = true;
    clearTimeout(grace);
    stopPolling();
    if (socket) {
      socket.removeAllListeners();
      socket.disconnect();
    }
  };
}

// ---- Council sessions -----------------------------------------------------------------------------

export type SessionLinkStatus = 'connecting' | 'live' | 'refused';

export interface SessionLink {
  /** Sends an action; resolves with the new state (also pushed to everyone else) or throws an ApiError. */
  act(action: Action): Promise<SessionPush>;
  stop(): void;
}

const ACT_TIMEOUT_MS = 10_000;

function ackError(error: { code: string; message: string; messageZh?: string }): ApiError {
  const status = error.code === 'FORBIDDEN' ? 403 : error.code === 'VALIDATION_FAILED' ? 422 : error.code === 'RATE_LIMITED' ? 429 : 409;
  return new ApiError(status, error.code, error.message, error.messageZh, [], undefined);
}

const networkError = () => new ApiError(0, 'NETWORK', 'network error', undefined, [], undefined);

/**
 * Takes part in a council session over Socket.IO: joins the session's room on every (re)connection
 * — the join's answer is the whole state, so a phone that slept or lost the network catches up —,
 * hands every `session:state` push to `onPush`, and sends actions with `act`. `onRefused` receives
 * the reason when the server does not let this person in.
 */
export function joinSession(
  estateId: string,
  sessionId: string,
  onPush: (push: SessionPush) => void,
  onStatus: (status: SessionLinkStatus) => void,
  onRefused: (err: ApiError) => void = () => {},
): SessionLink {
  let stopped = false;
  onStatus('connecting');
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
    auth: { token: bearer() ?? '' },
    transports: ['websocket', 'polling'],
    reconnectionDelayMax: 5_000,
  });

  socket.on('connect', () => {
    socket.emit('session:join', { estateId, sessionId }, (res) => {
      if (stopped) return;
      if (res.ok) {
        onStatus('live');
        onPush(res.data);
      } else {
        onStatus('refused');
        onRefused(ackError(res.error));
      }
    });
  });
  socket.on('session:state', (push) => {
    if (!stopped && push.sessionId === sessionId) onPush(push);
  });
  socket.on('disconnect', (reason) => {
    if (stopped) return;
    onStatus('connecting');
    // The server closed the connection on purpose (e.g. a restart): Socket.IO does not retry by itself.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', () => {
    if (!stopped) onStatus('connecting');
  });

  return {
    async act(action) {
      if (!socket.connected) throw networkError();
      let res;
      try {
        res = await socket.timeout(ACT_TIMEOUT_MS).emitWithAck('session:act', { sessionId, action });
      } catch {
        throw networkError();
      }
      if (!res.ok) throw ackError(res.error);
      return res.data;
    },
    stop() {
      stopped = true;
      if (socket.connected) socket.emit('session:leave', { sessionId });
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}

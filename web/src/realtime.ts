import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, TurnoutPush } from '../../src/realtime/protocol.ts';
import { api } from './api.ts';
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

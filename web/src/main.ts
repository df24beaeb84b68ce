import { createApp } from 'vue';
import './vant.ts';
import './styles.css';
import App from './App.vue';
import { defineRoutes, setGuard, startRouter } from './router.ts';
import { getToken } from './session.ts';
import { langReady } from './i18n.ts';

defineRoutes([
  { name: 'home', path: '/', component: () => import('./pages/Home.vue') },
  { name: 'sign-in', path: '/sign-in', component: () => import('./pages/SignIn.vue'), public: true },
  { name: 'join', path: '/join', component: () => import('./pages/Join.vue'), public: true },
  { name: 'import', path: '/estates/:id/import', component: () => import('./pages/Import.vue') },
  { name: 'buildings', path: '/estates/:id/buildings', component: () => import('./pages/Buildings.vue') },
  { name: 'parts', path: '/estates/:id/parts', component: () => import('./pages/Parts.vue') },
  { name: 'invites', path: '/estates/:id/invites', component: () => import('./pages/Invites.vue') },
  { name: 'votes', path: '/estates/:id/votes', component: () => import('./pages/Votes.vue') },
  // Before `:voteId`, which would otherwise match "new".
  { name: 'vote-new', path: '/estates/:id/votes/new', component: () => import('./pages/VoteNew.vue') },
  { name: 'vote', path: '/estates/:id/votes/:voteId', component: () => import('./pages/Vote.vue') },
  { name: 'vote-result', path: '/estates/:id/votes/:voteId/result', component: () => import('./pages/VoteResult.vue') },
  { name: 'vote-paper', path: '/estates/:id/votes/:voteId/paper', component: () => import('./pages/PaperEntry.vue') },
  { name: 'vote-announcement', path: '/estates/:id/votes/:voteId/announcement', component: () => import('./pages/VoteAnnouncement.vue') },
  { name: 'vote-letters', path: '/estates/:id/votes/:voteId/letters', component: () => import('./pages/VoteLetters.vue') },
  { name: 'vote-proxies', path: '/estates/:id/votes/:voteId/proxies', component: () => import('./pages/VoteProxies.vue') },
  { name: 'vote-count-sheet', path: '/estates/:id/votes/:voteId/count-sheet', component: () => import('./pages/VoteReconciliation.vue') },
  { name: 'vote-outreach', path: '/estates/:id/votes/:voteId/outreach', component: () => import('./pages/Outreach.vue') },
  { name: 'cost-sharing', path: '/estates/:id/cost-sharing', component: () => import('./pages/CostSharing.vue') },
  // The QR code on a ballot letter (表决票), and typing its code by hand; the opt-out link of a reminder text.
  { name: 'letter', path: '/l/:code', component: () => import('./pages/LetterSignIn.vue'), public: true },
  { name: 'letter-code', path: '/l', component: () => import('./pages/LetterSignIn.vue'), public: true },
  { name: 'optout', path: '/optout/:token', component: () => import('./pages/OptOut.vue'), public: true },
  // Checking receipts and ledgers runs in the browser: a saved receipt or an export can be checked
  // without a session (fetching them from the server needs one).
  { name: 'vote-verify', path: '/estates/:id/votes/:voteId/verify', component: () => import('./pages/VerifyBallot.vue'), public: true },
  { name: 'inbox', path: '/inbox', component: () => import('./pages/Inbox.vue') },
  { name: 'proposals', path: '/estates/:id/proposals', component: () => import('./pages/Proposals.vue') },
  // "new" before `:proposalId` / `:consultationId`, which would otherwise match it.
  { name: 'proposal-new', path: '/estates/:id/proposals/new', component: () => import('./pages/ProposalNew.vue') },
  { name: 'proposal', path: '/estates/:id/proposals/:proposalId', component: () => import('./pages/Proposal.vue') },
  { name: 'consultations', path: '/estates/:id/consultations', component: () => import('./pages/Consultations.vue') },
  { name: 'consultation-new', path: '/estates/:id/consultations/new', component: () => import('./pages/ConsultationNew.vue') },
  { name: 'consultation', path: '/estates/:id/consultations/:consultationId', component: () => import('./pages/Consultation.vue') },
  { name: 'opinions', path: '/estates/:id/opinions', component: () => import('./pages/Opinions.vue') },
  { name: 'sessions', path: '/estates/:id/sessions', component: () => import('./pages/Sessions.vue') },
  // "new" before `:sessionId`, which would otherwise match it.
  { name: 'session-new', path: '/estates/:id/sessions/new', component: () => import('./pages/SessionNew.vue') },
  { name: 'session', path: '/estates/:id/sessions/:sessionId', component: () => import('./pages/CouncilRoom.vue') },
  { name: 'session-projector', path: '/estates/:id/sessions/:sessionId/projector', component: () => import('./pages/CouncilProjector.vue') },
  { name: 'session-minutes', path: '/estates/:id/sessions/:sessionId/minutes', component: () => import('./pages/SessionMinutes.vue') },
  { name: 'audit', path: '/audit', component: () => import('./pages/Audit.vue'), public: true },
]);

// Pages other than sign-in need a session; remember where the person wanted to go.
setGuard((to) => {
  if (to.def && !to.def.public && !getToken()) {
    const next = to.path + (to.query.toString() ? `?${to.query}` : '');
    return next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
  }
  return null;
});

startRouter();
// A reader who chose English gets it from the first paint (its messages are a separate file).
void langReady.then(() => createApp(App).mount('#app'));

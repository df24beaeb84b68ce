export * from './auth.ts';
export * from './registry.ts';
export * from './votes.ts';
export * from './consult.ts';
export * from './deliberation.ts';
export * from './credentials.ts';
export * from './deliveries.ts';

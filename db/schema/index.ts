export * from './auth.ts';
export * from './registry.ts';
export * from './votes.ts';

/// <reference types="vite/client" />

// vue-tsc is not installed: .vue files are type-checked by the Vue compiler at build time only,
// and plain .ts files see every component as a generic one.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

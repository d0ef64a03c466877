// Lets the node-side typecheck see .vue single-file components imported by renderer tests.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

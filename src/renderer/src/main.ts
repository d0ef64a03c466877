/** Renderer entry: find the API (preload or browser shim), then mount the app. */
import './lib/no-eval';
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { installApi } from './lib/api';
import './styles.css';

installApi();
createApp(App).use(createPinia()).mount('#app');

import { ref, watch } from 'vue';

/**
 * The "大字" (large type) switch, remembered on this device: a class on <html> that raises the
 * base font size and Vant's font-size variables (styles.css, `html.ll-large`).
 */
const STORAGE_KEY = 'linli.largeType';
const CLASS = 'll-large';

function initial(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) === '1';
  } catch {
    /* storage may be blocked: normal type */
    return false;
  }
}

export const largeType = ref(initial());

function apply(on: boolean) {
  document.documentElement.classList.toggle(CLASS, on);
}
apply(largeType.value);
watch(largeType, (on) => {
  try {
    if (on) localStorage.setItem(STORAGE_KEY, '1');
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    /* ignore */
  }
  apply(on);
});

export function toggleLargeType() {
  largeType.value = !largeType.value;
}

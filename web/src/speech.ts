/**
 * Reading aloud (朗读) with the browser's speech synthesis, for owners who would rather listen than
 * read. Chinese voice (zh-CN) in Chinese, English otherwise; where the browser has no speech
 * synthesis the button is not shown and nothing else changes.
 */
import { lang } from './i18n.ts';

export const canSpeak = (): boolean => typeof window !== 'undefined' && 'speechSynthesis' in window && typeof SpeechSynthesisUtterance !== 'undefined';

/** Reads the lines aloud, one after another, cancelling anything still being read. */
export function speak(lines: string[]): boolean {
  if (!canSpeak()) return false;
  try {
    window.speechSynthesis.cancel();
    for (const text of lines.filter((l) => l.trim())) {
      const u = new SpeechSynthesisUtterance(text);
      u.lang = lang.value === 'zh' ? 'zh-CN' : 'en-GB';
      u.rate = 0.9;
      window.speechSynthesis.speak(u);
    }
    return true;
  } catch {
    return false;
  }
}

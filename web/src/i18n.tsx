import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { MESSAGES, type MessageId } from './messages.js';

/**
 * The console speaks Chinese first (DESIGN: UI language); English when the
 * browser asks for it or the user switches. The choice is kept in the browser.
 */
export type Lang = 'zh' | 'en';

const STORAGE_KEY = 'yinji.lang';

function initialLang(): Lang {
  const kept = localStorage.getItem(STORAGE_KEY);
  if (kept === 'zh' || kept === 'en') return kept;
  return /^en\b/i.test(navigator.language) ? 'en' : 'zh';
}

interface LangContext {
  readonly lang: Lang;
  readonly setLang: (lang: Lang) => void;
  /** The message in the current language, with {name} placeholders filled. */
  readonly t: (id: MessageId, vars?: Readonly<Record<string, string | number>>) => string;
}

const Context = createContext<LangContext | undefined>(undefined);

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
    setLangState(next);
  }, []);
  const t = useCallback(
    (id: MessageId, vars?: Readonly<Record<string, string | number>>) =>
      // An id the console has no text for (a new unit type from a newer center, say) shows as itself.
      (MESSAGES[id]?.[lang] ?? id).replace(/\{(\w+)\}/g, (whole, name: string) => String(vars?.[name] ?? whole)),
    [lang],
  );
  const value = useMemo(() => ({ lang, setLang, t }), [lang, setLang, t]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useLang(): LangContext {
  const value = useContext(Context);
  if (value === undefined) throw new Error('useLang outside LangProvider');
  return value;
}

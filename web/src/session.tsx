import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, type Account } from './api.js';

/** Who is signed in (undefined while asking the center, null for the public). */
interface SessionContext {
  readonly account: Account | null | undefined;
  readonly signIn: (username: string, password: string) => Promise<void>;
  readonly signOut: () => Promise<void>;
}

const Context = createContext<SessionContext | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  useEffect(() => {
    api.session().then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setAccount(s.account);
      },
      // Not signed in (401) is the public's normal state; anything else is shown where it matters.
      (e: unknown) => {
        if (!(e instanceof ApiError) || e.status !== 401) console.warn(e);
        setAccount(null);
      },
    );
  }, []);
  const signIn = useCallback(async (username: string, password: string) => {
    const s = await api.signIn(username, password);
    setCsrfToken(s.csrfToken);
    setAccount(s.account);
  }, []);
  const signOut = useCallback(async () => {
    await api.signOut();
    setCsrfToken(undefined);
    setAccount(null);
  }, []);
  const value = useMemo(() => ({ account, signIn, signOut }), [account, signIn, signOut]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useSession(): SessionContext {
  const value = useContext(Context);
  if (value === undefined) throw new Error('useSession outside SessionProvider');
  return value;
}

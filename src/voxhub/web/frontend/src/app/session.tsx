/** Who is logged in: loaded once from /auth/me, shared by every page through a context. */
import { createContext } from "preact";
import { useCallback, useContext, useEffect, useState } from "preact/hooks";
import { ApiError, call } from "./api/client";
import type { Me } from "./api/types";

export interface Session {
  /** null: anonymous; undefined: still asking the server. */
  me: Me | null | undefined;
  refresh: () => Promise<void>;
  setMe: (me: Me | null) => void;
}

export const SessionContext = createContext<Session>({
  me: undefined,
  refresh: async () => undefined,
  setMe: () => undefined,
});

export function useSessionState(): Session {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      setMe(await call("get", "/api/v1/auth/me"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setMe(null);
      else setMe(null);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { me, refresh, setMe };
}

export function useSession(): Session {
  return useContext(SessionContext);
}

/** Admins and dataset managers of the organization (and superusers) manage its datasets. */
export function isManager(me: Me | null | undefined): boolean {
  return !!me && (me.isSuperuser || me.role === "admin" || me.role === "dataset_manager");
}

export function isAdmin(me: Me | null | undefined): boolean {
  return !!me && (me.isSuperuser || me.role === "admin");
}

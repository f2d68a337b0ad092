"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useState, useTransition } from "react";

/**
 * Table state lives in the URL (shareable, back button works): `update({ q: "x", page: null })` sets or
 * clears search params and navigates; `pending` is true while the server renders the new view.
 */
export function useUrlState() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const update = useCallback(
    (changes: Record<string, string | number | null | undefined>, opts: { replace?: boolean } = {}) => {
      const next = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === undefined || v === "") next.delete(k);
        else next.set(k, String(v));
      }
      const qs = next.toString();
      const url = qs ? `${pathname}?${qs}` : pathname;
      startTransition(() =>
        opts.replace ? router.replace(url, { scroll: false }) : router.push(url, { scroll: false }),
      );
    },
    [params, pathname, router],
  );
  return { params, update, pending };
}

/**
 * A text filter bound to one search param: typing updates the local value at once and the URL (so the
 * server) 300 ms after the last keystroke, resetting the page.
 */
export function useDebouncedParam(name: string, urlValue: string | undefined) {
  const { update, pending } = useUrlState();
  const [value, setValue] = useState(urlValue ?? "");
  useEffect(() => {
    if (value.trim() === (urlValue ?? "")) return;
    const t = setTimeout(() => update({ [name]: value.trim(), page: null }, { replace: true }), 300);
    return () => clearTimeout(t);
  }, [name, value, urlValue, update]);
  return { value, setValue, pending };
}

/**
 * A dialog that a link opens with `?<name>=1` (the overview checklist's `?invite=1`, `?topup=1`): open at once
 * when the param is there, and closing it removes the param (router.replace, the other params kept), so a
 * reload or Back doesn't open it again.
 */
export function useParamDialog(name: string) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [open, setOpenState] = useState(params.get(name) === "1");
  const setOpen = useCallback(
    (next: boolean) => {
      setOpenState(next);
      if (next || !params.has(name)) return;
      const rest = new URLSearchParams(params.toString());
      rest.delete(name);
      const qs = rest.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [name, params, pathname, router],
  );
  return [open, setOpen] as const;
}

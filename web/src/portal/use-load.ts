import { useCallback, useEffect, useRef, useState } from "react";

/**
 * Loads data for a page and again whenever `key` changes (the values the load depends on); `reload` fetches again
 * after a change, keeping the shown data meanwhile.
 */
export function useLoad<T>(load: () => Promise<T>, key: unknown[]) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const latest = useRef(load);
  latest.current = load;
  const keyText = JSON.stringify(key);
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyText stands for the values the load depends on
  const reload = useCallback(async () => {
    try {
      setData(await latest.current());
      setError(undefined);
    } catch (problem) {
      setError(problem instanceof Error ? problem.message : String(problem));
    }
  }, [keyText]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, reload };
}

/**
 * SQLSTATE checks for constraint violations. Drizzle wraps driver errors, putting the driver's error (with its
 * `code`) on `cause`; PGlite and node-postgres both use PostgreSQL's codes.
 */
function sqlState(error: unknown): string | undefined {
  return (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
}

/** 23P01: an exclusion constraint refused the row (an overlapping booking). */
export function isOverlapViolation(error: unknown): boolean {
  return sqlState(error) === "23P01";
}

/** 23505: a unique index refused the row. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}

/** 23503: a foreign key refused the change (e.g. deleting a row others still reference). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === "23503";
}

/**
 * 40P01: PostgreSQL broke a deadlock by failing this transaction. Concurrent inserts that conflict on an exclusion
 * constraint can deadlock each other (each checks the other's index entry and waits for it): the whole transaction
 * may simply be run again, and then meets the winner's committed row as an ordinary conflict.
 */
export function isDeadlock(error: unknown): boolean {
  return sqlState(error) === "40P01";
}

/**
 * Runs a transaction again when PostgreSQL chose it as a deadlock victim (racing bookings of the same hosts: see
 * isDeadlock); the next attempt meets the winner as a plain overlap. A few tries, then the error stands.
 */
export async function retryDeadlocks<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= attempts) throw error;
    }
  }
}

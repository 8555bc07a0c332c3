import type { Database } from "./database.ts";

/**
 * A Drizzle prepared query built once per database handle (the pool, or a transaction while it lasts). With a
 * name, node-postgres has PostgreSQL parse and plan it once per connection; building it once saves Drizzle's own
 * work of turning the query into text on every call. For the queries behind every slots request and booking.
 */
export function preparedPerDatabase<Query>(build: (db: Database) => Query): (db: Database) => Query {
  const built = new WeakMap<Database, Query>();
  return (db) => {
    let query = built.get(db);
    if (query === undefined) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}

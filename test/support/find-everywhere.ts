import type { Store } from "../../src/store/database.ts";

/**
 * Searches every text-like column of every table in every schema (pg-boss's included) for each needle,
 * case-insensitively; returns `schema.table.column: needle` for each hit. Used after erasure: nothing may be left.
 */
export async function findEverywhere(store: Store, needles: string[]): Promise<string[]> {
  const { rows: columns } = await store.executeSql(
    `select c.table_schema, c.table_name, c.column_name, c.data_type
     from information_schema.columns c
     join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where t.table_type = 'BASE TABLE'
       and c.table_schema not in ('pg_catalog', 'information_schema') and c.table_schema not like 'pg\\_%'
       and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')`,
    [],
  );
  const hits: string[] = [];
  for (const column of columns as Array<Record<string, string>>) {
    const name = `"${column.table_schema}"."${column.table_name}"`;
    const value =
      column.data_type === "bytea"
        ? `encode("${column.column_name}", 'escape')`
        : `"${column.column_name}"::text`;
    for (const needle of needles) {
      const { rows } = await store.executeSql(
        `select count(*)::int as n from ${name} where strpos(lower(${value}), lower($1)) > 0`,
        [needle],
      );
      if ((rows[0] as { n: number }).n > 0)
        hits.push(`${column.table_schema}.${column.table_name}.${column.column_name}: ${needle}`);
    }
  }
  return hits;
}

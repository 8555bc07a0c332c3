import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import type { Store } from "./database.ts";
import { sqlExecutorOf } from "./sql-executor-of.ts";

describe.each(backends)("sqlExecutorOf on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    await store.executeSql("create table executor_probe (n int, label text)");
  });
  afterAll(async () => dispose());

  it("binds positional values, repeated ones included, without splicing them into the text", async () => {
    const executor = sqlExecutorOf(store.db);
    const { rows } = await executor.executeSql(
      "select $1::int + $2::int as sum, $1::text as again, $3::text as quote",
      [2, 40, "it's; drop table x"],
    );
    expect(rows).toEqual([{ sum: 42, again: "2", quote: "it's; drop table x" }]);
    // pg-boss passes unset options as undefined: they must stay parameters (NULL), not vanish from the text.
    const unset = await executor.executeSql("select $1::int as a, $2::int as b, $3::int as c", [
      undefined,
      7,
      null,
    ]);
    expect(unset.rows).toEqual([{ a: null, b: 7, c: null }]);
    await expect(executor.executeSql("select $2::int", [1])).rejects.toThrow(/\$2 but 1 values/);
  });

  it("runs inside the transaction it was made from: a rollback takes its writes with it", async () => {
    await store.db
      .transaction(async (tx) => {
        await sqlExecutorOf(tx).executeSql("insert into executor_probe values ($1, $2)", [1, "rolled back"]);
        throw new Error("roll back");
      })
      .catch(() => undefined);
    await store.db.transaction(async (tx) => {
      await sqlExecutorOf(tx).executeSql("insert into executor_probe values ($1, $2)", [2, "kept"]);
    });
    const { rows } = await store.executeSql("select n, label from executor_probe order by n");
    expect(rows).toEqual([{ n: 2, label: "kept" }]);
  });
});

// Child process for the data-dir lock test: tries to open the embedded store in the given folder.
import { openStore } from "../../src/store/database.ts";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: open-store-child <dataDir>");
try {
  const store = await openStore({ dataDir });
  await store.close();
  process.stdout.write("opened\n");
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 3;
}

// Worker threads do not inherit the main thread's tsx hooks (Node 20): the worker registers them itself before it
// loads the TypeScript entry.
import { register } from "tsx/esm/api";

register();
await import("./feed-worker.ts");

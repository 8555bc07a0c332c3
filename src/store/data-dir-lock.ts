import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/**
 * PGlite has no lock between processes: two processes on one data folder both "succeed" and one silently loses its
 * writes. The embedded store therefore owns its folder through a pid lock file, created with O_EXCL so that two
 * starters can't both win. A lock left by a process that no longer exists is taken over.
 */
export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function acquireDataDirLock(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, "calbridge.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      if (Number.isInteger(holder) && holder !== process.pid && processIsAlive(holder)) {
        throw new DataDirLockedError(
          `the data directory ${dataDir} is in use by another Calbridge process (pid ${holder}); ` +
            "stop it, use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL database between processes",
        );
      }
      if (holder === process.pid) {
        throw new DataDirLockedError(`the data directory ${dataDir} is already open in this process`);
      }
      rmSync(lockPath, { force: true }); // stale lock from a process that is gone
    }
  }
  throw new DataDirLockedError(`could not lock the data directory ${dataDir}`);
}

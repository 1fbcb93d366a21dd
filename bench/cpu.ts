/**
 * CPU time of this process and of the Temporal server it started, from /proc (Linux).
 * On a 2-core machine a step is bounded by the CPU the worker and server spend on it, so
 * CPU per step says where the time goes better than wall time alone. Elsewhere these
 * read as undefined and the bench reports no CPU figures.
 */
import fs from 'node:fs';
import { median } from './stats';

const TICK_MS = 10; // USER_HZ is 100 on every mainstream Linux build.

/** user + system CPU (ms) of a process, all threads; undefined when /proc cannot say. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/**
 * The first child of this process whose command line contains `needle`. Every thread
 * is asked: the Temporal SDK spawns the dev server from one of its native threads, and
 * /proc lists a child under the thread that forked it.
 */
export function childPid(needle: string): number | undefined {
  try {
    const tasks = fs.readdirSync(`/proc/${process.pid}/task`);
    const children = tasks.flatMap((tid) => {
      try {
        return fs.readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      } catch {
        return [];
      }
    });
    return children.map(Number).find((pid) => {
      try {
        // Arguments are NUL-separated in /proc.
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(needle);
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}

/** CPU (ms) spent by the bench process (worker, client, in-process loop) and the Temporal server while `fn` runs. */
export async function measureCpu<T>(fn: () => Promise<T>): Promise<{ value: T; workerMs?: number; serverMs?: number }> {
  const server = childPid('server start-dev');
  const w0 = cpuMs(process.pid);
  const s0 = server === undefined ? undefined : cpuMs(server);
  const value = await fn();
  const w1 = cpuMs(process.pid);
  const s1 = server === undefined ? undefined : cpuMs(server);
  return {
    value,
    ...(w0 !== undefined && w1 !== undefined ? { workerMs: w1 - w0 } : {}),
    ...(s0 !== undefined && s1 !== undefined ? { serverMs: s1 - s0 } : {}),
  };
}

/** CPU (ms) per agent step, split by process. */
export interface CpuPerStep {
  /** The bench process: worker (main thread, workflow thread, SDK core) and client. */
  worker_process?: number;
  temporal_server?: number;
}

export function perStep(cpu: { workerMs?: number; serverMs?: number }, steps: number): CpuPerStep {
  return {
    ...(cpu.workerMs !== undefined ? { worker_process: cpu.workerMs / steps } : {}),
    ...(cpu.serverMs !== undefined ? { temporal_server: cpu.serverMs / steps } : {}),
  };
}

export function medianCpu(reps: readonly CpuPerStep[]): CpuPerStep {
  const pick = (k: keyof CpuPerStep): number[] => reps.flatMap((r) => (r[k] === undefined ? [] : [r[k]]));
  const w = pick('worker_process');
  const s = pick('temporal_server');
  return { ...(w.length ? { worker_process: median(w) } : {}), ...(s.length ? { temporal_server: median(s) } : {}) };
}

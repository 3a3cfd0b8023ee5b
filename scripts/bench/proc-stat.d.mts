/** Types of scripts/bench/proc-stat.mjs (plain JavaScript: the worker threads import it too). */
export declare function statCpuSeconds(file: string): number | undefined;

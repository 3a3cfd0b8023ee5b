/** Types of scripts/bootstrap.mjs (plain JavaScript: it runs before TypeScript is installed). */
export declare const repoRoot: string;
export declare function installNeeded(root: string): { command: 'ci' | 'install'; reason: string } | undefined;
export declare function parseArguments(argv: readonly string[]): { nodeOptions: string[]; entry: string; args: string[] };

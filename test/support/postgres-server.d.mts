/** Types of ./postgres-server.mjs (plain JavaScript so that benchmark scripts can use it too). */
export interface RunningPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  stop(): Promise<void>;
}
export const POSTGRES_MISSING_HINT: string;
export function findPostgresBinDir(): string | undefined;
export function startPostgres(): Promise<RunningPostgres>;

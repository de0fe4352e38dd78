/** Types of ./azurite-server.mjs (plain JavaScript so that benchmark scripts can use it too). */
export interface RunningAzurite {
  /** http://127.0.0.1:PORT/devstoreaccount1 */
  accountUrl: string;
  stop(): Promise<void>;
}
export const AZURITE_ACCOUNT: string;
export const AZURITE_KEY: string;
export function startAzurite(): Promise<RunningAzurite>;

/**
 * The sandbox's store: in-memory indexes plus optional durability.
 *
 * Durability (with a data file): every mutation is appended as one JSON line to `<dataFile>.log`
 * and fsynced before the caller answers, so an order and its MS-RequestId record survive a kill
 * right after the 201 goes out. The log is folded into `<dataFile>` (temp file, fsync, rename) on
 * load and on close; a request never rewrites the whole store. Replaying the log is idempotent
 * (upserts by id), so a crash between writing the snapshot and truncating the log loses nothing
 * and duplicates nothing. A torn last line (killed mid-append, before the fsync returned and so
 * before any answer) is ignored.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  ftruncateSync,
} from "node:fs";
import { dirname, basename, join } from "node:path";
import type { NormalizedLineItem } from "./order-request.js";
import type { SandboxAzureSubscription, SandboxPartner } from "./defaults.js";
import { checkDataFolder, readSnapshotFile } from "./data-file.js";
import { lockDataFile } from "./data-lock.js";

export type StoredOrderStatus = "pending" | "completed" | "cancelled";

export interface StoredOrder {
  id: string;
  /** Present for catalog (NCE) orders, where id == alternateId. */
  alternateId?: string;
  partnerTenantId: string;
  customerId: string;
  requestId?: string;
  billingCycle: string;
  currencyCode: string;
  partnerOnRecordAttestationAccepted?: boolean;
  lineItems: NormalizedLineItem[];
  creationDate: string;
  createdAtMs: number;
  /** The order shows in the customer's order list from this time (eventual consistency). */
  visibleAtMs: number;
  /** A pending order reads as completed from this time; evaluated lazily, no timers. */
  provisionAtMs: number;
  status: StoredOrderStatus;
}

export type StoredSubscriptionStatus = "active" | "suspended" | "deleted";

/**
 * A subscription's own state once something changed it (a PATCH or the admin API). Until then a
 * subscription is what its order's line item says (subscriptions.ts); a cancelled order suspends
 * it whatever is stored here.
 */
export interface StoredSubscription {
  id: string;
  partnerTenantId: string;
  customerId: string;
  orderId: string;
  lineItemNumber: number;
  quantity: number;
  status: StoredSubscriptionStatus;
  friendlyName?: string;
}

export interface StoredCustomer {
  id: string;
  companyName: string;
  /** Absent in data files written before customers had a company profile. */
  domain?: string;
  partnerTenantId: string;
  azureSubscriptions: SandboxAzureSubscription[];
  /** Set (true) only for a customer of an indirect reseller; see SandboxCustomer. */
  indirectReseller?: true;
}

export interface RequestRecord {
  partnerTenantId: string;
  requestId: string;
  fingerprint: string;
  status: number;
  body: string;
  orderId?: string;
  expiresAtMs: number;
}

type LogEntry =
  | { t: "partners"; items: SandboxPartner[] }
  | { t: "customers"; items: StoredCustomer[] }
  | { t: "orders"; items: StoredOrder[]; requests?: RequestRecord[] }
  | { t: "requests"; items: RequestRecord[] }
  | { t: "subscriptions"; items: StoredSubscription[]; requests?: RequestRecord[] };

interface Snapshot {
  version: 1;
  partners: SandboxPartner[];
  customers: StoredCustomer[];
  orders: StoredOrder[];
  requests: RequestRecord[];
  /** Absent in data files written before subscriptions could change. */
  subscriptions?: StoredSubscription[];
}

export function createCustomerKey(partnerTenantId: string, customerId: string): string {
  return `${partnerTenantId}|${customerId}`;
}

export class SandboxStore {
  readonly partners = new Map<string, SandboxPartner>();
  readonly customers = new Map<string, StoredCustomer>();
  readonly orders = new Map<string, StoredOrder>();
  /** Orders per partner+customer in creation order: list requests never scan the whole store. */
  readonly ordersByCustomer = new Map<string, StoredOrder[]>();
  readonly requests = new Map<string, RequestRecord>();
  /** Changed subscriptions by lower-case id. */
  readonly subscriptions = new Map<string, StoredSubscription>();
  private logFd: number | undefined;
  private releaseLock: (() => void) | undefined;
  private readonly dataFile: string | undefined;

  constructor(dataFile?: string) {
    this.dataFile = dataFile;
  }

  get logFile(): string | undefined {
    return this.dataFile === undefined ? undefined : `${this.dataFile}.log`;
  }

  /**
   * Takes the data file's lock (data-lock.ts), reads the snapshot and the log, folds them into a
   * fresh snapshot and opens the log for appends. Throws OrderformError for a missing folder, a
   * lock held by another process, or a file that is no sandbox data file (left untouched).
   */
  load(nowMs: number): void {
    if (this.dataFile === undefined) return;
    checkDataFolder(this.dataFile);
    const release = lockDataFile(this.dataFile);
    try {
      this.loadLocked(nowMs);
    } catch (error) {
      release();
      throw error;
    }
    this.releaseLock = release;
  }

  private loadLocked(nowMs: number): void {
    const snapshot = readSnapshotFile(this.dataFile as string) as Partial<Snapshot> | undefined;
    if (snapshot !== undefined) {
      this.applyEntry({ t: "partners", items: snapshot.partners ?? [] });
      this.applyEntry({ t: "customers", items: snapshot.customers ?? [] });
      this.applyEntry({ t: "orders", items: snapshot.orders ?? [] });
      this.applyEntry({ t: "requests", items: snapshot.requests ?? [] });
      this.applyEntry({ t: "subscriptions", items: snapshot.subscriptions ?? [] });
    }
    const logFile = this.logFile as string;
    if (existsSync(logFile)) {
      for (const line of readFileSync(logFile, "utf8").split("\n")) {
        if (line.trim() === "") continue;
        let entry: LogEntry;
        try {
          entry = JSON.parse(line) as LogEntry;
        } catch {
          continue; // a torn final append: it was never fsynced, so it was never answered
        }
        this.applyEntry(entry);
      }
    }
    this.writeSnapshot(nowMs);
    this.logFd = openSync(logFile, "a");
  }

  /** Folds the log into the snapshot, closes the log and releases the lock. */
  close(nowMs: number): void {
    if (this.dataFile === undefined || this.releaseLock === undefined) return;
    try {
      this.writeSnapshot(nowMs);
      if (this.logFd !== undefined) closeSync(this.logFd);
      this.logFd = undefined;
    } finally {
      this.releaseLock();
      this.releaseLock = undefined;
    }
  }

  /** Clears orders and request records, keeps the given registrations; durable at once. */
  reset(partners: SandboxPartner[], customers: StoredCustomer[], nowMs: number): void {
    this.partners.clear();
    this.customers.clear();
    this.orders.clear();
    this.ordersByCustomer.clear();
    this.requests.clear();
    this.subscriptions.clear();
    this.applyEntry({ t: "partners", items: partners });
    this.applyEntry({ t: "customers", items: customers });
    if (this.dataFile !== undefined) this.writeSnapshot(nowMs);
  }

  /** Registrations from options: in memory only (they are re-applied at every start). */
  seedPartners(items: SandboxPartner[]): void {
    this.applyEntry({ t: "partners", items });
  }

  seedCustomers(items: StoredCustomer[]): void {
    this.applyEntry({ t: "customers", items });
  }

  writePartners(items: SandboxPartner[]): void {
    this.append({ t: "partners", items });
  }

  writeCustomers(items: StoredCustomer[]): void {
    this.append({ t: "customers", items });
  }

  writeOrders(items: StoredOrder[], requests?: RequestRecord[]): void {
    this.append(requests === undefined ? { t: "orders", items } : { t: "orders", items, requests });
  }

  writeRequests(items: RequestRecord[]): void {
    this.append({ t: "requests", items });
  }

  /** Changed subscriptions and, for a PATCH with MS-RequestId, its request record: one append. */
  writeSubscriptions(items: StoredSubscription[], requests?: RequestRecord[]): void {
    this.append(
      requests === undefined ? { t: "subscriptions", items } : { t: "subscriptions", items, requests },
    );
  }

  /** Durable first (append + fsync), then visible in memory. */
  private append(entry: LogEntry): void {
    if (this.logFd !== undefined) {
      writeSync(this.logFd, `${JSON.stringify(entry)}\n`);
      fsyncSync(this.logFd);
    }
    this.applyEntry(entry);
  }

  private applyEntry(entry: LogEntry): void {
    switch (entry.t) {
      case "partners":
        for (const p of entry.items) this.partners.set(p.tenantId, p);
        return;
      case "customers":
        for (const c of entry.items) this.customers.set(c.id, c);
        return;
      case "orders":
        for (const o of entry.items) this.upsertOrder(o);
        for (const r of entry.requests ?? [])
          this.requests.set(createCustomerKey(r.partnerTenantId, r.requestId), r);
        return;
      case "requests":
        for (const r of entry.items) this.requests.set(createCustomerKey(r.partnerTenantId, r.requestId), r);
        return;
      case "subscriptions":
        for (const s of entry.items) this.subscriptions.set(s.id, s);
        for (const r of entry.requests ?? [])
          this.requests.set(createCustomerKey(r.partnerTenantId, r.requestId), r);
        return;
      default:
        assertNeverEntry(entry);
    }
  }

  private upsertOrder(order: StoredOrder): void {
    const previous = this.orders.get(order.id);
    this.orders.set(order.id, order);
    const key = createCustomerKey(order.partnerTenantId, order.customerId);
    let list = this.ordersByCustomer.get(key);
    if (list === undefined) {
      list = [];
      this.ordersByCustomer.set(key, list);
    }
    if (previous === undefined) {
      list.push(order);
    } else {
      const index = list.findIndex((o) => o.id === order.id);
      if (index >= 0) list[index] = order;
      else list.push(order);
    }
  }

  private writeSnapshot(nowMs: number): void {
    const file = this.dataFile as string;
    const requests = [...this.requests.values()].filter((r) => r.expiresAtMs > nowMs);
    const snapshot: Snapshot = {
      version: 1,
      partners: [...this.partners.values()],
      customers: [...this.customers.values()],
      orders: [...this.orders.values()],
      requests,
      subscriptions: [...this.subscriptions.values()],
    };
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    const fd = openSync(temp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(snapshot));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    syncDirectory(dirname(file));
    // Only after the snapshot is durable may the log go; replaying it again would be harmless.
    const logFile = this.logFile as string;
    if (existsSync(logFile)) {
      const logFd = openSync(logFile, "r+");
      try {
        ftruncateSync(logFd, 0);
        fsyncSync(logFd);
      } finally {
        closeSync(logFd);
      }
    }
  }
}

function syncDirectory(dir: string): void {
  // Makes the rename durable on Linux; some platforms cannot open directories, which is harmless.
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort: see above */
  }
}

function assertNeverEntry(entry: never): never {
  throw new Error(`unknown sandbox log entry: ${JSON.stringify(entry)}`);
}

// A small promise wrapper over IndexedDB: the one place the app keeps data that must survive a reload.

const DB_NAME = "parley";
// 2: "history" (each conversation's newest page, for reading while offline).
// 3: "e2ee" (this device's encryption keys and what it decrypted, sealed: e2ee/vault.ts).
const VERSION = 3;
export type StoreName = "outbox" | "history" | "e2ee";

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "clientId" });
      if (!db.objectStoreNames.contains("history")) db.createObjectStore("history", { keyPath: "conversationId" });
      if (!db.objectStoreNames.contains("e2ee")) db.createObjectStore("e2ee");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => {
      opening = null;
      reject(req.error);
    };
  });
  return opening;
}

function run<T>(store: StoreName, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const req = fn(tx.objectStore(store));
        // Resolve on commit, not on the request: a write is only kept once its transaction completes.
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = tx.onabort = () => reject(tx.error ?? req.error);
      }),
  );
}

export const idbAll = <T>(store: StoreName) => run<T[]>(store, "readonly", (s) => s.getAll() as IDBRequest<T[]>);
export const idbPut = (store: StoreName, value: unknown, key?: string) =>
  run(store, "readwrite", (s) => s.put(value, key)).then(() => undefined);
/** Several values under their keys in one transaction: all kept, or none. */
export const idbPutAll = (store: StoreName, entries: [string, unknown][]) =>
  open().then(
    (db) =>
      new Promise<void>((resolve, reject) => {
        const tx = db.transaction(store, "readwrite");
        const s = tx.objectStore(store);
        for (const [k, v] of entries) s.put(v, k);
        tx.oncomplete = () => resolve();
        tx.onerror = tx.onabort = () => reject(tx.error);
      }),
  );
export const idbDelete = (store: StoreName, key: string) =>
  run(store, "readwrite", (s) => s.delete(key)).then(() => undefined);
export const idbGet = <T>(store: StoreName, key: string) =>
  run<T | undefined>(store, "readonly", (s) => s.get(key) as IDBRequest<T | undefined>);
export const idbKeys = (store: StoreName) =>
  run<IDBValidKey[]>(store, "readonly", (s) => s.getAllKeys()).then((keys) => keys.map(String));
export const idbClear = (store: StoreName) => run(store, "readwrite", (s) => s.clear()).then(() => undefined);

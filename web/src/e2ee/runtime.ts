// The web app's encryption at run time, in the chunk loaded with the first encrypted conversation: this
// browser's device (IndexedDB vault), kept in step with the server's event stream.
import { api as http, ApiError as HttpError } from "../app/api.ts";
import { ApiError, E2eeDevice, type Readable, type Transport } from "./device.ts";
import { idbVault } from "./vault.ts";
import { deviceLabel } from "../app/push.ts";
import type { MessageContent } from "./payload.ts";

const transport: Transport = {
  async call(method, path, body) {
    try {
      return await http(method, path, body);
    } catch (err) {
      if (err instanceof HttpError) throw new ApiError(err.code, err.message);
      throw err;
    }
  },
};

let device: Promise<E2eeDevice> | null = null;
let owner: string | null = null;

/** This browser's device for the user, registered on first use. */
export function deviceFor(userId: string, onReadable: (messageId: string, r: Readable) => void): Promise<E2eeDevice> {
  if (owner !== userId || !device) {
    owner = userId;
    const name = deviceLabel();
    device = E2eeDevice.open({ userId, name, vault: idbVault, api: transport, onReadable });
    device.catch(() => {
      device = null;
    });
  }
  return device;
}

/** The server no longer knows this device (removed from another one): the next use registers a new one. */
export function forgetDevice(): void {
  device = null;
}

export type { MessageContent, Readable };
export type { KeptMessage } from "./kept-messages.ts";

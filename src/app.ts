import { createMailer } from "./accounts/mailer.ts";
import type { Config } from "./config/config.ts";
import type { Deps } from "./http/context.ts";
import { createRouter } from "./http/router.ts";
import type { Logger } from "./lib/log.ts";
import { RateLimiter } from "./lib/rate-limiter.ts";
import { MINUTE } from "./lib/time.ts";
import type { Store } from "./store/store.ts";

export interface App {
  fetch: ReturnType<typeof createRouter>["fetch"];
  deps: Deps;
  /** Readiness goes false; new work is refused by the load balancer before the process stops. */
  startDraining(): void;
}

/** Builds the whole application around an open store. Never listens, so tests can drive it directly. */
export function createApp(config: Config, store: Store, log: Logger): App {
  const deps: Deps = {
    config,
    store,
    log,
    mailer: createMailer(config.smtpUrl, config.smtpFrom, log),
    authLimits: {
      byAddress: new RateLimiter(config.authRateLimit, MINUTE),
      byUsername: new RateLimiter(config.authRateLimit, MINUTE),
    },
  };
  let draining = false;
  const router = createRouter(deps, { isDraining: () => draining });
  return {
    fetch: router.fetch,
    deps,
    startDraining: () => {
      draining = true;
    },
  };
}

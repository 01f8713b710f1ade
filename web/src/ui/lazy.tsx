import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

/**
 * A component whose code loads on first use: screens and dialogs that not every visit needs stay out of
 * the first download. Renders nothing for the moment it takes.
 */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    useEffect(() => {
      if (Component) return;
      loading ??= load().then((c) => (loaded = c));
      let current = true;
      loading.then((c) => current && setComponent(() => c));
      return () => {
        current = false;
      };
    }, []);
    return Component ? <Component {...props} /> : null;
  };
}

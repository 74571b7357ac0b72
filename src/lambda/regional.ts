import type { Context } from 'aws-lambda';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * A step that may act in another region than its own (a copy's, under `distribute`): the event's `region` picks a
 * handler built with clients signed for that region, one per region and container; without one, the function's own.
 */
export const byRegion = <E, R>(build: (region: string | undefined) => Handler<E, R>): Handler<E, R> => {
  const built = new Map<string | undefined, Handler<E, R>>();
  return (event, context) => {
    const named = (event as { region?: unknown } | null)?.region;
    const region = typeof named === 'string' && named !== '' ? named : undefined;
    let handler = built.get(region);
    if (!handler) {
      handler = build(region);
      built.set(region, handler);
    }
    return handler(event, context);
  };
};

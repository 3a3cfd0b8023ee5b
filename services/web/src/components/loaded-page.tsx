import type { ComponentChildren } from 'preact';
import type { Loaded } from '../use-load.js';
import { Loading, Notice } from './notice.js';
import { Page } from './page.js';

/**
 * A page whose content is loaded first: "Loading …" while it comes, a clear
 * message (with a way back) when it fails, the content once it is there.
 */
export function LoadedPage<T>({
  loaded,
  title,
  what,
  notFound,
  back = { href: '/', label: 'Back to the events' },
  children,
}: {
  loaded: Loaded<T>;
  title: string;
  what: string;
  /** Said for a 404 instead of the generic message. */
  notFound: string;
  back?: { href: string; label: string };
  children: (value: T) => ComponentChildren;
}) {
  if (loaded.state === 'ready') return <>{children(loaded.value)}</>;
  return (
    <Page title={title}>
      {loaded.state === 'loading' ? (
        <Loading what={what} />
      ) : (
        <>
          <Notice kind="error">{loaded.error.status === 404 ? notFound : loaded.error.message}</Notice>
          <a href={back.href}>{back.label}</a>
        </>
      )}
    </Page>
  );
}

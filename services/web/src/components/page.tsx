import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * Every page's frame: the document title and one h1, which takes focus when
 * the page opens so screen readers and keyboard users start at the top of
 * the new content.
 */
export function Page({ title, children, wide }: { title: string; children: ComponentChildren; wide?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Ticketing`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <section class={wide ? 'page page-wide' : 'page'}>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}

import type pg from 'pg';

/**
 * A named statement: node-postgres prepares it once per connection (parse and
 * plan) and then only binds and executes it, instead of parsing and planning
 * the text again on every call — most of a hold's and a checkout's database
 * CPU. Every name must stand for one text only (pg refuses a second text under
 * a name it has prepared), so only statements whose text is fixed are named.
 */
export function named(name: string, text: string): pg.QueryConfig {
  return { name: `booking:${name}`, text };
}

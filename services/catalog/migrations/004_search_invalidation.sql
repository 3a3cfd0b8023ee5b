-- Search answers are cached in each catalog process; any write to what a
-- search returns (events, their venues and price tiers) tells every process
-- to drop its cache, whoever made the write (routes, imports, psql).
CREATE FUNCTION notify_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('catalog_search_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER events_search_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION notify_search_changed();
CREATE TRIGGER venues_search_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON venues
  FOR EACH STATEMENT EXECUTE FUNCTION notify_search_changed();
CREATE TRIGGER price_tiers_search_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON price_tiers
  FOR EACH STATEMENT EXECUTE FUNCTION notify_search_changed();
